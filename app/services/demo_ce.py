"""The demo applicant's continuing education: a binding to their unit, confirmed by the unit's reviewer."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AppUser, BasicInfo, BindingStatus, UnitBinding
from app.models.mixins import utcnow


def load_ce(applicant: AppUser, unit_reviewer: AppUser) -> int:
    """Bind the applicant to the unit of their profile; 0 if a binding exists already."""
    if db.session.scalar(select(UnitBinding.id).where(UnitBinding.user_id == applicant.id)) is not None:
        return 0
    unit_id = db.session.scalar(select(BasicInfo.unit_id).where(BasicInfo.user_id == applicant.id))
    now = utcnow()
    db.session.add(UnitBinding(
        user_id=applicant.id, unit_id=unit_id, status=BindingStatus.confirmed, requested_at=now,
        decided_at=now, decided_by_id=unit_reviewer.id,
    ))
    db.session.commit()
    return 1
