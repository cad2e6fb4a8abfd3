"""Time-driven transitions (公示 ending, correction deadlines passing), run by `flask --app run workflow tick`
with the deadline reminders and the e-mail queue after them (`scheduled`).

The same catch-up runs lazily when an application is read, so nothing depends on the scheduler being on time.
Two ticks at once (cron on several hosts) do each job once: on PostgreSQL each job runs under an advisory lock and
the second tick skips a job it finds locked (app/services/job_locks.py); underneath, each transition is a
conditional update and a duplicate reminder is refused, so even without the lock nothing is done twice.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from app.errors import DomainError
from app.extensions import db
from app.models import AppState, Application
from app.models.mixins import utcnow
from app.services import job_locks, notifications, workdays
from app.workflow import engine, notify, stats_cache

# States a system transition may leave, with the date column that makes it due.
_DUE = (
    (AppState.returned, Application.correction_deadline),
    (AppState.unit_publicity, Application.publicity_until),
    (AppState.result_publicity, Application.publicity_until),
)


def catch_up(application: Application) -> int:
    """Apply every system transition that is due on this application; returns how many ran."""
    applied = 0
    while True:
        due = [t for t in engine.business(application.business_type).transitions_from(application.state)
               if t.actor == engine.Actor.system]
        fired = False
        for transition in due:
            context = engine.Context(actor=None, role="system", org=None, now=utcnow())
            if any(guard(application, context) for guard in transition.guards):
                continue
            try:
                application = engine.apply(application.id, transition.event, None, seen_version=application.version)
            except DomainError:
                db.session.rollback()
                db.session.refresh(application)
                return applied
            applied += 1
            fired = True
            break
        if not fired:
            return applied


def due_clause(today: dt.date):
    """Applications whose correction deadline or publicity end has passed."""
    return or_(*[(Application.state == state) & (column < today) for state, column in _DUE])


def catch_up_where(clause, limit: int = 100) -> int:
    """Catch up the due applications matching `clause` (e.g. an inbox's scope) before they are listed."""
    ids = list(db.session.scalars(select(Application.id).where(due_clause(workdays.local_today()), clause)
                                  .order_by(Application.id).limit(limit)))
    return sum(catch_up(db.session.get(Application, application_id)) for application_id in ids)


def run(today: dt.date | None = None, batch: int = 500) -> int:
    """Catch up every application whose deadline or publicity end has passed; returns transitions applied."""
    condition = due_clause(today or workdays.local_today())
    total = 0
    last_id = 0
    while True:
        ids = list(db.session.scalars(
            select(Application.id).where(condition, Application.id > last_id).order_by(Application.id).limit(batch)
        ))
        if not ids:
            return total
        for application_id in ids:
            application = db.session.get(Application, application_id)
            total += catch_up(application)
        last_id = ids[-1]


@dataclass
class TickResult:
    """What one scheduled run did, and which jobs it skipped because another run held them."""

    transitions: int = 0
    reminders: int = 0
    delivery: notifications.Delivery = field(default_factory=notifications.Delivery)
    statistics: int = 0  # kept dashboard figures computed again
    skipped: list[str] = field(default_factory=list)


def scheduled(today: dt.date | None = None) -> TickResult:
    """The scheduled run: due transitions, then deadline reminders, then the e-mails they and others queued, then
    the kept dashboard figures that are due.

    Each job is skipped (and named in `skipped`) when another process is running it right now."""
    result = TickResult()
    with job_locks.exclusive("transitions") as mine:
        if mine:
            result.transitions = run(today)
        else:
            result.skipped.append("transitions")
    with job_locks.exclusive("reminders") as mine:
        if mine:
            result.reminders = notify.send_reminders(today)
        else:
            result.skipped.append("reminders")
    with job_locks.exclusive("mail") as mine:
        if mine:
            result.delivery = notifications.deliver()
        else:
            result.skipped.append("mail")
    with job_locks.exclusive("statistics") as mine:
        if mine:
            result.statistics = stats_cache.refresh()
        else:
            result.skipped.append("statistics")
    return result
