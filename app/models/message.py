"""站内信 (in-app messages) and the queue of e-mails that carry them to an address."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import utcnow


class MessageKind(str, enum.Enum):
    """What a message is about (its tag on the messages page)."""

    application = "application"
    ce = "ce"
    training = "training"
    binding = "binding"
    registration = "registration"
    profile = "profile"
    reminder = "reminder"


MESSAGE_KIND_LABELS = {
    MessageKind.application: _l("Title business"),
    MessageKind.ce: _l("Continuing-education hours"),
    MessageKind.training: _l("Training class"),
    MessageKind.binding: _l("Unit binding"),
    MessageKind.registration: _l("Unit registration"),
    MessageKind.profile: _l("Profile review"),
    MessageKind.reminder: _l("Deadline reminder"),
}


class Message(Model):
    """One 站内信 to one user; `read_at` is set when they open it or mark it read."""

    __tablename__ = "message"
    __table_args__ = (
        # The unread badge (COUNT … WHERE recipient AND read_at IS NULL) and the unread filter, newest first.
        Index("ix_message_recipient_read", "recipient_id", "read_at", "id"),
        # The full list, newest first.
        Index("ix_message_recipient_newest", "recipient_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[MessageKind] = mapped_column(
        Enum(MessageKind, name="message_kind", native_enum=False, length=20), nullable=False
    )
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # A path inside the platform (never an outside address) that opening the message leads to.
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Set on messages that must exist once only (a deadline reminder): the database refuses a second one.
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)

    recipient = relationship("AppUser", lazy="select")

    @property
    def kind_label(self) -> str:
        return str(MESSAGE_KIND_LABELS[self.kind])


class MailStatus(str, enum.Enum):
    """Life of a queued e-mail: waiting (or waiting to retry), being sent by one process, sent, given up."""

    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"


MAIL_STATUS_LABELS = {
    MailStatus.queued: _l("Queued for sending"),
    MailStatus.sending: _l("Being sent"),
    MailStatus.sent: _l("Sent"),
    MailStatus.failed: _l("Sending failed"),
}


class OutboundMail(Model):
    """One e-mail in the queue: written with the change it reports, sent later by `deliver` with retries."""

    __tablename__ = "outbound_mail"
    __table_args__ = (
        # The sender's question: which mails are due now (status, next_attempt_at <= now).
        Index("ix_outbound_mail_due", "status", "next_attempt_at"),
        Index("ix_outbound_mail_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[MailStatus] = mapped_column(
        Enum(MailStatus, name="mail_status", native_enum=False, length=10), nullable=False,
        default=MailStatus.queued,
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # When the next try is due; while `sending`, when the claim lapses (a crashed sender's mail is retried).
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    recipient = relationship("AppUser", lazy="joined")

    @property
    def status_label(self) -> str:
        return str(MAIL_STATUS_LABELS[self.status])
