"""Continuing education (继续教育, SPEC §6): the hours a person earns, and the yearly requirement they are held to."""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, Enum, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.certificate import CertificateStatus
from app.models.mixins import TimestampMixin, VersionedMixin, utcnow


class CeRecordStatus(enum.Enum):
    """申报记录状态 of seed 002: 草稿 → 送审 → 审核通过 / 退回 / 不通过."""

    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    returned = "returned"
    rejected = "rejected"


CE_RECORD_STATUS_LABELS = {
    CeRecordStatus.draft: _l("Draft"),
    CeRecordStatus.submitted: _l("Sent for review"),
    CeRecordStatus.approved: _l("CE hours approved"),
    CeRecordStatus.returned: _l("Returned"),
    CeRecordStatus.rejected: _l("Not approved"),
}


class CeSource(enum.Enum):
    """Where the hours come from: the person's own claim, or a class the provider marked completed (结业)."""

    claim = "claim"
    training_class = "training_class"


class CeRecord(TimestampMixin, VersionedMixin, Model):
    """继续教育记录: one course a person took, the hours claimed and the hours the unit recognised."""

    __tablename__ = "ce_record"
    __table_args__ = (
        Index("ix_ce_record_person_year", "user_id", "year", "status"),
        Index("ix_ce_record_unit_queue", "unit_id", "status"),
        CheckConstraint("claimed_hours >= 0 AND (recognised_hours IS NULL OR recognised_hours >= 0)",
                        name="ck_ce_record_hours"),
        CheckConstraint("end_date >= start_date", name="ck_ce_record_dates"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)  # 培训年度: the year the study ended
    course_type: Mapped[str] = mapped_column(String(20), nullable=False)  # dictionary course_type
    course_name: Mapped[str] = mapped_column(String(200), nullable=False)
    learning_form: Mapped[str | None] = mapped_column(String(20))  # dictionary learning_form
    provider_name: Mapped[str] = mapped_column(String(100), nullable=False)  # 施教机构
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    claimed_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), nullable=False)  # 拟申报学时
    recognised_hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))  # 认定学时
    status: Mapped[CeRecordStatus] = mapped_column(
        Enum(CeRecordStatus, name="ce_record_status", native_enum=False, length=10), nullable=False,
        default=CeRecordStatus.draft,
    )
    source: Mapped[CeSource] = mapped_column(
        Enum(CeSource, name="ce_source", native_enum=False, length=16), nullable=False, default=CeSource.claim
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))  # the unit that reviews it (法人单位)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    review_comment: Mapped[str | None] = mapped_column(String(500))

    user = relationship("AppUser", foreign_keys=[user_id])
    unit = relationship("Org")
    reviewer = relationship("AppUser", foreign_keys=[reviewer_id])
    attachment = relationship("Attachment")
    events = relationship("CeRecordEvent", back_populates="record", order_by="CeRecordEvent.id",
                          cascade="all, delete-orphan", passive_deletes=True)


class CeYearTotal(Model):
    """One person's recognised hours and 门数 of one 培训年度, by course type: the sums of their approved records.

    Kept by `app.workflow.ce_totals` whenever a record becomes approved (approved is final), so the 年度认证情况 of
    a province pages through persons without summing ten million records each time.
    """

    __tablename__ = "ce_year_total"

    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_hours: Mapped[Decimal] = mapped_column(Numeric(8, 1), nullable=False, default=0)
    public_courses: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    professional_hours: Mapped[Decimal] = mapped_column(Numeric(8, 1), nullable=False, default=0)
    professional_courses: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    elective_hours: Mapped[Decimal] = mapped_column(Numeric(8, 1), nullable=False, default=0)
    elective_courses: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CeRecordEvent(Model):
    """One step in a CE record's life (送审, 审核通过, 退回, 不通过, 结业 ...): who, when, hours and reason."""

    __tablename__ = "ce_record_event"
    __table_args__ = (Index("ix_ce_record_event_record", "record_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("ce_record.id", ondelete="CASCADE"), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    comment: Mapped[str | None] = mapped_column(Text)

    record = relationship("CeRecord", back_populates="events")
    actor = relationship("AppUser", lazy="joined")
    actor_org = relationship("Org", lazy="joined")


class BindingStatus(enum.Enum):
    """A person's tie to a 法人单位 (seed 002 与法人单位绑定关系): asked, confirmed, refused or ended."""

    pending = "pending"
    confirmed = "confirmed"
    rejected = "rejected"
    ended = "ended"


BINDING_STATUS_LABELS = {
    BindingStatus.pending: _l("Awaiting the unit's confirmation"),
    BindingStatus.confirmed: _l("Binding confirmed"),
    BindingStatus.rejected: _l("Binding refused"),
    BindingStatus.ended: _l("Binding ended"),
}

# At most one binding per person is pending or confirmed; the partial index makes that hold under concurrency.
_LIVE_BINDING = "status IN ('pending', 'confirmed')"


class UnitBinding(TimestampMixin, VersionedMixin, Model):
    """单位绑定: the 法人单位 a person asks to belong to, which reviews their CE claims once it confirms."""

    __tablename__ = "unit_binding"
    __table_args__ = (
        Index("uq_unit_binding_live", "user_id", unique=True,
              sqlite_where=sa_text(_LIVE_BINDING), postgresql_where=sa_text(_LIVE_BINDING)),
        Index("ix_unit_binding_unit_status", "unit_id", "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org.id"), nullable=False)
    status: Mapped[BindingStatus] = mapped_column(
        Enum(BindingStatus, name="binding_status", native_enum=False, length=10), nullable=False,
        default=BindingStatus.pending,
    )
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(500))  # why it was refused or ended

    user = relationship("AppUser", foreign_keys=[user_id])
    unit = relationship("Org", lazy="joined")
    decided_by = relationship("AppUser", foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return str(BINDING_STATUS_LABELS[self.status])


class CePolicy(TimestampMixin, Model):
    """继续教育学时要求 for a region from a year on (a later year's row replaces it); no region: the national rule."""

    __tablename__ = "ce_policy"
    __table_args__ = (UniqueConstraint("region_code", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str | None] = mapped_column(String(32))  # dictionary region; empty = nationwide
    year: Mapped[int] = mapped_column(Integer, nullable=False)  # in force from this 培训年度
    min_total: Mapped[Decimal] = mapped_column(Numeric(6, 1), nullable=False, default=Decimal(90))
    # 专业科目 (专业课 and 个人选修课) at least numerator/denominator of the total; kept as a fraction to stay exact.
    professional_share_numerator: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    professional_share_denominator: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    min_public: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    min_professional: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    min_elective: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    hours_per_day: Mapped[Decimal] = mapped_column(Numeric(4, 1), nullable=False, default=Decimal(8))
    minutes_per_hour: Mapped[int] = mapped_column(Integer, nullable=False, default=45)
    basis: Mapped[str | None] = mapped_column(String(200))  # the rule it comes from, e.g. 人社部令第25号

    def __str__(self) -> str:
        return f"{self.region_code or '全国'} {self.year}"


class CeCertificate(Model):
    """继续教育证书 of one 培训年度 (seed 002 §3.3.4): the year's figures as they stood when it was printed.

    Printing again after the recognised hours changed issues a new number and marks the old one replaced, so a
    printed certificate never silently disagrees with its verification.
    """

    __tablename__ = "ce_certificate"
    __table_args__ = (
        Index("uq_ce_certificate_valid", "holder_id", "year", unique=True,
              sqlite_where=sa_text("status = 'valid'"), postgresql_where=sa_text("status = 'valid'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    verification_code: Mapped[str] = mapped_column(String(12), nullable=False)
    holder_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=False, index=True)
    holder_name: Mapped[str] = mapped_column(String(64), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    series: Mapped[str | None] = mapped_column(String(20))  # 专业系列 of the holder's profile
    public_courses: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    public_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), nullable=False, default=Decimal(0))
    professional_courses: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    professional_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), nullable=False, default=Decimal(0))
    elective_courses: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    elective_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), nullable=False, default=Decimal(0))
    total_hours: Mapped[Decimal] = mapped_column(Numeric(7, 1), nullable=False, default=Decimal(0))
    compliant: Mapped[bool] = mapped_column(Boolean, nullable=False)  # 年度认证情况: 达标 / 未达标
    issued_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status: Mapped[CertificateStatus] = mapped_column(
        Enum(CertificateStatus, name="certificate_status", native_enum=False, length=10),
        nullable=False, default=CertificateStatus.valid,
    )
    original_id: Mapped[int | None] = mapped_column(ForeignKey("ce_certificate.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    holder = relationship("AppUser", lazy="joined")
