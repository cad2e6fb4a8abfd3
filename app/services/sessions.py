"""Server-side sessions: a row per signed-in browser session, checked on every request of a signed-in user.

The browser's (signed) session cookie carries a random session id; the database keeps only its SHA-256 hash.
Signing in clears the cookie's contents and issues a new id (no session fixation); signing out, the idle timeout
and 强制下线 end the row, so a copy of the cookie no longer reaches the account, in any app process.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app, has_request_context, request, session
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import AppUser, SessionEndReason, UserSession
from app.models.mixins import utcnow
from app.services import audit
from app.services.paging import page_of

SID_KEY = "zp_sid"
# last_seen_at is written at most this often per session, so a busy user costs one UPDATE a minute.
TOUCH_SECONDS = 60
PAGE_SIZE = 30


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("ascii", "replace")).hexdigest()


def _idle_limit() -> dt.timedelta:
    return dt.timedelta(seconds=current_app.permanent_session_lifetime.total_seconds())


def start(user) -> UserSession:
    """At sign-in: forget everything the pre-login cookie held, issue a new session id, store its row. Commits."""
    old = session.get(SID_KEY)
    if old and isinstance(old, str):
        row_id = db.session.scalar(select(UserSession.id).where(UserSession.sid_hash == _digest(old)))
        if row_id is not None:
            _end_id(row_id, SessionEndReason.replaced, None)
    session.clear()
    sid = secrets.token_urlsafe(32)
    session[SID_KEY] = sid
    now = utcnow()
    row = UserSession(
        sid_hash=_digest(sid), user_id=user.id, created_at=now, last_seen_at=now,
        ip=(request.remote_addr or None) and request.remote_addr[:45] if has_request_context() else None,
        user_agent=(request.user_agent.string or None) and request.user_agent.string[:255]
        if has_request_context() else None,
    )
    db.session.add(row)
    db.session.commit()
    return row


@dataclass(frozen=True)
class Check:
    """The outcome of checking the current cookie's session: live, or ended and why."""

    live: bool
    reason: SessionEndReason | None = None


# What `judge` reads of a session row; load_user fetches them with the user, in one statement.
COLUMNS = (UserSession.id, UserSession.user_id, UserSession.last_seen_at, UserSession.ended_at,
           UserSession.end_reason)


def cookie_digest() -> str | None:
    """The hash under which the request's cookie session id is stored, or None without one."""
    sid = session.get(SID_KEY)
    return _digest(sid) if sid and isinstance(sid, str) else None


def judge(row, user_id: int) -> Check:
    """The verdict on the cookie's session `row` (COLUMNS, or None when no row has its id) for `user_id`; ends it
    on the idle timeout and touches last_seen_at (an UPDATE, committed, at most once a minute)."""
    if row is None or row.user_id != user_id:
        return Check(False)
    if row.ended_at is not None:
        return Check(False, row.end_reason)
    now = utcnow()
    if now - row.last_seen_at > _idle_limit() + dt.timedelta(seconds=TOUCH_SECONDS):
        _end_id(row.id, SessionEndReason.idle, None)
        db.session.commit()
        return Check(False, SessionEndReason.idle)
    if (now - row.last_seen_at).total_seconds() >= TOUCH_SECONDS:
        db.session.execute(
            update(UserSession).where(UserSession.id == row.id, UserSession.ended_at.is_(None))
            .values(last_seen_at=now).execution_options(synchronize_session=False)
        )
        db.session.commit()
    return Check(True)


def _end_id(session_id: int, reason: SessionEndReason, actor_id: int | None) -> bool:
    result = db.session.execute(
        update(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason, ended_by_id=actor_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def end_current(reason: SessionEndReason, actor=None) -> bool:
    """End the session the current cookie carries (sign-out, timeout) and forget its id. Commits."""
    sid = session.pop(SID_KEY, None)
    if not sid or not isinstance(sid, str):
        return False
    row_id = db.session.scalar(select(UserSession.id).where(UserSession.sid_hash == _digest(sid)))
    ended = row_id is not None and _end_id(row_id, reason, getattr(actor, "id", None))
    db.session.commit()
    return ended


def force_end(session_id: int, actor) -> UserSession | None:
    """强制下线: an administrator ends a live session; None when it had already ended. Logged; commits."""
    if not _end_id(session_id, SessionEndReason.forced, actor.id):
        db.session.rollback()
        return None
    row = db.session.get(UserSession, session_id, populate_existing=True)
    audit.record("session_forced_end", row.user, actor, detail=f"session={row.id} ip={row.ip or ''}")
    db.session.commit()
    return row


def end_all(user, reason: SessionEndReason, actor=None, keep_current: bool = False) -> int:
    """End every live session of a user (e.g. after an administrator disabled the account). The caller commits."""
    where = [UserSession.user_id == user.id, UserSession.ended_at.is_(None)]
    sid = session.get(SID_KEY) if has_request_context() else None
    if keep_current and sid:
        where.append(UserSession.sid_hash != _digest(sid))
    return db.session.execute(
        update(UserSession).where(*where)
        .values(ended_at=utcnow(), end_reason=reason, ended_by_id=getattr(actor, "id", None))
        .execution_options(synchronize_session=False)
    ).rowcount


def online_page(page: int = 1, size: int = PAGE_SIZE, query: str | None = None):
    """在线用户: live sessions seen within the idle timeout, latest activity first, optionally of matching users."""
    since = utcnow() - _idle_limit()
    where = [UserSession.ended_at.is_(None), UserSession.last_seen_at >= since]
    text = (query or "").strip()[:64]
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(UserSession.user_id.in_(
            select(AppUser.id).where(
                AppUser.username.ilike(pattern, escape="\\")
                | AppUser.last_name.concat(AppUser.first_name).ilike(pattern, escape="\\")
            )
        ))
    rows = select(UserSession).where(*where).order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    count = select(func.count()).select_from(UserSession).where(*where)
    return page_of(rows, page, size, count_query=count)


def current_row_id() -> int | None:
    """The id of the current cookie's session row (to mark it on the 在线用户 page)."""
    sid = session.get(SID_KEY)
    if not sid or not isinstance(sid, str):
        return None
    return db.session.scalar(select(UserSession.id).where(UserSession.sid_hash == _digest(sid)))

