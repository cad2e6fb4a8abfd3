"""The workflow engine: declarative transitions per business type and the one `apply` that changes state.

`apply` checks the state, the actor's role and scope, the guards and the reason; then moves the application with
a conditional UPDATE on the state and version the actor saw (so two reviewers acting at once cannot both win),
writes one append-only history row, runs the side effects and commits once.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import update

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import AppState, AppUser, Application, ApplicationEvent, BusinessType, Org, OrgKind
from app.models.mixins import utcnow
from app.scope.resolve import Scope, resolve_scope
from app.security import roles as r
from app.services import audit, workdays
from app.workflow import handled  # noqa: F401  (keeps 已办's index with every event)
from app.workflow.forms import sections_of


class Actor(enum.Enum):
    """Who performs a transition; each maps to a role and a scope test on the application's org chain."""

    applicant = "applicant"
    unit = "unit"
    supervisor = "supervisor"
    committee = "committee"
    authority = "authority"
    system = "system"


ACTOR_ROLES = {
    Actor.applicant: r.APPLICANT,
    Actor.unit: r.UNIT_REVIEWER,
    Actor.supervisor: r.SUPERVISOR_REVIEWER,
    Actor.committee: r.COMMITTEE_OFFICE,
    Actor.authority: r.AUTHORITY,
}


@dataclass
class Context:
    """What guards and effects see: the actor, the role they act in, their org, the time and the input."""

    actor: AppUser | None
    role: str
    org: Org | None
    now: dt.datetime
    source: AppState | None = None
    reason: str | None = None
    section_comments: dict = field(default_factory=dict)
    payload: dict = field(default_factory=dict)

    @property
    def today(self) -> dt.date:
        """The date where people are (北京时间): deadlines and 公示 ends are days there, not UTC days."""
        return workdays.local_time(self.now).date()


Guard = Callable[[Application, Context], list]
Effect = Callable[[Application, Context], None]


@dataclass(frozen=True)
class Transition:
    """One row of a business's table."""

    event: str
    sources: tuple[AppState, ...]
    target: AppState | None  # None: back to the state that returned it (resubmission)
    actor: Actor
    label: object
    guards: tuple[Guard, ...] = ()
    reason_required: bool = False
    effects: tuple[Effect, ...] = ()
    style: str = "primary"


@dataclass(frozen=True)
class Business:
    """A business type: its review chain and its transition table."""

    type: BusinessType
    chain: tuple[AppState, ...]
    transitions: tuple[Transition, ...]

    def transitions_from(self, state: AppState) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def find(self, event: str, state: AppState) -> Transition | None:
        return next((t for t in self.transitions if t.event == event and state in t.sources), None)


MAX_REASON = 1000


class AlreadyHandled(DomainError):
    """Another actor changed the application first."""


_REGISTRY: dict[BusinessType, Business] = {}
# Run after every transition, inside its transaction (app/workflow/notify.py: who is told).
_AFTER_TRANSITION: list[Callable[[Application, Transition, Context], None]] = []


def register(business: Business) -> Business:
    _REGISTRY[business.type] = business
    return business


def business(kind: BusinessType) -> Business:
    """The table of one business type."""
    return _REGISTRY[kind]


def all_businesses() -> list[Business]:
    return list(_REGISTRY.values())


def after_transition(listener: Callable[[Application, Transition, Context], None]):
    """Register `listener(application, transition, context)`, called by `apply` after each transition, before
    its commit: what it adds to the session is committed or rolled back with the transition."""
    _AFTER_TRANSITION.append(listener)
    return listener


# ----- who may act -----

def acting_org(actor_kind: Actor, actor: AppUser, application: Application) -> Org | None:
    """The org in whose name the actor acts on this application."""
    wanted = {
        Actor.unit: application.unit_id,
        Actor.committee: application.committee_id,
    }.get(actor_kind)
    if wanted is not None:
        return next((org for org in actor.orgs if org.id == wanted), None)
    if actor_kind in (Actor.supervisor, Actor.authority) and application.unit is not None:
        return next((org for org in actor.orgs if application.unit.path.startswith(org.path)), None)
    return None


def may_act(actor_kind: Actor, actor: AppUser | None, application: Application, scope: Scope | None = None) -> bool:
    """Whether `actor` holds the role of `actor_kind` and reaches this application in that role."""
    if actor_kind == Actor.system:
        return actor is None
    if actor is None:
        return False
    scope = scope or resolve_scope(actor)
    if ACTOR_ROLES[actor_kind] not in scope.role_names:
        return False
    if actor_kind == Actor.applicant:
        return application.user_id == actor.id
    if application.user_id == actor.id:
        return False  # nobody reviews their own application
    if actor_kind == Actor.unit:
        return application.unit_id in scope.org_ids
    if actor_kind == Actor.committee:
        return application.committee_id in scope.org_ids
    if actor_kind == Actor.supervisor:
        supervisor = application.supervisor
        if supervisor is not None and supervisor.kind == OrgKind.authority:
            return False  # no supervising department: the authority is the second level
        return scope.reaches_below(application.unit)
    if actor_kind == Actor.authority:
        return scope.reaches_below(application.unit)
    return False


def available(application: Application, actor: AppUser | None) -> list[Transition]:
    """The transitions this actor may attempt now (the buttons they see); guards are checked on apply."""
    scope = resolve_scope(actor) if actor is not None else None
    table = business(application.business_type)
    return [t for t in table.transitions_from(application.state)
            if t.actor != Actor.system and may_act(t.actor, actor, application, scope)]


# ----- the one way to change state -----

def apply(application_id: int, event: str, actor: AppUser | None, *, seen_version: int | None = None,
          reason: str | None = None, section_comments: dict | None = None, payload: dict | None = None,
          ip: str | None = None, commit: bool = True) -> Application:
    """Fire `event` on the application as `actor`; raise DomainError (nothing changed) when refused."""
    application = db.session.get(Application, application_id)
    if application is None:
        raise DomainError(_("The application does not exist."))
    if seen_version is not None and seen_version != application.version:
        raise AlreadyHandled(_("This application has already been handled by someone else."))
    transition = business(application.business_type).find(event, application.state)
    if transition is None:
        raise DomainError(_("This action is not possible in the application's current state."))
    if not may_act(transition.actor, actor, application):
        raise DomainError(_("You may not perform this action on this application."))
    role = ACTOR_ROLES.get(transition.actor, "system")
    context = Context(
        actor=actor, role=role, org=acting_org(transition.actor, actor, application) if actor else None,
        now=utcnow(), reason=(reason or "").strip() or None, section_comments=_clean(section_comments, sections_of(application.business_type)),
        payload=dict(payload or {}),
    )
    problems: list[str] = []
    if transition.reason_required and not context.reason:
        problems.append(_("Please give the reason."))
    if context.reason and len(context.reason) > MAX_REASON:
        problems.append(_("The reason may have at most %(n)d characters.", n=MAX_REASON))
    for guard in transition.guards:
        problems.extend(str(message) for message in guard(application, context))
    if problems:
        raise ValidationFailed({"application": problems})
    source = application.state
    target = AppState(application.returned_from) if transition.target is None else transition.target
    changed = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.state == source,
               Application.version == application.version)
        .values(state=target, state_entered_at=context.now, version=Application.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise AlreadyHandled(_("This application has already been handled by someone else."))
    db.session.refresh(application)
    context.source = source
    for effect in transition.effects:
        effect(application, context)
    db.session.add(ApplicationEvent(
        application_id=application.id, event=transition.event, actor_id=actor.id if actor else None,
        actor_role=role, actor_org_id=context.org.id if context.org else None, from_state=source.value,
        to_state=target.value, reason=context.reason, section_comments=context.section_comments, ip=ip,
    ))
    for listener in _AFTER_TRANSITION:
        listener(application, transition, context)
    audit.record(f"application.{transition.event}", application, actor=actor)
    if commit:
        db.session.commit()
    return application


def open_for_review(application: Application, actor: AppUser) -> None:
    """A reviewer who may act now opens the application: from then on the applicant cannot withdraw it."""
    if application.opened_at is not None or not any(t.actor != Actor.applicant for t in available(application, actor)):
        return
    db.session.execute(
        update(Application).where(Application.id == application.id, Application.opened_at.is_(None))
        .values(opened_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(application)


def _clean(comments: dict | None, sections: tuple[str, ...]) -> dict:
    """Per-section comments on the type's own sections, without empty ones, each at most 500 characters."""
    cleaned = {}
    for section, comment in (comments or {}).items():
        text = str(comment or "").strip()
        if text and section in sections:
            cleaned[section] = text[:500]
    return cleaned
