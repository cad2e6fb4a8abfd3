"""Per-model scope policies: each turns a Scope into a SQL clause on its model."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import ColumnElement, Select, false, or_, select, true

from app.models import (
    Achievement, AppState, Application, AppUser, Attachment, BasicInfo, ChangeLog, OperationLog, CeCertificate, CePolicy, CeRecord,
    Certificate, ClassStatus, CreditRecord, Education, Enrolment, ExamScore, Honour, MeetingRecusal, Objection, Org,
    Position, ProfileReview, ProfileReviewEvent, Publication, ReviewBatch, Training, TrainingClass, UnitBinding,
    UnitRegistration, WorkExperience, batch_attendee, user_org,
)
from app.scope.resolve import Scope, current_scope
from app.security import roles as r

Policy = Callable[[Scope], ColumnElement[bool]]
_POLICIES: dict[type, Policy] = {}


def register_policy(model: type) -> Callable[[Policy], Policy]:
    """Declare how rows of `model` are scoped."""

    def decorator(policy: Policy) -> Policy:
        _POLICIES[model] = policy
        return policy

    return decorator


def clause_for(model: type, scope: Scope | None = None) -> ColumnElement[bool]:
    """The WHERE clause limiting `model` to the scope; models without a policy are closed."""
    scope = scope if scope is not None else current_scope()
    if scope.everything:
        return true()
    policy = _POLICIES.get(model)
    if policy is None:
        for base in model.__mro__[1:]:
            policy = _POLICIES.get(base)
            if policy is not None:
                break
    return policy(scope) if policy is not None else false()


def scoped_select(model: type, scope: Scope | None = None) -> Select:
    """`select(model)` limited to the scope."""
    return select(model).where(clause_for(model, scope))


def org_clause(scope: Scope) -> ColumnElement[bool]:
    """Orgs the scope reaches: its own orgs, and every org below a subtree root."""
    terms: list[ColumnElement[bool]] = []
    if scope.org_ids:
        terms.append(Org.id.in_(sorted(scope.org_ids)))
    terms.extend(Org.path.startswith(path, autoescape=True) for path in sorted(scope.subtree_paths))
    return or_(*terms) if terms else false()


def in_reached_orgs(column, scope: Scope) -> ColumnElement[bool]:
    """Rows whose org `column` is one the scope reaches.

    The scope's own orgs are written as constants rather than a subquery: under the OR with "my own rows" that
    every policy has, PostgreSQL can then use the column's index, where a subquery becomes a filter over a full
    scan of the table. Subtrees stay a subquery on the org paths.
    """
    terms: list[ColumnElement[bool]] = []
    if scope.org_ids:
        terms.append(column.in_(sorted(scope.org_ids)))
    if scope.subtree_paths:
        below = or_(*(Org.path.startswith(path, autoescape=True) for path in sorted(scope.subtree_paths)))
        terms.append(column.in_(select(Org.id).where(below)))
    return or_(*terms) if terms else false()


@register_policy(Org)
def _orgs(scope: Scope) -> ColumnElement[bool]:
    return org_clause(scope)


@register_policy(AppUser)
def _users(scope: Scope) -> ColumnElement[bool]:
    # Staff users are reachable through the orgs they belong to; everyone reaches their own account.
    if not scope.reaches_orgs:
        return AppUser.id == scope.user_id if scope.user_id else false()
    in_reach = select(user_org.c.user_id).join(Org, Org.id == user_org.c.org_id).where(org_clause(scope))
    return AppUser.id.in_(in_reach)


def people_in_reach(scope: Scope):
    """Ids of the persons whose 人事管理单位 is within the scope's orgs (a subquery)."""
    return select(BasicInfo.user_id).join(Org, Org.id == BasicInfo.unit_id).where(org_clause(scope))


def _own_or_reached(owner_column, scope: Scope) -> ColumnElement[bool]:
    """A person's rows: their own, and those of persons in the scope's units."""
    own = owner_column == scope.user_id if scope.user_id else false()
    if not scope.reaches_orgs:
        return own
    return or_(own, owner_column.in_(people_in_reach(scope)))


def _register_person_owned(model: type, owner_attribute: str) -> None:
    register_policy(model)(lambda scope: _own_or_reached(getattr(model, owner_attribute), scope))


for _model in (BasicInfo, Education, WorkExperience, Position, Training, ExamScore, Achievement, Publication,
               Honour):
    _register_person_owned(_model, "user_id")
_register_person_owned(Attachment, "owner_id")
_register_person_owned(CeCertificate, "holder_id")
_register_person_owned(ProfileReviewEvent, "profile_user_id")


@register_policy(Certificate)
def _certificates(scope: Scope) -> ColumnElement[bool]:
    # The holder's own; staff: those of persons in their units, and those their committee or authority issued.
    own = Certificate.holder_id == scope.user_id if scope.user_id else false()
    if not scope.reaches_orgs:
        return own
    return or_(own, Certificate.holder_id.in_(people_in_reach(scope)),
               in_reached_orgs(Certificate.committee_id, scope), in_reached_orgs(Certificate.issuer_id, scope))


def own_credit_records(user_id: int | None) -> ColumnElement[bool]:
    """The records about a person: linked to the account, or recorded under its 证件号码 before it existed."""
    if not user_id:
        return false()
    own_number = select(AppUser.id_number).where(AppUser.id == user_id).scalar_subquery()
    return or_(CreditRecord.user_id == user_id, CreditRecord.subject_number == own_number)


@register_policy(CreditRecord)
def _credit_records(scope: Scope) -> ColumnElement[bool]:
    # A person reads the records about them; staff those their authority recorded.
    own = own_credit_records(scope.user_id)
    if not scope.reaches_orgs:
        return own
    return or_(own, in_reached_orgs(CreditRecord.recorder_org_id, scope))


@register_policy(CePolicy)
def _ce_policies(scope: Scope) -> ColumnElement[bool]:
    # Configuration, not personal data: whoever holds the permission reads every region's requirement.
    return true()


@register_policy(CeRecord)
def _ce_records(scope: Scope) -> ColumnElement[bool]:
    # A person's own hours; staff those sent to units in their reach for recognition (a draft has no unit yet).
    own = CeRecord.user_id == scope.user_id if scope.user_id else false()
    if not scope.reaches_orgs:
        return own
    return or_(own, in_reached_orgs(CeRecord.unit_id, scope))


@register_policy(UnitBinding)
def _unit_bindings(scope: Scope) -> ColumnElement[bool]:
    # The person's own requests; staff those addressed to units in their reach.
    own = UnitBinding.user_id == scope.user_id if scope.user_id else false()
    if not scope.reaches_orgs:
        return own
    return or_(own, in_reached_orgs(UnitBinding.unit_id, scope))


@register_policy(UnitRegistration)
def _unit_registrations(scope: Scope) -> ColumnElement[bool]:
    # Only subtree roles (supervisor, authority) reach the registrations of units placed below them.
    if not scope.subtree_paths:
        return false()
    below = or_(*(Org.path.startswith(path, autoescape=True) for path in sorted(scope.subtree_paths)))
    return UnitRegistration.org_id.in_(select(Org.id).where(below))


@register_policy(TrainingClass)
def _training_classes(scope: Scope) -> ColumnElement[bool]:
    # Published classes are a public catalogue; unpublished ones only for the provider (and staff above it).
    published = TrainingClass.status != ClassStatus.draft
    if not scope.reaches_orgs:
        return published
    return or_(published, in_reached_orgs(TrainingClass.provider_org_id, scope))


@register_policy(Enrolment)
def _enrolments(scope: Scope) -> ColumnElement[bool]:
    # A person's own enrolments; staff those of classes run by providers in their reach.
    own = Enrolment.user_id == scope.user_id if scope.user_id else false()
    if not scope.reaches_orgs:
        return own
    reached_classes = select(TrainingClass.id).where(
        in_reached_orgs(TrainingClass.provider_org_id, scope))
    return or_(own, Enrolment.class_id.in_(reached_classes))


@register_policy(ProfileReview)
def _profile_reviews(scope: Scope) -> ColumnElement[bool]:
    # A round stays with the unit it was submitted to, even after a later change of unit.
    own = ProfileReview.user_id == scope.user_id if scope.user_id else false()
    if not scope.reaches_orgs:
        return own
    return or_(own, in_reached_orgs(ProfileReview.unit_id, scope))


def others_applications(scope: Scope) -> ColumnElement[bool]:
    """Applications of other people the scope reaches: the Application policy without the user's own.

    A list that already leaves out the user's own applications (a reviewer's 待办) uses this instead of the
    policy: the same rows, without an OR that kept PostgreSQL from joining the scope's orgs to the applications.
    """
    if scope.everything:
        return true()
    if not scope.reaches_orgs:
        return false()
    reached = [in_reached_orgs(Application.unit_id, scope)]
    if r.COMMITTEE_OFFICE in scope.role_names and scope.org_ids:
        reached.append(Application.committee_id.in_(sorted(scope.org_ids)))
    if r.EXPERT in scope.role_names:
        recused = select(MeetingRecusal.application_id).where(MeetingRecusal.expert_id == scope.user_id)
        reached.append(Application.batch_id.in_(
            select(batch_attendee.c.batch_id).where(batch_attendee.c.user_id == scope.user_id))
            & Application.id.not_in(recused))
    return (Application.state != AppState.draft) & or_(*reached)


@register_policy(Application)
def _applications(scope: Scope) -> ColumnElement[bool]:
    # Own applications always; reviewers see submitted ones of their units (or below), their committee's,
    # and an expert only those in batches whose meeting they sat in.
    own = Application.user_id == scope.user_id if scope.user_id else false()
    if not scope.reaches_orgs:
        return own
    return or_(own, others_applications(scope))


@register_policy(ReviewBatch)
def _review_batches(scope: Scope) -> ColumnElement[bool]:
    # The office sees its committees' batches, the authority those of committees in its region, an expert
    # the batches whose meeting they sat in.
    terms = []
    if scope.reaches_orgs and set(scope.role_names) & {r.COMMITTEE_OFFICE, r.AUTHORITY}:
        terms.append(in_reached_orgs(ReviewBatch.committee_id, scope))
    if r.EXPERT in scope.role_names and scope.user_id:
        terms.append(ReviewBatch.id.in_(
            select(batch_attendee.c.batch_id).where(batch_attendee.c.user_id == scope.user_id)))
    return or_(*terms) if terms else false()


@register_policy(Objection)
def _objections(scope: Scope) -> ColumnElement[bool]:
    # An objection is seen by whoever sees its application, except the candidate it is about.
    if not scope.reaches_orgs:
        return false()
    return Objection.application_id.in_(
        select(Application.id).where(_applications(scope), Application.user_id != scope.user_id))


def actors_in_reach(scope: Scope):
    """Ids of the users attached to the scope's orgs: staff of those orgs, and persons whose unit is there."""
    staff = select(user_org.c.user_id).join(Org, Org.id == user_org.c.org_id).where(org_clause(scope))
    return staff.union(people_in_reach(scope))


@register_policy(OperationLog)
def _operation_log(scope: Scope) -> ColumnElement[bool]:
    # The authority (the only non-admin reader) sees what operators attached to its orgs did.
    if not scope.reaches_orgs:
        return false()
    return OperationLog.user_id.in_(actors_in_reach(scope))


@register_policy(ChangeLog)
def _change_log(scope: Scope) -> ColumnElement[bool]:
    # What operators of its reach changed, and every change to a profile, application or org in its reach.
    if not scope.reaches_orgs:
        return false()
    return or_(
        ChangeLog.user_id.in_(actors_in_reach(scope)),
        (ChangeLog.owner_type == "profile") & ChangeLog.owner_id.in_(people_in_reach(scope)),
        (ChangeLog.owner_type == "Application") & ChangeLog.owner_id.in_(
            select(Application.id).where(clause_for(Application, scope))),
        (ChangeLog.owner_type == "Org") & in_reached_orgs(ChangeLog.owner_id, scope),
    )
