"""Running an import: every row through the same service the screens use, inside one transaction.

A dry run rolls the transaction back; a commit writes only when no row has an error (all or nothing). Each row
runs in a savepoint, so a refused row leaves nothing behind while the rows before it stay visible to the rows
after it (a parent given by an earlier row of the same file).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import false, update
from sqlalchemy.exc import IntegrityError

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import OperationLog
from app.services import audit
from app.services.imports import workbook
from app.services.imports.workbook import FileRejected, ImportColumn, Row, Sheet


@dataclass
class Issued:
    """An account made by an import, with its initial password (shown once, never stored)."""

    username: str
    name: str
    password: str
    extra: str = ""


@dataclass
class Context:
    """What the rows of one run share: the actor, whether it writes, caches, and the accounts issued."""

    actor: Any
    commit: bool
    cache: dict = field(default_factory=dict)
    issued: list[Issued] = field(default_factory=list)


class ImportKind:
    """One kind of record that can be imported; subclasses give the columns and how a row becomes a record."""

    code: str = ""
    title: object = ""
    sheet_title: str = ""
    columns: list[ImportColumn] = []
    # Columns whose value must not repeat inside one file (compared case-insensitively).
    unique_keys: tuple[tuple[str, ...], ...] = ()
    notes: list = []
    example: list[dict] = []
    issues_accounts = False

    def apply(self, values: dict, ctx: Context):
        """Build the record from the parsed values and save it through its service (flushed, not committed)."""
        raise NotImplementedError

    def after_commit(self) -> None:
        """Work after a successful commit (e.g. forget cached dictionaries)."""

    def column_for(self, field_name: str) -> ImportColumn | None:
        for column in self.columns:
            if column.key == field_name or field_name in column.fields:
                return column
        return None

    def messages(self, errors: dict[str, list[str]]) -> list[str]:
        """A service's field errors as 「column」message lines."""
        lines = []
        for field_name, messages in errors.items():
            column = self.column_for(field_name)
            for message in messages:
                lines.append(f"「{column.header}」{message}" if column else message)
        return lines

    def template(self) -> bytes:
        return workbook.template(self.columns, self.sheet_title, [str(note) for note in self.notes], self.example)

    def read(self, data: bytes) -> Sheet:
        return workbook.read(data, self.columns, self.sheet_title)


@dataclass
class Outcome:
    """The result of a dry run or a commit."""

    kind: ImportKind
    rows: list[Row]
    errors: dict[int, list[str]]
    committed: bool = False
    issued: list[Issued] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len(self.errors)

    def error_lines(self, limit: int | None = None) -> list[tuple[int, str]]:
        """(row, message) in row order, at most `limit` of them."""
        lines = [(number, message) for number in sorted(self.errors) for message in self.errors[number]]
        return lines if limit is None else lines[:limit]

    @property
    def error_line_count(self) -> int:
        return sum(len(messages) for messages in self.errors.values())


def _duplicates(kind: ImportKind, rows: list[Row]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for keys in kind.unique_keys:
        headers = "+".join(kind.column_for(key).header for key in keys)
        first: dict[tuple, int] = {}
        for row in rows:
            values = tuple(row.values.get(key) for key in keys)
            if any(value in (None, "") for value in values):
                continue
            normal = tuple(str(value).strip().lower() for value in values)
            if normal in first:
                found.setdefault(row.number, []).append(
                    _("「%(columns)s」 repeats row %(row)d of this file.", columns=headers, row=first[normal])
                )
            else:
                first[normal] = row.number
    return found


def run(kind: ImportKind, data: bytes, actor, *, commit: bool) -> Outcome:
    """Validate every row (and on commit, write them all or nothing); log the run. Raises FileRejected."""
    try:
        sheet = kind.read(data)
    except FileRejected as rejected:
        _log(kind, actor, commit, rows=0, errors=0, outcome="failure", note=rejected.message)
        raise
    ctx = Context(actor=actor, commit=commit)
    _open_write_transaction()
    errors: dict[int, list[str]] = {}
    for number, messages in _duplicates(kind, sheet.rows).items():
        errors.setdefault(number, []).extend(messages)
    for row in sheet.rows:
        if row.problems:
            errors.setdefault(row.number, []).extend(
                f"「{header}」{message}" if header else message for header, message in row.problems
            )
            continue
        try:
            with db.session.begin_nested():
                kind.apply(row.values, ctx)
        except ValidationFailed as failed:
            errors.setdefault(row.number, []).extend(kind.messages(failed.errors))
        except IntegrityError:
            errors.setdefault(row.number, []).append(_("The row conflicts with an existing record."))
        except DomainError as refused:
            errors.setdefault(row.number, []).append(str(refused))
    written = commit and not errors
    if written:
        _log(kind, actor, commit, rows=len(sheet.rows), errors=0, outcome="success", flush_only=True)
        db.session.commit()
        kind.after_commit()
    else:
        db.session.rollback()
        _log(kind, actor, commit, rows=len(sheet.rows), errors=len(errors),
             outcome="success" if not commit and not errors else "failure")
    return Outcome(kind=kind, rows=sheet.rows, errors=errors, committed=written,
                   issued=ctx.issued if written else [])


def _open_write_transaction() -> None:
    """Make sure the database transaction has really begun before the first savepoint.

    SQLite's Python driver sends BEGIN only before the first write; a savepoint taken earlier starts a
    transaction of its own, and releasing it commits the row, which would defeat the rollback of a dry run.
    A write that touches no row opens the transaction on every engine.
    """
    db.session.execute(update(OperationLog).where(false()).values(outcome="none"))


def _log(kind: ImportKind, actor, commit: bool, *, rows: int, errors: int, outcome: str, note: str | None = None,
         flush_only: bool = False) -> None:
    detail = {"kind": kind.code, "rows": rows, "error_rows": errors}
    if note:
        detail["problem"] = note
    audit.record("import_commit" if commit else "import_dry_run", f"import:{kind.code}", actor, outcome=outcome,
                 detail=json.dumps(detail, ensure_ascii=False))
    if not flush_only:
        db.session.commit()
