"""Profile review: the applicant submits, the unit and then the supervisor approve or return each record.

Each decision changes the round with a conditional UPDATE on the stage and version it was shown, so two
reviewers acting at once cannot both succeed; everything of one step is committed once, with its history row.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.errors import DomainError, ErrorCollector
from app.extensions import db
from app.models import (
    AppUser, BasicInfo, Org, OrgKind, OrgStatus, ProfileReview, ProfileReviewEvent, RecordStatus,
    ReviewAction, ReviewStage,
)
from app.models.mixins import utcnow
from app.scope.resolve import resolve_scope
from app.security import roles as r
from app.services import audit
from app.workflow import notify_ce
from app.workflow.profile import BASIC_REQUIRED, SECTIONS, supervising_org

MAX_COMMENT = 500
PASS = "pass"
RETURN = "return"

_STAGE_STATUS = {ReviewStage.unit: RecordStatus.unit_review, ReviewStage.supervisor: RecordStatus.supervisor_review}


class AlreadyHandled(DomainError):
    """Someone else decided on the round first."""


@dataclass(frozen=True)
class Decision:
    """A reviewer's verdict on one record of the round."""

    section: str
    record_id: int
    verdict: str
    comment: str = ""


def open_review(user_id: int) -> ProfileReview | None:
    """The person's round still waiting for a reviewer, if any."""
    return db.session.scalar(
        select(ProfileReview).where(ProfileReview.user_id == user_id, ProfileReview.stage != ReviewStage.closed)
    )


def records_in(user_id: int, status: RecordStatus) -> list[tuple[str, object]]:
    """(section code, record) pairs of a person in one status, in section order."""
    found = []
    for section in SECTIONS:
        rows = db.session.scalars(
            select(section.model)
            .where(section.model.user_id == user_id, section.model.status == status)
            .order_by(section.model.id)
        )
        found.extend((section.code, row) for row in rows)
    return found


def submit(user: AppUser, ip: str | None = None) -> ProfileReview:
    """提交人事管理单位审核: every new, edited or returned record goes to the unit."""
    basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == user.id))
    if basic is None or basic.unit_id is None:
        raise DomainError(_("Fill in the basic information and choose your personnel management unit first."))
    missing = [str(label) for name, label in BASIC_REQUIRED if getattr(basic, name) in (None, "")]
    if missing:
        raise DomainError(_("The basic information lacks: %(fields)s.", fields="、".join(missing)))
    unit = basic.unit
    if unit.status != OrgStatus.active:
        raise DomainError(_("Your personnel management unit is not active; please contact it."))
    if open_review(user.id) is not None:
        raise DomainError(_("Your profile is under review; submit again when the review is finished."))
    supervisor = supervising_org(unit)
    review = ProfileReview(
        user_id=user.id, unit_id=unit.id, supervisor_id=supervisor.id if supervisor else None,
        stage=ReviewStage.unit,
    )
    db.session.add(review)
    db.session.flush()
    moved = 0
    items = []
    for section in SECTIONS:
        model = section.model
        ids = list(db.session.scalars(
            select(model.id).where(
                model.user_id == user.id, model.status.in_((RecordStatus.draft, RecordStatus.returned))
            )
        ))
        if not ids:
            continue
        # Conditional on the status read: a concurrent submit moves each record once.
        moved += db.session.execute(
            update(model)
            .where(model.id.in_(ids), model.status.in_((RecordStatus.draft, RecordStatus.returned)))
            .values(status=RecordStatus.unit_review, version=model.version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        items.extend({"section": section.code, "record_id": record_id} for record_id in ids)
    if moved == 0:
        db.session.rollback()
        raise DomainError(_("There is nothing new to submit: every record is already submitted or approved."))
    _history(review, ReviewAction.submit, user, r.APPLICANT, None, None, ReviewStage.unit, items, ip)
    audit.record("profile.submit", review, actor=user)
    notify_ce.profile_submitted(review)
    db.session.commit()
    db.session.expire_all()
    return review


def acting_role(review: ProfileReview, actor: AppUser) -> str | None:
    """The role in which `actor` may decide the round now, or None when they may not."""
    if actor.id == review.user_id or review.stage == ReviewStage.closed:
        return None
    scope = resolve_scope(actor)
    if review.stage == ReviewStage.unit:
        if r.UNIT_REVIEWER in scope.role_names and review.unit_id in scope.org_ids:
            return r.UNIT_REVIEWER
        return None
    if not scope.reaches_below(review.unit):
        return None
    if r.SUPERVISOR_REVIEWER in scope.role_names:
        return r.SUPERVISOR_REVIEWER
    # A unit straight under the authority has the authority as its 主管单位.
    if r.AUTHORITY in scope.role_names and review.supervisor and review.supervisor.kind == OrgKind.authority:
        return r.AUTHORITY
    return None


def decide(review_id: int, seen_version: int, actor: AppUser, decisions: list[Decision],
           ip: str | None = None) -> ProfileReview:
    """Approve or return each record of the round at its current stage; missing verdicts mean approve."""
    review = db.session.get(ProfileReview, review_id)
    if review is None:
        raise DomainError(_("The review does not exist."))
    if review.version != seen_version:
        raise AlreadyHandled(_("This profile has already been handled by someone else."))
    role = acting_role(review, actor)
    if role is None:
        raise DomainError(_("You may not decide on this profile."))
    stage = review.stage
    pending = records_in(review.user_id, _STAGE_STATUS[stage])
    verdicts = _check_decisions(pending, decisions)
    passed = [key for key, (verdict, _c) in verdicts.items() if verdict == PASS]
    next_stage = ReviewStage.supervisor if stage == ReviewStage.unit and passed else ReviewStage.closed
    if stage == ReviewStage.unit and passed and review.supervisor_id is None:
        next_stage = ReviewStage.closed  # no second level above this unit: the unit's approval is final
    changed = db.session.execute(
        update(ProfileReview)
        .where(ProfileReview.id == review.id, ProfileReview.stage == stage, ProfileReview.version == seen_version)
        .values(stage=next_stage, version=ProfileReview.version + 1,
                closed_at=utcnow() if next_stage == ReviewStage.closed else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise AlreadyHandled(_("This profile has already been handled by someone else."))
    approved_status = RecordStatus.supervisor_review if next_stage == ReviewStage.supervisor else RecordStatus.approved
    items = []
    by_section = {section.code: section for section in SECTIONS}
    for (section_code, record), (verdict, comment) in ((pair, verdicts[_key(pair)]) for pair in pending):
        record.status = approved_status if verdict == PASS else RecordStatus.returned
        record.review_comment = comment or None if verdict == RETURN else record.review_comment
        if verdict == PASS and next_stage == ReviewStage.closed:
            record.review_comment = None
        items.append({
            "section": section_code, "record_id": record.id, "title": by_section[section_code].describe(record),
            "decision": verdict, "comment": comment,
        })
    action = ReviewAction.unit_decide if stage == ReviewStage.unit else ReviewAction.supervisor_decide
    org = _actor_org(actor, review, role)
    _history(review, action, actor, role, org, stage, next_stage, items, ip)
    audit.record(f"profile.{action.value}", review, actor=actor)
    notify_ce.profile_decided(review, actor, next_stage, items)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(ProfileReview, review_id)


def _key(pair) -> tuple[str, int]:
    return pair[0], pair[1].id


def _check_decisions(pending, decisions: list[Decision]) -> dict[tuple[str, int], tuple[str, str]]:
    """Each pending record's verdict; unknown records, bad verdicts and returns without reasons are refused."""
    errors = ErrorCollector()
    known = {_key(pair) for pair in pending}
    verdicts = {key: (PASS, "") for key in known}
    for decision in decisions:
        key = (decision.section, decision.record_id)
        field = f"comment_{decision.section}_{decision.record_id}"
        comment = (decision.comment or "").strip()
        if key not in known:
            errors.add(field, _("This record is not part of the review."))
        elif decision.verdict not in (PASS, RETURN):
            errors.add(field, _("Choose approve or return."))
        elif decision.verdict == RETURN and not comment:
            errors.add(field, _("Please give the reason for returning this record."))
        elif len(comment) > MAX_COMMENT:
            errors.add(field, _("The comment may be at most %(n)d characters.", n=MAX_COMMENT))
        else:
            verdicts[key] = (decision.verdict, comment)
    if not known:
        errors.add("review", _("The review holds no record to decide on."))
    errors.raise_if_any()
    return verdicts


def _actor_org(actor: AppUser, review: ProfileReview, role: str) -> Org | None:
    """The org in whose name the actor decided: the unit, or their org above it."""
    if role == r.UNIT_REVIEWER:
        return review.unit
    unit_path = review.unit.path
    for org in actor.orgs:
        if unit_path.startswith(org.path):
            return org
    return None


def _history(review, action, actor, role, org, from_stage, to_stage, items, ip) -> None:
    db.session.add(ProfileReviewEvent(
        review_id=review.id, profile_user_id=review.user_id, actor_id=actor.id, actor_role=role,
        actor_org_id=org.id if org else None, action=action,
        from_stage=from_stage.value if from_stage else None, to_stage=to_stage.value, items=items, ip=ip,
    ))
