"""异议 during a 公示: the office running it records an objection, which pauses the application until resolved.

The unit runs the unit-level 公示 and the committee office the result 公示; each records and resolves the
objections of its own 公示. While one is open, the system transition that ends the 公示 is refused (a guard in
the business tables), so neither the tick nor a read moves the application on. An upheld objection leaves the
reviewer to return or terminate the application through the engine as usual.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.errors import DomainError, ErrorCollector
from app.extensions import db
from app.models import AppState, Application, AppUser, Objection, ObjectionStatus
from app.models.mixins import utcnow
from app.services import audit
from app.workflow.engine import Actor, AlreadyHandled, may_act

# Which 公示 is run by whom.
RUN_BY = {AppState.unit_publicity: Actor.unit, AppState.result_publicity: Actor.committee}
CONTENT_MAX = 2000


def open_count(application_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Objection).where(
        Objection.application_id == application_id, Objection.status == ObjectionStatus.open))


def paused(application, context) -> list:
    """Guard of the transitions that end a 公示: refused while an objection is being verified."""
    count = open_count(application.id)
    return [_("%(count)d objection(s) raised during the publicity are being verified; the application is paused "
              "until they are resolved.", count=count)] if count else []


def may_record(application: Application, actor: AppUser) -> bool:
    """Whether the actor runs the 公示 the application is in now."""
    runner = RUN_BY.get(application.state)
    return runner is not None and may_act(runner, actor, application)


def record(application_id: int, actor: AppUser, raised_by: str, contact: str, content: str) -> Objection:
    """Record an objection raised during the running 公示; ValidationFailed names each bad field."""
    application = db.session.get(Application, application_id)
    if application is None or not may_record(application, actor):
        raise DomainError(_("Objections can only be recorded by the office running the publicity, while it runs."))
    errors = ErrorCollector()
    raised_by, contact, content = (raised_by or "").strip(), (contact or "").strip(), (content or "").strip()
    if not raised_by:
        errors.add("raised_by", _("Please enter who raised the objection (or 匿名)."))
    elif len(raised_by) > 60:
        errors.add("raised_by", _("At most %(n)s characters.", n=60))
    if len(contact) > 60:
        errors.add("contact", _("At most %(n)s characters.", n=60))
    if not content:
        errors.add("content", _("Please enter the content of the objection."))
    elif len(content) > CONTENT_MAX:
        errors.add("content", _("At most %(n)s characters.", n=CONTENT_MAX))
    errors.raise_if_any()
    objection = Objection(application_id=application.id, phase=application.state.value, raised_by=raised_by,
                          contact=contact or None, content=content, recorded_by_id=actor.id)
    db.session.add(objection)
    db.session.flush()
    audit.record("objection.record", objection, actor=actor)
    db.session.commit()
    return objection


def resolve(objection_id: int, actor: AppUser, upheld: bool, finding: str) -> Objection:
    """Close an objection with the office's written finding; a second resolver gets "already handled"."""
    objection = db.session.get(Objection, objection_id)
    if objection is None:
        raise DomainError(_("The objection does not exist."))
    runner = RUN_BY.get(AppState(objection.phase))
    if not may_act(runner, actor, objection.application):
        raise DomainError(_("Only the office that ran the publicity resolves its objections."))
    finding = (finding or "").strip()
    if not finding:
        errors = ErrorCollector()
        errors.add("finding", _("Please write down the finding of the verification."))
        errors.raise_if_any()
    changed = db.session.execute(
        update(Objection).where(Objection.id == objection.id, Objection.status == ObjectionStatus.open)
        .values(status=ObjectionStatus.upheld if upheld else ObjectionStatus.dismissed, finding=finding[:CONTENT_MAX],
                resolved_by_id=actor.id, resolved_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise AlreadyHandled(_("This objection has already been resolved by someone else."))
    db.session.refresh(objection)
    audit.record("objection.resolve", objection, actor=actor)
    db.session.commit()
    return objection


def of_application(application_id: int) -> list[Objection]:
    return list(db.session.scalars(
        select(Objection).where(Objection.application_id == application_id).order_by(Objection.id)))
