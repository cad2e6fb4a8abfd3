"""Sending a generated document: one response shape for every download, logged like any other download.

Every download URL gives the Word file; with `?format=pdf` it gives the PDF converted by LibreOffice, or, when
PDF cannot be produced, a page saying why and offering the Word file (never a server error).
"""
from __future__ import annotations

import io

from flask import abort, render_template, request, send_file, url_for

from app.documents import pdf, registry
from app.extensions import db
from app.services import audit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def send_docx(spec: registry.DocumentSpec, content: bytes, target) -> object:
    """The document as an attachment with its Chinese file name (Werkzeug writes RFC 5987 filename*);
    the PDF instead when the URL asks for `format=pdf`."""
    if request.args.get("format") == "pdf":
        return _send_pdf(spec, content, target)
    audit.record(f"document.{spec.code}", target)
    db.session.commit()
    return send_file(io.BytesIO(content), mimetype=DOCX, as_attachment=True, download_name=spec.filename)


def _send_pdf(spec: registry.DocumentSpec, content: bytes, target) -> object:
    try:
        converted = pdf.convert(content)
    except pdf.PdfFailed as exc:
        audit.record(f"document.{spec.code}.pdf", target, outcome="failure", detail=str(exc)[:200])
        db.session.commit()
        arguments = {k: v for k, v in request.args.items() if k != "format"}
        word_url = url_for(request.endpoint, **(request.view_args or {}), **arguments)
        return render_template("documents/pdf_unavailable.html", title=spec.label, spec=spec, reason=str(exc),
                               word_url=word_url)
    audit.record(f"document.{spec.code}.pdf", target)
    db.session.commit()
    return send_file(io.BytesIO(converted), mimetype="application/pdf", as_attachment=True,
                     download_name=spec.filename.removesuffix(".docx") + ".pdf")


def application_spec(application, code: str) -> registry.DocumentSpec:
    """The named document of this application's type, or 404."""
    spec = next((s for s in registry.for_application(application) if s.code == code), None)
    if spec is None:
        abort(404)
    return spec
