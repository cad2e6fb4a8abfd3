"""Sending a generated Word document: one response shape for every download, logged like any other download."""
from __future__ import annotations

import io

from flask import abort, send_file

from app.documents import registry
from app.extensions import db
from app.services import audit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def send_docx(spec: registry.DocumentSpec, content: bytes, target) -> object:
    """The document as an attachment with its Chinese file name (Werkzeug writes RFC 5987 filename*)."""
    audit.record(f"document.{spec.code}", target)
    db.session.commit()
    return send_file(io.BytesIO(content), mimetype=DOCX, as_attachment=True, download_name=spec.filename)


def application_spec(application, code: str) -> registry.DocumentSpec:
    """The named document of this application's type, or 404."""
    spec = next((s for s in registry.for_application(application) if s.code == code), None)
    if spec is None:
        abort(404)
    return spec
