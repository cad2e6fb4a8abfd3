"""Replacement Word templates uploaded by an administrator, one numbered version after another per document type.

The shipped template of a document is its default; `DocumentTemplateChoice` says which uploaded version, if any,
is in use. Versions are never deleted, so every document ever produced can be traced to the template it came from.
"""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.models.mixins import utcnow


class DocumentTemplateVersion(Model):
    """One uploaded .docx, validated before it was stored; the bytes are kept in the database (they are small)."""

    __tablename__ = "document_template_version"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_document_template_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    note: Mapped[str | None] = mapped_column(String(500))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    uploaded_by = relationship("AppUser", lazy="joined")


class DocumentTemplateChoice(Model):
    """The version in use for one document type (at most one row per code); no row or no version: the default."""

    __tablename__ = "document_template_choice"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("document_template_version.id", ondelete="RESTRICT"))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    version = relationship("DocumentTemplateVersion", lazy="joined")
    changed_by = relationship("AppUser", lazy="joined")
