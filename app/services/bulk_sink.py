"""Fast bulk writing of generated rows: PostgreSQL's COPY, or batched executemany on SQLite.

Rows bypass the ORM (and so the change-tracking listener): this is for generated volume data, not user edits.
Ids are assigned by the caller; `reset_sequences` moves PostgreSQL's sequences past them afterwards.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import text

from app.extensions import db
from app.prepared_statements import note_write

SQLITE_BATCH = 5000


class BulkSink:
    """Writes rows of one table at a time into the session's current transaction."""

    def __init__(self, written: dict[str, int] | None = None):
        self.connection = db.session.connection()
        note_write(self.connection)  # COPY and executemany below bypass SQLAlchemy's execute
        self.postgresql = self.connection.dialect.name == "postgresql"
        self.written = {} if written is None else written  # rows per table, shared by the sinks of one run

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        """Append `rows` (tuples in the order of `columns`) to `table`; returns how many were written."""
        count = self._copy(table, columns, rows) if self.postgresql else self._insert(table, columns, rows)
        self.written[table] = self.written.get(table, 0) + count
        return count

    def _copy(self, table, columns, rows) -> int:
        count = 0
        raw = self.connection.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count

    def _insert(self, table, columns, rows) -> int:
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        raw = self.connection.connection.driver_connection
        count, batch = 0, []
        for row in rows:
            batch.append(row)
            if len(batch) >= SQLITE_BATCH:
                raw.executemany(statement, batch)
                count += len(batch)
                batch = []
        if batch:
            raw.executemany(statement, batch)
            count += len(batch)
        return count


def next_id(table: str) -> int:
    """The first id free in `table` (ids of bulk rows are given, not drawn from the sequence)."""
    return db.session.execute(text(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")).scalar_one()


def reset_sequences(tables: Iterable[str]) -> None:
    """Move each table's id sequence past its largest id (PostgreSQL; SQLite needs nothing)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"))
