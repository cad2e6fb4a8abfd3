"""Who is told about a title business (站内信 and e-mail): after every transition, and before its deadlines.

After each transition `engine.apply` makes, in the same transaction: the people who must act next — the holders
of the role of each reviewing actor of the transitions out of the new state who reach the application exactly as
`engine.may_act` (and the 待办 inbox) decide — and the applicant, with the new state and the reason of a return or
refusal. Never the person who acted. Recipients are found with one set-based query per transition.

`send_reminders` (the scheduled tick) tells the applicant N days before a correction deadline, and the applicant
and the next level before a 公示 ends; each reminder exists once (its dedupe key).
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    APP_STATE_LABELS, BUSINESS_TYPE_LABELS, AppState, AppUser, Application, MessageKind, Org, OrgKind, user_org,
)
from app.services import notifications, workdays
from app.workflow import engine
from app.workflow.engine import Actor
from app.workflow.forms import SECTION_LABELS

REVIEWERS = tuple(actor for actor in engine.ACTOR_ROLES if actor != Actor.applicant)
# The 公示 states and the date column that ends them (reminders).
PUBLICITY_STATES = (AppState.unit_publicity, AppState.result_publicity)


# ----- who holds a role where -----

def role_members(role: str) -> Select:
    """Ids of the users holding `role`."""
    return select(assoc_user_role.c.user_id).join(Role, Role.id == assoc_user_role.c.role_id).where(Role.name == role)


def org_members(condition: ColumnElement[bool]) -> Select:
    """Ids of the users belonging to an org matching `condition`."""
    return select(user_org.c.user_id).join(Org, Org.id == user_org.c.org_id).where(condition)


def staff(role: str, org_condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Active users holding `role` in an org matching `org_condition` (as app.scope.resolve reaches through it)."""
    return and_(AppUser.active.is_(True), AppUser.id.in_(role_members(role)),
                AppUser.id.in_(org_members(org_condition)))


def path_prefixes(path: str | None) -> list[str]:
    """The materialised paths of an org and of every org above it ("/1/5/12/" → "/1/", "/1/5/", "/1/5/12/")."""
    parts = [part for part in (path or "").split("/") if part]
    return ["/" + "/".join(parts[:end]) + "/" for end in range(1, len(parts) + 1)]


def reach_clause(actor: Actor, application: Application) -> ColumnElement[bool]:
    """The users who may act as `actor` on the application, exactly as engine.may_act decides (not its owner)."""
    role = engine.ACTOR_ROLES[actor]
    above = path_prefixes(application.unit.path) if application.unit is not None else []
    if actor == Actor.unit and application.unit_id:
        condition = staff(role, (Org.id == application.unit_id) & (Org.kind == OrgKind.unit))
    elif actor == Actor.committee and application.committee_id:
        condition = staff(role, (Org.id == application.committee_id) & (Org.kind == OrgKind.committee))
    elif actor == Actor.supervisor and above and not (
            application.supervisor is not None and application.supervisor.kind == OrgKind.authority):
        condition = staff(role, (Org.kind == OrgKind.supervisor) & Org.path.in_(above))
    elif actor == Actor.authority and above:
        condition = staff(role, (Org.kind == OrgKind.authority) & Org.path.in_(above))
    else:
        return false()
    return condition & (AppUser.id != application.user_id)


def next_actors(application: Application, state: AppState) -> set[Actor]:
    """The reviewing actors of the transitions out of `state` (those who must act when it is reached)."""
    return {t.actor for t in engine.business(application.business_type).transitions_from(state)
            if t.actor in REVIEWERS}


def reviewers_of(application: Application, actors: set[Actor], exclude_id: int | None = None) -> Select:
    """Ids of everyone who may act as one of `actors` on the application, except `exclude_id` (one query)."""
    condition = or_(*[reach_clause(actor, application) for actor in sorted(actors, key=lambda a: a.value)]) \
        if actors else false()
    if exclude_id is not None:
        condition = condition & (AppUser.id != exclude_id)
    return select(AppUser.id).where(condition)


# ----- after a transition -----

def _facts(application: Application) -> dict:
    return dict(business=BUSINESS_TYPE_LABELS[application.business_type], number=application.id,
                name=application.user.full_name if application.user else "",
                state=APP_STATE_LABELS[application.state])


def applicant_link(application: Application) -> str:
    return f"/applications/{application.id}"


def reviewer_link(application: Application) -> str:
    return f"/review/applications/{application.id}"


@engine.after_transition
def transition_made(application: Application, transition: engine.Transition, context: engine.Context) -> None:
    """Tell the next actors and the applicant about the transition just made (same transaction, no commit)."""
    actor_id = context.actor.id if context.actor is not None else None
    facts = _facts(application)
    actors = next_actors(application, application.state)
    if actors:
        notifications.notify(
            reviewers_of(application, actors, exclude_id=actor_id),
            _l("To do: %(business)s of %(name)s (%(state)s)", **facts),
            _l("The %(business)s of %(name)s (No. %(number)s) has reached \"%(state)s\" and waits for your "
               "handling.", **facts),
            link=reviewer_link(application), kind=MessageKind.application,
        )
    if application.user_id != actor_id:
        notifications.notify([application.user_id], _l("Your %(business)s: %(state)s", **facts),
                             applicant_lines(application, transition, context),
                             link=applicant_link(application), kind=MessageKind.application)


def applicant_lines(application: Application, transition: engine.Transition, context: engine.Context) -> list:
    """What the applicant reads: what was done, the state now, the reason, and what to do by when."""
    facts = _facts(application)
    lines = [_l("Dear %(name)s,", **facts),
             _l("Your %(business)s (No. %(number)s) was handled: %(action)s. Its state is now: %(state)s.",
                action=transition.label, **facts)]
    if context.reason:
        lines.append(_l("Reason: %(reason)s", reason=context.reason))
    for section, comment in (context.section_comments or {}).items():
        lines.append(_l("Comment on %(section)s: %(comment)s", section=SECTION_LABELS.get(section, section), comment=comment))
    if application.state == AppState.returned and application.correction_deadline:
        lines.append(_l("Please correct it and resubmit by %(date)s; after that date the application is deemed "
                        "abandoned.", date=application.correction_deadline.isoformat()))
    if application.state in PUBLICITY_STATES and application.publicity_until:
        lines.append(_l("The publicity period runs until %(date)s.",
                        date=application.publicity_until.isoformat()))
    return lines


# ----- reminders before deadlines (the scheduled tick) -----

def reminder_days() -> int:
    return int(current_app.config.get("NOTIFY_REMINDER_DAYS", 3))


def reminders_due(today: dt.date):
    """Returned applications whose correction deadline, and 公示 whose end, falls within the next N days."""
    until = today + dt.timedelta(days=reminder_days())
    return or_(
        (Application.state == AppState.returned) & Application.correction_deadline.between(today, until),
        Application.state.in_(PUBLICITY_STATES) & Application.publicity_until.between(today, until),
    )


def after_publicity(application: Application) -> AppState | None:
    """The state the system moves a 公示 on to when it ends."""
    return next((t.target for t in engine.business(application.business_type).transitions_from(application.state)
                 if t.actor == Actor.system and t.target is not None), None)


def remind(application: Application) -> int:
    """Add the due reminders of one application (once each, by their dedupe key); returns messages added."""
    facts = _facts(application)
    added = 0
    if application.state == AppState.returned and application.correction_deadline:
        date = application.correction_deadline.isoformat()
        added += len(notifications.notify(
            [application.user_id],
            _l("Reminder: the correction deadline of your %(business)s is %(date)s", date=date, **facts),
            [_l("Dear %(name)s,", **facts),
             _l("Your %(business)s (No. %(number)s) was returned for correction. Please correct it and resubmit by "
                "%(date)s; after that date the application is deemed abandoned.", date=date, **facts)],
            link=applicant_link(application), kind=MessageKind.reminder,
            dedupe_key=f"correction:{application.id}:{date}"))
    elif application.state in PUBLICITY_STATES and application.publicity_until:
        date = application.publicity_until.isoformat()
        key = f"publicity:{application.id}:{application.state.value}:{date}"
        following = after_publicity(application)
        next_state = APP_STATE_LABELS[following] if following else ""
        added += len(notifications.notify(
            [application.user_id],
            _l("Reminder: the publicity of your %(business)s ends on %(date)s", date=date, **facts),
            [_l("Dear %(name)s,", **facts),
             _l("Your %(business)s (No. %(number)s) is in \"%(state)s\" until %(date)s; without objections it then "
                "moves on to \"%(next)s\".", date=date, next=next_state, **facts)],
            link=applicant_link(application), kind=MessageKind.reminder, dedupe_key=key))
        actors = next_actors(application, following) if following else set()
        if actors:
            added += len(notifications.notify(
                reviewers_of(application, actors),
                _l("Reminder: the publicity of %(name)s's %(business)s ends on %(date)s", date=date, **facts),
                _l("The %(business)s of %(name)s (No. %(number)s) is in \"%(state)s\" until %(date)s; then it moves "
                   "on to \"%(next)s\" for your handling.", date=date, next=next_state, **facts),
                link=reviewer_link(application), kind=MessageKind.reminder, dedupe_key=key))
    return added


def send_reminders(today: dt.date | None = None, batch: int = 500) -> int:
    """Add every due reminder, one application per commit (a concurrent tick's duplicate is refused)."""
    condition = reminders_due(today or workdays.local_today())
    total, last_id = 0, 0
    while True:
        ids = list(db.session.scalars(select(Application.id).where(condition, Application.id > last_id)
                                      .order_by(Application.id).limit(batch)))
        if not ids:
            return total
        for application_id in ids:
            try:
                added = remind(db.session.get(Application, application_id))
                db.session.commit()
                total += added
            except IntegrityError:
                db.session.rollback()  # another tick wrote the same reminder first
        last_id = ids[-1]
