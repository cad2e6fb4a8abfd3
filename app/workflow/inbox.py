"""Reviewers' inboxes as SQL: the applications a user must act on now (待办) and those they have handled (已办).

The 待办 clause is derived from the engine's tables (which actor moves which business out of which state) and
mirrors `engine.may_act` for each actor's reach, so it lists exactly the applications on which
`engine.available` offers the user a reviewer's action — in one query, without loading every row.
"""
from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, true
from sqlalchemy.orm import joinedload, lazyload, selectinload

from app.extensions import db
from app.models import (
    AppState, Application, ApplicationEvent, ApplicationHandled, AppUser, BusinessType, Org, OrgKind, batch_attendee,
)
from app.scope.policy import clause_for, others_applications
from app.scope.resolve import Scope
from app.security import roles as r
from app.services import workdays
from app.services.paging import Page, capped_page_of, merged_page_of
from app.workflow import engine

Actor = engine.Actor
# Everyone who acts on an application except its owner and the clock.
REVIEWER_ACTORS = tuple(actor for actor in engine.ACTOR_ROLES if actor != Actor.applicant)
PAGE_SIZE = 20
MAX_SEARCH = 50
# The lists count at most this many matches; beyond it the page says "more than" and asks for narrower conditions
# (an authority's 待办 or 业务查询 over a province would otherwise count tens of thousands of rows on every page).
SEARCH_COUNT_CAP = 1000


def actor_states() -> dict[Actor, dict[BusinessType, frozenset[AppState]]]:
    """For each reviewing actor, the states of each business out of which it has a transition."""
    found: dict = defaultdict(lambda: defaultdict(set))
    for business in engine.all_businesses():
        for transition in business.transitions:
            if transition.actor in REVIEWER_ACTORS:
                found[transition.actor][business.type].update(transition.sources)
    return {actor: {kind: frozenset(states) for kind, states in kinds.items()} for actor, kinds in found.items()}


def _unit_in_subtrees(scope: Scope) -> ColumnElement[bool]:
    """The application's unit lies below one of the scope's subtree roots (Scope.reaches_below)."""
    paths = sorted(scope.subtree_paths)
    if not paths:
        return false()
    below = select(Org.id).where(or_(*[Org.path.startswith(path, autoescape=True) for path in paths]))
    return Application.unit_id.in_(below)


def _reach(actor: Actor, scope: Scope) -> ColumnElement[bool]:
    """The applications `actor` reaches in the scope, exactly as engine.may_act decides it."""
    if actor == Actor.unit:
        return Application.unit_id.in_(sorted(scope.org_ids)) if scope.org_ids else false()
    if actor == Actor.committee:
        return Application.committee_id.in_(sorted(scope.org_ids)) if scope.org_ids else false()
    if actor == Actor.supervisor:
        # Without a supervising department the authority is the second level, not a supervisor.
        authorities = select(Org.id).where(Org.kind == OrgKind.authority)
        return _unit_in_subtrees(scope) & or_(Application.supervisor_id.is_(None),
                                               Application.supervisor_id.not_in(authorities))
    if actor == Actor.authority:
        return _unit_in_subtrees(scope)
    return false()


def _waiting_terms(scope: Scope) -> dict[AppState, list[ColumnElement[bool]]]:
    """For each state, what makes an application in it wait for the scope's user: the business types one of their
    actors moves out of that state, within that actor's reach."""
    terms: dict[AppState, list[ColumnElement[bool]]] = defaultdict(list)
    for actor, kinds in actor_states().items():
        if engine.ACTOR_ROLES[actor] not in scope.role_names:
            continue
        types_in: dict[AppState, set[BusinessType]] = defaultdict(set)
        for kind, states in kinds.items():
            for state in states:
                types_in[state].add(kind)
        for state, types in types_in.items():
            terms[state].append(Application.business_type.in_(sorted(types, key=lambda t: t.value))
                                & _reach(actor, scope))
    return dict(terms)


def _by_value(states) -> list[AppState]:
    return sorted(states, key=lambda state: state.value)


def todo_clause(user: AppUser | None, scope: Scope) -> ColumnElement[bool]:
    """Applications waiting for an action of `user` now: their state, their reach, their scope, not their own."""
    if user is None:
        return false()
    terms = _waiting_terms(scope)
    if not terms:
        return false()
    # The states alone, ahead of the (state, businesses, reach) terms: a plain IN that the state indexes can serve.
    # The scope is written without the user's own applications, which the list leaves out anyway.
    return and_(Application.state.in_(_by_value(terms)),
                or_(*[(Application.state == state) & or_(*terms[state]) for state in _by_value(terms)]),
                Application.user_id != user.id, others_applications(scope))


def meeting_clause(scope: Scope) -> ColumnElement[bool]:
    """An expert's candidates: applications under evaluation in the batches whose meeting they sit in (read-only)."""
    if r.EXPERT not in scope.role_names or not scope.user_id:
        return false()
    attended = select(batch_attendee.c.batch_id).where(batch_attendee.c.user_id == scope.user_id)
    return and_(Application.state == AppState.in_review, Application.batch_id.in_(attended),
                clause_for(Application, scope))


@dataclass(frozen=True)
class Filters:
    """The list filters: business type, series, state (业务查询 only), and the applicant's name or ID number."""

    business_type: BusinessType | None = None
    series: str | None = None
    search: str = ""
    state: AppState | None = None

    def clause(self) -> ColumnElement[bool]:
        terms = []
        if self.business_type is not None:
            terms.append(Application.business_type == self.business_type)
        if self.state is not None:
            terms.append(Application.state == self.state)
        if self.series:
            terms.append(Application.series == self.series)
        text = self.search.strip()[:MAX_SEARCH]
        if text:
            name = AppUser.last_name + AppUser.first_name
            people = select(AppUser.id).where(or_(AppUser.id_number == text.upper(),
                                                  name.contains(text, autoescape=True)))
            terms.append(Application.user_id.in_(people))
        return and_(*terms) if terms else true()


def _row_loads(loader) -> tuple:
    """What a list row shows besides the application: its person and unit by `loader`, without the staff orgs of
    the person, which load by default and no list shows."""
    return loader(Application.user).options(lazyload(AppUser.orgs)), loader(Application.unit)


def todo_queries(user: AppUser, scope: Scope, filters: Filters = Filters(),
                 with_meetings: bool = True) -> tuple[Select, Select]:
    """待办 as (rows, count) queries, oldest arrival first; an expert's meeting candidates are listed too."""
    condition = todo_clause(user, scope)
    if with_meetings:
        condition = or_(condition, meeting_clause(scope))
    where = and_(condition, filters.clause())
    query = select(Application).where(where).order_by(Application.state_entered_at, Application.id)
    count_query = select(func.count()).select_from(Application).where(where)
    return query, count_query


def _todo_branches(user: AppUser, scope: Scope, filters: Filters, with_meetings: bool) -> list[Select]:
    """待办 split by state, each branch as (arrival, id) in that order: an index on (state, arrival, id) serves every
    branch in order, where one query over all the states read every waiting application to sort them."""
    terms = _waiting_terms(scope)
    theirs = and_(Application.user_id != user.id, others_applications(scope))
    meetings = with_meetings and r.EXPERT in scope.role_names and bool(scope.user_id)
    states = set(terms) | ({AppState.in_review} if meetings else set())
    branches = []
    for state in _by_value(states):
        waiting = [and_(or_(*terms[state]), theirs)] if state in terms else []
        if meetings and state == AppState.in_review:
            waiting.append(meeting_clause(scope))
        branches.append(select(Application.state_entered_at, Application.id)
                        .where(Application.state == state, or_(*waiting), filters.clause())
                        .order_by(Application.state_entered_at, Application.id))
    return branches


def todo(user: AppUser, scope: Scope, filters: Filters = Filters(), page: int = 1, size: int = PAGE_SIZE,
         with_meetings: bool = True) -> Page:
    """待办, oldest arrival first, counted up to SEARCH_COUNT_CAP; an expert's candidates of their meetings are listed
    too (read-only)."""
    keys = merged_page_of(_todo_branches(user, scope, filters, with_meetings), page, size, cap=SEARCH_COUNT_CAP)
    loaded = {row.id: row for row in db.session.scalars(
        select(Application).where(Application.id.in_([key[1] for key in keys.rows]))
        .options(*_row_loads(joinedload)))} if keys.rows else {}
    keys.rows = [loaded[key[1]] for key in keys.rows if key[1] in loaded]
    return keys


def _handled_where(user: AppUser, scope: Scope, filters: Filters) -> ColumnElement[bool]:
    """What an application the user handled must be to stay in 已办: in scope now and matching the filters.

    Handled rows are review actions, never on the user's own applications: the scope without them."""
    return and_(Application.user_id != user.id, others_applications(scope), filters.clause())


def _handled(user: AppUser, scope: Scope, filters: Filters) -> Select:
    """The (application id, the user's last review event id) pairs of 已办, newest action first."""
    return (
        select(ApplicationHandled.application_id, ApplicationHandled.event_id)
        .join(Application, Application.id == ApplicationHandled.application_id)
        .where(ApplicationHandled.user_id == user.id, _handled_where(user, scope, filters))
        .order_by(ApplicationHandled.event_id.desc())
    )


def _latest_handled(user: AppUser, count: int):
    """The user's `count` latest handled rows, newest first, whatever their scope (a subquery)."""
    return (select(ApplicationHandled.application_id, ApplicationHandled.event_id)
            .where(ApplicationHandled.user_id == user.id)
            .order_by(ApplicationHandled.event_id.desc()).limit(count).subquery())


def _handled_keys(user: AppUser, scope: Scope, filters: Filters, page: int, size: int) -> Page:
    """已办's page of (application id, event id) pairs, counted up to SEARCH_COUNT_CAP.

    Nearly always every application a reviewer handled is still in their scope and no filter is set: then the
    list is simply their latest handled rows, read in order from their index. One statement checks that on the
    first cap + 1 of them; only when some fail is the list worked out over all the user's rows, where PostgreSQL,
    unable to tell that handled applications lie in the handler's scope, joins and sorts every one.
    """
    latest = _latest_handled(user, SEARCH_COUNT_CAP + 1)
    candidates, kept = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((_handled_where(user, scope, filters), 1), else_=0)), 0))
        .select_from(latest).join(Application, Application.id == latest.c.application_id)).one()
    if kept != candidates:
        return capped_page_of(_handled(user, scope, filters), page, size, cap=SEARCH_COUNT_CAP, scalars=False)
    count = min(kept, SEARCH_COUNT_CAP)
    page = min(max(page or 1, 1), max((count + size - 1) // size, 1))
    offset = (page - 1) * size
    wanted = max(min(size, count - offset), 0)  # no row past the cap
    window = _latest_handled(user, offset + wanted)
    rows = db.session.execute(
        select(window.c.application_id, window.c.event_id)
        .join(Application, Application.id == window.c.application_id)
        .where(_handled_where(user, scope, filters))  # checked again: a row may have arrived since
        .order_by(window.c.event_id.desc()).offset(offset).limit(wanted))
    return Page(rows=[tuple(row) for row in rows], count=count, page=page, size=size,
                capped=kept > SEARCH_COUNT_CAP)


def done_queries(user: AppUser, scope: Scope, filters: Filters = Filters()) -> tuple[Select, Select]:
    """已办 as (rows, count) queries: (application, the user's last review event on it), newest action first."""
    handled = _handled(user, scope, filters)
    query = (handled.with_only_columns(Application, ApplicationEvent, maintain_column_froms=True)
             .join(ApplicationEvent, ApplicationEvent.id == ApplicationHandled.event_id))
    return query, select(func.count()).select_from(handled.order_by(None).subquery())


def done(user: AppUser, scope: Scope, filters: Filters = Filters(), page: int = 1, size: int = PAGE_SIZE) -> Page:
    """已办: applications in scope on which the user recorded a review action, newest action first.

    Rows are (application, the user's last event on it); the user's own applicant steps do not count.
    """
    # The page is chosen on the narrow id pairs, then only its rows are loaded: joined first, each of a busy
    # reviewer's thousands of rows would meet its person, unit and event before the sort.
    keys = _handled_keys(user, scope, filters, page, size)
    applications = {row.id: row for row in db.session.scalars(
        select(Application).where(Application.id.in_([key[0] for key in keys.rows]))
        .options(*_row_loads(joinedload)))}
    events = {row.id: row for row in db.session.scalars(
        select(ApplicationEvent).where(ApplicationEvent.id.in_([key[1] for key in keys.rows]))
        .options(lazyload(ApplicationEvent.actor), lazyload(ApplicationEvent.actor_org)))}
    keys.rows = [(applications[application_id], events[event_id]) for application_id, event_id in keys.rows]
    return keys


def search_queries(scope: Scope, filters: Filters = Filters()) -> tuple[Select, Select]:
    """业务查询 as (rows, count) queries: every application in the scope matching the filters, newest submission
    first (drafts are their owners' alone, so the scope leaves them out for staff)."""
    where = and_(clause_for(Application, scope), filters.clause())
    query = select(Application).where(where).order_by(Application.submitted_at.desc().nulls_last(),
                                                      Application.id.desc())
    return query, select(func.count()).select_from(Application).where(where)


def search(scope: Scope, filters: Filters = Filters(), page: int = 1, size: int = PAGE_SIZE) -> Page:
    """One page of 业务查询; counted only up to SEARCH_COUNT_CAP rows, so a province-wide list never counts them all."""
    query, _count = search_queries(scope, filters)
    # Person and unit in queries of their own: joined, they would be read for every match before the sort.
    return capped_page_of(query.options(*_row_loads(selectinload)), page, size, cap=SEARCH_COUNT_CAP)


def due_date(application: Application) -> dt.date | None:
    """By when the level holding the application should act: REVIEW_DUE_WORKDAYS working days after arrival."""
    if application.state_entered_at is None:
        return None
    days = current_app.config.get("REVIEW_DUE_WORKDAYS", 10)
    return workdays.add_workdays(workdays.local_time(application.state_entered_at).date(), days)


class ActionKind(enum.Enum):
    """How a reviewer's transition is asked for on the detail page."""

    button = "button"        # approve-type: one click
    reason = "reason"        # terminate, record a failure …: a required reason
    correction = "correction"  # 退回修改 (一次性告知): an overall reason and comments per section


@dataclass(frozen=True)
class Action:
    transition: engine.Transition
    kind: ActionKind


def reviewer_actions(application: Application, user: AppUser | None) -> list[Action]:
    """The reviewer's transitions open to `user` now (never the applicant's own steps), with their form kind."""
    actions = []
    for transition in engine.available(application, user):
        if transition.actor == Actor.applicant:
            continue
        if transition.target == AppState.returned:
            kind = ActionKind.correction
        elif transition.reason_required:
            kind = ActionKind.reason
        else:
            kind = ActionKind.button
        actions.append(Action(transition, kind))
    return actions


def event_label(application: Application, event: ApplicationEvent) -> str:
    """The label of the transition a history row records."""
    transition = engine.business(application.business_type).find(event.event, AppState(event.from_state))
    return str(transition.label) if transition else event.event


def approvable(application: Application) -> bool:
    """Whether the application's state has a reviewer's 通过 (what 批量通过 fires); the engine still decides."""
    transition = engine.business(application.business_type).find("approve", application.state)
    return transition is not None and transition.actor in REVIEWER_ACTORS


def is_applicants_step(application: Application, event: str) -> bool:
    """Whether `event` in the application's state is one of the applicant's own steps (not for review screens)."""
    transition = engine.business(application.business_type).find(event, application.state)
    return transition is not None and transition.actor == Actor.applicant
