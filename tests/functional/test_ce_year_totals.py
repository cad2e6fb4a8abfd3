"""年度学时 sums (ce_year_total) stay equal to the approved records, whichever path approves or changes them."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from sqlalchemy import delete, select
from werkzeug.datastructures import FileStorage

import factories as f
from app.extensions import db
from app.models import AppUser, BindingStatus, CeRecord, CeRecordStatus, CeYearTotal, UnitBinding
from app.services.workdays import local_today
from app.workflow import ce_claims, ce_totals

PASSWORD = "Learner#2026x"


def _kept() -> set[tuple]:
    return {tuple(row) for row in db.session.execute(select(CeYearTotal.__table__))}


def _summed() -> set[tuple]:
    return {tuple(row) for row in db.session.execute(ce_totals.sums_by_person_year())}


def _row(user_id: int, year: int) -> tuple | None:
    found = db.session.get(CeYearTotal, (user_id, year))
    return None if found is None else (found.public_hours, found.public_courses, found.professional_hours,
                                       found.professional_courses, found.elective_hours, found.elective_courses)


def _claim(owner: AppUser, hours: str, course_type: str = "professional") -> CeRecord:
    ended = local_today() - dt.timedelta(days=9)
    record = ce_claims.save_draft(None, owner, dict(
        course_type=course_type, course_name="5G 通信新技术", learning_form="face_to_face",
        provider_name="华南理工大学继续教育学院", start_date=(ended - dt.timedelta(days=1)).isoformat(),
        end_date=ended.isoformat(), claimed_hours=hours), upload=FileStorage(io.BytesIO(f.pdf_bytes()),
                                                                             filename="结业证明.pdf"))
    return ce_claims.submit(record, owner, record.version)


def test_demo_data_is_summed_as_it_was_written(app):
    with app.app_context():
        assert _kept() == _summed() and _kept()


def test_a_unit_approving_a_claim_adds_its_hours_and_a_refusal_adds_nothing(app):
    with app.app_context():
        learner = f.make_person("ce_total_learner", PASSWORD, f.UNIT_A)
        db.session.add(UnitBinding(user_id=learner.id, unit_id=f.org(f.UNIT_A).id, status=BindingStatus.confirmed))
        db.session.commit()
        year = (local_today() - dt.timedelta(days=9)).year
        unit = f.user("demo_unit")
        first = _claim(learner, "12")
        assert _row(learner.id, year) is None  # submitted is not yet recognised
        ce_claims.approve(first, unit, "10", "", first.version)
        assert _row(learner.id, year) == (0, 0, Decimal(10), 1, 0, 0)
        second = _claim(learner, "8", course_type="public")
        ce_claims.approve(second, unit, "8", "", second.version)
        third = _claim(learner, "6")
        ce_claims.reject(third, unit, "证明材料与课程不符", third.version)
        assert _row(learner.id, year) == (Decimal(8), 1, Decimal(10), 1, 0, 0)
        assert _kept() == _summed()


def test_a_completed_training_class_counts_once(app):
    this_year = local_today().year
    with app.app_context():
        # 结业 inserts the record approved, then its event: both pass the mapper events, the hours count once.
        learner_id = f.learner_with_a_completed_class("ce_total_class", PASSWORD, "学时合计测试班")
        assert _row(learner_id, this_year) == (Decimal(12), 1, 0, 0, 0, 0)
        assert _kept() == _summed()


def test_changes_by_hand_and_a_deleted_person_keep_the_sums(app):
    with app.app_context():
        owner = f.user("demo_applicant")
        record = db.session.scalars(select(CeRecord).where(
            CeRecord.user_id == owner.id, CeRecord.status == CeRecordStatus.approved)).first()
        year, before = record.year, _row(owner.id, record.year)
        record.status = CeRecordStatus.rejected  # an administrator's correction through the ORM
        db.session.commit()
        assert _row(owner.id, year) != before and _kept() == _summed()
        record.status, record.year = CeRecordStatus.approved, year - 20  # moved to a year of its own
        db.session.commit()
        assert _row(owner.id, year - 20) is not None and _kept() == _summed()
        db.session.delete(record)
        db.session.commit()
        assert _row(owner.id, year - 20) is None and _kept() == _summed()
        learner = f.make_person("ce_total_leaver", PASSWORD, f.UNIT_A)
        db.session.add(CeRecord(user_id=learner.id, year=year, course_type="public", course_name="法治素养",
                                provider_name="中山大学继续教育学院", start_date=dt.date(year, 3, 1),
                                end_date=dt.date(year, 3, 2), claimed_hours=Decimal(12),
                                recognised_hours=Decimal(12), status=CeRecordStatus.approved))
        db.session.commit()
        assert _row(learner.id, year) == (Decimal(12), 1, 0, 0, 0, 0)
        db.session.execute(delete(AppUser).where(AppUser.id == learner.id))
        db.session.commit()
        assert _row(learner.id, year) is None and _kept() == _summed()
