"""The shape of an import file: its columns, the template, reading an upload safely, and the error workbook.

Nothing here touches the database: a column turns a cell into a value (or a Chinese message), the reader checks
that the bytes are a real .xlsx of a sane size with the expected headers, and the writers build workbooks in memory.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from flask import current_app, has_app_context
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from app.services.excel_export import FORMULA_PREFIXES, _text_width

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # the old binary .xls (and other Office 97 files)
LISTS_SHEET = "lists"
NOTES_SHEET = "说明"
INLINE_LIST_MAX = 200        # a drop-down longer than this (as "a,b,c") goes through the hidden list sheet
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
ERROR_HEADER = "错误说明"


class FileRejected(Exception):
    """The upload as a whole cannot be read as this import (wrong type, headers, size...)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CellError(ValueError):
    """One cell's value cannot be used; the message says why, in Chinese."""


def setting(name: str, default: int) -> int:
    """An integer import setting from the app config."""
    return int(current_app.config.get(name, default)) if has_app_context() else default


# ----- cell parsers: a raw cell value (or None) → a Python value, or CellError -----
def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(max_length: int) -> Callable[[Any], str | None]:
    """Text, trimmed; numbers typed into a text column become their digits."""

    def parse(value):
        if _blank(value):
            return None
        if isinstance(value, float):
            if not value.is_integer() or abs(value) >= 1e15:
                raise CellError(_("Format this column as text in Excel: long numbers lose their last digits."))
            value = int(value)
        if isinstance(value, (dt.datetime, dt.date)):
            value = value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
        value = str(value).strip()
        if len(value) > max_length:
            raise CellError(_("At most %(count)d characters.", count=max_length))
        return value

    return parse


def integer(value) -> int | None:
    """A whole number."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("Enter a whole number."))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise CellError(_("Enter a whole number.")) from None


def date(value) -> dt.date | None:
    """A date cell, or text as YYYY-MM-DD."""
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        try:
            return dt.datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            raise CellError(_("Enter the date as YYYY-MM-DD.")) from None


def choice(options: Callable[[], Iterable[tuple[Any, str]]]) -> Callable[[Any], Any]:
    """One value of a list, given by its label (as the drop-down offers) or its code."""

    def parse(value):
        if _blank(value):
            return None
        return _pick(options(), str(value).strip())

    return parse


def multi(options: Callable[[], Iterable[tuple[Any, str]]]) -> Callable[[Any], list | None]:
    """Several values of a list separated by 、 , ， ; or ；, each by label or code."""

    def parse(value):
        if _blank(value):
            return None
        raw = str(value)
        for separator in ",，;；\n":
            raw = raw.replace(separator, "、")
        pairs = list(options())
        picked = []
        for part in (p.strip() for p in raw.split("、")):
            if part and (found := _pick(pairs, part)) not in picked:
                picked.append(found)
        return picked or None

    return parse


def _pick(options: Iterable[tuple[Any, str]], wanted: str):
    options = list(options)
    by_label = [code for code, label in options if str(label) == wanted]
    if len(by_label) == 1:
        return by_label[0]
    for code, _label in options:
        if str(getattr(code, "value", code)) == wanted:
            return code
    if len(by_label) > 1:
        raise CellError(_("「%(value)s」 is ambiguous; enter its code instead.", value=wanted))
    raise CellError(_("「%(value)s」 is not one of the allowed values.", value=wanted))


def yes_no(value) -> bool | None:
    """是/否 (also 1/0, true/false)."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    raw = str(value).strip().lower()
    if raw in {"是", "1", "true", "yes", "y"}:
        return True
    if raw in {"否", "0", "false", "no", "n"}:
        return False
    raise CellError(_("Enter 是 or 否."))


@dataclass(frozen=True)
class ImportColumn:
    """One column of an import file."""

    key: str                                     # the record field; also the service's error key
    header: str                                  # the Chinese header (exactly as in the template)
    parse: Callable[[Any], Any]
    required: bool = False
    note: object = ""                            # explained on the 说明 sheet
    options: Callable[[], Iterable[tuple[Any, str]]] | None = None   # drop-down values (code, label)
    as_text: bool = False                        # formatted as text in the template (ID numbers, codes)
    width: int = 16
    fields: tuple[str, ...] = ()                 # other service error keys shown against this column
    default: Any = None


@dataclass
class Row:
    """One data row of an upload: its Excel row number, raw cells by key, and parsed values."""

    number: int
    raw: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str | None, str]] = field(default_factory=list)


@dataclass
class Sheet:
    """What was read from an upload."""

    headers: list[str]
    rows: list[Row]


# ----- reading an upload -----
def check_container(data: bytes) -> None:
    """Refuse anything that is not a well-formed, reasonably sized .xlsx before openpyxl parses it."""
    max_bytes = setting("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
    if not data:
        raise FileRejected(_("The uploaded file is empty."))
    if len(data) > max_bytes:
        raise FileRejected(_("The file is larger than %(size)d KB; split it into several files.",
                             size=max_bytes // 1024))
    if data.startswith(OLE_MAGIC):
        raise FileRejected(_("This is an old Excel 97-2003 (.xls) file; save it as an Excel workbook (.xlsx) "
                             "and upload again."))
    if not data.startswith(ZIP_MAGIC):
        raise FileRejected(_("The file is not an Excel workbook (.xlsx); download the template and fill it in."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            unpacked = sum(entry.file_size for entry in entries)
            broken = archive.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise FileRejected(_("The file is damaged and cannot be opened; save it again in Excel and upload it.")) from None
    if broken is not None:
        raise FileRejected(_("The file is damaged and cannot be opened; save it again in Excel and upload it."))
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise FileRejected(_("The file is not an Excel workbook (.xlsx); download the template and fill it in."))
    if unpacked > setting("IMPORT_MAX_UNPACKED_BYTES", 100 * 1024 * 1024):
        raise FileRejected(_("The workbook is too large when unpacked; split it into several files."))


def read(data: bytes, columns: list[ImportColumn], sheet_title: str) -> Sheet:
    """Check the file and its headers, then parse every non-empty row (at most IMPORT_MAX_ROWS)."""
    check_container(data)
    max_rows = setting("IMPORT_MAX_ROWS", 5000)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types (KeyError, XML errors...) for a damaged package
        raise FileRejected(_("The file is damaged and cannot be opened; save it again in Excel and upload it.")) from None
    try:
        if sheet_title in workbook.sheetnames:
            worksheet = workbook[sheet_title]
        else:
            worksheet = workbook.worksheets[0] if workbook.worksheets else None
        if worksheet is None:
            raise FileRejected(_("The workbook has no worksheet."))
        rows = worksheet.iter_rows(values_only=True)
        try:
            header_cells = next(rows, None)
            headers = [str(cell).strip() if cell is not None else "" for cell in (header_cells or ())]
            while headers and not headers[-1]:
                headers.pop()
            positions = _check_headers(headers, columns)
            parsed: list[Row] = []
            for number, cells in enumerate(rows, start=2):
                raw = {key: (cells[index] if index < len(cells) else None) for key, index in positions.items()}
                if all(_blank(value) for value in raw.values()):
                    continue
                if len(parsed) >= max_rows:
                    raise FileRejected(_("The file has more than %(limit)d data rows; split it into several files.",
                                         limit=max_rows))
                parsed.append(parse_row(number, raw, columns))
        except FileRejected:
            raise
        except Exception:  # a damaged sheet part shows up only while its rows are read
            raise FileRejected(_("The file is damaged and cannot be opened; save it again in Excel and upload it.")) from None
    finally:
        workbook.close()
    if not parsed:
        raise FileRejected(_("The file has no data rows below the header row."))
    return Sheet(headers=headers, rows=parsed)


def _check_headers(headers: list[str], columns: list[ImportColumn]) -> dict[str, int]:
    known = {column.header: column for column in columns}
    if not any(headers):
        raise FileRejected(_("The first row must hold the column headers of the template."))
    unknown = [header for header in headers if header and header not in known]
    missing = [column.header for column in columns if column.header not in headers]
    repeated = sorted({header for header in headers if header and headers.count(header) > 1})
    problems = []
    if missing:
        problems.append(_("missing columns: %(names)s", names="、".join(missing)))
    if unknown:
        problems.append(_("unknown columns: %(names)s", names="、".join(unknown)))
    if repeated:
        problems.append(_("repeated columns: %(names)s", names="、".join(repeated)))
    if problems:
        raise FileRejected(_("The column headers do not match the template (%(problems)s); download the template "
                             "and copy your data into it.", problems="；".join(str(p) for p in problems)))
    return {known[header].key: index for index, header in enumerate(headers) if header}


def parse_row(number: int, raw: dict[str, Any], columns: list[ImportColumn]) -> Row:
    """Parse each cell; a missing required value or a bad cell becomes a problem on its column."""
    row = Row(number=number, raw=raw)
    for column in columns:
        try:
            value = column.parse(raw.get(column.key))
        except CellError as error:
            row.problems.append((column.header, str(error)))
            continue
        if value is None:
            if column.required:
                row.problems.append((column.header, _("This column is required.")))
            value = column.default
        row.values[column.key] = value
    return row


# ----- writing workbooks -----
def _put(sheet, row: int, column: int, value):
    """Write a cell; text a spreadsheet would evaluate (= + - @) is stored as quoted text, never as a formula."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _header_row(sheet, columns: list[ImportColumn], extra: list[str] = ()) -> None:
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = REQUIRED_FONT if column.required else Font(bold=True)
        cell.fill = HEADER_FILL
        width = max(column.width, _text_width(column.header) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width
    for offset, header in enumerate(extra, start=len(columns) + 1):
        cell = sheet.cell(row=1, column=offset, value=header)
        cell.font, cell.fill = REQUIRED_FONT, HEADER_FILL
        sheet.column_dimensions[get_column_letter(offset)].width = 60
    sheet.freeze_panes = "A2"


def template(columns: list[ImportColumn], sheet_title: str, notes: list[str], example: list[dict] | None = None,
             data_rows: int = 2000) -> bytes:
    """The blank template: header, drop-downs (long lists on a hidden sheet), text-formatted columns, 说明."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    _header_row(sheet, columns)
    lists = None
    last = data_rows + 1
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        area = f"{letter}2:{letter}{last}"
        if column.as_text:
            # A text column keeps 18-digit ID numbers and leading zeros as typed.
            sheet.column_dimensions[letter].number_format = "@"
        if column.options is None:
            continue
        labels = [str(label) for _code, label in column.options()]
        if not labels:
            continue
        inline = ",".join(labels)
        if len(inline) <= INLINE_LIST_MAX and not any("," in label or '"' in label for label in labels):
            formula = f'"{inline}"'
        else:
            if lists is None:
                lists = workbook.create_sheet(LISTS_SHEET)
                lists.sheet_state = "hidden"
            list_column = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=column.header)
            for offset, label in enumerate(labels, start=2):
                lists.cell(row=offset, column=list_column, value=label)
            formula = f"{quote_sheetname(LISTS_SHEET)}!${list_letter}$2:${list_letter}${len(labels) + 1}"
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False)
        validation.error = _("Choose a value from the list.")
        validation.errorTitle = column.header
        validation.showErrorMessage = True
        validation.add(area)
        sheet.add_data_validation(validation)
    for offset, values in enumerate(example or [], start=2):
        for index, column in enumerate(columns, start=1):
            sheet.cell(row=offset, column=index, value=values.get(column.key))
    _notes_sheet(workbook, columns, notes)
    return _save(workbook)


def _notes_sheet(workbook: Workbook, columns: list[ImportColumn], notes: list[str]) -> None:
    sheet = workbook.create_sheet(NOTES_SHEET)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 90
    row = 1
    for note in notes:
        sheet.cell(row=row, column=1, value=str(note)).alignment = Alignment(wrap_text=False)
        row += 1
    row += 1
    for index, header in enumerate((_("Column"), _("Required"), _("How to fill it in")), start=1):
        cell = sheet.cell(row=row, column=index, value=header)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for column in columns:
        row += 1
        sheet.cell(row=row, column=1, value=column.header)
        sheet.cell(row=row, column=2, value=_("Yes") if column.required else _("No"))
        sheet.cell(row=row, column=3, value=str(column.note)).alignment = Alignment(wrap_text=True)


def error_workbook(columns: list[ImportColumn], sheet_title: str, rows: list[Row],
                   errors: dict[int, list[str]]) -> bytes:
    """The rows that have errors, as uploaded, with the 错误说明 column, ready to correct and upload again."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    _header_row(sheet, columns, extra=[ERROR_HEADER])
    out = 2
    for row in rows:
        messages = errors.get(row.number)
        if not messages:
            continue
        for index, column in enumerate(columns, start=1):
            cell = _put(sheet, out, index, row.raw.get(column.key))
            if column.as_text:
                cell.number_format = "@"
        _put(sheet, out, len(columns) + 1, _("Row %(row)d: ", row=row.number) + "；".join(messages))
        out += 1
    return _save(workbook)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
