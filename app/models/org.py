"""Organisations: one tree of authority → supervisor → unit, plus committees and providers."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import TimestampMixin, VersionedMixin


class OrgKind(str, enum.Enum):
    """What an organisation does in the review chain."""

    authority = "authority"
    supervisor = "supervisor"
    unit = "unit"
    committee = "committee"
    provider = "provider"


ORG_KIND_LABELS = {
    OrgKind.authority: _l("Authority (HRSS department)"),
    OrgKind.supervisor: _l("Supervising department"),
    OrgKind.unit: _l("Employer unit"),
    OrgKind.committee: _l("Review committee"),
    OrgKind.provider: _l("Training provider"),
}

# Which kinds may stand directly above a kind in the tree; None means "may be a root".
ALLOWED_PARENT_KINDS: dict[OrgKind, set[OrgKind | None]] = {
    OrgKind.authority: {None, OrgKind.authority},
    OrgKind.supervisor: {OrgKind.authority, OrgKind.supervisor},
    OrgKind.unit: {OrgKind.supervisor, OrgKind.authority},
    OrgKind.committee: {None, OrgKind.authority, OrgKind.supervisor},
    OrgKind.provider: {None, OrgKind.authority, OrgKind.supervisor},
}


class OrgStatus(str, enum.Enum):
    """Life of an organisation record."""

    pending = "pending"
    active = "active"
    disabled = "disabled"


ORG_STATUS_LABELS = {
    OrgStatus.pending: _l("Pending approval"),
    OrgStatus.active: _l("Active"),
    OrgStatus.disabled: _l("Disabled"),
}

committee_series = Table(
    "committee_series",
    Model.metadata,
    Column("org_id", Integer, ForeignKey("org.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", Integer, ForeignKey("dict_item.id", ondelete="RESTRICT"), primary_key=True),
)
committee_levels = Table(
    "committee_levels",
    Model.metadata,
    Column("org_id", Integer, ForeignKey("org.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", Integer, ForeignKey("dict_item.id", ondelete="RESTRICT"), primary_key=True),
)


class Org(TimestampMixin, VersionedMixin, Model):
    """An organisation: authority, supervisor, unit, committee or provider."""

    __tablename__ = "org"
    __table_args__ = (
        Index("ix_org_kind_status", "kind", "status"),
        Index("ix_org_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    short_name: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[OrgKind] = mapped_column(
        Enum(OrgKind, name="org_kind", native_enum=False, length=20), nullable=False, index=True
    )
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    # An admin may keep a USCC whose check character fails; who, when and why is kept here.
    uscc_override: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    uscc_override_reason: Mapped[str | None] = mapped_column(String(200))
    uscc_override_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    uscc_override_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    # Materialised path "/1/5/12/": the subtree of an org is every path starting with its own.
    path: Mapped[str] = mapped_column(String(400), nullable=False, default="/")
    depth: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    region_code: Mapped[str | None] = mapped_column(String(32), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    contact_person: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[OrgStatus] = mapped_column(
        Enum(OrgStatus, name="org_status", native_enum=False, length=20),
        nullable=False,
        default=OrgStatus.active,
        index=True,
    )
    # Committee-only facts (评委会).
    committee_full_name: Mapped[str | None] = mapped_column(String(200))
    member_count: Mapped[int | None] = mapped_column(Integer)
    filing_number: Mapped[str | None] = mapped_column(String(60))
    filing_valid_from: Mapped[dt.date | None] = mapped_column(Date)
    filing_valid_until: Mapped[dt.date | None] = mapped_column(Date)
    remarks: Mapped[str | None] = mapped_column(Text)

    parent: Mapped[Org | None] = relationship(
        "Org", remote_side=[id], back_populates="children", lazy="joined", join_depth=1
    )
    children: Mapped[list[Org]] = relationship(
        "Org", back_populates="parent", order_by="Org.name", lazy="select"
    )
    uscc_override_by = relationship("AppUser", foreign_keys=[uscc_override_by_id])
    # Only a committee has series and levels, and few pages read them: they load when read.
    series = relationship("DictItem", secondary=committee_series)
    levels = relationship("DictItem", secondary=committee_levels)

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Org]:
        """The parent chain from the root down to the direct parent."""
        chain: list[Org] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def kind_label(self) -> str:
        return str(ORG_KIND_LABELS[self.kind])

    @property
    def status_label(self) -> str:
        return str(ORG_STATUS_LABELS[self.status])


class RegistrationStatus(str, enum.Enum):
    """单位用户注册: awaiting the supervisor's decision, approved or refused."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"


REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.pending: _l("Registration under review"),
    RegistrationStatus.approved: _l("Registration approved"),
    RegistrationStatus.rejected: _l("Registration refused"),
}


class UnitRegistration(TimestampMixin, VersionedMixin, Model):
    """A unit that registered itself (单位用户注册) with its first account, and the decision on it."""

    __tablename__ = "unit_registration"
    __table_args__ = (Index("ix_unit_registration_status", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id", ondelete="CASCADE"), unique=True, nullable=False)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        Enum(RegistrationStatus, name="registration_status", native_enum=False, length=10), nullable=False,
        default=RegistrationStatus.pending,
    )
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(500))

    org = relationship("Org", lazy="joined")
    account = relationship("AppUser", foreign_keys=[account_id], lazy="joined")
    decided_by = relationship("AppUser", foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return str(REGISTRATION_STATUS_LABELS[self.status])
