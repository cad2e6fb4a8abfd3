"""Title business applications (网上业务办理): one table for the six types, their history and materials."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON, Boolean, Column, Date, DateTime, Enum, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint,
)
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models import sqlite_ddl  # noqa: F401  (the newest-first indexes below on SQLite)
from app.models.mixins import TimestampMixin, utcnow


class BusinessType(enum.Enum):
    """The six title businesses (SPEC §5)."""

    unit_change = "unit_change"
    recognition = "recognition"
    evaluation = "evaluation"
    out_of_province = "out_of_province"
    reissue = "reissue"
    entrusted = "entrusted"


BUSINESS_TYPE_LABELS = {
    BusinessType.unit_change: _l("Change of personnel management unit"),
    BusinessType.recognition: _l("Title recognition by assessment"),
    BusinessType.evaluation: _l("Title evaluation"),
    BusinessType.out_of_province: _l("Confirmation of a qualification from another province"),
    BusinessType.reissue: _l("Certificate reissue or replacement"),
    BusinessType.entrusted: _l("Evaluation entrusted to another province"),
}


class AppState(enum.Enum):
    """One state vocabulary for every business; a type uses the subset its chain needs (SPEC §5.1)."""

    draft = "draft"
    unit_review = "unit_review"
    unit_publicity = "unit_publicity"
    supervisor_review = "supervisor_review"
    committee_acceptance = "committee_acceptance"
    in_review = "in_review"
    result_publicity = "result_publicity"
    authority_confirm = "authority_confirm"
    completed = "completed"
    returned = "returned"
    rejected = "rejected"
    terminated = "terminated"
    ended = "ended"


APP_STATE_LABELS = {
    AppState.draft: _l("Draft"),
    AppState.unit_review: _l("Awaiting unit review"),
    AppState.unit_publicity: _l("Unit publicity"),
    AppState.supervisor_review: _l("Awaiting supervisor review"),
    AppState.committee_acceptance: _l("Awaiting committee acceptance"),
    AppState.in_review: _l("Under evaluation"),
    AppState.result_publicity: _l("Result publicity"),
    AppState.authority_confirm: _l("Awaiting authority confirmation"),
    AppState.completed: _l("Completed"),
    AppState.returned: _l("Returned for correction"),
    AppState.rejected: _l("Not passed"),
    AppState.terminated: _l("Terminated"),
    AppState.ended: _l("Ended"),
}
FINAL_STATES = (AppState.completed, AppState.rejected, AppState.terminated, AppState.ended)
# Neither a draft nor final: what the one-open-application index covers.
OPEN_STATES_SQL = "state NOT IN ('draft', 'completed', 'rejected', 'terminated', 'ended')"

application_achievement = Table(
    "application_achievement",
    Model.metadata,
    Column("application_id", Integer, ForeignKey("application.id", ondelete="CASCADE"), primary_key=True),
    Column("achievement_id", Integer, ForeignKey("profile_achievement.id", ondelete="CASCADE"), primary_key=True),
)
application_publication = Table(
    "application_publication",
    Model.metadata,
    Column("application_id", Integer, ForeignKey("application.id", ondelete="CASCADE"), primary_key=True),
    Column("publication_id", Integer, ForeignKey("profile_publication.id", ondelete="CASCADE"), primary_key=True),
)


class Application(TimestampMixin, Model):
    """One application of a person for one business, with the org chain fixed at submission."""

    __tablename__ = "application"
    __table_args__ = (
        Index("ix_application_user_type", "user_id", "business_type", "state"),
        Index("ix_application_state_unit", "state", "unit_id", "submitted_at"),
        Index("ix_application_state_committee", "state", "committee_id", "submitted_at"),
        Index("ix_application_type_state_series", "business_type", "state", "series"),
        # 待办 is merged from one branch per state, each read in arrival order (inbox._todo_branches).
        Index("ix_application_state_entered", "state", "state_entered_at", "id"),
        # The time-driven catch-up before every inbox (tick.due_clause): 公示 ends and correction deadlines passed.
        Index("ix_application_state_publicity", "state", "publicity_until"),
        Index("ix_application_state_deadline", "state", "correction_deadline"),
        # The dashboards (app/workflow/stats.py): a unit's or a committee's applications, by year of submission.
        Index("ix_application_unit_submitted", "unit_id", "submitted_at", "state"),
        Index("ix_application_committee_submitted", "committee_id", "submitted_at", "state"),
        # At most one open application per person and business (checks.one_open_application), enforced here too.
        Index("uq_application_open", "user_id", "business_type", unique=True,
              sqlite_where=sa_text(OPEN_STATES_SQL), postgresql_where=sa_text(OPEN_STATES_SQL)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_type: Mapped[BusinessType] = mapped_column(
        Enum(BusinessType, name="business_type", native_enum=False, length=20), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    state: Mapped[AppState] = mapped_column(
        Enum(AppState, name="app_state", native_enum=False, length=24), nullable=False, default=AppState.draft
    )
    # Where a returned application goes back to when it is resubmitted, and by when.
    returned_from: Mapped[str | None] = mapped_column(String(24))
    correction_deadline: Mapped[dt.date | None] = mapped_column(Date)
    # Set when a reviewer first opens it: from then on the applicant can no longer withdraw it.
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The org chain recorded at submission, so later reorganisations do not reroute it.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    # The committee's batch (评审批次) it was accepted into.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("review_batch.id"))
    # What is applied for.
    series: Mapped[str | None] = mapped_column(String(20))
    specialty: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(20))
    level: Mapped[str | None] = mapped_column(String(4))
    exceptional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    exceptional_reason: Mapped[str | None] = mapped_column(String(500))
    # The type's own form (申请信息 and the rest), validated by its form spec in app.workflow.
    form: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # The end of a running 公示 (unit-level or result), in working days from its start.
    publicity_until: Mapped[dt.date | None] = mapped_column(Date)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # When it reached its current state: inboxes sort on it and derive each level's due date from it.
    state_entered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Bumped by every transition; a transition names the version it saw (concurrent actions: one wins).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    user = relationship("AppUser", lazy="joined")
    unit = relationship("Org", foreign_keys=[unit_id], lazy="joined")
    # Read by few screens: a many-to-one by primary key comes from the session's identity map when the org is
    # already loaded, and joining four more orgs (with their parents) made PostgreSQL plan each read for
    # several milliseconds.
    supervisor = relationship("Org", foreign_keys=[supervisor_id])
    committee = relationship("Org", foreign_keys=[committee_id])
    authority = relationship("Org", foreign_keys=[authority_id])
    batch = relationship("ReviewBatch")
    # Loaded on access: lists and inboxes show none of these, a detail page reads each once.
    events = relationship("ApplicationEvent", order_by="ApplicationEvent.id", back_populates="application")
    materials = relationship("ApplicationMaterial", order_by="ApplicationMaterial.id",
                             cascade="all, delete-orphan")
    achievements = relationship("Achievement", secondary=application_achievement)
    publications = relationship("Publication", secondary=application_publication)

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


# 业务查询 is ordered newest submission first (drafts, not submitted, last). Indexes in exactly that order let a page
# be read off the front of an index instead of sorting every match: over all applications (a supervisor's or the
# authority's search), within a state, and within a state and series. The state ones matter beyond speed-up:
# finished applications are the old ones, so walking the all-applications index for a state filter would pass
# every recent open application first; with the state leading, PostgreSQL takes those instead.
Index("ix_application_submitted_desc", Application.submitted_at.desc().nulls_last(), Application.id.desc())
Index("ix_application_state_submitted_desc", Application.state, Application.submitted_at.desc().nulls_last(),
      Application.id.desc())
Index("ix_application_state_series_submitted_desc", Application.state, Application.series,
      Application.submitted_at.desc().nulls_last(), Application.id.desc())


class ApplicationEvent(Model):
    """An append-only history row of one transition."""

    __tablename__ = "application_event"
    __table_args__ = (
        Index("ix_application_event_app", "application_id", "id"),
        Index("ix_application_event_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    event: Mapped[str] = mapped_column(String(30), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(64), nullable=False)
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    from_state: Mapped[str] = mapped_column(String(24), nullable=False)
    to_state: Mapped[str] = mapped_column(String(24), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    # {section code: comment} — the 一次性告知 of a return, shown beside each section.
    section_comments: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))

    application = relationship("Application", back_populates="events")
    actor = relationship("AppUser", foreign_keys=[actor_id], lazy="joined")
    actor_org = relationship("Org", lazy="joined")


class ApplicationHandled(Model):
    """已办's index: each reviewer's last review event on each application, kept by engine.apply.

    已办 lists a reviewer's applications by their last action; finding that action among all of a busy reviewer's
    events on every page (a grouped scan of thousands of rows) is what this one row per (reviewer, application) saves.
    """

    __tablename__ = "application_handled"
    __table_args__ = (Index("ix_application_handled_user_event", "user_id", "event_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), primary_key=True,
                                                index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("application_event.id", ondelete="CASCADE"), nullable=False)


class ApplicationMaterial(Model):
    """提交的纸质材料清单: one line per paper material (name, copies)."""

    __tablename__ = "application_material"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    copies: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class ApplicationSnapshot(Model):
    """提交时版本: what was submitted at one 提交/重新提交, kept as JSON; the database refuses UPDATE and DELETE."""

    __tablename__ = "application_snapshot"
    __table_args__ = (UniqueConstraint("application_id", "submission", name="uq_application_snapshot_submission"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False)
    submission: Mapped[int] = mapped_column(Integer, nullable=False)  # 1 for the first 提交, 2 for the next …
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    data: Mapped[dict] = mapped_column(JSON, nullable=False)
