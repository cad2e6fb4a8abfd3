"""CE claims (继续教育记录申报, seed 002 §3.3.1): the person's own claim of hours and the unit's recognition of them.

草稿 → 送审 → 审核通过 / 退回 / 不通过. A claim is edited only by its owner while 草稿 or 退回; the unit the person
is bound to (ce_binding) reviews it. Every status change is a conditional UPDATE on the status and version that
were shown, so two reviewers acting at once produce one decision; each writes a CeRecordEvent and an audit entry.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from app.errors import DomainError, ErrorCollector, ValidationFailed
from app.extensions import db
from app.models import AppUser, Attachment, CeRecord, CeRecordEvent, CeRecordStatus, CeSource
from app.models.mixins import utcnow
from app.scope.resolve import resolve_scope
from app.security import roles as r
from app.services import attachments, audit, dictionaries
from app.services.workdays import local_today
from app.workflow import ce_binding, ce_compliance, notify_ce

EDITABLE = (CeRecordStatus.draft, CeRecordStatus.returned)
MAX_NAME = 200
MAX_PROVIDER = 100
MAX_COMMENT = 500
MAX_HOURS = Decimal("9999.9")
DEFAULT_HOURS_PER_DAY = Decimal(8)
FIELDS = ("course_type", "course_name", "learning_form", "provider_name", "start_date", "end_date", "claimed_hours")


class AlreadyHandled(DomainError):
    """The record changed since it was shown (someone else decided, or the owner changed it)."""


def _already_handled() -> AlreadyHandled:
    return AlreadyHandled(_("This continuing-education record has already been handled by someone else; "
                            "please refresh the page."))


# ----- reading -----
def hours_per_day(user_id: int, year: int) -> Decimal:
    """Hours one day of study may count for the person in the year (the CePolicy in force; 8 without one)."""
    policy = ce_compliance.policy_for(ce_compliance.person_region(user_id), year)
    return policy.hours_per_day if policy is not None else DEFAULT_HOURS_PER_DAY


def max_hours(user_id: int, start: dt.date, end: dt.date) -> Decimal:
    """The most hours a study from `start` to `end` may be claimed or recognised for: days × hours_per_day."""
    days = (end - start).days + 1
    return Decimal(days) * hours_per_day(user_id, end.year)


def max_hours_of(record: CeRecord) -> Decimal:
    return max_hours(record.user_id, record.start_date, record.end_date)


def attachment_of(record: CeRecord) -> Attachment | None:
    return db.session.get(Attachment, record.attachment_id) if record.attachment_id else None


def is_reviewer(record: CeRecord, user: AppUser) -> bool:
    """Whether `user` reviews for the record's unit (a unit reviewer of that unit, not the record's owner)."""
    if record.unit_id is None or user is None or user.id == record.user_id:
        return False
    scope = resolve_scope(user)
    return r.UNIT_REVIEWER in scope.role_names and record.unit_id in scope.org_ids


def may_decide(record: CeRecord, user: AppUser) -> bool:
    return record.status == CeRecordStatus.submitted and is_reviewer(record, user)


def may_download(record: CeRecord, user: AppUser) -> bool:
    """The attachment is for the owner and the reviewing unit only."""
    return user is not None and (user.id == record.user_id or is_reviewer(record, user))


def is_editable(record: CeRecord) -> bool:
    return record.source == CeSource.claim and record.status in EDITABLE


# ----- the applicant -----
def _text(value) -> str:
    return ("" if value is None else str(value)).strip()


def _date(errors: ErrorCollector, field: str, label: str, value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        errors.add(field, _("Please fill in %(field)s.", field=label))
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.add(field, _("%(field)s must be a date such as 2026-03-01.", field=label))
        return None


def parse_hours(errors: ErrorCollector, field: str, label: str, value) -> Decimal | None:
    """A number of hours with at most one decimal, or None with a message naming the field."""
    text = _text(value)
    if not text:
        errors.add(field, _("Please fill in %(field)s.", field=label))
        return None
    try:
        hours = Decimal(text)
    except InvalidOperation:
        errors.add(field, _("%(field)s must be a number of hours such as 6 or 4.5.", field=label))
        return None
    if not hours.is_finite():
        errors.add(field, _("%(field)s must be a number of hours such as 6 or 4.5.", field=label))
        return None
    if hours != hours.quantize(Decimal("0.1")):
        errors.add(field, _("%(field)s may have at most one decimal place.", field=label))
        return None
    return hours


def _labels() -> dict[str, str]:
    return {
        "course_type": _("Course type"), "course_name": _("Course name"), "learning_form": _("Learning form"),
        "provider_name": _("Training provider"), "start_date": _("Study start date"),
        "end_date": _("Study end date"), "claimed_hours": _("Claimed hours"),
        "recognised_hours": _("Recognised hours"), "attachment": _("Attachment"),
    }


def _check(owner: AppUser, data: dict) -> dict:
    """The cleaned values of a claim; ValidationFailed naming every bad field."""
    labels = _labels()
    errors = ErrorCollector()
    values: dict = {}
    course_type = _text(data.get("course_type"))
    if not course_type:
        errors.add("course_type", _("Please choose %(field)s.", field=labels["course_type"]))
    elif not dictionaries.is_valid_code("course_type", course_type):
        errors.add("course_type", _("%(field)s is not a valid choice.", field=labels["course_type"]))
    values["course_type"] = course_type
    learning_form = _text(data.get("learning_form"))
    if not learning_form:
        errors.add("learning_form", _("Please choose %(field)s.", field=labels["learning_form"]))
    elif not dictionaries.is_valid_code("learning_form", learning_form):
        errors.add("learning_form", _("%(field)s is not a valid choice.", field=labels["learning_form"]))
    values["learning_form"] = learning_form
    for name, limit in (("course_name", MAX_NAME), ("provider_name", MAX_PROVIDER)):
        text = _text(data.get(name))
        if not text:
            errors.add(name, _("Please fill in %(field)s.", field=labels[name]))
        elif len(text) > limit:
            errors.add(name, _("%(field)s may be at most %(n)d characters.", field=labels[name], n=limit))
        values[name] = text
    start = _date(errors, "start_date", labels["start_date"], data.get("start_date"))
    end = _date(errors, "end_date", labels["end_date"], data.get("end_date"))
    today = local_today()
    if start and start > today:
        errors.add("start_date", _("%(field)s cannot be in the future.", field=labels["start_date"]))
    if end and end > today:
        errors.add("end_date", _("%(field)s cannot be in the future.", field=labels["end_date"]))
    if start and end and start > end:
        errors.add("end_date", _("The study end date cannot be before the study start date."))
    hours = parse_hours(errors, "claimed_hours", labels["claimed_hours"], data.get("claimed_hours"))
    if hours is not None:
        if hours <= 0:
            errors.add("claimed_hours", _("%(field)s must be more than 0.", field=labels["claimed_hours"]))
        elif start and end and start <= end and hours > max_hours(owner.id, start, end):
            errors.add("claimed_hours", _(
                "%(field)s cannot exceed %(max)s hours: %(days)d day(s) of study at %(per_day)s hours a day.",
                field=labels["claimed_hours"], max=_fmt(max_hours(owner.id, start, end)),
                days=(end - start).days + 1, per_day=_fmt(hours_per_day(owner.id, end.year))))
        elif hours > MAX_HOURS:
            errors.add("claimed_hours", _("%(field)s is too large.", field=labels["claimed_hours"]))
    errors.raise_if_any()
    values.update(start_date=start, end_date=end, claimed_hours=hours, year=end.year)
    return values


_fmt = ce_compliance.hours_text


def _own_editable(record: CeRecord, owner: AppUser, seen_version: int | None) -> None:
    if record.user_id != owner.id:
        raise DomainError(_("Only the person who claimed the hours may change this record."))
    if record.source != CeSource.claim:
        raise DomainError(_("Hours recorded by a training class cannot be changed here."))
    if record.status not in EDITABLE:
        raise DomainError(_("Only a draft or a returned record can be changed."))
    if seen_version is not None and record.version != seen_version:
        raise _already_handled()


def save_draft(record: CeRecord | None, owner: AppUser, data: dict, *, upload=None,
               seen_version: int | None = None) -> CeRecord:
    """暂存 a claim (new, or a draft / returned one of the owner), with its attachment when one is uploaded."""
    if record is not None:
        _own_editable(record, owner, seen_version)
    values = _check(owner, data)
    try:
        new = record is None
        if new:
            record = CeRecord(user_id=owner.id, status=CeRecordStatus.draft, source=CeSource.claim)
            db.session.add(record)
        for name, value in values.items():
            setattr(record, name, value)
        if upload is not None and getattr(upload, "filename", None):
            _replace_attachment(record, owner, upload)
        db.session.flush()
        if new:
            _event(record, "create", None, CeRecordStatus.draft, owner, None, record.claimed_hours, None)
        audit.record("ce_record.create" if new else "ce_record.edit", record, actor=owner)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return record


def _replace_attachment(record: CeRecord, owner: AppUser, upload) -> None:
    previous = attachment_of(record)
    stored = attachments.store("attachment", upload, owner.id, attachments.PDF)
    db.session.flush()
    record.attachment_id = stored.id
    attachments.discard(previous)


def attach(record: CeRecord, owner: AppUser, upload, seen_version: int | None = None) -> CeRecord:
    """Upload or replace the record's attachment (附件); the old file goes once the new one is committed."""
    _own_editable(record, owner, seen_version)
    if upload is None or not getattr(upload, "filename", None):
        raise ValidationFailed({"attachment": [_("Please choose the attachment file to upload.")]})
    try:
        _replace_attachment(record, owner, upload)
        audit.record("ce_record.attach", record, actor=owner)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return record


def delete_draft(record: CeRecord, owner: AppUser, seen_version: int | None = None) -> None:
    """Delete a draft claim and its attachment file."""
    if record.user_id != owner.id or record.source != CeSource.claim:
        raise DomainError(_("Only the person who claimed the hours may delete this record."))
    if record.status != CeRecordStatus.draft:
        raise DomainError(_("Only a draft can be deleted."))
    if seen_version is not None and record.version != seen_version:
        raise _already_handled()
    previous = attachment_of(record)
    record_id = record.id
    db.session.execute(delete(CeRecordEvent).where(CeRecordEvent.record_id == record_id)
                       .execution_options(synchronize_session=False))
    deleted = db.session.execute(
        delete(CeRecord).where(
            CeRecord.id == record_id, CeRecord.status == CeRecordStatus.draft, CeRecord.version == record.version,
        ).execution_options(synchronize_session=False)
    ).rowcount
    if deleted != 1:
        db.session.rollback()
        raise _already_handled()
    attachments.discard(previous)
    audit.record("ce_record.delete", "CeRecord", actor=owner, detail=f"id={record_id}")
    db.session.commit()
    db.session.expire_all()


def submit(record: CeRecord, owner: AppUser, seen_version: int) -> CeRecord:
    """送审: to the 法人单位 that confirmed the person's binding; the attachment is required."""
    _own_editable(record, owner, seen_version)
    errors = ErrorCollector()
    if not record.attachment_id:
        errors.add("attachment", _("Upload the attachment (the certificate of study) before sending for review."))
    unit_id = ce_binding.bound_unit_id(owner.id)
    if unit_id is None:
        errors.add("unit", _("Bind yourself to your employer (法人单位) first; the unit that confirms the "
                             "binding reviews your continuing-education hours."))
    errors.raise_if_any()
    return _move(record, seen_version, EDITABLE, CeRecordStatus.submitted, "submit", owner, None,
                 dict(unit_id=unit_id, submitted_at=utcnow(), reviewed_at=None, reviewer_id=None,
                      recognised_hours=None),
                 hours=record.claimed_hours, comment=None)


# ----- the unit -----
def _reviewer_check(record: CeRecord, reviewer: AppUser, seen_version: int | None) -> None:
    if not is_reviewer(record, reviewer):
        raise DomainError(_("You may not review this continuing-education record."))
    if record.status != CeRecordStatus.submitted or (seen_version is not None and record.version != seen_version):
        raise _already_handled()


def approve(record: CeRecord, reviewer: AppUser, recognised_hours, comment: str = "",
            seen_version: int | None = None) -> CeRecord:
    """审核通过 with the 认定学时 the unit recognises (may differ from the claim, within days × hours a day)."""
    _reviewer_check(record, reviewer, seen_version)
    labels = _labels()
    errors = ErrorCollector()
    hours = parse_hours(errors, "recognised_hours", labels["recognised_hours"], recognised_hours)
    if hours is not None:
        limit = max_hours_of(record)
        if hours < 0:
            errors.add("recognised_hours", _("%(field)s cannot be negative.", field=labels["recognised_hours"]))
        elif hours > limit:
            errors.add("recognised_hours", _(
                "%(field)s cannot exceed %(max)s hours: %(days)d day(s) of study at %(per_day)s hours a day.",
                field=labels["recognised_hours"], max=_fmt(limit),
                days=(record.end_date - record.start_date).days + 1,
                per_day=_fmt(hours_per_day(record.user_id, record.end_date.year))))
    comment = _text(comment)
    if len(comment) > MAX_COMMENT:
        errors.add("comment", _("The comment may be at most %(n)d characters.", n=MAX_COMMENT))
    errors.raise_if_any()
    return _decide(record, reviewer, seen_version, CeRecordStatus.approved, "approve", hours, comment)


def return_(record: CeRecord, reviewer: AppUser, reason: str, seen_version: int | None = None) -> CeRecord:
    """退回: the applicant corrects the claim and sends it again."""
    return _refuse(record, reviewer, reason, seen_version, CeRecordStatus.returned, "return")


def reject(record: CeRecord, reviewer: AppUser, reason: str, seen_version: int | None = None) -> CeRecord:
    """不通过: final; the hours are not recognised."""
    return _refuse(record, reviewer, reason, seen_version, CeRecordStatus.rejected, "reject")


def _refuse(record, reviewer, reason, seen_version, to_status, action) -> CeRecord:
    _reviewer_check(record, reviewer, seen_version)
    reason = _text(reason)
    errors = ErrorCollector()
    if not reason:
        errors.add("comment", _("Please give the reason."))
    elif len(reason) > MAX_COMMENT:
        errors.add("comment", _("The comment may be at most %(n)d characters.", n=MAX_COMMENT))
    errors.raise_if_any()
    return _decide(record, reviewer, seen_version, to_status, action, None, reason)


def _decide(record, reviewer, seen_version, to_status, action, hours, comment) -> CeRecord:
    return _move(record, seen_version if seen_version is not None else record.version, (CeRecordStatus.submitted,),
                 to_status, action, reviewer, record.unit_id,
                 dict(recognised_hours=hours, reviewed_at=utcnow(), reviewer_id=reviewer.id,
                      review_comment=comment or None),
                 hours=hours, comment=comment or None)


def _move(record, seen_version, from_statuses, to_status, action, actor, actor_org_id, values, *, hours,
          comment) -> CeRecord:
    """One status change, only if the record is still in a status and version it was shown in."""
    record_id, from_status = record.id, record.status
    changed = db.session.execute(
        update(CeRecord)
        .where(CeRecord.id == record_id, CeRecord.status.in_(from_statuses), CeRecord.version == seen_version)
        .values(status=to_status, version=CeRecord.version + 1, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise _already_handled()
    _event(record, action, from_status, to_status, actor, actor_org_id, hours, comment)
    audit.record(f"ce_record.{action}", record, actor=actor)
    db.session.refresh(record)
    notify_ce.ce_claim_moved(record, action)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(CeRecord, record_id)


def _event(record, action, from_status, to_status, actor, actor_org_id, hours, comment) -> None:
    db.session.add(CeRecordEvent(
        record_id=record.id, action=action, from_status=from_status.value if from_status else None,
        to_status=to_status.value, actor_id=actor.id if actor else None, actor_org_id=actor_org_id,
        hours=hours, comment=comment,
    ))


def history(record_id: int) -> list[CeRecordEvent]:
    return list(db.session.scalars(
        select(CeRecordEvent).where(CeRecordEvent.record_id == record_id).order_by(CeRecordEvent.id)))


def action_label(action: str) -> str:
    labels = {
        "create": _("Draft created"), "submit": _("CE claim sent for review"), "approve": _("CE claim approved"),
        "return": _("CE claim returned"), "reject": _("CE claim not approved"), "complete": _("Class completed"),
    }
    return labels.get(action, action)
