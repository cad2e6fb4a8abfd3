"""Profile review rounds: the applicant's submission, the unit's and supervisor's decisions, and history."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import utcnow


class ReviewStage(enum.Enum):
    """Where a submitted profile waits."""

    unit = "unit"
    supervisor = "supervisor"
    closed = "closed"


REVIEW_STAGE_LABELS = {
    ReviewStage.unit: _l("Awaiting the unit"),
    ReviewStage.supervisor: _l("Awaiting the supervisor"),
    ReviewStage.closed: _l("Closed"),
}


class ReviewAction(enum.Enum):
    submit = "submit"
    unit_decide = "unit_decide"
    supervisor_decide = "supervisor_decide"


REVIEW_ACTION_LABELS = {
    ReviewAction.submit: _l("Submitted to the unit"),
    ReviewAction.unit_decide: _l("Reviewed by the unit"),
    ReviewAction.supervisor_decide: _l("Reviewed by the supervisor"),
}


class ProfileReview(Model):
    """One submission of a person's profile and its way through the unit and the supervisor."""

    __tablename__ = "profile_review"
    __table_args__ = (
        Index("ix_profile_review_unit_stage", "unit_id", "stage", "submitted_at"),
        Index("ix_profile_review_user_stage", "user_id", "stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org.id"), nullable=False)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    stage: Mapped[ReviewStage] = mapped_column(
        Enum(ReviewStage, name="review_stage", native_enum=False, length=12), nullable=False
    )
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Bumped by every decision; a decision names the version it saw (concurrent decisions: one wins).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    user = relationship("AppUser", lazy="joined")
    unit = relationship("Org", foreign_keys=[unit_id], lazy="joined")
    supervisor = relationship("Org", foreign_keys=[supervisor_id], lazy="joined")
    # Loaded on access only: the reviewers' list shows none of them.
    events = relationship("ProfileReviewEvent", order_by="ProfileReviewEvent.at", back_populates="review")

    def __str__(self) -> str:
        return f"{self.user.full_name if self.user else ''} {self.submitted_at:%Y-%m-%d}"


class ProfileReviewEvent(Model):
    """An append-only history row: who acted, in which role and org, from/to stage, per-record comments."""

    __tablename__ = "profile_review_event"
    __table_args__ = (Index("ix_profile_review_event_user_at", "profile_user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("profile_review.id", ondelete="CASCADE"), nullable=False)
    profile_user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(64), nullable=False)
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    action: Mapped[ReviewAction] = mapped_column(
        Enum(ReviewAction, name="review_action", native_enum=False, length=20), nullable=False
    )
    from_stage: Mapped[str | None] = mapped_column(String(12))
    to_stage: Mapped[str] = mapped_column(String(12), nullable=False)
    # [{"section": ..., "record_id": ..., "title": ..., "decision": "pass"|"return", "comment": ...}]
    items: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    ip: Mapped[str | None] = mapped_column(String(45))

    review = relationship("ProfileReview", back_populates="events")
    actor = relationship("AppUser", foreign_keys=[actor_id], lazy="joined")
    actor_org = relationship("Org", lazy="joined")
