"""Refuse control characters in everything a client submits, before any view sees it.

NUL cannot be stored by PostgreSQL (a server error there, silently kept by SQLite), escape sequences and the
bidirectional overrides (U+202E shows "fdp.exe" as "exe.pdf") have no place in a form field, a JSON value or an
uploaded file's name. Tabs and line breaks stay allowed. A refusal is a 400 page (JSON under /api/) in Chinese
naming the field, and nothing is saved.
"""
from __future__ import annotations

import re

from flask import Flask, request
from flask_babel import gettext as _

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _first_bad_json(value, path: str = "") -> str | None:
    if isinstance(value, str):
        return path or "body" if FORBIDDEN.search(value) else None
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(key, str) and FORBIDDEN.search(key):
                return path or "body"
            found = _first_bad_json(inner, key if not path else f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for inner in value:
            found = _first_bad_json(inner, path)
            if found:
                return found
    return None


def offending_field() -> str | None:
    """The name of the first submitted field holding a forbidden character, or None."""
    for name, value in request.form.items(multi=True):
        if FORBIDDEN.search(name) or FORBIDDEN.search(value):
            return name
    for name, upload in request.files.items(multi=True):
        if upload.filename and FORBIDDEN.search(upload.filename):
            return name
    if request.is_json:
        body = request.get_json(silent=True)
        if body is not None:
            return _first_bad_json(body)
    return None


def install(app: Flask) -> None:
    from app.error_pages import render_error

    @app.before_request
    def _refuse_control_characters():
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        field = offending_field()
        if field is None:
            return None
        return render_error(400, _("The field %(field)s contains control characters that are not allowed; "
                                   "nothing was saved.", field=field))
