"""PDF of a generated document, converted on the server by LibreOffice in headless mode when it is installed.

Each conversion runs in its own temporary directory with its own LibreOffice profile (concurrent conversions
must not share one), under a time limit (PDF_TIMEOUT); the directory is always removed afterwards.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.errors import DomainError


class PdfFailed(DomainError):
    """No PDF could be produced; the message says why, in the user's language."""


def _program() -> str | None:
    return current_app.config.get("SOFFICE_PATH") or None


def status() -> tuple[bool, str | None]:
    """(True, None) when PDF can be produced, else (False, the reason to show beside the PDF link)."""
    program = _program()
    if not program:
        return False, _("PDF is unavailable: LibreOffice is not installed on the server.")
    if not (os.path.isfile(program) and os.access(program, os.X_OK)):
        return False, _("PDF is unavailable: the LibreOffice program configured on the server (SOFFICE_PATH) "
                        "cannot be found.")
    return True, None


def convert(docx_bytes: bytes) -> bytes:
    """The PDF of a .docx; PdfFailed (with a Chinese message) when LibreOffice is missing, fails or takes too long."""
    available, reason = status()
    if not available:
        raise PdfFailed(reason)
    timeout = current_app.config.get("PDF_TIMEOUT", 60)
    work = Path(tempfile.mkdtemp(prefix="zp-pdf-"))
    try:
        source, out, profile = work / "document.docx", work / "out", work / "profile"
        source.write_bytes(docx_bytes)
        out.mkdir()
        command = [_program(), "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                   f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "pdf", "--outdir", str(out),
                   str(source)]
        environment = dict(os.environ, HOME=str(work), TMPDIR=str(work))
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=work,
                                   env=environment, start_new_session=True)
        try:
            _stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise PdfFailed(_("PDF conversion took longer than %(seconds)s seconds and was stopped.",
                              seconds=timeout)) from None
        result = out / "document.pdf"
        if process.returncode != 0 or not result.is_file() or not result.read_bytes().startswith(b"%PDF-"):
            current_app.logger.warning("soffice failed (%s): %s", process.returncode,
                                       stderr.decode("utf-8", "replace")[-500:])
            raise PdfFailed(_("LibreOffice could not convert the document to PDF."))
        return result.read_bytes()
    except OSError as exc:
        current_app.logger.warning("soffice could not run: %s", exc)
        raise PdfFailed(_("LibreOffice could not convert the document to PDF.")) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _kill(process: subprocess.Popen) -> None:
    """Stop LibreOffice and the processes it started (its own session), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.communicate()
