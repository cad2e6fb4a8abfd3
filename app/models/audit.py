"""The operation log: who did what to which record, from where, with what outcome."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import utcnow


class OperationLog(Model):
    """An append-only record of one operation."""

    __tablename__ = "operation_log"
    __table_args__ = (
        Index("ix_operation_log_target", "target_type", "target_id"),
        Index("ix_operation_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    roles: Mapped[str | None] = mapped_column(String(255))  # the actor's role names at that moment
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    target_type: Mapped[str] = mapped_column(String(60), nullable=False)
    target_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False, default="success")
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(Text)

    user = relationship("AppUser", lazy="joined")
