"""单位用户注册 (SPEC §1): a unit registers itself with its first account; its supervisor or the authority decides.

The org is created pending under the chosen parent and the account (UnitReviewer of that org) inactive; approval
makes both active, refusal disables the org with the reason kept and leaves the account inactive.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.bounded_request import parse_id
from app.errors import DomainError, ErrorCollector, ValidationFailed
from app.extensions import db
from app.models import AppUser, Org, OrgKind, OrgStatus, RegistrationStatus, UnitRegistration
from app.models.mixins import utcnow
from app.scope import clause_for
from app.security.roles import UNIT_REVIEWER
from app.services import audit, dictionaries, passwords
from app.services.orgs import EMAIL_RE, PHONE_RE, place_in_tree
from app.services.registration import NAME_RE, check_mobile_and_email, check_username
from app.services.uscc import UsccProblem, check, normalise
from app.workflow import notify_ce

MAX_REASON = 500


class AlreadyHandled(DomainError):
    """Another reviewer decided the registration first."""


@dataclass
class UnitRegistrationInput:
    """What the unit typed (strings as typed)."""

    name: str = ""
    uscc: str = ""
    parent_id: str = ""
    region_code: str = ""
    address: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    username: str = ""
    password: str = ""
    confirm_password: str = ""
    account_name: str = ""
    mobile: str = ""
    email: str = ""


def parent_choices() -> list[Org]:
    """The orgs a unit may register under: active supervisors and authorities, by name."""
    return list(db.session.scalars(
        select(Org).where(Org.kind.in_((OrgKind.supervisor, OrgKind.authority)), Org.status == OrgStatus.active)
        .order_by(Org.kind, Org.name)
    ))


def _text(value: str | None, limit: int) -> str:
    return re.sub(r"\s+", " ", (value or "").strip())[:limit]


def validate(data: UnitRegistrationInput, errors: ErrorCollector | None = None) -> dict:
    """Check every field; raise ValidationFailed listing all problems by field name."""
    errors = errors or ErrorCollector()
    name = _text(data.name, 201)
    if not name:
        errors.add("name", _("Please enter the unit name."))
    elif len(name) > 200:
        errors.add("name", _("The unit name may have at most 200 characters."))
    elif db.session.scalar(select(func.count()).select_from(Org).where(Org.name == name)):
        errors.add("name", _("An organisation with this name already exists."))
    uscc = normalise(data.uscc)
    if uscc is None:
        errors.add("uscc", _("Please enter the unified social credit code."))
    else:
        problem, expected = check(uscc)
        if problem is UsccProblem.format:
            errors.add("uscc", _("The unified social credit code must be 18 characters of digits and capital letters (no I, O, S, V, Z)."))
        elif problem is UsccProblem.checksum:
            errors.add("uscc", _("The check character of the unified social credit code is wrong; please check the code on the business licence."))
        elif db.session.scalar(select(func.count()).select_from(Org).where(Org.uscc == uscc)):
            errors.add("uscc", _("Another organisation already has this unified social credit code."))
    parent_id = parse_id(data.parent_id)
    parent = db.session.get(Org, parent_id) if parent_id is not None else None
    if parent is None or parent.kind not in (OrgKind.supervisor, OrgKind.authority) or parent.status != OrgStatus.active:
        errors.add("parent_id", _("Please choose the supervising department."))
    region = (data.region_code or "").strip()
    if not dictionaries.is_valid_code("region", region):
        errors.add("region_code", _("Please choose the region."))
    address = _text(data.address, 201)
    if not address:
        errors.add("address", _("Please enter the address."))
    elif len(address) > 200:
        errors.add("address", _("The address may have at most 200 characters."))
    contact_person = _text(data.contact_person, 51)
    if not contact_person or len(contact_person) > 50:
        errors.add("contact_person", _("Please enter the contact person (at most 50 characters)."))
    contact_phone = (data.contact_phone or "").strip()
    if not PHONE_RE.match(contact_phone):
        errors.add("contact_phone", _("Please enter the contact telephone (digits, spaces and + - ( ) only)."))
    contact_email = (data.contact_email or "").strip()
    if not EMAIL_RE.match(contact_email) or len(contact_email) > 120:
        errors.add("contact_email", _("Please enter a valid contact e-mail address."))
    username = check_username(errors, data.username)
    passwords.check_new_password(errors, data.password, data.confirm_password)
    account_name = re.sub(r"\s+", " ", (data.account_name or "").strip())
    if not NAME_RE.match(account_name):
        errors.add("account_name", _("Please enter the real name of the account holder (2 to 30 characters)."))
    mobile, email = check_mobile_and_email(errors, data.mobile, data.email)
    errors.raise_if_any()
    return dict(
        name=name, uscc=uscc, parent=parent, region_code=region, address=address, contact_person=contact_person,
        contact_phone=contact_phone, contact_email=contact_email, username=username, password=data.password,
        account_name=account_name, mobile=mobile, email=email,
    )


def create(clean: dict) -> UnitRegistration:
    """Create the pending org, its inactive first account and the registration, in one transaction; commits."""
    role = current_app.appbuilder.sm.find_role(UNIT_REVIEWER)
    name = clean["account_name"]
    try:
        with db.session.no_autoflush:
            org = Org(
                name=clean["name"], kind=OrgKind.unit, uscc=clean["uscc"], status=OrgStatus.pending,
                region_code=clean["region_code"], address=clean["address"],
                contact_person=clean["contact_person"], contact_phone=clean["contact_phone"],
                contact_email=clean["contact_email"],
            )
            db.session.add(org)
            org.parent = clean["parent"]
            account = AppUser(
                username=clean["username"], first_name=name[1:] or name, last_name=name[:1], email=clean["email"],
                mobile=clean["mobile"], active=False, must_change_password=False,
            )
            db.session.add(account)
            account.roles = [role]
            account.orgs = [org]
            passwords.set_password(account, clean["password"])
        db.session.flush()
        place_in_tree(org)
        registration = UnitRegistration(org_id=org.id, account_id=account.id, submitted_at=utcnow())
        db.session.add(registration)
        db.session.flush()
        audit.record("unit_register", org, account, detail=org.name)
        notify_ce.unit_registration_submitted(registration)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        errors = ErrorCollector()
        errors.add("name", _("The unit or the account was registered by someone else at the same moment; please check and try again."))
        raise ValidationFailed(errors.errors) from None
    return registration


def register(data: UnitRegistrationInput) -> UnitRegistration:
    return create(validate(data))


def scoped(registration_id: int) -> UnitRegistration:
    """A registration within the current user's reach, or DomainError (the view answers 404)."""
    found = db.session.scalar(
        select(UnitRegistration).where(UnitRegistration.id == registration_id, clause_for(UnitRegistration))
    )
    if found is None:
        raise DomainError(_("The registration does not exist."))
    return found


def _decide(registration: UnitRegistration, seen_version, to: RegistrationStatus, actor, reason) -> None:
    if registration.status != RegistrationStatus.pending or (
        seen_version is not None and int(seen_version) != registration.version
    ):
        raise AlreadyHandled(_("This record has already been handled by someone else."))
    changed = db.session.execute(
        update(UnitRegistration)
        .where(UnitRegistration.id == registration.id, UnitRegistration.status == RegistrationStatus.pending,
               UnitRegistration.version == registration.version)
        .values(status=to, decided_at=utcnow(), decided_by_id=actor.id, reason=reason,
                version=UnitRegistration.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise AlreadyHandled(_("This record has already been handled by someone else."))
    db.session.refresh(registration)


def approve(registration_id: int, actor, seen_version=None) -> UnitRegistration:
    """Approve: the org and its first account become active; commits."""
    registration = scoped(registration_id)
    _decide(registration, seen_version, RegistrationStatus.approved, actor, None)
    registration.org.status = OrgStatus.active
    if registration.account is not None:
        registration.account.active = True
    audit.record("unit_registration_approve", registration.org, actor)
    notify_ce.unit_registration_decided(registration, approved=True)
    db.session.commit()
    return registration


def reject(registration_id: int, actor, reason: str | None, seen_version=None) -> UnitRegistration:
    """Refuse with a reason: the org is disabled, the account stays inactive; commits."""
    reason = (reason or "").strip()
    errors = ErrorCollector()
    if not reason:
        errors.add("reason", _("Please give the reason."))
    elif len(reason) > MAX_REASON:
        errors.add("reason", _("The reason may have at most %(n)d characters.", n=MAX_REASON))
    errors.raise_if_any()
    registration = scoped(registration_id)
    _decide(registration, seen_version, RegistrationStatus.rejected, actor, reason)
    registration.org.status = OrgStatus.disabled
    audit.record("unit_registration_reject", registration.org, actor, detail=reason)
    notify_ce.unit_registration_decided(registration, approved=False)
    db.session.commit()
    return registration


def login_message(user: AppUser | None) -> str | None:
    """For an inactive account that registered a unit: why it cannot sign in yet (正在审核 / 已被拒绝)."""
    if user is None or user.is_active:
        return None
    registration = db.session.scalar(select(UnitRegistration).where(UnitRegistration.account_id == user.id))
    if registration is None:
        return None
    if registration.status == RegistrationStatus.pending:
        return _("Your unit's registration is under review by its supervising department; you can sign in once it is approved.")
    if registration.status == RegistrationStatus.rejected:
        return _("Your unit's registration was refused: %(reason)s", reason=registration.reason or "")
    return None
