"""失信记录 (信用管理, SPEC §7): kept for good, never deleted; a record ends at its 有效期 or early with a reason."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import VersionedMixin, utcnow
from app.services.workdays import local_today


class CreditSubjectType(enum.Enum):
    person = "person"
    unit = "unit"
    expert = "expert"


CREDIT_SUBJECT_LABELS = {
    CreditSubjectType.person: _l("Individual"),
    CreditSubjectType.unit: _l("Organisation"),
    CreditSubjectType.expert: _l("Evaluation expert"),
}


class CreditRecord(VersionedMixin, Model):
    """One 失信记录: who, what they did, the decision, who recorded it and how long it applies."""

    __tablename__ = "credit_record"
    __table_args__ = (Index("ix_credit_record_number_until", "subject_number", "valid_until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[CreditSubjectType] = mapped_column(
        Enum(CreditSubjectType, name="credit_subject_type", native_enum=False, length=8), nullable=False
    )
    subject_name: Mapped[str] = mapped_column(String(100), nullable=False)
    subject_number: Mapped[str] = mapped_column(String(30), nullable=False)  # 证件号码 or 统一社会信用代码
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    subject_org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    content: Mapped[str] = mapped_column(String(500), nullable=False)  # 失信内容
    decision: Mapped[str] = mapped_column(String(500), nullable=False)  # 处理决定
    valid_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[dt.date] = mapped_column(Date, nullable=False)
    recorder_org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), nullable=False, index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    end_reason: Mapped[str | None] = mapped_column(String(500))

    user = relationship("AppUser", foreign_keys=[user_id])
    subject_org = relationship("Org", foreign_keys=[subject_org_id])
    recorder_org = relationship("Org", foreign_keys=[recorder_org_id])
    recorded_by = relationship("AppUser", foreign_keys=[recorded_by_id])
    ended_by = relationship("AppUser", foreign_keys=[ended_by_id])
    certificate = relationship("Certificate")

    def is_active(self, today: dt.date) -> bool:
        return self.ended_at is None and self.valid_from <= today <= self.valid_until

    def status_label(self) -> str:
        """有效 / 未生效 / 已到期 / 已结束, as of today where people are."""
        today = local_today()
        if self.ended_at is not None:
            return str(_l("Ended"))
        if today < self.valid_from:
            return str(_l("Not yet in force"))
        return str(_l("In force") if today <= self.valid_until else _l("Expired"))

    def __str__(self) -> str:
        return f"{self.subject_name}：{self.content}"
