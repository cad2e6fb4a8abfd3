"""找回用户名 / 找回密码: the rules of every recovery path, answering alike whether an account exists or not."""
from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass
from typing import Callable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import ErrorCollector
from app.extensions import db
from app.models import AppUser, PasswordAppeal, SessionEndReason
from app.models.mixins import utcnow
from app.security.roles import APPLICANT
from app.services import audit, identity, login, mail, passwords, reset_tokens, security_questions, sessions

log = logging.getLogger(__name__)

QUESTIONS_PURPOSE = "questions"
EMAIL_PURPOSE = "email"
PHONE_RE = re.compile(r"^[0-9+\-() ]{5,20}$")
REASON_MAX = 500


def is_applicant(user: AppUser | None) -> bool:
    """Personal users may recover by themselves; staff accounts go to the 信息中心."""
    return user is not None and user.is_active and any(role.name == APPLICANT for role in user.roles)


# ----- 找回用户名 -----
def find_username(id_type: str, id_number: str, name: str, gender: str, mobile: str, email: str) -> str | None:
    """The account name when every registration fact matches one account, else None."""
    number = identity.normalise(id_number)
    user = db.session.scalar(select(AppUser).where(AppUser.id_number == number)) if number else None
    matched = (
        user is not None
        and user.id_type == (id_type or "").strip()
        and user.full_name == (name or "").strip()
        and user.gender is not None and gender in (user.gender.value, user.gender.name)
        and (user.mobile or "") == (mobile or "").strip()
        and (user.email or "").lower() == (email or "").strip().lower()
    )
    audit.record("recover_username", user if matched else "AppUser", outcome="success" if matched else "refused",
                 detail=f"id_number={number}")
    db.session.commit()
    return user.username if matched else None


# ----- 找回密码: 方式一 security questions -----
def _recoverable(account: str) -> AppUser | None:
    user = login.find_user(account)
    if is_applicant(user) and len(user.security_answers) == security_questions.QUESTION_COUNT:
        return user
    return None


def questions_for(account: str) -> list[str]:
    """The three question keys shown for an account: its own, or placeholders that look the same every time."""
    user = _recoverable(account)
    if user is not None:
        return [answer.question for answer in user.security_answers]
    return security_questions.placeholder_questions(account, current_app.config["SECRET_KEY"])


def verify_answers(account: str, answers: list[str]) -> str | None:
    """A reset token when all three answers are right for a personal account; None for any failure."""
    user = _recoverable(account)
    stored = [a.answer_hash for a in user.security_answers] if user is not None else [None] * 3
    given = (list(answers) + [""] * 3)[:3]
    # Check all three whatever happens, so that no failure is quicker than another.
    results = [security_questions.answer_matches(h, a) for h, a in zip(stored, given)]
    ok = user is not None and all(results)
    audit.record("recover_password_questions", user if user is not None else "AppUser",
                 outcome="success" if ok else "refused", detail=f"account={account[:64]}")
    db.session.commit()
    return reset_tokens.issue(user, QUESTIONS_PURPOSE) if ok else None


def user_for_token(token: str | None, purpose: str) -> AppUser | None:
    """The user a reset token belongs to while it is valid (in time, unused, still a personal account)."""
    max_age = current_app.config["RECOVERY_TOKEN_MAX_AGE" if purpose == QUESTIONS_PURPOSE else "PASSWORD_RESET_MAX_AGE"]
    user = reset_tokens.resolve(token, purpose, max_age)
    return user if is_applicant(user) else None


def reset_password(user: AppUser, new_password: str | None, confirmation: str | None, purpose: str) -> None:
    """Set the new password chosen after recovery (also ends a lock); raises ValidationFailed; commits."""
    errors = ErrorCollector()
    passwords.check_new_password(errors, new_password, confirmation, "new_password", "confirm_password")
    passwords.check_history(errors, user, new_password, "new_password")
    errors.raise_if_any()
    passwords.set_password(user, new_password)
    sessions.end_all(user, SessionEndReason.password, user)
    user.locked_until = utcnow()
    audit.record(f"recover_password_{purpose}_reset", user, user)
    db.session.commit()


# ----- 找回密码: 方式二 申诉 -----
@dataclass
class AppealInput:
    """What the appellant typed."""

    account: str = ""
    name: str = ""
    id_number: str = ""
    contact_phone: str = ""
    reason: str = ""
    expected_password: str = ""
    confirm_password: str = ""


def submit_appeal(data: AppealInput, ip: str | None) -> None:
    """Check the form, then file the appeal when the facts match a personal account; commits.

    Raises ValidationFailed for badly filled fields; when the facts match no personal account nothing is
    stored, and the caller answers exactly as for a filed appeal.
    """
    errors = ErrorCollector()
    account = (data.account or "").strip()
    if not account:
        errors.add("account", _("Please enter the account name."))
    if not (data.name or "").strip():
        errors.add("name", _("Please enter the name."))
    if not (data.id_number or "").strip():
        errors.add("id_number", _("Please enter the ID number."))
    if not PHONE_RE.match((data.contact_phone or "").strip()):
        errors.add("contact_phone", _("Please enter a contact telephone number (digits, spaces and + - ( ))."))
    reason = (data.reason or "").strip()
    if not reason:
        errors.add("reason", _("Please give the reason for the appeal."))
    elif len(reason) > REASON_MAX:
        errors.add("reason", _("The reason may have at most 500 characters."))
    passwords.check_new_password(errors, data.expected_password, data.confirm_password,
                                 "expected_password", "confirm_password")
    errors.raise_if_any()
    user = login.find_user(account)
    matched = (
        is_applicant(user)
        and user.full_name == data.name.strip()
        and user.id_number == identity.normalise(data.id_number)
    )
    if matched:
        appeal = PasswordAppeal(
            user_id=user.id, contact_phone=data.contact_phone.strip(), reason=reason,
            expected_password_hash=passwords.hash_password(data.expected_password), ip=ip,
            # Not told to the (anonymous) appellant, which would let anyone test old passwords; the
            # administrator sees it and cannot accept the appeal.
            expected_password_reused=passwords.was_used_recently(user, data.expected_password),
        )
        db.session.add(appeal)
        db.session.flush()
        audit.record("password_appeal_submit", appeal, user)
    else:
        audit.record("password_appeal_submit", "PasswordAppeal", outcome="refused", detail=f"account={account[:64]}")
    db.session.commit()


# ----- 找回密码 by e-mail -----
def send_reset_link(id_number: str, email: str, link_for: Callable[[str], str]) -> None:
    """E-mail a reset link when the ID number and e-mail belong to one personal account; commits.

    `link_for(token)` builds the absolute link. Nothing tells the caller whether a message was sent.
    """
    number = identity.normalise(id_number)
    user = db.session.scalar(select(AppUser).where(AppUser.id_number == number)) if number else None
    matched = is_applicant(user) and (user.email or "").lower() == (email or "").strip().lower()
    outcome = "refused"
    if matched:
        minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
        body = _(
            "Dear %(name)s,\n\nSomeone (hopefully you) asked to reset the password of the account %(account)s. "
            "Open this link within %(minutes)d minutes to set a new password; it works only once:\n\n%(link)s\n\n"
            "If you did not ask for this, ignore this message: your password stays as it is.",
            name=user.full_name, account=user.username, minutes=minutes,
            link=link_for(reset_tokens.issue(user, EMAIL_PURPOSE)),
        )
        try:
            mail.send(user.email, _("Reset your password"), body)
            outcome = "success"
        except (smtplib.SMTPException, OSError):
            log.exception("could not send the password reset e-mail")
            outcome = "failed"
    audit.record("recover_password_email", user if matched else "AppUser", outcome=outcome,
                 detail=f"id_number={number}")
    db.session.commit()
