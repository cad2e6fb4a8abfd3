"""Unit binding (单位绑定, seed 002 人员基本信息维护): which 法人单位 reviews a person's continuing education.

A person asks to be bound to a unit; the unit's reviewer confirms or refuses it, and may later end it (解除绑定,
e.g. the person left). One pending-or-confirmed binding per person: the partial unique index
`uq_unit_binding_live` holds that under concurrency, and every decision is a conditional update on the row's
status and version, so a second reviewer acting on the same row gets AlreadyHandled.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.bounded_request import parse_id
from app.errors import DomainError, ErrorCollector
from app.extensions import db
from app.models import BasicInfo, BindingStatus, Org, OrgKind, OrgStatus, UnitBinding
from app.models.mixins import utcnow
from app.scope import clause_for
from app.services import audit
from app.workflow import notify_ce
from app.workflow.profile import unit_locked

MAX_REASON = 500
LIVE = (BindingStatus.pending, BindingStatus.confirmed)


class AlreadyHandled(DomainError):
    """Someone else decided the binding first (or the person withdrew it)."""


def _handled() -> AlreadyHandled:
    return AlreadyHandled(_("This record has already been handled by someone else."))


def bound_unit_id(user_id: int) -> int | None:
    """The unit that confirmed the person's binding, or None while there is none."""
    return db.session.scalar(
        select(UnitBinding.unit_id).where(
            UnitBinding.user_id == user_id, UnitBinding.status == BindingStatus.confirmed
        )
    )


def live_binding(user_id: int) -> UnitBinding | None:
    """The person's pending or confirmed binding, if any."""
    return db.session.scalar(
        select(UnitBinding).where(UnitBinding.user_id == user_id, UnitBinding.status.in_(LIVE))
    )


def history(user_id: int, limit: int = 50) -> list[UnitBinding]:
    """The person's binding requests, newest first."""
    return list(db.session.scalars(
        select(UnitBinding).where(UnitBinding.user_id == user_id)
        .order_by(UnitBinding.requested_at.desc(), UnitBinding.id.desc()).limit(limit)
    ))


def bindable_units(search: str | None = None, limit: int = 50) -> list[Org]:
    """Active units whose name (or credit code) contains `search`, by name; bounded."""
    query = select(Org).where(Org.kind == OrgKind.unit, Org.status == OrgStatus.active)
    search = (search or "").strip()[:50]
    if search:
        query = query.where(Org.name.contains(search, autoescape=True)
                            | Org.uscc.contains(search.upper(), autoescape=True))
    return list(db.session.scalars(query.order_by(Org.name).limit(limit)))


def _profile_unit_id(user_id: int) -> int | None:
    return db.session.scalar(select(BasicInfo.unit_id).where(BasicInfo.user_id == user_id))


def request_binding(user, unit_id) -> UnitBinding:
    """Ask `unit_id` to confirm the person's binding; commits. Raises ValidationFailed/DomainError."""
    errors = ErrorCollector()
    unit_id = parse_id(unit_id)
    unit = db.session.get(Org, unit_id) if unit_id is not None else None
    if unit is None or unit.kind != OrgKind.unit or unit.status != OrgStatus.active:
        errors.add("unit_id", _("Please choose an active employer unit."))
        errors.raise_if_any()
    live = live_binding(user.id)
    if live is not None:
        if live.status == BindingStatus.pending:
            errors.add("unit_id", _("You already have a binding request awaiting confirmation; cancel it before asking another unit."))
        else:
            errors.add("unit_id", _("You are already bound to %(unit)s; that unit must end the binding before you can ask another.", unit=live.unit.name))
        errors.raise_if_any()
    profile_unit = _profile_unit_id(user.id)
    if profile_unit is not None and profile_unit != unit.id and unit_locked(user.id):
        errors.add("unit_id", _("Your personnel management unit is settled in your profile; a different unit must be changed through the transfer (调动) business."))
        errors.raise_if_any()
    binding = UnitBinding(user_id=user.id, unit_id=unit.id, status=BindingStatus.pending, requested_at=utcnow())
    db.session.add(binding)
    try:
        db.session.flush()
        audit.record("unit_binding_request", binding, user, detail=unit.name)
        notify_ce.binding_requested(binding)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(_("You already have a binding request awaiting confirmation; cancel it before asking another unit.")) from None
    return binding


def _transition(binding_id: int, seen_version, frm: BindingStatus, to: BindingStatus, actor, action: str,
                reason: str | None = None) -> UnitBinding:
    """Move one binding from `frm` to `to` if nobody changed it since `seen_version`; log; commit."""
    binding = db.session.get(UnitBinding, binding_id)
    if binding is None:
        raise DomainError(_("The binding does not exist."))
    if binding.status != frm or (seen_version is not None and int(seen_version) != binding.version):
        raise _handled()
    values = {"status": to, "version": UnitBinding.version + 1}
    if to != BindingStatus.pending and action != "unit_binding_cancel":
        values.update(decided_at=utcnow(), decided_by_id=actor.id, reason=reason)
    elif action == "unit_binding_cancel":
        values.update(decided_at=utcnow(), decided_by_id=actor.id)
    changed = db.session.execute(
        update(UnitBinding)
        .where(UnitBinding.id == binding.id, UnitBinding.status == frm, UnitBinding.version == binding.version)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise _handled()
    db.session.refresh(binding)
    audit.record(action, binding, actor, detail=reason)
    return binding


def cancel_request(user, binding_id: int, seen_version=None) -> UnitBinding:
    """The person withdraws their pending request (it is kept as refused-by-nobody: status ended)."""
    binding = db.session.get(UnitBinding, binding_id)
    if binding is None or binding.user_id != user.id:
        raise DomainError(_("The binding does not exist."))
    binding = _transition(binding.id, seen_version, BindingStatus.pending, BindingStatus.ended, user,
                          "unit_binding_cancel")
    db.session.commit()
    return binding


def reviewable(binding_id: int, actor) -> UnitBinding:
    """A binding the actor may decide: its unit is one of the actor's own units, and it is not their own."""
    binding = db.session.scalar(
        select(UnitBinding).where(UnitBinding.id == binding_id, clause_for(UnitBinding))
    )
    if binding is None:
        raise DomainError(_("The binding does not exist."))
    if binding.user_id == actor.id or binding.unit_id not in {org.id for org in actor.orgs}:
        raise DomainError(_("You may not decide a binding of another unit."))
    return binding


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    errors = ErrorCollector()
    if not reason:
        errors.add("reason", _("Please give the reason."))
    elif len(reason) > MAX_REASON:
        errors.add("reason", _("The reason may have at most %(n)d characters.", n=MAX_REASON))
    errors.raise_if_any()
    return reason


def confirm(binding_id: int, actor, seen_version=None) -> UnitBinding:
    """The unit confirms; the person's 人事管理单位 becomes the unit when their profile has none."""
    binding = reviewable(binding_id, actor)
    binding = _transition(binding.id, seen_version, BindingStatus.pending, BindingStatus.confirmed, actor,
                          "unit_binding_confirm")
    basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == binding.user_id))
    if basic is not None and basic.unit_id is None:
        basic.unit_id = binding.unit_id
    notify_ce.binding_decided(binding, "confirm")
    db.session.commit()
    return binding


def reject(binding_id: int, actor, reason: str | None, seen_version=None) -> UnitBinding:
    """The unit refuses the request, giving the reason."""
    reason = _reason(reason)
    binding = reviewable(binding_id, actor)
    binding = _transition(binding.id, seen_version, BindingStatus.pending, BindingStatus.rejected, actor,
                          "unit_binding_reject", reason)
    notify_ce.binding_decided(binding, "reject")
    db.session.commit()
    return binding


def end(binding_id: int, actor, reason: str | None, seen_version=None) -> UnitBinding:
    """The unit ends a confirmed binding (解除绑定), giving the reason."""
    reason = _reason(reason)
    binding = reviewable(binding_id, actor)
    binding = _transition(binding.id, seen_version, BindingStatus.confirmed, BindingStatus.ended, actor,
                          "unit_binding_end", reason)
    notify_ce.binding_decided(binding, "end")
    db.session.commit()
    return binding
