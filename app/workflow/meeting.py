"""Review meetings: attendance, votes, and the national quorum and pass rules (人社部令第40号).

Quorum: those present ≥ 2/3 of the committee's members. Pass: yes-votes ≥ 2/3 of those present.
Every present member votes once for each candidate; nobody votes for another (no proxies).
A member recused from a candidate (回避: a colleague of the same unit, or declared by the office) neither sees
nor votes on that candidate and is not counted as present for them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_appbuilder.security.sqla.models import Role
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.errors import DomainError
from app.extensions import db
from app.models import (
    AppState, Application, AppUser, MeetingRecusal, MeetingVote, ReviewBatch, VoteChoice, user_org,
)
from app.security import roles as r


@dataclass(frozen=True)
class Tally:
    members: int
    present: int
    yes: int
    no: int
    abstain: int

    @property
    def quorate(self) -> bool:
        return self.members > 0 and self.present * 3 >= self.members * 2

    @property
    def complete(self) -> bool:
        return self.yes + self.no + self.abstain == self.present

    @property
    def passed(self) -> bool:
        return self.quorate and self.complete and self.yes * 3 >= self.present * 2


def open_batch(application: Application, today: dt.date) -> ReviewBatch | None:
    """The committee's batch for the application's series and level whose window is open today."""
    return db.session.scalar(select(ReviewBatch).where(
        ReviewBatch.committee_id == application.committee_id, ReviewBatch.series == application.series,
        ReviewBatch.level == application.level, ReviewBatch.opens_on <= today, ReviewBatch.closes_on >= today,
    ).order_by(ReviewBatch.opens_on))


def tally(application: Application) -> Tally:
    """The votes on one candidate at their batch's meeting."""
    batch = application.batch
    if batch is None:
        return Tally(0, 0, 0, 0, 0)
    return tallies(batch, [application.id])[application.id]


def tallies(batch: ReviewBatch, application_ids: list[int]) -> dict[int, Tally]:
    """`tally` of each of these candidates of the batch, from two grouped queries (the meeting page lists all)."""
    recused = dict(db.session.execute(
        select(MeetingRecusal.application_id, func.count())
        .where(MeetingRecusal.batch_id == batch.id, MeetingRecusal.application_id.in_(application_ids))
        .group_by(MeetingRecusal.application_id)).all())
    counts: dict[int, dict[VoteChoice, int]] = {application_id: {} for application_id in application_ids}
    for application_id, choice, count in db.session.execute(
            select(MeetingVote.application_id, MeetingVote.choice, func.count())
            .where(MeetingVote.batch_id == batch.id, MeetingVote.application_id.in_(application_ids))
            .group_by(MeetingVote.application_id, MeetingVote.choice)):
        counts[application_id][choice] = count
    attendees = len(batch.attendees)
    return {application_id: Tally(
        members=batch.member_count or 0, present=attendees - recused.get(application_id, 0),
        yes=votes.get(VoteChoice.yes, 0), no=votes.get(VoteChoice.no, 0), abstain=votes.get(VoteChoice.abstain, 0),
    ) for application_id, votes in counts.items()}


def set_attendance(batch: ReviewBatch, experts: list[AppUser]) -> None:
    """Record who sat: experts of the batch's committee only; the member count is fixed from the committee."""
    for expert in experts:
        is_expert = any(role.name == r.EXPERT for role in expert.roles)
        if not is_expert or batch.committee_id not in {o.id for o in expert.orgs}:
            raise DomainError(_("%(name)s is not an expert of this committee.", name=expert.full_name))
    if db.session.scalar(select(MeetingVote.id).where(MeetingVote.batch_id == batch.id).limit(1)):
        raise DomainError(_("Votes have been recorded; the attendance of this meeting can no longer change."))
    batch.attendees = list(experts)
    batch.member_count = batch.committee.member_count
    db.session.flush()
    recuse_colleagues(batch)
    db.session.commit()


def candidates(batch: ReviewBatch) -> list[Application]:
    """The applications accepted into the batch, by applicant name."""
    return list(db.session.scalars(select(Application).where(Application.batch_id == batch.id)
                                   .order_by(Application.id)))


def recused_ids(batch: ReviewBatch) -> set[tuple[int, int]]:
    """(application id, expert id) pairs recused in the batch."""
    return set(db.session.execute(select(MeetingRecusal.application_id, MeetingRecusal.expert_id)
                                  .where(MeetingRecusal.batch_id == batch.id)).all())


def recuse(batch: ReviewBatch, application: Application, expert: AppUser, reason: str) -> None:
    """Record that an expert stays out of one candidate's evaluation; votes already cast cannot be recused."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the reason for the recusal."))
    if application.batch_id != batch.id:
        raise DomainError(_("The candidate is not under evaluation in this batch."))
    if (application.id, expert.id) in recused_ids(batch):
        return
    if db.session.scalar(select(MeetingVote.id).where(
            MeetingVote.batch_id == batch.id, MeetingVote.application_id == application.id,
            MeetingVote.expert_id == expert.id)):
        raise DomainError(_("%(name)s has already voted on this candidate.", name=expert.full_name))
    db.session.add(MeetingRecusal(batch_id=batch.id, application_id=application.id, expert_id=expert.id,
                                  reason=reason[:200]))
    db.session.commit()


def recuse_colleagues(batch: ReviewBatch) -> None:
    """Attending experts of a candidate's own unit, or the candidate themself, are recused automatically."""
    known = recused_ids(batch)
    for application in candidates(batch):
        for expert in batch.attendees:
            colleague = application.unit_id in {org.id for org in expert.orgs} or expert.id == application.user_id
            if colleague and (application.id, expert.id) not in known:
                db.session.add(MeetingRecusal(batch_id=batch.id, application_id=application.id,
                                              expert_id=expert.id, reason=str(_("Same unit as the candidate"))))


def record_votes(batch: ReviewBatch, application: Application, votes: dict[AppUser, VoteChoice]) -> None:
    """Several experts' votes on one candidate at once: all are recorded, or none when one is refused."""
    if not votes:
        raise DomainError(_("No vote was entered."))
    for expert, choice in votes.items():
        _check_vote(batch, application, expert)
    for expert, choice in votes.items():
        db.session.add(MeetingVote(batch_id=batch.id, application_id=application.id, expert_id=expert.id,
                                   choice=choice))
    db.session.commit()


def record_vote(batch: ReviewBatch, application: Application, expert: AppUser, choice: VoteChoice) -> None:
    """One present expert's vote on one candidate of the batch."""
    record_votes(batch, application, {expert: choice})


def _check_vote(batch: ReviewBatch, application: Application, expert: AppUser) -> None:
    if application.batch_id != batch.id or application.state != AppState.in_review:
        raise DomainError(_("The candidate is not under evaluation in this batch."))
    if expert not in batch.attendees:
        raise DomainError(_("Only members present at the meeting vote; there are no proxy votes."))
    if (application.id, expert.id) in recused_ids(batch):
        raise DomainError(_("%(name)s is recused from this candidate and does not vote.", name=expert.full_name))
    exists = db.session.scalar(select(MeetingVote.id).where(
        MeetingVote.batch_id == batch.id, MeetingVote.application_id == application.id,
        MeetingVote.expert_id == expert.id,
    ))
    if exists:
        raise DomainError(_("%(name)s has already voted on this candidate.", name=expert.full_name))


def result_problems(application: Application, want_pass: bool) -> list[str]:
    """Why recording this result would break the rules (empty: it may be recorded)."""
    counted = tally(application)
    if not counted.quorate:
        return [_("Only %(present)d of %(members)d members attended: fewer than two thirds, so the meeting "
                  "cannot decide.", present=counted.present, members=counted.members)]
    if not counted.complete:
        return [_("Every member present must vote: %(votes)d of %(present)d votes recorded.",
                  votes=counted.yes + counted.no + counted.abstain, present=counted.present)]
    if want_pass and not counted.passed:
        return [_("%(yes)d yes-votes of %(present)d present is less than two thirds: the candidate has not "
                  "passed.", yes=counted.yes, present=counted.present)]
    if not want_pass and counted.passed:
        return [_("%(yes)d of %(present)d present voted yes: the candidate has passed.", yes=counted.yes,
                  present=counted.present)]
    return []


def votes_cast(batch: ReviewBatch) -> dict[tuple[int, int], VoteChoice]:
    """(application id, expert id) → the vote, for the whole batch in one query."""
    return {(a, e): c for a, e, c in db.session.execute(
        select(MeetingVote.application_id, MeetingVote.expert_id, MeetingVote.choice)
        .where(MeetingVote.batch_id == batch.id))}


def committee_experts(batch: ReviewBatch) -> list[AppUser]:
    """The experts who belong to the batch's committee (those who may attend)."""
    return list(db.session.scalars(
        select(AppUser).join(user_org, user_org.c.user_id == AppUser.id)
        .where(user_org.c.org_id == batch.committee_id, AppUser.roles.any(Role.name == r.EXPERT))
        .order_by(AppUser.id)
    ))
