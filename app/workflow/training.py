"""Training classes (培训班): the provider's class life cycle, enrolment, the provider's decisions and 结业.

Every rule lives here; the screens and the completion import call these functions. Each state change writes an
OperationLog row and is committed once; a stale version (someone acted first) raises AlreadyHandled.

The capacity rule (报名成功 never exceeds 拟招人数) is enforced by the database: confirming runs a conditional
UPDATE of the class's counter (`confirmed_count < capacity`) checked by its row count, in the same transaction as
the enrolment's change, so concurrent confirmations cannot overfill a class on any engine.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.errors import DomainError, ErrorCollector, ValidationFailed
from app.extensions import db
from app.models import (
    AppUser, CeRecord, CeRecordEvent, CeRecordStatus, CeSource, ClassStatus, Enrolment, EnrolmentStatus,
    LEARNING_FORMS, OrgKind, TrainingClass, TrainingClassSubject,
)
from app.models.mixins import utcnow
from app.services import audit, dictionaries
from app.workflow import ce_binding, ce_compliance, notify_ce

MAX_REASON = 500
MAX_SUBJECTS = 50
MAX_DAYS = 366
MAX_CAPACITY = 10000


class AlreadyHandled(DomainError):
    """Someone else changed the class or the enrolment first."""


def _stale(kind: str = "enrolment") -> AlreadyHandled:
    if kind == "class":
        return AlreadyHandled(_("The training class was changed by someone else; refresh the page and try again."))
    return AlreadyHandled(_("The enrolment has already been handled by someone else."))


# ----- who may act -----
def provider_org_ids(actor: AppUser | None) -> set[int]:
    """The 施教机构 (provider orgs) the actor works for."""
    return {org.id for org in (getattr(actor, "orgs", None) or []) if org.kind == OrgKind.provider}


def _own_class(class_id: int, actor: AppUser) -> TrainingClass:
    training_class = db.session.get(TrainingClass, class_id)
    if training_class is None or training_class.provider_org_id not in provider_org_ids(actor):
        raise DomainError(_("The training class does not exist or is not one of your organisation's classes."))
    return training_class


def _check_version(row, seen_version: int | None, kind: str) -> None:
    if seen_version is not None and row.version != seen_version:
        raise _stale(kind)


def _commit(kind: str) -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise _stale(kind) from None


# ----- the class itself -----
@dataclass
class ClassInput:
    """What the provider types into the class form (raw strings from the form or the API)."""

    name: str = ""
    course_name: str = ""
    course_type: str = ""
    learning_form: str = ""
    days: str = ""
    start_date: str = ""
    hours: str = ""
    capacity: str = ""
    head_teacher: str = ""
    teachers: str = ""
    exam_type: str = ""
    schedule: str = ""
    location: str = ""
    subjects: tuple[str, ...] = ()


def _text(errors: ErrorCollector, field: str, raw, label: str, limit: int, required: bool) -> str | None:
    value = (raw or "").strip()
    if not value:
        if required:
            errors.add(field, _("Enter %(field)s.", field=label))
        return None
    if len(value) > limit:
        errors.add(field, _("%(field)s may have at most %(limit)d characters.", field=label, limit=limit))
    return value


def _int(errors: ErrorCollector, field: str, raw, label: str, low: int, high: int) -> int | None:
    value = str(raw or "").strip()
    if not value:
        errors.add(field, _("Enter %(field)s.", field=label))
        return None
    try:
        number = int(value)
    except ValueError:
        errors.add(field, _("%(field)s must be a whole number.", field=label))
        return None
    if not low <= number <= high:
        errors.add(field, _("%(field)s must be between %(low)d and %(high)d.", field=label, low=low, high=high))
        return None
    return number


def _national_policy(year: int):
    return ce_compliance.policy_for(None, year)


def validate_class(data: ClassInput) -> dict:
    """The class's values, checked; ValidationFailed naming each wrong field in Chinese."""
    errors = ErrorCollector()
    values: dict = {}
    values["name"] = _text(errors, "name", data.name, _("the training class name"), 200, True)
    values["course_name"] = _text(errors, "course_name", data.course_name, _("the training course name"), 200, True)
    course_type = (data.course_type or "").strip()
    if not course_type:
        errors.add("course_type", _("Choose the course type."))
    elif not dictionaries.is_valid_code("course_type", course_type):
        errors.add("course_type", _("The course type is not a valid choice."))
    values["course_type"] = course_type
    learning_form = (data.learning_form or "").strip()
    if not learning_form:
        errors.add("learning_form", _("Choose the form of the training."))
    elif learning_form not in LEARNING_FORMS:
        errors.add("learning_form", _("The form of the training must be face-to-face or online training."))
    values["learning_form"] = learning_form
    days = _int(errors, "days", data.days, _("the number of training days"), 1, MAX_DAYS)
    values["days"] = days
    start = None
    raw_start = (data.start_date or "").strip()
    if not raw_start:
        errors.add("start_date", _("Enter the planned start date."))
    else:
        try:
            start = dt.date.fromisoformat(raw_start)
        except ValueError:
            errors.add("start_date", _("The planned start date must be a date like 2026-03-01."))
    if start is not None and not 2000 <= start.year <= 2100:
        errors.add("start_date", _("The planned start date must be between 2000 and 2100."))
        start = None
    values["start_date"] = start
    hours = None
    raw_hours = str(data.hours or "").strip()
    if not raw_hours:
        errors.add("hours", _("Enter the class hours."))
    else:
        try:
            hours = Decimal(raw_hours)
            if not hours.is_finite() or hours <= 0 or hours != hours.quantize(Decimal("0.1")) or hours > 9999:
                raise InvalidOperation
        except InvalidOperation:
            errors.add("hours", _("The class hours must be a number above 0 with at most one decimal."))
            hours = None
    if hours is not None and days is not None and start is not None:
        policy = _national_policy(start.year)
        if policy is not None:
            most = ce_compliance.to_hours(policy, days=days)
            if hours > most:
                errors.add("hours", _("The class hours (%(hours)s) exceed %(most)s: %(days)d days of %(per_day)s "
                                      "hours each.", hours=ce_compliance.hours_text(hours), most=ce_compliance.hours_text(most),
                                      days=days, per_day=ce_compliance.hours_text(policy.hours_per_day)))
    values["hours"] = hours
    values["capacity"] = _int(errors, "capacity", data.capacity, _("the planned number of learners"), 1,
                              MAX_CAPACITY)
    values["head_teacher"] = _text(errors, "head_teacher", data.head_teacher, _("the head teacher's name"), 50, False)
    values["teachers"] = _text(errors, "teachers", data.teachers, _("the teachers' names"), 200, False)
    values["exam_type"] = _text(errors, "exam_type", data.exam_type, _("the exam type"), 50, False)
    values["schedule"] = _text(errors, "schedule", data.schedule, _("the course timetable"), 4000, False)
    values["location"] = _text(errors, "location", data.location, _("the place of study"), 200, False)
    subjects = [s.strip() for s in data.subjects if s and s.strip()]
    if len(subjects) > MAX_SUBJECTS:
        errors.add("subjects", _("A class may have at most %(limit)d subjects.", limit=MAX_SUBJECTS))
    for subject in subjects:
        if len(subject) > 200:
            errors.add("subjects", _("A subject name may have at most 200 characters."))
            break
    values["subjects"] = subjects
    errors.raise_if_any()
    return values


def save_class(class_id: int | None, actor: AppUser, data: ClassInput, seen_version: int | None = None,
               provider_org_id: int | None = None) -> TrainingClass:
    """Create a class (未发布) for the actor's provider org, or edit one while it is unpublished."""
    providers = provider_org_ids(actor)
    if class_id is None:
        if not providers:
            raise DomainError(_("Only the staff of a training provider can create training classes."))
        if provider_org_id is None:
            provider_org_id = min(providers)
        if provider_org_id not in providers:
            raise DomainError(_("The training class does not exist or is not one of your organisation's classes."))
        training_class = TrainingClass(provider_org_id=provider_org_id, status=ClassStatus.draft, confirmed_count=0)
    else:
        training_class = _own_class(class_id, actor)
        _check_version(training_class, seen_version, "class")
        if training_class.status != ClassStatus.draft:
            raise DomainError(_("A training class can be edited only while it is unpublished."))
    values = validate_class(data)
    subjects = values.pop("subjects")
    for key, value in values.items():
        setattr(training_class, key, value)
    if class_id is None:
        db.session.add(training_class)
    else:
        # Replace the subjects: the old rows go before the new ones take their positions.
        for subject in list(training_class.subjects):
            db.session.delete(subject)
        training_class.subjects = []
        db.session.flush()
    training_class.subjects = [TrainingClassSubject(position=index, name=name)
                               for index, name in enumerate(subjects, start=1)]
    db.session.flush()
    audit.record("training_class.create" if class_id is None else "training_class.edit", training_class, actor)
    _commit("class")
    return training_class


# The provider's buttons: event → (from states, to state, audit action).
CLASS_EVENTS = {
    "publish": ((ClassStatus.draft,), ClassStatus.open),
    "close": ((ClassStatus.open,), ClassStatus.closed),
    "start": ((ClassStatus.open, ClassStatus.closed), ClassStatus.started),
    "finish": ((ClassStatus.started,), ClassStatus.finished),
}


def class_events(training_class: TrainingClass) -> list[str]:
    """The state buttons the class offers now."""
    return [event for event, (sources, _target) in CLASS_EVENTS.items() if training_class.status in sources]


def change_class(class_id: int, event: str, actor: AppUser, seen_version: int | None = None) -> TrainingClass:
    """Publish (接受报名), close enrolment (报名截止), start (已开班) or finish (已结班) one of the actor's classes."""
    if event not in CLASS_EVENTS:
        raise DomainError(_("Unknown operation."))
    training_class = _own_class(class_id, actor)
    _check_version(training_class, seen_version, "class")
    sources, target = CLASS_EVENTS[event]
    if training_class.status not in sources:
        raise DomainError(_("This operation is not possible while the class is %(status)s.",
                            status=training_class.status_label))
    if event == "publish" and not training_class.subjects:
        raise ValidationFailed({"subjects": [_("Add at least one subject before publishing the class.")]})
    training_class.status = target
    audit.record(f"training_class.{event}", training_class, actor)
    _commit("class")
    return training_class


def publish(class_id, actor, seen_version=None):
    return change_class(class_id, "publish", actor, seen_version)


def close_enrolment(class_id, actor, seen_version=None):
    return change_class(class_id, "close", actor, seen_version)


def start(class_id, actor, seen_version=None):
    return change_class(class_id, "start", actor, seen_version)


def finish(class_id, actor, seen_version=None):
    return change_class(class_id, "finish", actor, seen_version)


# ----- enrolments -----
def live_enrolment(class_id: int, user_id: int) -> Enrolment | None:
    """The person's pending or confirmed enrolment in the class."""
    return db.session.scalar(select(Enrolment).where(
        Enrolment.class_id == class_id, Enrolment.user_id == user_id,
        Enrolment.status.in_((EnrolmentStatus.pending, EnrolmentStatus.confirmed))))


def enrol(class_id: int, actor: AppUser) -> Enrolment:
    """报名: a person asks for a place in a class that accepts enrolments, once."""
    training_class = db.session.get(TrainingClass, class_id)
    if training_class is None or training_class.status == ClassStatus.draft:
        raise DomainError(_("The training class does not exist."))
    if training_class.status != ClassStatus.open:
        raise DomainError(_("The class does not accept enrolments now."))
    if live_enrolment(class_id, actor.id) is not None:
        raise DomainError(_("You have already enrolled in this class."))
    if training_class.confirmed_count >= training_class.capacity:
        raise DomainError(_("The class is full."))
    enrolment = Enrolment(class_id=class_id, user_id=actor.id, status=EnrolmentStatus.pending, enrolled_at=utcnow())
    db.session.add(enrolment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(_("You have already enrolled in this class.")) from None
    audit.record("enrolment.enrol", enrolment, actor)
    notify_ce.enrolment_requested(enrolment)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(_("You have already enrolled in this class.")) from None
    return enrolment


def _enrolment(enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise DomainError(_("The enrolment does not exist."))
    return enrolment


def _provider_enrolment(enrolment_id: int, actor: AppUser, seen_version: int | None) -> Enrolment:
    enrolment = _enrolment(enrolment_id)
    if enrolment.training_class.provider_org_id not in provider_org_ids(actor):
        raise DomainError(_("The enrolment does not exist."))
    _check_version(enrolment, seen_version, "enrolment")
    return enrolment


def _move_counter(class_id: int, step: int, *, statuses: tuple[ClassStatus, ...]) -> bool:
    """Add `step` to the class's confirmed counter in the database; +1 only while a place is free."""
    condition = [TrainingClass.id == class_id, TrainingClass.status.in_(statuses)]
    if step > 0:
        condition.append(TrainingClass.confirmed_count < TrainingClass.capacity)
    else:
        condition.append(TrainingClass.confirmed_count > 0)
    result = db.session.execute(
        update(TrainingClass).where(*condition)
        .values(confirmed_count=TrainingClass.confirmed_count + step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _decide(enrolment: Enrolment, status: EnrolmentStatus, actor: AppUser, reason: str | None) -> None:
    enrolment.status = status
    enrolment.decided_at = utcnow()
    enrolment.decided_by_id = actor.id
    enrolment.reason = reason


def confirm(enrolment_id: int, actor: AppUser, seen_version: int | None = None) -> Enrolment:
    """报名成功: only while a place is free (checked by the database, safe under concurrent confirmations)."""
    enrolment = _provider_enrolment(enrolment_id, actor, seen_version)
    if enrolment.status != EnrolmentStatus.pending:
        raise _stale() if seen_version is not None else DomainError(
            _("Only an enrolment awaiting confirmation can be confirmed."))
    if enrolment.training_class.status not in (ClassStatus.open, ClassStatus.closed):
        raise DomainError(_("Enrolments can be confirmed only before the class starts."))
    class_id = enrolment.class_id
    if not _move_counter(class_id, +1, statuses=(ClassStatus.open, ClassStatus.closed)):
        db.session.rollback()
        raise DomainError(_("The class is full."))
    _decide(enrolment, EnrolmentStatus.confirmed, actor, None)
    audit.record("enrolment.confirm", enrolment, actor)
    notify_ce.enrolment_decided(enrolment)
    _commit("enrolment")
    return enrolment


def reject(enrolment_id: int, actor: AppUser, reason: str, seen_version: int | None = None) -> Enrolment:
    """报名失败, with the reason the person sees."""
    enrolment = _provider_enrolment(enrolment_id, actor, seen_version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Enter the reason for refusing the enrolment.")]})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": [_("The reason may have at most %(limit)d characters.", limit=MAX_REASON)]})
    if enrolment.status != EnrolmentStatus.pending:
        raise _stale() if seen_version is not None else DomainError(
            _("Only an enrolment awaiting confirmation can be refused."))
    _decide(enrolment, EnrolmentStatus.rejected, actor, reason)
    audit.record("enrolment.reject", enrolment, actor, detail=reason)
    notify_ce.enrolment_decided(enrolment)
    _commit("enrolment")
    return enrolment


def cancel(enrolment_id: int, actor: AppUser, seen_version: int | None = None) -> Enrolment:
    """已取消 by the person: while pending, or while confirmed before the class starts (the place is freed)."""
    enrolment = _enrolment(enrolment_id)
    if enrolment.user_id != actor.id:
        raise DomainError(_("The enrolment does not exist."))
    _check_version(enrolment, seen_version, "enrolment")
    if enrolment.status == EnrolmentStatus.confirmed:
        if enrolment.training_class.status not in (ClassStatus.open, ClassStatus.closed):
            raise DomainError(_("A confirmed enrolment cannot be cancelled after the class has started."))
        if not _move_counter(enrolment.class_id, -1, statuses=(ClassStatus.open, ClassStatus.closed)):
            db.session.rollback()
            raise DomainError(_("A confirmed enrolment cannot be cancelled after the class has started."))
    elif enrolment.status != EnrolmentStatus.pending:
        raise DomainError(_("Only a pending or confirmed enrolment can be cancelled."))
    enrolment.status = EnrolmentStatus.cancelled
    enrolment.decided_at = utcnow()
    audit.record("enrolment.cancel", enrolment, actor)
    _commit("enrolment")
    return enrolment


# ----- 结业 -----
def check_completable(enrolment: Enrolment) -> None:
    """Why this enrolment cannot be marked completed now (DomainError), if it cannot."""
    if enrolment.completed_at is not None or enrolment.ce_record_id is not None:
        raise DomainError(_("The learner has already completed this class."))
    if enrolment.status != EnrolmentStatus.confirmed:
        raise DomainError(_("Only a learner whose enrolment succeeded can complete the class."))
    if enrolment.training_class.status not in (ClassStatus.started, ClassStatus.finished):
        raise DomainError(_("Learners can complete the class only after it has started."))


def mark_completed(enrolment: Enrolment, actor: AppUser) -> CeRecord:
    """Record the 结业 and its approved CE record (flushed, not committed); used by `complete` and the import."""
    check_completable(enrolment)
    training_class = enrolment.training_class
    now = utcnow()
    end = training_class.end_date
    record = CeRecord(
        user_id=enrolment.user_id, year=end.year, course_type=training_class.course_type,
        course_name=training_class.course_name, learning_form=training_class.learning_form,
        provider_name=training_class.provider.name, start_date=training_class.start_date, end_date=end,
        claimed_hours=training_class.hours, recognised_hours=training_class.hours,
        status=CeRecordStatus.approved, source=CeSource.training_class,
        unit_id=ce_binding.bound_unit_id(enrolment.user_id), submitted_at=now, reviewed_at=now,
        reviewer_id=actor.id,
    )
    db.session.add(record)
    db.session.flush()
    db.session.add(CeRecordEvent(
        record_id=record.id, at=now, action="complete", from_status=None, to_status=CeRecordStatus.approved.value,
        actor_id=actor.id, actor_org_id=training_class.provider_org_id, hours=training_class.hours,
        comment=training_class.name,
    ))
    enrolment.completed_at = now
    enrolment.ce_record_id = record.id
    db.session.flush()
    audit.record("enrolment.complete", enrolment, actor)
    notify_ce.enrolment_completed(enrolment, record)
    return record


def complete(enrolment_id: int, actor: AppUser, seen_version: int | None = None) -> CeRecord:
    """结业: the learner's hours become an approved CE record, exactly once per enrolment."""
    enrolment = _provider_enrolment(enrolment_id, actor, seen_version)
    try:
        record = mark_completed(enrolment, actor)
    except StaleDataError:
        db.session.rollback()
        raise _stale() from None
    except IntegrityError:
        db.session.rollback()
        raise DomainError(_("The learner has already completed this class.")) from None
    _commit("enrolment")
    return record


def complete_many(enrolment_ids: list[int], actor: AppUser) -> int:
    """结业 for several learners at once, all or nothing."""
    if not enrolment_ids:
        raise DomainError(_("Select the learners who completed the class."))
    count = 0
    try:
        for enrolment_id in sorted(set(enrolment_ids)):
            enrolment = _provider_enrolment(enrolment_id, actor, None)
            try:
                mark_completed(enrolment, actor)
            except DomainError as refused:
                raise DomainError(_("%(name)s: %(problem)s", name=enrolment.user.full_name,
                                    problem=str(refused))) from None
            count += 1
    except DomainError:
        db.session.rollback()
        raise
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        raise _stale() from None
    _commit("enrolment")
    return count




def enrolment_counts(class_ids: list[int]) -> dict[int, int]:
    """已报名人数 (pending and confirmed enrolments) per class, in one query."""
    if not class_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.class_id, func.count()).where(
            Enrolment.class_id.in_(class_ids),
            Enrolment.status.in_((EnrolmentStatus.pending, EnrolmentStatus.confirmed)))
        .group_by(Enrolment.class_id)
    ).all()
    return {class_id: count for class_id, count in rows}
