"""Title certificates (职称证书): issued on completion of a business, verifiable by number and code."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import utcnow


class CertificateStatus(enum.Enum):
    valid = "valid"
    replaced = "replaced"
    revoked = "revoked"


CERTIFICATE_STATUS_LABELS = {
    CertificateStatus.valid: _l("Valid"),
    CertificateStatus.replaced: _l("Replaced by a reissued certificate"),
    CertificateStatus.revoked: _l("Revoked"),
}


class Certificate(Model):
    """One certificate; a reissue is a new certificate pointing at the one it replaces."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    verification_code: Mapped[str] = mapped_column(String(12), nullable=False)
    holder_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=False, index=True)
    holder_name: Mapped[str] = mapped_column(String(64), nullable=False)
    series: Mapped[str | None] = mapped_column(String(20))
    specialty: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(20), nullable=False)
    level: Mapped[str | None] = mapped_column(String(4))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    issued_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), unique=True)
    original_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    status: Mapped[CertificateStatus] = mapped_column(
        Enum(CertificateStatus, name="certificate_status", native_enum=False, length=10),
        nullable=False, default=CertificateStatus.valid,
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(500))

    holder = relationship("AppUser", lazy="joined")
    committee = relationship("Org", foreign_keys=[committee_id], lazy="joined")
    issuer = relationship("Org", foreign_keys=[issuer_id], lazy="joined")
    original = relationship("Certificate", remote_side=[id], lazy="joined", join_depth=1)


class CertificateCounter(Model):
    """The last sequence number used per number prefix (year and kind), taken under a row lock."""

    __tablename__ = "certificate_counter"

    prefix: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
