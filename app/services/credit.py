"""信用管理: recording and ending 失信记录, the records that block title applications, and revoking a certificate.

Records are never deleted: a record stops applying at the end of its 有效期 or when ended early with a reason.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app.errors import DomainError, ErrorCollector, ValidationFailed
from app.extensions import db
from app.models import AppUser, Certificate, CertificateStatus, CreditRecord, CreditSubjectType, Org
from app.models.mixins import utcnow
from app.services import audit, identity, uscc
from app.services.workdays import local_today

MAX_TEXT = 500
PERSON_TYPES = (CreditSubjectType.person, CreditSubjectType.expert)


def fraud_years() -> int:
    """How long a record for 弄虚作假 applies (SPEC §7: three years), configurable."""
    return int(current_app.config.get("CREDIT_FRAUD_YEARS", 3))


def years_later(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (28 February for 29 February in a common year), minus one day: the last day."""
    try:
        later = day.replace(year=day.year + years)
    except ValueError:
        later = day.replace(year=day.year + years, day=28)
    return later - dt.timedelta(days=1)


def prepare(record: CreditRecord, actor: AppUser, recorder_org: Org | None) -> CreditRecord:
    """Check a new record, normalise it and link it to the registered person or org; ValidationFailed if wrong."""
    errors = ErrorCollector()
    record.subject_name = (record.subject_name or "").strip()
    record.content = (record.content or "").strip()
    record.decision = (record.decision or "").strip()
    if record.subject_type is None:
        errors.add("subject_type", _("Please choose the type of the subject."))
    if not record.subject_name:
        errors.add("subject_name", _("Please enter the name of the subject."))
    elif len(record.subject_name) > 100:
        errors.add("subject_name", _("The name may have at most %(n)d characters.", n=100))
    _check_number(record, errors)
    for field, value, missing in (("content", record.content, _("Please describe the breach of trust.")),
                                  ("decision", record.decision, _("Please enter the decision taken."))):
        if not value:
            errors.add(field, missing)
        elif len(value) > MAX_TEXT:
            errors.add(field, _("At most %(n)d characters.", n=MAX_TEXT))
    record.valid_from = record.valid_from or local_today()
    record.valid_until = record.valid_until or years_later(record.valid_from, fraud_years())
    if record.valid_until < record.valid_from:
        errors.add("valid_until", _("The end of the period cannot be before its start."))
    if recorder_org is None:
        errors.add("subject_name", _("Only staff of an HRSS authority can record breaches of trust."))
    errors.raise_if_any()
    record.recorder_org_id = recorder_org.id
    record.recorded_by_id = actor.id
    record.recorded_at = utcnow()
    return record


def _check_number(record: CreditRecord, errors: ErrorCollector) -> None:
    """证件号码 for people, 统一社会信用代码 for organisations; a registered one links the record to its owner."""
    if record.subject_type in PERSON_TYPES:
        record.subject_number = identity.normalise(record.subject_number)
        if not record.subject_number or len(record.subject_number) > 30:
            errors.add("subject_number", _("Please enter the ID number of the subject (at most 30 characters)."))
            return
        record.user_id = db.session.scalar(select(AppUser.id).where(AppUser.id_number == record.subject_number))
    elif record.subject_type == CreditSubjectType.unit:
        record.subject_number = uscc.normalise(record.subject_number) or ""
        if not record.subject_number:
            errors.add("subject_number", _("Please enter the unified social credit code of the unit."))
            return
        if uscc.check(record.subject_number)[0] is not uscc.UsccProblem.none:
            errors.add("subject_number", _("The unified social credit code is not valid."))
            return
        record.subject_org_id = db.session.scalar(select(Org.id).where(Org.uscc == record.subject_number))


def end(record_id: int, seen_version: int | None, reason: str, actor: AppUser) -> CreditRecord:
    """结束: stop a record applying before its 有效期 ends, with the reason; once only."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"end_reason": [_("Please give the reason for ending the record.")]})
    if len(reason) > MAX_TEXT:
        raise ValidationFailed({"end_reason": [_("At most %(n)d characters.", n=MAX_TEXT)]})
    conditions = [CreditRecord.id == record_id, CreditRecord.ended_at.is_(None)]
    if seen_version is not None:
        conditions.append(CreditRecord.version == seen_version)
    changed = db.session.execute(
        update(CreditRecord).where(*conditions)
        .values(ended_at=utcnow(), ended_by_id=actor.id, end_reason=reason, version=CreditRecord.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise DomainError(_("This record has already been handled by someone else."))
    record = db.session.get(CreditRecord, record_id)
    db.session.refresh(record)
    audit.record("credit.end", record, actor=actor, detail=reason)
    return record


def active_for_person(user: AppUser, today: dt.date | None = None) -> list[CreditRecord]:
    """The person's records that apply today: linked to the account, or recorded under its 证件号码."""
    today = today or local_today()
    owner = [CreditRecord.user_id == user.id]
    if user.id_number:
        owner.append(CreditRecord.subject_number == identity.normalise(user.id_number))
    return list(db.session.scalars(select(CreditRecord).where(
        or_(*owner), CreditRecord.subject_type.in_(PERSON_TYPES), CreditRecord.ended_at.is_(None),
        CreditRecord.valid_from <= today, CreditRecord.valid_until >= today,
    ).order_by(CreditRecord.valid_until.desc())))


def revoke_certificate(certificate: Certificate, reason: str, actor: AppUser, recorder_org: Org | None, *,
                       fraud: bool) -> CreditRecord | None:
    """撤销: the certificate stops being valid; for 弄虚作假 a 失信记录 of FRAUD_YEARS is created as well."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"revoke_reason": [_("Please give the reason for the revocation.")]})
    if len(reason) > MAX_TEXT:
        raise ValidationFailed({"revoke_reason": [_("At most %(n)d characters.", n=MAX_TEXT)]})
    changed = db.session.execute(
        update(Certificate).where(Certificate.id == certificate.id, Certificate.status == CertificateStatus.valid)
        .values(status=CertificateStatus.revoked, revoked_at=utcnow(), revoke_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise DomainError(_("Only a valid certificate can be revoked."))
    db.session.refresh(certificate)
    audit.record("certificate.revoke", certificate, actor=actor, detail=reason)
    if not fraud:
        return None
    holder = certificate.holder
    record = prepare(CreditRecord(
        subject_type=CreditSubjectType.person, subject_name=certificate.holder_name,
        subject_number=holder.id_number if holder else "", certificate_id=certificate.id,
        content=_("Fraud in the application for title certificate %(number)s", number=certificate.number),
        decision=_("Certificate revoked: %(reason)s", reason=reason),
    ), actor, recorder_org)
    db.session.add(record)
    db.session.flush()
    audit.record("credit.add", record, actor=actor)
    return record
