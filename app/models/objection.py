"""异议: objections raised against a candidate during a 公示; an open one pauses the application."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import VersionedMixin, utcnow


class ObjectionStatus(enum.Enum):
    open = "open"
    upheld = "upheld"
    dismissed = "dismissed"


OBJECTION_STATUS_LABELS = {
    ObjectionStatus.open: _l("Being verified"),
    ObjectionStatus.upheld: _l("Upheld"),
    ObjectionStatus.dismissed: _l("Not upheld"),
}


class Objection(VersionedMixin, Model):
    """One objection, recorded by the office that runs the 公示 and resolved by it with a written finding."""

    __tablename__ = "objection"
    __table_args__ = (Index("ix_objection_application_status", "application_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), nullable=False)
    # The 公示 it was raised in (unit_publicity or result_publicity).
    phase: Mapped[str] = mapped_column(String(24), nullable=False)
    raised_by: Mapped[str] = mapped_column(String(60), nullable=False)
    contact: Mapped[str | None] = mapped_column(String(60))
    content: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[ObjectionStatus] = mapped_column(
        Enum(ObjectionStatus, name="objection_status", native_enum=False, length=10), nullable=False,
        default=ObjectionStatus.open,
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    finding: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    application = relationship("Application", lazy="joined")
    recorded_by = relationship("AppUser", foreign_keys=[recorded_by_id], lazy="joined")
    resolved_by = relationship("AppUser", foreign_keys=[resolved_by_id], lazy="joined")
