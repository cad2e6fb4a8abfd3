"""The committee stage: review batches (评审批次) with their meeting, attendance and per-candidate votes."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, Date, Enum, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import VersionedMixin

batch_attendee = Table(
    "batch_attendee",
    Model.metadata,
    Column("batch_id", Integer, ForeignKey("review_batch.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
)


class ReviewBatch(VersionedMixin, Model):
    """评审批次: a committee's window for one series and level, ending in one review meeting."""

    __tablename__ = "review_batch"
    __table_args__ = (CheckConstraint("closes_on >= opens_on", name="ck_review_batch_dates"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    series: Mapped[str] = mapped_column(String(20), nullable=False)
    level: Mapped[str] = mapped_column(String(4), nullable=False)
    opens_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    closes_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    meeting_date: Mapped[dt.date | None] = mapped_column(Date)
    # Members of the committee when the meeting sat: the base of the 2/3 quorum.
    member_count: Mapped[int | None] = mapped_column(Integer)

    committee = relationship("Org", lazy="joined")
    attendees = relationship("AppUser", secondary=batch_attendee, lazy="selectin")


class VoteChoice(enum.Enum):
    yes = "yes"
    no = "no"
    abstain = "abstain"


VOTE_CHOICE_LABELS = {VoteChoice.yes: _l("For"), VoteChoice.no: _l("Against"), VoteChoice.abstain: _l("Abstain")}


class MeetingVote(Model):
    """One attending expert's vote on one candidate; no proxies, one vote each."""

    __tablename__ = "meeting_vote"
    __table_args__ = (UniqueConstraint("batch_id", "application_id", "expert_id", name="uq_meeting_vote"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("review_batch.id", ondelete="CASCADE"), nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), nullable=False,
                                                index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    choice: Mapped[VoteChoice] = mapped_column(
        Enum(VoteChoice, name="vote_choice", native_enum=False, length=8), nullable=False
    )


class MeetingRecusal(Model):
    """回避: an expert who must not see or vote on one candidate (a colleague, or declared by the office)."""

    __tablename__ = "meeting_recusal"
    __table_args__ = (UniqueConstraint("batch_id", "application_id", "expert_id", name="uq_meeting_recusal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("review_batch.id", ondelete="CASCADE"), nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), nullable=False,
                                                index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
