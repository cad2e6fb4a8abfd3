"""Who is told about continuing education, bindings, unit registrations and profile reviews (站内信 and e-mail).

Each function is called by the rule that made the change, before its commit, so the message is committed or
rolled back with it. Reviewers are found with one set-based query (app.workflow.notify.staff); the person a
decision is about is told with the outcome (recognised hours, the reason of a refusal).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.models import (
    AppUser, CeRecord, Enrolment, EnrolmentStatus, MessageKind, Org, OrgKind, ProfileReview, ReviewStage,
    UnitBinding, UnitRegistration,
)
from app.security import roles as r
from app.services import notifications
from app.workflow import ce_compliance
from app.workflow.notify import path_prefixes, staff
from app.workflow.profile import SECTION_BY_CODE


def unit_reviewers(unit_id: int | None, exclude_id: int | None = None):
    """Ids of the active unit reviewers of one unit (who review its CE hours, bindings and profiles)."""
    condition = staff(r.UNIT_REVIEWER, (Org.id == unit_id) & (Org.kind == OrgKind.unit))
    if exclude_id is not None:
        condition = condition & (AppUser.id != exclude_id)
    return select(AppUser.id).where(condition)


# ----- 继续教育学时申报 -----

def ce_claim_moved(record: CeRecord, action: str) -> None:
    """送审 → the unit's reviewers; 审核通过 / 退回 / 不通过 → the person, with the hours or the reason."""
    name = record.user.full_name if record.user else ""
    facts = dict(course=record.course_name, name=name, start=record.start_date.isoformat(),
                 end=record.end_date.isoformat())
    if action == "submit":
        notifications.notify(
            unit_reviewers(record.unit_id, exclude_id=record.user_id),
            _l("To review: continuing-education hours claimed by %(name)s", **facts),
            _l("%(name)s claimed %(hours)s continuing-education hours for \"%(course)s\" (%(start)s to %(end)s); "
               "please review the claim.", hours=ce_compliance.hours_text(record.claimed_hours), **facts),
            link=f"/ce-review/show/{record.id}", kind=MessageKind.ce)
        return
    lines = {
        "approve": _l("Your claim for \"%(course)s\" (%(start)s to %(end)s) was approved: %(hours)s hours are "
                      "recognised.", hours=ce_compliance.hours_text(record.recognised_hours), **facts),
        "return": _l("Your claim for \"%(course)s\" (%(start)s to %(end)s) was returned; correct it and send it "
                     "for review again.", **facts),
        "reject": _l("Your claim for \"%(course)s\" (%(start)s to %(end)s) was not approved; its hours are not "
                     "recognised.", **facts),
    }
    subjects = {
        "approve": _l("Your continuing-education claim was approved"),
        "return": _l("Your continuing-education claim was returned"),
        "reject": _l("Your continuing-education claim was not approved"),
    }
    if action not in lines:
        return
    body = [lines[action]]
    if record.review_comment:
        body.append(_l("Reviewer's comment: %(comment)s", comment=record.review_comment))
    notifications.notify([record.user_id], subjects[action], body, link=f"/ce-records/show/{record.id}",
                         kind=MessageKind.ce)


# ----- 培训班 -----

def enrolment_requested(enrolment: Enrolment) -> None:
    """报名 → the provider's staff, who confirm or refuse it."""
    training_class = enrolment.training_class
    facts = dict(name=enrolment.user.full_name if enrolment.user else "", title=training_class.name,
                 start=training_class.start_date.isoformat(), end=training_class.end_date.isoformat())
    notifications.notify(
        select(AppUser.id).where(staff(r.PROVIDER, Org.id == training_class.provider_org_id)),
        _l("To confirm: %(name)s enrolled in %(title)s", **facts),
        _l("%(name)s enrolled in the training class \"%(title)s\" (%(start)s to %(end)s); please confirm or refuse "
           "the enrolment.", **facts),
        link=f"/training-classes/{training_class.id}", kind=MessageKind.training)


def enrolment_decided(enrolment: Enrolment) -> None:
    """报名成功 / 报名失败 → the person."""
    training_class = enrolment.training_class
    facts = dict(name=training_class.name, start=training_class.start_date.isoformat(),
                 end=training_class.end_date.isoformat())
    if enrolment.status == EnrolmentStatus.confirmed:
        subject = _l("Enrolment confirmed: %(name)s", **facts)
        body = [_l("Your enrolment in the training class \"%(name)s\" (%(start)s to %(end)s) succeeded.", **facts)]
    elif enrolment.status == EnrolmentStatus.rejected:
        subject = _l("Enrolment not accepted: %(name)s", **facts)
        body = [_l("Your enrolment in the training class \"%(name)s\" (%(start)s to %(end)s) was not accepted.",
                   **facts), _l("Reason: %(reason)s", reason=enrolment.reason or "")]
    else:
        return
    notifications.notify([enrolment.user_id], subject, body, link="/my-enrolments/", kind=MessageKind.training)


def enrolment_completed(enrolment: Enrolment, record: CeRecord) -> None:
    """结业 → the person, with the hours it gives."""
    name = enrolment.training_class.name
    notifications.notify(
        [enrolment.user_id], _l("Training class completed: %(name)s", name=name),
        _l("You completed the training class \"%(name)s\"; %(hours)s continuing-education hours are recorded.",
           name=name, hours=ce_compliance.hours_text(record.recognised_hours)),
        link="/my-enrolments/", kind=MessageKind.training)


# ----- 单位绑定 -----

def binding_requested(binding: UnitBinding) -> None:
    """A person asks to be bound → the unit's reviewers."""
    name = binding.user.full_name if binding.user else ""
    notifications.notify(
        unit_reviewers(binding.unit_id, exclude_id=binding.user_id),
        _l("To confirm: %(name)s asks to be bound to your unit", name=name),
        _l("%(name)s asks to be bound to %(unit)s for continuing education; please confirm or refuse the request.",
           name=name, unit=binding.unit.name),
        link="/unit-bindings/", kind=MessageKind.binding)


def binding_decided(binding: UnitBinding, action: str) -> None:
    """确认 / 拒绝 / 解除 → the person."""
    unit = binding.unit.name
    texts = {
        "confirm": (_l("Your unit binding was confirmed"),
                    [_l("%(unit)s confirmed your binding request.", unit=unit)]),
        "reject": (_l("Your unit binding request was refused"),
                   [_l("%(unit)s refused your binding request.", unit=unit)]),
        "end": (_l("Your unit binding was ended"), [_l("%(unit)s ended your binding.", unit=unit)]),
    }
    subject, body = texts[action]
    if binding.reason and action != "confirm":
        body.append(_l("Reason: %(reason)s", reason=binding.reason))
    notifications.notify([binding.user_id], subject, body, link="/my-unit-binding/", kind=MessageKind.binding)


# ----- 单位用户注册 -----

def registration_deciders(org: Org):
    """Ids of those who decide a unit's registration: the supervisors above it, or the authority when the unit sits
    straight under it (as the scope of unit registrations reaches them)."""
    above = path_prefixes(org.path)
    condition = staff(r.SUPERVISOR_REVIEWER, (Org.kind == OrgKind.supervisor) & Org.path.in_(above))
    if org.parent is not None and org.parent.kind == OrgKind.authority:
        condition = condition | staff(r.AUTHORITY, (Org.kind == OrgKind.authority) & Org.path.in_(above))
    return select(AppUser.id).where(condition)


def unit_registration_submitted(registration: UnitRegistration) -> None:
    """A unit registered itself → those who approve or refuse it."""
    org = registration.org
    notifications.notify(
        registration_deciders(org), _l("To review: the registration of the unit %(unit)s", unit=org.name),
        _l("%(unit)s (unified social credit code %(uscc)s) registered itself; please approve or refuse the "
           "registration.", unit=org.name, uscc=org.uscc or ""),
        link="/unit-registrations/", kind=MessageKind.registration)


def unit_registration_decided(registration: UnitRegistration, approved: bool) -> None:
    """Approved / refused → the registering account (its e-mail: it cannot sign in before approval)."""
    if registration.account_id is None:
        return
    unit = registration.org.name
    if approved:
        subject = _l("Your unit registration was approved")
        body = [_l("The registration of \"%(unit)s\" was approved; you can now sign in with the account %(account)s.",
                   unit=unit, account=registration.account.username)]
    else:
        subject = _l("Your unit registration was refused")
        body = [_l("The registration of \"%(unit)s\" was refused.", unit=unit),
                _l("Reason: %(reason)s", reason=registration.reason or "")]
    notifications.notify([registration.account_id], subject, body, link="/login/", kind=MessageKind.registration)


# ----- 个人信息审核 -----

def profile_reviewers(review: ProfileReview, stage: ReviewStage, exclude_id: int | None = None):
    """Ids of those who decide the round at `stage`, as profile_review.acting_role decides."""
    if stage == ReviewStage.unit:
        return unit_reviewers(review.unit_id, exclude_id=exclude_id)
    above = path_prefixes(review.unit.path)
    condition = staff(r.SUPERVISOR_REVIEWER, (Org.kind == OrgKind.supervisor) & Org.path.in_(above))
    if review.supervisor is not None and review.supervisor.kind == OrgKind.authority:
        # A unit straight under the authority has the authority as its 主管单位.
        condition = condition | staff(r.AUTHORITY, (Org.kind == OrgKind.authority) & Org.path.in_(above))
    condition = condition & (AppUser.id != review.user_id)
    if exclude_id is not None:
        condition = condition & (AppUser.id != exclude_id)
    return select(AppUser.id).where(condition)


def profile_submitted(review: ProfileReview, stage: ReviewStage = ReviewStage.unit, exclude_id=None) -> None:
    """A round waits at `stage` → its reviewers."""
    name = review.user.full_name if review.user else ""
    notifications.notify(
        profile_reviewers(review, stage, exclude_id=exclude_id),
        _l("To review: the personal information of %(name)s", name=name),
        _l("%(name)s submitted personal information for review; please review it.", name=name),
        link=f"/profile-reviews/show/{review.id}", kind=MessageKind.profile)


def profile_decided(review: ProfileReview, actor: AppUser, next_stage: ReviewStage, items: list[dict]) -> None:
    """A level decided → the person (approved and returned records, with the comments), and the next level."""
    passed = sum(1 for item in items if item["decision"] == "pass")
    returned = [item for item in items if item["decision"] != "pass"]
    body = [_l("Your personal information was reviewed: %(passed)d record(s) approved, %(returned)d returned.",
               passed=passed, returned=len(returned))]
    for item in returned:
        section = SECTION_BY_CODE.get(item["section"])
        body.append(_l("Returned: %(section)s %(record)s: %(comment)s",
                       section=section.label if section else item["section"], record=item.get("title") or "",
                       comment=item.get("comment") or ""))
    if next_stage == ReviewStage.supervisor:
        body.append(_l("The approved records now go to the supervising department for review."))
    notifications.notify([review.user_id], _l("The review of your personal information"), body, link="/profile/",
                         kind=MessageKind.profile)
    if next_stage == ReviewStage.supervisor:
        profile_submitted(review, ReviewStage.supervisor, exclude_id=actor.id)
