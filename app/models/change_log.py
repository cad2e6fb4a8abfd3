"""Field-level change history: one row per changed field of a tracked record, append-only."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import utcnow


class ChangeLog(Model):
    """Who changed which field of which record from what to what; `change_id` ties together the fields of one save."""

    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_record", "record_type", "record_id", "id"),
        Index("ix_change_log_owner", "owner_type", "owner_id", "id"),
        Index("ix_change_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    roles: Mapped[str | None] = mapped_column(String(255))
    ip: Mapped[str | None] = mapped_column(String(45))
    change_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    operation: Mapped[str] = mapped_column(String(10), nullable=False)  # insert | update | delete
    record_type: Mapped[str] = mapped_column(String(60), nullable=False)
    record_id: Mapped[int | None] = mapped_column(Integer)
    # The record whose timeline shows the change: a profile sub-record shows on its owner's profile.
    owner_type: Mapped[str] = mapped_column(String(60), nullable=False)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60), nullable=False)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    user = relationship("AppUser", lazy="joined")
