"""The generated documents of each submitted version of an application, kept exactly as they were produced."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import utcnow


class ArchivedDocument(Model):
    """One document of one submission (提交 or 重新提交): its file, hash, who submitted and when."""

    __tablename__ = "archived_document"
    __table_args__ = (UniqueConstraint("application_id", "submission", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The unique constraint's leading column serves lookups by application; no separate index.
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), nullable=False)
    submission: Mapped[int] = mapped_column(Integer, nullable=False)  # 1 for the first 提交, 2 for the next …
    code: Mapped[str] = mapped_column(String(30), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    created_by = relationship("AppUser", lazy="joined")
