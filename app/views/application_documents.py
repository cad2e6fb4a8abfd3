"""生成文书 of an application: the applicant's preview of a draft, and the archived copies of each submission.

Which copy a user gets follows the seeds: the applicant previews the forms while the application can be edited
(seed 003 §13) and prints the submitted forms once a reviewer approved them (§17); reviewers always read the
archived copy of what was submitted, never a fresh rendering (SPEC §8).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.documents import archive, registry
from app.errors import DomainError
from app.extensions import db
from app.models import Application, ArchivedDocument
from app.views.documents import application_spec, send_docx


@dataclass(frozen=True)
class DocumentsPanel:
    """What the 生成文书 tab shows: the forms, which copy their links give, and the archive of submissions."""

    specs: list
    endpoint: str
    archive_endpoint: str
    preview: bool  # the links give a fresh, marked preview of the draft
    locked: bool  # the applicant waits for approval before printing
    archived: list
    archive_links: bool


def applicant_panel(application: Application) -> DocumentsPanel:
    preview = archive.previewable(application)
    printable = not preview and archive.printable(application)
    return DocumentsPanel(registry.for_application(application), "ApplicationView.document",
                          "ApplicationView.archived_document", preview, not preview and not printable,
                          archive.listing(application), printable)


def reviewer_panel(application: Application) -> DocumentsPanel:
    return DocumentsPanel(registry.for_application(application), "ApplicationReviewView.document",
                          "ApplicationReviewView.archived_document", False, False, archive.listing(application), True)


def _send_archived(spec: registry.DocumentSpec, stored: ArchivedDocument | None, application: Application,
                   back: str):
    if stored is None:
        abort(404)
    try:
        content = archive.read(stored)
    except (DomainError, FileNotFoundError):
        flash(_("The archived document has been altered since it was submitted and cannot be served."), "danger")
        return redirect(url_for(back, pk=application.id))
    return send_docx(spec, content, application)


def send_for_applicant(application: Application, code: str):
    """A preview while editable; the latest submitted copy once approved; otherwise why not yet."""
    spec = application_spec(application, code)
    if archive.previewable(application):
        return send_docx(spec, registry.application_document(spec, application, preview=True), application)
    if not archive.printable(application):
        flash(_("The submitted forms can be printed once a reviewer has approved them."), "warning")
        return redirect(url_for("ApplicationView.show", pk=application.id))
    return _send_archived(spec, archive.latest(application, spec.code), application, "ApplicationView.show")


def send_for_reviewer(application: Application, code: str):
    """The latest submitted copy (a draft has none: reviewers never see drafts)."""
    spec = application_spec(application, code)
    return _send_archived(spec, archive.latest(application, spec.code), application, "ApplicationReviewView.show")


def send_archived(application: Application, document_id: int, *, applicant: bool):
    """One archived document of this application, by id; another application's id is a 404."""
    stored = db.session.scalar(select(ArchivedDocument).where(
        ArchivedDocument.id == document_id, ArchivedDocument.application_id == application.id))
    if stored is None:
        abort(404)
    back = "ApplicationView.show" if applicant else "ApplicationReviewView.show"
    if applicant and not archive.printable(application):
        flash(_("The submitted forms can be printed once a reviewer has approved them."), "warning")
        return redirect(url_for(back, pk=application.id))
    return _send_archived(application_spec(application, stored.code), stored, application, back)
