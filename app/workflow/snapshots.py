"""提交时版本: an append-only JSON copy of what was submitted, one per 提交/重新提交.

Taken inside the submit transaction (an effect of submit and resubmit): the application's information, its
materials, the achievements and publications it selected and the applicant's whole profile, as display text at
that moment. Reviewers read it on the detail page; later profile edits never change it. The database refuses
UPDATE and DELETE of `application_snapshot` (triggers of migration 0022).
"""
from __future__ import annotations

import datetime as dt

from markupsafe import Markup
from sqlalchemy import func, select

from app.extensions import db
from app.models import Application, ApplicationSnapshot, AppUser, BasicInfo


def _text(value) -> str:
    """Display text of a cell: markup (links, badges) reduced to its text."""
    if isinstance(value, Markup):
        return value.striptags()
    return "" if value is None else str(value)


def _table(table) -> dict:
    return {"code": table.code, "label": _text(table.label), "headers": [_text(h) for h in table.headers],
            "rows": [[_text(c) for c in row.cells] for row in table.rows]}


def build(application: Application) -> dict:
    """The snapshot's content (display text, so it reads the same whatever changes later)."""
    from app.views import application_display as shown  # display helpers; the views import the workflow
    from app.views.profile_display import basic_facts, section_tables

    basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == application.user_id))
    tables = section_tables(application.user_id)
    records = shown.record_tables(application) if application.achievements or application.publications else {}
    return {
        "info": [[_text(label), _text(value)] for label, value in shown.info_facts(application)],
        "materials": [{"name": m.name, "copies": m.copies} for m in application.materials],
        "achievement_ids": sorted(a.id for a in application.achievements),
        "publication_ids": sorted(p.id for p in application.publications),
        "selected": [_table(t) for t in records.values()],
        "basic": [[_text(label), _text(value)] for label, value in basic_facts(application.user, basic)],
        "profile": [_table(t) for t in tables],
    }


def capture(application: Application, actor: AppUser | None, when: dt.datetime) -> ApplicationSnapshot:
    """Store the next numbered snapshot of the application (inside the caller's transaction)."""
    db.session.flush()
    submission = (db.session.scalar(select(func.max(ApplicationSnapshot.submission))
                                    .where(ApplicationSnapshot.application_id == application.id)) or 0) + 1
    snapshot = ApplicationSnapshot(application_id=application.id, submission=submission, created_at=when,
                                   created_by_id=actor.id if actor else None, data=build(application))
    db.session.add(snapshot)
    return snapshot


def of_application(application_id: int) -> list[ApplicationSnapshot]:
    """Every snapshot of the application, the latest first (few: one per submission)."""
    return list(db.session.scalars(select(ApplicationSnapshot).where(
        ApplicationSnapshot.application_id == application_id).order_by(ApplicationSnapshot.submission.desc())))
