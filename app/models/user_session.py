"""Server-side records of signed-in sessions and of the passwords an account has used."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import utcnow


class SessionEndReason(enum.Enum):
    """Why a signed-in session ended."""

    logout = "logout"          # the user signed out
    idle = "idle"              # the idle timeout passed
    forced = "forced"          # 强制下线 by an administrator
    replaced = "replaced"      # the account signed in again in the same browser
    password = "password"      # the password was changed or reset (other sessions end)


SESSION_END_LABELS = {
    SessionEndReason.logout: _l("Signed out"),
    SessionEndReason.idle: _l("Session timed out"),
    SessionEndReason.forced: _l("Forced sign-out by an administrator"),
    SessionEndReason.replaced: _l("Replaced by a new sign-in"),
    SessionEndReason.password: _l("Password changed or reset"),
}


class UserSession(Model):
    """One signed-in browser session: its random id (stored only as a SHA-256 hash), where from, and its end.

    The browser's signed cookie carries the random id; every request of a signed-in user checks that the row is
    live, so ending the row (sign-out, timeout, 强制下线) ends the session in every app process.
    """

    __tablename__ = "user_session"
    __table_args__ = (
        Index("ix_user_session_live", "ended_at", "last_seen_at"),
        Index("ix_user_session_user", "user_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    end_reason: Mapped[SessionEndReason | None] = mapped_column(
        Enum(SessionEndReason, name="session_end_reason", native_enum=False, length=10)
    )

    user = relationship("AppUser", foreign_keys=[user_id], lazy="joined")
    ended_by = relationship("AppUser", foreign_keys=[ended_by_id])

    @property
    def live(self) -> bool:
        return self.ended_at is None


class PasswordHistory(Model):
    """A password hash an account has had (newest last); a new password may not repeat the latest few."""

    __tablename__ = "password_history"
    __table_args__ = (Index("ix_password_history_user", "user_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    user = relationship("AppUser")
