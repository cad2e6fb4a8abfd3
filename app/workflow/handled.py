"""已办's index: every review event inserted through the ORM points its (reviewer, application) row at itself.

Kept by a mapper event rather than in engine.apply alone, so history written by any path (the engine, demo data,
imports) shows in 已办; the bulk generator, which writes by COPY, fills the table itself.
"""
from __future__ import annotations

from sqlalchemy import event

from app.models import ApplicationEvent, ApplicationHandled
from app.security import roles as r
from app.services.upsert import insert_or_update


@event.listens_for(ApplicationEvent, "after_insert")
def _remember(_mapper, connection, history: ApplicationEvent) -> None:
    """A reviewer's event (not an applicant's step, not the clock's) becomes their last on the application."""
    if history.actor_id is not None and history.actor_role != r.APPLICANT:
        connection.execute(insert_or_update(
            connection.dialect.name, ApplicationHandled,
            {"user_id": history.actor_id, "application_id": history.application_id, "event_id": history.id},
            keys=[ApplicationHandled.user_id, ApplicationHandled.application_id], updated=["event_id"]))
