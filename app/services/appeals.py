"""Handling 密码申诉: an administrator accepts (the password becomes the expected one) or rejects."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update

from app.errors import DomainError
from app.extensions import db
from app.models import AppealStatus, PasswordAppeal, SessionEndReason
from app.models.mixins import utcnow
from app.services import audit, passwords, sessions

NOTE_MAX = 500


def _claim(appeal_id: int, status: AppealStatus, actor, note: str | None) -> PasswordAppeal:
    """Move a pending appeal to its decision; exactly one of several concurrent handlers wins."""
    now = utcnow()
    result = db.session.execute(
        update(PasswordAppeal)
        .where(PasswordAppeal.id == appeal_id, PasswordAppeal.status == AppealStatus.pending)
        .values(status=status, handled_by_id=actor.id, handled_at=now, handling_note=note)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise DomainError(_("This appeal has already been handled by someone else."))
    appeal = db.session.get(PasswordAppeal, appeal_id, populate_existing=True)
    return appeal


def accept(appeal_id: int, actor, note: str | None = None) -> PasswordAppeal:
    """Accept: the account's password becomes the expected password and any lock ends. Commits."""
    pending = db.session.get(PasswordAppeal, appeal_id)
    if pending is not None and pending.expected_password_reused:
        raise DomainError(_("The expected password repeats one of the account's recent passwords and cannot be "
                            "set; please reject the appeal and ask for another password."))
    appeal = _claim(appeal_id, AppealStatus.accepted, actor, (note or "").strip()[:NOTE_MAX] or None)
    user = appeal.user
    now = utcnow()
    passwords.before_change(user)
    user.password = appeal.expected_password_hash
    user.password_changed_at = now
    user.must_change_password = False
    user.locked_until = now
    passwords.remember(user)
    sessions.end_all(user, SessionEndReason.password, actor)
    audit.record("password_appeal_accept", appeal, actor, detail=f"user={user.username}")
    db.session.commit()
    return appeal


def reject(appeal_id: int, actor, note: str | None) -> PasswordAppeal:
    """Reject with a note saying why. Commits."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Please give the reason for rejecting the appeal."))
    appeal = _claim(appeal_id, AppealStatus.rejected, actor, note[:NOTE_MAX])
    audit.record("password_appeal_reject", appeal, actor, detail=note[:NOTE_MAX])
    db.session.commit()
    return appeal
