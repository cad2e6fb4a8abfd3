"""Uploaded import files kept between the dry run and the commit: on disk under a random token, bound to the
uploading user and the import kind, expiring after IMPORT_STAGING_MINUTES, deleted after the commit.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def folder() -> Path:
    """Where staged uploads live (IMPORT_STAGING_FOLDER, by default inside the upload folder)."""
    configured = current_app.config.get("IMPORT_STAGING_FOLDER")
    path = Path(configured) if configured else Path(current_app.config["UPLOAD_FOLDER"]) / "import-staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _lifetime() -> float:
    return float(current_app.config.get("IMPORT_STAGING_MINUTES", 60)) * 60


def _paths(token: str) -> tuple[Path, Path]:
    base = folder()
    return base / f"{token}.xlsx", base / f"{token}.json"


def save(data: bytes, *, user_id: int, kind: str, errors: dict[int, list[str]], rows: int) -> str:
    """Keep an upload and what its dry run found; returns the token. Expired uploads are swept first."""
    sweep()
    token = secrets.token_urlsafe(32)
    file_path, meta_path = _paths(token)
    file_path.write_bytes(data)
    meta = {"user_id": user_id, "kind": kind, "created": time.time(), "rows": rows,
            "errors": {str(number): messages for number, messages in errors.items()}}
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def load(token: str | None, *, user_id: int, kind: str) -> tuple[bytes, dict] | None:
    """The upload and its dry-run facts, if the token is this user's, of this kind, and not expired."""
    if not token or not TOKEN_RE.match(token):
        return None
    file_path, meta_path = _paths(token)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = file_path.read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id or meta.get("kind") != kind:
        return None
    if time.time() - float(meta.get("created", 0)) > _lifetime():
        discard(token)
        return None
    meta["errors"] = {int(number): messages for number, messages in meta.get("errors", {}).items()}
    return data, meta


def discard(token: str) -> None:
    """Delete a staged upload."""
    if not TOKEN_RE.match(token or ""):
        return
    for path in _paths(token):
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def sweep() -> int:
    """Delete every staged upload older than its lifetime; returns how many."""
    limit = time.time() - _lifetime()
    removed = 0
    for path in folder().glob("*.json"):
        try:
            expired = float(json.loads(path.read_text(encoding="utf-8")).get("created", 0)) < limit
        except (OSError, ValueError):
            expired = os.path.getmtime(path) < limit
        if expired:
            discard(path.stem)
            removed += 1
    return removed


def save_errors(token: str, errors: dict[int, list[str]]) -> None:
    """Replace what a staged upload's last run found (after a commit that found new errors)."""
    if not TOKEN_RE.match(token or ""):
        return
    _file_path, meta_path = _paths(token)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    meta["errors"] = {str(number): messages for number, messages in errors.items()}
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
