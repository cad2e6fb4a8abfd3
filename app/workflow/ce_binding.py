"""Unit binding (单位绑定, seed 002 人员基本信息维护): which 法人单位 reviews a person's continuing education."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import BindingStatus, UnitBinding


def bound_unit_id(user_id: int) -> int | None:
    """The unit that confirmed the person's binding, or None while there is none."""
    return db.session.scalar(
        select(UnitBinding.unit_id).where(
            UnitBinding.user_id == user_id, UnitBinding.status == BindingStatus.confirmed
        )
    )
