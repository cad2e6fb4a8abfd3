"""存档: the documents of each submitted version, rendered once at 提交 and served unchanged afterwards.

Reviewers and the applicant read these copies, not a fresh rendering, so what is reviewed is exactly what was
submitted; the SHA-256 taken at submission is checked again on every read.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from app.documents import registry
from app.errors import DomainError
from app.extensions import db
from app.models import Application, ApplicationEvent, AppState, AppUser, ArchivedDocument
from app.services import attachments

SUBMISSIONS = ("submit", "resubmit")
EDITABLE = (AppState.draft, AppState.returned)


def capture(application: Application, actor: AppUser | None, when: dt.datetime) -> list[ArchivedDocument]:
    """Render and keep every document of the application's type as submitted now (inside the submit transaction)."""
    specs = registry.for_application(application)
    if not specs:
        return []
    submission = (db.session.scalar(select(func.max(ArchivedDocument.submission))
                                    .where(ArchivedDocument.application_id == application.id)) or 0) + 1
    kept = []
    for spec in specs:
        content = registry.application_document(spec, application)
        kept.append(ArchivedDocument(
            application_id=application.id, submission=submission, code=spec.code,
            storage_key=attachments.write(content), size=len(content),
            sha256=hashlib.sha256(content).hexdigest(), created_by_id=actor.id if actor else None, created_at=when,
        ))
    db.session.add_all(kept)
    return kept


def listing(application: Application) -> list[ArchivedDocument]:
    """Every archived document of the application, the latest submission first, in the registry's order."""
    order = {code: index for index, code in enumerate(registry.APPLICATION_DOCUMENTS)}
    rows = db.session.scalars(select(ArchivedDocument).where(ArchivedDocument.application_id == application.id))
    return sorted(rows, key=lambda d: (-d.submission, order.get(d.code, len(order))))


def latest(application: Application, code: str) -> ArchivedDocument | None:
    """The named document of the latest submission."""
    return db.session.scalar(select(ArchivedDocument).where(
        ArchivedDocument.application_id == application.id, ArchivedDocument.code == code,
    ).order_by(ArchivedDocument.submission.desc()).limit(1))


def read(document: ArchivedDocument) -> bytes:
    """The archived bytes, refused if they no longer match the hash taken at submission."""
    content = attachments.file_path(document.storage_key).read_bytes()
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise DomainError(_("The archived document has been altered since it was submitted and cannot be served."))
    return content


def printable(application: Application) -> bool:
    """Whether the applicant may print the submitted forms: once a reviewer has approved the latest submission
    (seed 003: 审核通过后可以在线打印申报材料)."""
    last_submission = select(func.max(ApplicationEvent.id)).where(
        ApplicationEvent.application_id == application.id, ApplicationEvent.event.in_(SUBMISSIONS)
    ).scalar_subquery()
    return bool(db.session.scalar(select(exists().where(
        ApplicationEvent.application_id == application.id, ApplicationEvent.event == "approve",
        ApplicationEvent.id > last_submission))))


def previewable(application: Application) -> bool:
    """Whether the applicant sees a fresh preview: while the application can still be edited (seed 003 §13)."""
    return application.state in EDITABLE
