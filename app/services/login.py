"""Signing in through any channel: account lookup, lockout after repeated failures, and the login log."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import AppUser, LoginChannel, LoginLog, LoginOutcome
from app.models.mixins import utcnow
from app.services import audit, identity, passwords

LOGIN_NAME_MAX = 128
USER_AGENT_MAX = 255
# Checked against when the account is unknown or disabled, so every path costs one hash check.
_dummy_hash_value: str | None = None


@dataclass(frozen=True)
class LoginResult:
    """What an attempt came to: the user when it succeeded, the outcome, and minutes left of a lock."""

    user: AppUser | None
    outcome: LoginOutcome
    minutes_locked: int = 0
    note: str = ""  # a specific explanation, e.g. a unit registration still under review

    @property
    def message(self) -> str:
        """The Chinese message for the person signing in; never tells an unknown account from a wrong password."""
        if self.outcome == LoginOutcome.success:
            return ""
        if self.note:
            return self.note
        if self.minutes_locked:
            return _(
                "Too many failed sign-ins: the account is locked. Please try again in %(minutes)d minutes.",
                minutes=self.minutes_locked,
            )
        if self.outcome == LoginOutcome.bad_captcha:
            return _("The verification code is wrong or has expired.")
        return _("Wrong account or password.")


def find_user(login_name: str) -> AppUser | None:
    """The user whose account name (any case) or ID number is `login_name`."""
    name = (login_name or "").strip()
    if not name:
        return None
    user = db.session.scalar(select(AppUser).where(AppUser.username == name))
    if user is not None:
        return user
    matches = db.session.scalars(
        select(AppUser).where(func.lower(AppUser.username) == name.lower()).limit(2)
    ).all()
    if len(matches) == 1:
        return matches[0]
    numbers = {name.upper(), identity.normalise(name)}
    return db.session.scalar(select(AppUser).where(AppUser.id_number.in_(numbers)))


def authenticate(login_name: str, password: str, *, channel: LoginChannel, ip: str | None,
                 user_agent: str | None) -> LoginResult:
    """Check one sign-in attempt, lock the account after too many failures, log it, and commit."""
    now = utcnow()
    user = find_user(login_name)
    if user is None:
        passwords.matches(_dummy_hash(), password or "x")
        result = LoginResult(None, LoginOutcome.unknown_account)
    elif user.locked_until and user.locked_until > now:
        result = LoginResult(None, LoginOutcome.locked, _minutes_until(user.locked_until, now))
    elif not user.is_active:
        # Only the right password learns why: a unit registration under review or refused (单位用户注册).
        note = _registration_note(user) if passwords.matches(user.password, password) else None
        result = LoginResult(None, LoginOutcome.inactive, note=note or "")
    elif passwords.matches(user.password, password):
        result = LoginResult(user, LoginOutcome.success)
        passwords.rehash_if_needed(user, password)
        user.login_count = (user.login_count or 0) + 1
        user.fail_login_count = 0
        user.last_login = dt.datetime.now()  # FAB shows last_login in local time
    else:
        result = _failure(user, now)
    _log(login_name, user, channel, result.outcome, ip, user_agent, now)
    success = result.outcome == LoginOutcome.success
    audit.record("login", user if user is not None else "AppUser", user if success else None,
                 outcome="success" if success else "failure", detail=f"{channel.name}:{result.outcome.name}")
    db.session.commit()
    return result


def _registration_note(user: AppUser) -> str | None:
    from app.services.unit_registration import login_message

    return login_message(user)


def _failure(user: AppUser, now: dt.datetime) -> LoginResult:
    """Count a wrong password; the one that reaches the limit locks the account."""
    config = current_app.config
    user.fail_login_count = (user.fail_login_count or 0) + 1
    since = now - dt.timedelta(minutes=config["LOGIN_LOCKOUT_WINDOW_MINUTES"])
    # Failures before the last success, or before a lock ended or was lifted, no longer count.
    last_success = db.session.scalar(
        select(func.max(LoginLog.at)).where(LoginLog.user_id == user.id, LoginLog.outcome == LoginOutcome.success)
    )
    for boundary in (last_success, user.locked_until):
        if boundary is not None and boundary > since:
            since = boundary
    failures = db.session.scalar(
        select(func.count()).select_from(LoginLog).where(
            LoginLog.user_id == user.id, LoginLog.outcome == LoginOutcome.bad_password, LoginLog.at > since
        )
    ) + 1  # this attempt
    if failures >= config["LOGIN_LOCKOUT_ATTEMPTS"]:
        user.locked_until = now + dt.timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
        audit.record("account_locked", user, detail=f"{failures} failed sign-ins")
        return LoginResult(None, LoginOutcome.bad_password, config["LOGIN_LOCKOUT_MINUTES"])
    return LoginResult(None, LoginOutcome.bad_password)


def record_bad_captcha(login_name: str, *, ip: str | None, user_agent: str | None) -> LoginResult:
    """Log a web sign-in refused for its captcha; it does not count towards the lockout. Commits."""
    now = utcnow()
    _log(login_name, find_user(login_name), LoginChannel.web, LoginOutcome.bad_captcha, ip, user_agent, now)
    db.session.commit()
    return LoginResult(None, LoginOutcome.bad_captcha)


def unlock(user: AppUser, actor) -> bool:
    """Lift a lock now (earlier failures stop counting); returns whether the user was locked. The caller commits."""
    now = utcnow()
    was_locked = bool(user.locked_until and user.locked_until > now)
    user.locked_until = now
    audit.record("account_unlocked", user, actor)
    return was_locked


def is_locked(user: AppUser) -> bool:
    """Whether the account is locked at this moment."""
    return bool(user.locked_until and user.locked_until > utcnow())


def _minutes_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds() / 60))


def _log(login_name, user, channel, outcome, ip, user_agent, now) -> None:
    db.session.add(
        LoginLog(
            at=now,
            login_name=(login_name or "")[:LOGIN_NAME_MAX],
            user_id=user.id if user is not None else None,
            ip=(ip or None) and ip[:45],
            user_agent=(user_agent or None) and user_agent[:USER_AGENT_MAX],
            channel=channel,
            outcome=outcome,
        )
    )


def _dummy_hash() -> str:
    global _dummy_hash_value
    if _dummy_hash_value is None:
        _dummy_hash_value = passwords.hash_password("not-a-real-password-0")
    return _dummy_hash_value
