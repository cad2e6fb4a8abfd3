"""Database constraints for the invariants the code relies on (migration 0022), tried with raw SQL that bypasses
the application's own checks: each must be refused by the database itself, on SQLite and on PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import (
    AppState, Application, ApplicationMaterial, ApplicationSnapshot, BusinessType, Certificate, TrainingClass,
)
from app.workflow import engine, training
from factories import RECOGNITION_FORM, race, submitted_recognition, user



def refused(statement: str, **params) -> None:
    """The statement fails in the database and leaves nothing behind."""
    with pytest.raises(DBAPIError):
        db.session.execute(text(statement), params)
        db.session.flush()
    db.session.rollback()


def accepted(statement: str, **params) -> None:
    db.session.execute(text(statement), params)
    db.session.rollback()


def test_id_number_must_be_normalised_and_unique(app):
    with app.app_context():
        person = user("demo_applicant")
        number = person.id_number
        other = user("demo_unit")
        # A trailing x (lower case) or a space is refused: numbers are stored upper case, so X and x collide.
        refused("UPDATE ab_user SET id_number = :n WHERE id = :id", n="11010519491231002x", id=person.id)
        refused("UPDATE ab_user SET id_number = :n WHERE id = :id", n="110105 19491231002X", id=person.id)
        # The same number twice is refused.
        refused("UPDATE ab_user SET id_number = :n WHERE id = :id", n=number, id=other.id)
        accepted("UPDATE ab_user SET id_number = :n WHERE id = :id", n="11010519491231002X", id=other.id)
        assert db.session.get(type(person), person.id).id_number == number


def test_certificate_numbers_are_unique(app):
    with app.app_context():
        holder = user("demo_applicant")
        for number in ("粤高职证字第2026000001号", "粤高职证字第2026000002号"):
            db.session.add(Certificate(number=number, verification_code="ABCD1234", holder_id=holder.id,
                                       holder_name="张三", title="GC_4", issued_on=dt.date(2026, 1, 5)))
        db.session.commit()
        ids = db.session.scalars(select(Certificate.id).order_by(Certificate.id.desc()).limit(2)).all()
        refused("UPDATE certificate SET number = (SELECT number FROM certificate WHERE id = :a) WHERE id = :b",
                a=ids[0], b=ids[1])
        refused("INSERT INTO certificate (number, verification_code, holder_id, holder_name, title, issued_on, "
                "status, created_at) SELECT number, verification_code, holder_id, holder_name, title, issued_on, "
                "status, created_at FROM certificate WHERE id = :a", a=ids[0])


def test_training_class_seats_never_exceed_capacity(app):
    with app.app_context():
        cid = training.save_class(None, user("demo_provider"), training.ClassInput(
            name="2026年电子信息专业技术人员培训班", course_name="人工智能工程应用", course_type="professional",
            learning_form="face_to_face", days="2", start_date="2026-03-02", hours="16", capacity="5",
            subjects=("机器学习基础",))).id
        assert db.session.get(TrainingClass, cid).confirmed_count == 0
        refused("UPDATE training_class SET confirmed_count = capacity + 1 WHERE id = :id", id=cid)
        refused("UPDATE training_class SET confirmed_count = -1 WHERE id = :id", id=cid)
        refused("UPDATE training_class SET capacity = 0 WHERE id = :id", id=cid)
        refused("UPDATE training_class SET hours = -1 WHERE id = :id", id=cid)
        accepted("UPDATE training_class SET confirmed_count = capacity WHERE id = :id", id=cid)
        # Shrinking the capacity under the seats already taken is refused too.
        db.session.execute(text("UPDATE training_class SET confirmed_count = 2, capacity = 5 WHERE id = :id"),
                           {"id": cid})
        db.session.commit()
        refused("UPDATE training_class SET capacity = 1 WHERE id = :id", id=cid)


def test_hours_and_date_orders(app):
    with app.app_context():
        ce = db.session.execute(text("SELECT id FROM ce_record ORDER BY id LIMIT 1")).scalar()
        assert ce is not None
        refused("UPDATE ce_record SET claimed_hours = -1 WHERE id = :id", id=ce)
        refused("UPDATE ce_record SET recognised_hours = -0.5 WHERE id = :id", id=ce)
        refused("UPDATE ce_record SET end_date = :d, start_date = :s WHERE id = :id",
                d=dt.date(2020, 1, 1), s=dt.date(2020, 2, 1), id=ce)
        batch = db.session.execute(text("SELECT id FROM review_batch ORDER BY id LIMIT 1")).scalar()
        refused("UPDATE review_batch SET closes_on = :c, opens_on = :o WHERE id = :id",
                c=dt.date(2020, 1, 1), o=dt.date(2020, 2, 1), id=batch)
        for table in ("profile_education", "profile_work", "profile_training", "profile_achievement"):
            row = db.session.execute(text(f"SELECT id FROM {table} ORDER BY id LIMIT 1")).scalar()
            assert row is not None, table
            refused(f"UPDATE {table} SET start_date = :s, end_date = :e WHERE id = :id",
                    s=dt.date(2020, 2, 1), e=dt.date(2020, 1, 1), id=row)
            accepted(f"UPDATE {table} SET start_date = :s, end_date = :e WHERE id = :id",
                     s=dt.date(2020, 1, 1), e=dt.date(2020, 1, 1), id=row)
        training = db.session.execute(text("SELECT id FROM profile_training ORDER BY id LIMIT 1")).scalar()
        refused("UPDATE profile_training SET hours = 0 WHERE id = :id", id=training)


def _insert_application(user_id: int, state: str, business: str = "recognition") -> None:
    db.session.execute(text(
        "INSERT INTO application (business_type, user_id, state, exceptional, form, version, created_at, updated_at) "
        "VALUES (:b, :u, :s, :f, '{}', 1, :now, :now)"), {"b": business, "u": user_id, "s": state, "f": False,
                                                          "now": dt.datetime(2026, 1, 1)})


def test_one_open_application_per_business(app):
    with app.app_context():
        uid = user("demo_supervisor").id  # a person without applications in the demo
        _insert_application(uid, "unit_review")
        db.session.commit()
        with pytest.raises(DBAPIError):
            _insert_application(uid, "supervisor_review")
            db.session.flush()
        db.session.rollback()
        # Drafts and finished ones do not count; another business does not either.
        for state in ("draft", "draft", "completed", "rejected", "terminated", "ended"):
            _insert_application(uid, state)
        _insert_application(uid, "unit_review", "evaluation")
        db.session.commit()
        # Reopening a finished one while another is open is refused as well.
        finished = db.session.execute(text(
            "SELECT id FROM application WHERE user_id = :u AND state = 'completed'"), {"u": uid}).scalar()
        refused("UPDATE application SET state = 'unit_review' WHERE id = :id", id=finished)


def test_two_drafts_submitted_at_once_leave_one_open(app):
    with app.app_context():
        applicant = user("demo_applicant")
        ids = []
        for _ in range(2):
            application = Application(business_type=BusinessType.recognition, user_id=applicant.id, series="GC",
                                      title="GC_4", form=dict(RECOGNITION_FORM))
            application.materials.append(ApplicationMaterial(name="学历证书复印件", copies=1))
            db.session.add(application)
            db.session.commit()
            ids.append(application.id)

    def submitting(app_id):
        def prepare():
            actor = user("demo_applicant")
            return lambda: engine.apply(app_id, "submit", actor)
        return prepare

    outcomes = race(app, [submitting(ids[0]), submitting(ids[1])], Exception)
    assert outcomes == ["lost", "ok"]
    with app.app_context():
        states = db.session.scalars(select(Application.state).where(Application.id.in_(ids))).all()
        assert sorted(s.value for s in states) == ["draft", "unit_review"]


def test_snapshots_are_append_only(app):
    with app.app_context():
        application_id = submitted_recognition()
        snapshot_id = db.session.scalar(select(ApplicationSnapshot.id).where(
            ApplicationSnapshot.application_id == application_id))
        assert snapshot_id is not None
        refused("UPDATE application_snapshot SET submission = 9 WHERE id = :id", id=snapshot_id)
        refused("UPDATE application_snapshot SET data = '{}' WHERE id = :id", id=snapshot_id)
        refused("DELETE FROM application_snapshot WHERE id = :id", id=snapshot_id)
        refused("DELETE FROM application WHERE id = :id", id=application_id)
        assert db.session.scalar(select(func.count()).select_from(ApplicationSnapshot).where(
            ApplicationSnapshot.id == snapshot_id)) == 1
        assert db.session.get(Application, application_id).state == AppState.unit_review
