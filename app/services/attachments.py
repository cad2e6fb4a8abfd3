"""Storing uploads: content checked by magic bytes and size, files written outside the web root.

A file written during a transaction is removed again if the transaction rolls back, and a file whose
record is deleted or replaced is removed only after the commit, so no orphan or dangling file is left.
"""
from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.extensions import db
from app.models import Attachment

_WRITTEN = "zhiping_written_files"
_DOOMED = "zhiping_doomed_files"


@dataclass(frozen=True)
class Kind:
    """What a field accepts: a label for messages, the content types, and a size limit setting."""

    label: object
    content_types: tuple[str, ...]
    max_bytes_setting: str


PDF = Kind(_l("PDF"), ("application/pdf",), "ATTACHMENT_MAX_BYTES")
PHOTO = Kind(_l("JPG or PNG image"), ("image/jpeg", "image/png"), "PHOTO_MAX_BYTES")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# 文件下载 on the portal: PDF, Word and Excel (macro-free OOXML only; old binary .doc/.xls are refused).
PORTAL_FILE = Kind(_l("PDF, Word (.docx) or Excel (.xlsx) file"), ("application/pdf", DOCX_TYPE, XLSX_TYPE),
                   "PORTAL_FILE_MAX_BYTES")
# The main part each OOXML package must declare in [Content_Types].xml, and the part itself.
_OOXML_MAIN = {
    DOCX_TYPE: ("word/document.xml", b'"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"'),
    XLSX_TYPE: ("xl/workbook.xml", b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"'),
}
_MAX_CONTENT_TYPES_XML = 256 * 1024


def _ooxml_type(data: bytes) -> str | None:
    """DOCX_TYPE or XLSX_TYPE when the bytes are a readable Office Open XML package of that kind."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _MAX_CONTENT_TYPES_XML:
                return None
            declared = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError, NotImplementedError):
        return None
    for content_type, (part, main) in _OOXML_MAIN.items():
        if part in names and main in declared:
            return content_type
    return None


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are, judged by content rather than by the file name."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
                return {"JPEG": "image/jpeg", "PNG": "image/png"}.get(image.format)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            return None
    if data.startswith(b"PK\x03\x04"):
        return _ooxml_type(data)
    return None


def clean_name(filename: str | None) -> str:
    """The last component of an uploaded name, without control characters, at most 200 characters."""
    name = PurePath((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-200:] or "file"


def check_upload(field: str, data: bytes, kind: Kind) -> str:
    """The content type of an acceptable upload; ValidationFailed naming the field otherwise."""
    limit = current_app.config[kind.max_bytes_setting]
    if not data:
        raise ValidationFailed({field: [_("The uploaded file is empty.")]})
    if len(data) > limit:
        raise ValidationFailed(
            {field: [_("The file is larger than %(size)s MB.", size=round(limit / 1024 / 1024, 1))]}
        )
    content_type = sniff(data)
    if content_type not in kind.content_types:
        raise ValidationFailed({field: [_("The file must be a %(kind)s.", kind=kind.label)]})
    return content_type


def store(field: str, upload, owner_id: int, kind: Kind) -> Attachment:
    """Check an uploaded file (a werkzeug FileStorage) and add its Attachment to the session."""
    data = upload.read(current_app.config[kind.max_bytes_setting] + 1)
    content_type = check_upload(field, data, kind)
    key = write(data)
    attachment = Attachment(
        owner_id=owner_id, storage_key=key, original_name=clean_name(upload.filename),
        content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
    )
    db.session.add(attachment)
    return attachment


def write(data: bytes) -> str:
    """Write bytes under a new random key, removed again if the session's transaction rolls back."""
    key = secrets.token_hex(16)
    path = file_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    db.session.info.setdefault(_WRITTEN, []).append(path)
    return key


def discard(attachment: Attachment | None) -> None:
    """Delete an attachment row; its file goes once the transaction commits."""
    if attachment is None:
        return
    db.session.info.setdefault(_DOOMED, []).append(file_path(attachment.storage_key))
    db.session.delete(attachment)


def file_path(key: str) -> Path:
    """Where a stored file lives: a two-level fan-out under UPLOAD_FOLDER."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / "files" / key[:2] / key


def read(attachment: Attachment) -> bytes:
    """The stored bytes of an attachment."""
    return file_path(attachment.storage_key).read_bytes()


def _remove(paths) -> None:
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    _remove(session.info.pop(_DOOMED, []))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:
        return
    _remove(session.info.pop(_WRITTEN, []))
    session.info.pop(_DOOMED, None)
