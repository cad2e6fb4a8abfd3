"""Excel exports: rows streamed into openpyxl's write-only workbook in a temporary file, then sent as a download.

Memory stays bounded whatever the row count: the query is read in batches (`yield_per`), the worksheet writes each
row to disk as it is appended (inline strings, no shared-string table), and the finished file is streamed back in
chunks. Text that a spreadsheet would evaluate (= + - @ …) is stored as quoted text, never as a formula.
"""
from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from itertools import islice
from typing import Any, Callable, Iterable
from urllib.parse import quote

from flask import Response, current_app
from flask_babel import gettext as _
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from app.extensions import db
from app.services import audit
from app.services.workdays import local_time

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_CELL_TEXT = 32767
SAMPLE_ROWS = 200            # rows looked at to size the columns before the first row is written
MIN_WIDTH, MAX_WIDTH = 6, 60
BATCH = 1000                 # rows fetched from the database at a time
CHUNK = 64 * 1024
SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


class TooManyRows(Exception):
    """The export would be larger than EXPORT_MAX_ROWS."""

    def __init__(self, count: int, limit: int):
        super().__init__(count, limit)
        self.count, self.limit = count, limit

    def message(self) -> str:
        return _("The export would have %(count)d rows, more than the limit of %(limit)d; narrow the search "
                 "conditions and export again.", count=self.count, limit=self.limit)


@dataclass(frozen=True)
class Column:
    """One column of an export: its (translated) header and how a row gives its value."""

    label: str
    value: Callable[[Any], Any]


def max_rows() -> int:
    """The largest export allowed (config EXPORT_MAX_ROWS)."""
    return int(current_app.config.get("EXPORT_MAX_ROWS", 100000))


def check_size(count: int) -> None:
    """Refuse an export above the configured cap before anything is written."""
    limit = max_rows()
    if count > limit:
        raise TooManyRows(count, limit)


def plain(value) -> Any:
    """A Python value as a spreadsheet value: numbers, dates and text stay typed; the rest becomes text."""
    if value is None:
        return None
    if isinstance(value, Markup):
        return value.striptags()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (int, float, decimal.Decimal, dt.date)):
        return value
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (list, tuple, set)):
        return "、".join(str(plain(item)) for item in value if item is not None)
    return str(value)


def _text_width(text: str) -> int:
    """Characters a column needs for `text`: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return len("2026-01-01 00:00")
    if isinstance(value, dt.date):
        return len("2026-01-01")
    return _text_width(str(value).split("\n", 1)[0])


class _Sheet:
    """A write-only worksheet with the cell conversions of an export."""

    def __init__(self, workbook: Workbook, title: str):
        title = SHEET_TITLE_BAD.sub(" ", title)[:31] or "Sheet1"
        self.ws = workbook.create_sheet(title=title)
        self.ws.freeze_panes = "A2"

    def cell(self, value):
        """The value to append: a styled cell for dates and formula-like text, the plain value otherwise."""
        if isinstance(value, dt.datetime):
            value = local_time(value).replace(tzinfo=None)
            cell = WriteOnlyCell(self.ws, value=value)
            cell.number_format = DATETIME_FORMAT
            return cell
        if isinstance(value, dt.date):
            cell = WriteOnlyCell(self.ws, value=value)
            cell.number_format = DATE_FORMAT
            return cell
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
            if value.startswith(FORMULA_PREFIXES):
                # Stored as text with Excel's own "quote prefix" ('=1+1 typed by hand): shown, never evaluated.
                cell = WriteOnlyCell(self.ws, value=None)
                cell.value = value
                cell.data_type = "s"
                cell.quotePrefix = True
                return cell
        return value

    def header(self, labels: list[str], samples: list[list]) -> None:
        """Size the columns from the header and the sampled rows, then write the bold header row."""
        for index, label in enumerate(labels, start=1):
            widest = max([_text_width(label)] + [_width(row[index - 1]) for row in samples])
            self.ws.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        cells = []
        for label in labels:
            cell = WriteOnlyCell(self.ws, value=label)
            cell.font, cell.fill = bold, fill
            cells.append(cell)
        self.ws.append(cells)

    def append(self, values: list) -> None:
        self.ws.append([self.cell(value) for value in values])


def write_workbook(path: str, title: str, columns: list[Column], rows: Iterable, limit: int | None = None) -> int:
    """Write `rows` (any iterable, consumed once) to an .xlsx at `path`; return the number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = _Sheet(workbook, title)
    iterator = iter(rows) if limit is None else islice(rows, limit)
    values = ([plain(column.value(row)) for column in columns] for row in iterator)
    samples = list(islice(values, SAMPLE_ROWS))
    sheet.header([str(column.label) for column in columns], samples)
    count = 0
    for row in samples:
        sheet.append(row)
        count += 1
    del samples
    for row in values:
        sheet.append(row)
        count += 1
    workbook.save(path)
    return count


def content_disposition(filename: str) -> str:
    """attachment; an ASCII fallback name and the real (Chinese) name in RFC 5987 form."""
    stem, _dot, ext = filename.rpartition(".")
    fallback = "export." + (ext or "xlsx")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(path: str, filename: str) -> Response:
    """Stream the file back in chunks and remove it (at once where the system allows, else when sent)."""
    handle = open(path, "rb")
    size = os.fstat(handle.fileno()).st_size
    try:
        os.unlink(path)
        leftover = None
    except OSError:  # e.g. Windows: an open file cannot be removed
        leftover = path

    def chunks():
        try:
            while data := handle.read(CHUNK):
                yield data
        finally:
            handle.close()
            if leftover and os.path.exists(leftover):
                os.unlink(leftover)

    response = Response(chunks(), mimetype=XLSX_MIME, direct_passthrough=True)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Content-Length"] = str(size)
    response.headers["Cache-Control"] = "no-store"
    return response


def export(*, title: str, list_name: str, columns: list[Column], rows: Iterable, filters: dict, actor,
           count: int | None = None, conditions: list[str] | None = None) -> Response:
    """Write the export, log it (who, which list, filters as read and as sent, rows) and answer with the download."""
    if count is not None:
        check_size(count)
    fd, path = tempfile.mkstemp(prefix="zp-export-", suffix=".xlsx")
    os.close(fd)
    try:
        written = write_workbook(path, title, columns, rows, limit=max_rows())
    except BaseException:
        os.unlink(path)
        raise
    detail = json.dumps({"list": str(title), "conditions": conditions if conditions is not None else [],
                         "filters": filters, "rows": written}, ensure_ascii=False, default=str)
    audit.record("export", list_name[:60], actor=actor, detail=detail)
    db.session.commit()
    stamp = local_time(dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%d-%H%M")
    return file_response(path, f"{title}_{stamp}.xlsx")
