"""The demo applicant's continuing education: a binding to their unit and five full years of recognised hours."""
from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AppUser, Attachment, BasicInfo, BindingStatus, CeRecord, CeRecordEvent, CeRecordStatus, UnitBinding,
)
from app.models.mixins import utcnow
from app.services import attachments
from app.services.workdays import local_today

# One year of study that meets both the national rule and Guangdong's split (公需 30, 专业 42, 选修 18 of 90).
YEAR_OF_STUDY = (
    ("public", "专业技术人员职业道德与诚信建设", "online", "广东省专业技术人员继续教育网络学院", 3, 1, 12),
    ("public", "数字经济与创新驱动发展", "online", "广东省专业技术人员继续教育网络学院", 4, 2, 18),
    ("professional", "信息系统架构设计前沿", "face_to_face", "华南理工大学继续教育学院", 5, 3, 24),
    ("professional", "网络与信息安全专题培训", "face_to_face", "华南理工大学继续教育学院", 9, 3, 18),
    ("elective", "项目管理实务", "face_to_face", "广东省电子信息技术研究院", 10, 3, 18),
)
YEARS = 5


def load_ce(applicant: AppUser, unit_reviewer: AppUser) -> int:
    """Bind the applicant to the unit of their profile and give them the last five years; 0 if present."""
    if db.session.scalar(select(UnitBinding.id).where(UnitBinding.user_id == applicant.id)) is not None:
        return 0
    unit_id = db.session.scalar(select(BasicInfo.unit_id).where(BasicInfo.user_id == applicant.id))
    now = utcnow()
    db.session.add(UnitBinding(
        user_id=applicant.id, unit_id=unit_id, status=BindingStatus.confirmed, requested_at=now,
        decided_at=now, decided_by_id=unit_reviewer.id,
    ))
    created = 1 + add_recognised_years(applicant, unit_reviewer, unit_id)
    db.session.commit()
    return created


def add_recognised_years(applicant: AppUser, reviewer: AppUser, unit_id: int, years: int = YEARS) -> int:
    """A complete year of study for each of the last `years` full years, claimed and recognised (not committed)."""
    created = 0
    this_year = local_today().year
    for year in range(this_year - years, this_year):
        for course_type, name, form, provider, month, days, hours in YEAR_OF_STUDY:
            _approved_claim(applicant, reviewer, unit_id, year, course_type, name, form, provider,
                            dt.date(year, month, 10), days, Decimal(hours))
            created += 1
    return created


def _approved_claim(applicant, reviewer, unit_id, year, course_type, name, form, provider, start, days, hours):
    """A claim as the workflow leaves it: sent with its proof, then recognised in full by the unit."""
    proof = _proof(applicant, f"{year} {name}")
    end = start + dt.timedelta(days=days - 1)
    submitted = dt.datetime.combine(end + dt.timedelta(days=3), dt.time(2, 0))
    reviewed = submitted + dt.timedelta(days=2)
    record = CeRecord(
        user_id=applicant.id, year=year, course_type=course_type, course_name=name, learning_form=form,
        provider_name=provider, start_date=start, end_date=end, claimed_hours=hours, recognised_hours=hours,
        status=CeRecordStatus.approved, unit_id=unit_id, attachment=proof, submitted_at=submitted,
        reviewed_at=reviewed, reviewer_id=reviewer.id,
    )
    record.events = [
        CeRecordEvent(at=submitted, action="submit", from_status="draft", to_status="submitted",
                      actor_id=applicant.id, hours=hours),
        CeRecordEvent(at=reviewed, action="approve", from_status="submitted", to_status="approved",
                      actor_id=reviewer.id, actor_org_id=unit_id, hours=hours),
    ]
    db.session.add(record)


def _proof(applicant: AppUser, text: str) -> Attachment:
    """A small PDF standing in for the 学时证明 a person would scan."""
    data = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"% " + text.encode() + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    attachment = Attachment(owner_id=applicant.id, storage_key=attachments.write(data),
                            original_name="学时证明.pdf", content_type="application/pdf", size=len(data),
                            sha256=hashlib.sha256(data).hexdigest())
    db.session.add(attachment)
    return attachment
