"""Accounts: FAB's user with the registration facts of a person and the orgs of a staff user."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean, CheckConstraint, Column, Date, DateTime, Enum, ForeignKey, Index, Integer, String, Table, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import utcnow

user_org = Table(
    "user_org",
    Model.metadata,
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey("org.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Gender(enum.Enum):
    """Sex as the ID number encodes it (odd sequence digit = male)."""

    male = "M"
    female = "F"


GENDER_LABELS = {Gender.male: _l("Male"), Gender.female: _l("Female")}


class Country(enum.Enum):
    """国家/地区 allowed at registration."""

    CN = "CN"
    HK = "HK"
    MO = "MO"
    TW = "TW"


COUNTRY_LABELS = {
    Country.CN: _l("Mainland China"),
    Country.HK: _l("Hong Kong, China"),
    Country.MO: _l("Macao, China"),
    Country.TW: _l("Taiwan, China"),
}


class AppUser(User):
    """A platform user: a registered person (证件 facts) or a staff user belonging to orgs."""

    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}

    # Registration facts of a person; 证件类型/证件号码/国家地区 never change after registration.
    id_type = Column(String(8))
    id_number = Column(String(32), unique=True, index=True)
    gender = Column(Enum(Gender, name="gender", native_enum=False, length=8))
    birth_date = Column(Date)
    mobile = Column(String(20))
    phone = Column(String(30))
    qq = Column(String(20))
    country = Column(Enum(Country, name="country", native_enum=False, length=8))
    # Account security state.
    must_change_password = Column(Boolean, nullable=False, default=False, server_default="0")
    password_changed_at = Column(DateTime)
    locked_until = Column(DateTime)

    orgs = relationship("Org", secondary=user_org, lazy="selectin", order_by="Org.name")
    security_answers = relationship(
        "SecurityAnswer", order_by="SecurityAnswer.position", cascade="all, delete-orphan",
        lazy="select",
    )

    @property
    def full_name(self) -> str:
        """The person's name in Chinese order: family name, then given name."""
        return f"{self.last_name}{self.first_name}"

    def get_full_name(self) -> str:
        """FAB's name for the user (navbar, user info), in Chinese order too."""
        return self.full_name

    def __str__(self) -> str:
        return f"{self.full_name}（{self.username}）"


class SecurityAnswer(Model):
    """One of a person's three security questions, with the answer stored only as a hash."""

    __tablename__ = "security_answer"
    __table_args__ = (UniqueConstraint("user_id", "position", name="uq_security_answer_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    question: Mapped[str] = mapped_column(String(100), nullable=False)
    answer_hash: Mapped[str] = mapped_column(String(256), nullable=False)


class LoginChannel(enum.Enum):
    web = "web"
    api = "api"


class LoginOutcome(enum.Enum):
    """Why a login attempt ended the way it did."""

    success = "success"
    bad_password = "bad_password"
    unknown_account = "unknown_account"
    locked = "locked"
    inactive = "inactive"
    bad_captcha = "bad_captcha"


LOGIN_OUTCOME_LABELS = {
    LoginOutcome.success: _l("Signed in"),
    LoginOutcome.bad_password: _l("Wrong password"),
    LoginOutcome.unknown_account: _l("Unknown account"),
    LoginOutcome.locked: _l("Account locked"),
    LoginOutcome.inactive: _l("Account disabled"),
    LoginOutcome.bad_captcha: _l("Wrong captcha"),
}
LOGIN_CHANNEL_LABELS = {LoginChannel.web: _l("Web page"), LoginChannel.api: _l("REST API")}


class LoginLog(Model):
    """One login attempt: when, which account, from where, and its outcome (append-only)."""

    __tablename__ = "login_log"
    __table_args__ = (
        Index("ix_login_log_at", "at"),
        Index("ix_login_log_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    login_name: Mapped[str] = mapped_column(String(128), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    channel: Mapped[LoginChannel] = mapped_column(
        Enum(LoginChannel, name="login_channel", native_enum=False, length=8), nullable=False
    )
    outcome: Mapped[LoginOutcome] = mapped_column(
        Enum(LoginOutcome, name="login_outcome", native_enum=False, length=20), nullable=False
    )

    user = relationship("AppUser", lazy="joined")

    @property
    def success(self) -> bool:
        return self.outcome == LoginOutcome.success


class AppealStatus(enum.Enum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"


APPEAL_STATUS_LABELS = {
    AppealStatus.pending: _l("Pending"),
    AppealStatus.accepted: _l("Accepted"),
    AppealStatus.rejected: _l("Rejected"),
}


class PasswordAppeal(Model):
    """A 密码申诉: a person asks an administrator to set their password to an expected one."""

    __tablename__ = "password_appeal"
    __table_args__ = (Index("ix_password_appeal_status_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    contact_phone: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    expected_password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    # Whether the expected password repeats one of the account's last passwords (then it cannot be accepted).
    expected_password_reused: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                           server_default="0")
    ip: Mapped[str | None] = mapped_column(String(45))
    status: Mapped[AppealStatus] = mapped_column(
        Enum(AppealStatus, name="appeal_status", native_enum=False, length=10),
        nullable=False, default=AppealStatus.pending,
    )
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    handling_note: Mapped[str | None] = mapped_column(String(500))

    user = relationship("AppUser", foreign_keys=[user_id], lazy="joined")
    handled_by = relationship("AppUser", foreign_keys=[handled_by_id], lazy="joined")


class CaptchaChallenge(Model):
    """A captcha shown once: its answer as a keyed hash, consumed by the first check, expiring."""

    __tablename__ = "captcha_challenge"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    answer_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)


# 证件号码 is stored normalised (identity.normalise: upper case, no spaces), so the unique index also catches a
# trailing x against X; the database refuses a number that is not normalised.
AppUser.__table__.append_constraint(
    CheckConstraint("id_number = upper(id_number) AND id_number NOT LIKE '% %'", name="ck_ab_user_id_number_normalised")
)
