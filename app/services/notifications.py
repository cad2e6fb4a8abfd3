"""站内信 and the e-mail queue: messages written with the change they report, the queue sent later with retries.

`notify` only adds rows to the caller's session: the messages and their e-mails are committed with the state
change they describe, or rolled back with it; nothing is sent during a request. `deliver` (the scheduled tick,
`flask --app run mail send`) claims each due e-mail with a conditional UPDATE before sending it, so two senders
running at once never send one e-mail twice; a refused or unreachable SMTP server leaves the e-mail queued for a
later try (1, 5, 30 minutes …) until MAIL_MAX_ATTEMPTS, and every send and failure is in the row and the
operation log.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app, g, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ScalarSelect, Select, func, select, update

from app.extensions import db
from app.models import AppUser, MailStatus, Message, MessageKind, OutboundMail
from app.models.mixins import utcnow
from app.services import audit, mail
from app.services.paging import Page, page_of

log = logging.getLogger(__name__)

PAGE_SIZE = 20
QUEUE_PAGE_SIZE = 50
MAX_SUBJECT = 200
MAX_ERROR = 500
DEFAULT_RETRY_MINUTES = (1, 5, 30, 120, 480)


# ----- writing messages -----

def platform_locale() -> str:
    """The language messages and e-mails are written in: the platform's default (zh)."""
    return current_app.config.get("BABEL_DEFAULT_LOCALE") or "zh"


def render(text) -> str:
    """A lazy msgid (or a list of them, one per line) rendered in the platform's language.

    A message is read later, often outside any request (e-mail from the tick), so it is rendered in the
    platform's language, not in the language of whoever caused it.
    """
    with force_locale(platform_locale()):
        if isinstance(text, (list, tuple)):
            return "\n".join(str(part) for part in text if part is not None and str(part) != "")
        return str(text)


def safe_link(link: str | None) -> str | None:
    """A path inside the platform, or None: never an address elsewhere (no open redirect through a message)."""
    if not link or not link.startswith("/") or link.startswith("//") or "\\" in link or len(link) > 300:
        return None
    return link


def _recipient_filter(users):
    """`users` as something AppUser.id.in_() takes: a SELECT of ids, or a list of ids from users or ints."""
    if isinstance(users, Select):
        return users
    ids = set()
    for user in users or ():
        user_id = getattr(user, "id", user)
        if user_id is not None:
            ids.add(int(user_id))
    return sorted(ids)


def notify(users: Select | Iterable, subject, body, link: str | None = None,
           kind: MessageKind = MessageKind.application, dedupe_key: str | None = None) -> list[Message]:
    """Add a 站内信 for each recipient, and an e-mail to the queue for each one with an address; no commit.

    `subject` and `body` are lazy msgids (body may be a list of lines) rendered in the platform's language.
    With `dedupe_key`, a recipient who already has the message of that key gets nothing (reminders).
    """
    wanted = _recipient_filter(users)
    if isinstance(wanted, list) and not wanted:
        return []
    recipients = db.session.execute(
        select(AppUser.id, AppUser.email).where(AppUser.id.in_(wanted)).order_by(AppUser.id)
    ).all()
    if not recipients:
        return []
    keys = {user_id: f"{dedupe_key}:{user_id}"[:160] for user_id, _email in recipients} if dedupe_key else {}
    if keys:
        taken = set(db.session.scalars(select(Message.dedupe_key).where(Message.dedupe_key.in_(keys.values()))))
        recipients = [row for row in recipients if keys[row[0]] not in taken]
    subject_text = render(subject).strip()[:MAX_SUBJECT]
    body_text = render(body)
    link = safe_link(link)
    now = utcnow()
    messages = [
        Message(recipient_id=user_id, kind=kind, subject=subject_text, body=body_text, link=link, created_at=now,
                dedupe_key=keys.get(user_id))
        for user_id, _email in recipients
    ]
    db.session.add_all(messages)
    db.session.flush()
    _forget_unread()
    addresses = dict(recipients)
    mail_subject, mail_body = _mail_text(subject_text, body_text, link)
    db.session.add_all([
        OutboundMail(message_id=message.id, recipient_id=message.recipient_id,
                     to_address=addresses[message.recipient_id].strip(), subject=mail_subject, body=mail_body,
                     status=MailStatus.queued, attempts=0, next_attempt_at=now, created_at=now)
        for message in messages if _is_address(addresses[message.recipient_id])
    ])
    return messages


def _is_address(address: str | None) -> bool:
    address = (address or "").strip()
    return 3 <= len(address) <= 254 and "@" in address and " " not in address and "\n" not in address


def _mail_text(subject: str, body: str, link: str | None) -> tuple[str, str]:
    """The e-mail of a message: the platform's tag in the subject, where to read it below the body."""
    site = (current_app.config.get("SITE_URL") or "").rstrip("/")
    with force_locale(platform_locale()):
        mail_subject = _("[Zhiping] %(subject)s", subject=subject)[:MAX_SUBJECT]
        if site and link:
            where = _("View it on the platform: %(url)s", url=site + link)
        else:
            where = _("Sign in to the platform and open the messages page to view it.")
        footer = _("This e-mail was sent automatically by the platform; please do not reply.")
    return mail_subject, f"{body}\n\n{where}\n\n{footer}"


# ----- reading messages -----

def unread_of(user_id) -> ScalarSelect:
    """How many unread messages the user has, as a subquery (`user_id` a value or a column)."""
    return (select(func.count()).select_from(Message)
            .where(Message.recipient_id == user_id, Message.read_at.is_(None)).scalar_subquery())


def unread_count(user_id: int | None) -> int:
    """How many unread messages the user has (one indexed COUNT)."""
    if not user_id:
        return 0
    return db.session.scalar(select(unread_of(user_id))) or 0


def note_unread(user_id: int, count: int) -> None:
    """Keep the request's user's unread count, read with the user (app/security/manager.load_user), for the badge."""
    g.zp_unread = (user_id, count)


def noted_unread(user_id: int) -> int | None:
    """The unread count kept for `user_id` this request, or None."""
    kept = g.get("zp_unread") if has_request_context() else None
    return kept[1] if kept is not None and kept[0] == user_id else None


def _forget_unread() -> None:
    """Reading or receiving messages changes the count: the badge counts again."""
    if has_request_context():
        g.pop("zp_unread", None)


def latest(user_id: int, limit: int = 5) -> list[Message]:
    """The user's newest messages (for a panel on the home page)."""
    return list(db.session.scalars(
        select(Message).where(Message.recipient_id == user_id).order_by(Message.id.desc()).limit(min(limit, 50))
    ))


def _page(query, count_query, page: int, size: int) -> Page:
    return page_of(query, page, size, count_query=count_query)


def messages_page(user_id: int, unread_only: bool = False, page: int = 1, size: int = PAGE_SIZE) -> Page:
    """The user's messages, newest first (only the unread ones when asked)."""
    where = [Message.recipient_id == user_id]
    if unread_only:
        where.append(Message.read_at.is_(None))
    query = select(Message).where(*where).order_by(Message.id.desc())
    return _page(query, select(func.count()).select_from(Message).where(*where), page, size)


def own_message(user_id: int, message_id: int) -> Message | None:
    """The message if it is the user's, else None (another user's id is not found)."""
    return db.session.scalar(select(Message).where(Message.id == message_id, Message.recipient_id == user_id))


def mark_read(user_id: int, message_id: int) -> Message | None:
    """Mark one of the user's messages read (once); None when it is not theirs. Commits."""
    message = own_message(user_id, message_id)
    if message is None:
        return None
    db.session.execute(
        update(Message).where(Message.id == message_id, Message.recipient_id == user_id, Message.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.commit()
    _forget_unread()
    return own_message(user_id, message_id)


def mark_all_read(user_id: int) -> int:
    """Mark every unread message of the user read; returns how many. Commits."""
    changed = db.session.execute(
        update(Message).where(Message.recipient_id == user_id, Message.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    _forget_unread()
    return changed


# ----- sending the queue -----

@dataclass
class Delivery:
    """What one `deliver` run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"


def retry_minutes() -> tuple[int, ...]:
    return tuple(current_app.config.get("MAIL_RETRY_MINUTES") or DEFAULT_RETRY_MINUTES)


def max_attempts() -> int:
    return int(current_app.config.get("MAIL_MAX_ATTEMPTS") or len(retry_minutes()) + 1)


def due_clause(now: dt.datetime):
    """Queued e-mails whose time has come, and claims of a sender that stopped before finishing (lapsed)."""
    return OutboundMail.status.in_((MailStatus.queued, MailStatus.sending)) & (OutboundMail.next_attempt_at <= now)


def deliver(batch: int | None = None) -> Delivery:
    """Send the due e-mails, oldest due first, at most `batch`; each is claimed first, so none goes twice."""
    batch = batch or current_app.config.get("MAIL_BATCH_SIZE", 200)
    ids = list(db.session.scalars(
        select(OutboundMail.id).where(due_clause(utcnow()))
        .order_by(OutboundMail.next_attempt_at, OutboundMail.id).limit(batch)
    ))
    db.session.commit()  # end the read: each claim below starts its own short write
    result = Delivery()
    for mail_id in ids:
        claimed = _claim(mail_id)
        if claimed is None:
            continue  # another sender took it, or it is no longer due
        attempt, to, subject, body = claimed
        try:
            mail.send(to, subject, body)
        except Exception as error:  # noqa: BLE001 - whatever refused this one, the rest of the batch goes on
            log.warning("e-mail %s to %s failed (attempt %s): %s", mail_id, to, attempt, error)
            if _record_failure(mail_id, attempt, error):
                result.failed += 1
            else:
                result.retrying += 1
        else:
            _record_sent(mail_id, attempt)
            result.sent += 1
    return result


def _claim(mail_id: int) -> tuple[int, str, str, str] | None:
    """Take one due e-mail for this sender (status `sending` until the lease lapses); commits."""
    now = utcnow()
    lease = now + dt.timedelta(minutes=current_app.config.get("MAIL_CLAIM_MINUTES", 15))
    changed = db.session.execute(
        update(OutboundMail).where(OutboundMail.id == mail_id, due_clause(now))
        .values(status=MailStatus.sending, attempts=OutboundMail.attempts + 1, next_attempt_at=lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        return None
    row = db.session.execute(
        select(OutboundMail.attempts, OutboundMail.to_address, OutboundMail.subject, OutboundMail.body)
        .where(OutboundMail.id == mail_id)
    ).one()
    db.session.commit()
    return tuple(row)


def _settle(mail_id: int, attempt: int, values: dict) -> bool:
    """Record the outcome of this sender's attempt, unless a later claim took the e-mail over meanwhile."""
    changed = db.session.execute(
        update(OutboundMail).where(OutboundMail.id == mail_id, OutboundMail.status == MailStatus.sending,
                                   OutboundMail.attempts == attempt)
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def _record_sent(mail_id: int, attempt: int) -> None:
    if _settle(mail_id, attempt, dict(status=MailStatus.sent, sent_at=utcnow(), last_error=None)):
        audit.record("mail.sent", db.session.get(OutboundMail, mail_id), detail=f"attempt={attempt}")
    db.session.commit()


def _record_failure(mail_id: int, attempt: int, error: Exception) -> bool:
    """Keep the error; queue the next try after the back-off, or give up after the last attempt. True: given up."""
    text = (f"{type(error).__name__}: {error}".replace("\n", " "))[:MAX_ERROR]
    now = utcnow()
    waits = retry_minutes()
    given_up = attempt >= max_attempts()
    values = dict(last_error=text)
    if given_up:
        values.update(status=MailStatus.failed, next_attempt_at=now)
    else:
        values.update(status=MailStatus.queued,
                      next_attempt_at=now + dt.timedelta(minutes=waits[min(attempt, len(waits)) - 1]))
    if _settle(mail_id, attempt, values):
        audit.record("mail.failed" if given_up else "mail.retry", db.session.get(OutboundMail, mail_id),
                     outcome="failed", detail=text)
    db.session.commit()
    return given_up


# ----- the administrator's queue -----

def queue_page(status: MailStatus | None = None, page: int = 1, size: int = QUEUE_PAGE_SIZE) -> Page:
    """The mail queue, newest first, optionally of one status."""
    where = [OutboundMail.status == status] if status is not None else []
    query = select(OutboundMail).where(*where).order_by(OutboundMail.id.desc())
    return _page(query, select(func.count()).select_from(OutboundMail).where(*where), page, size)


def status_counts() -> dict[MailStatus, int]:
    """How many e-mails are in each status (one grouped query)."""
    rows = db.session.execute(select(OutboundMail.status, func.count()).group_by(OutboundMail.status)).all()
    counts = {status: 0 for status in MailStatus}
    counts.update({status: count for status, count in rows})
    return counts


def requeue(mail_id: int, actor) -> bool:
    """重新发送: a failed e-mail goes back to the queue for a full new round of attempts; commits."""
    changed = db.session.execute(
        update(OutboundMail).where(OutboundMail.id == mail_id, OutboundMail.status == MailStatus.failed)
        .values(status=MailStatus.queued, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        return False
    audit.record("mail.requeue", db.session.get(OutboundMail, mail_id), actor=actor)
    db.session.commit()
    return True
