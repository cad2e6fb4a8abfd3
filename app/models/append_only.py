"""Append-only tables: the database itself refuses UPDATE and DELETE on the logs and the application history.

The same statements are run by migration 0021 and, through `after_create`, by any `create_all` of the metadata,
so every way of building the schema installs them. Triggers are row-level: a statement touching no row passes.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import DDL, event, text

APPEND_ONLY_TABLES = ("operation_log", "change_log", "login_log", "application_event")


def sqlite_statements(table: str) -> list[str]:
    """The SQLite triggers refusing UPDATE and DELETE on `table`."""
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        for verb in ("UPDATE", "DELETE")
    ]


POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION zp_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation'; "
    "END $$"
)


def postgres_statements(table: str) -> list[str]:
    """The PostgreSQL trigger refusing UPDATE and DELETE on `table` (needs POSTGRES_FUNCTION)."""
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION zp_refuse_change()",
    ]


def drop_statements(dialect: str, table: str) -> list[str]:
    """Statements removing the triggers of `table`."""
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


_installed: set[int] = set()


def install(metadata) -> None:
    """Attach the trigger DDL to the tables' `after_create` events (once per metadata)."""
    if id(metadata) in _installed:
        return
    _installed.add(id(metadata))
    for name in APPEND_ONLY_TABLES:
        table = metadata.tables.get(name)
        if table is None:
            continue
        event.listen(table, "after_create", DDL(POSTGRES_FUNCTION).execute_if(dialect="postgresql"))
        for statement in postgres_statements(name):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))
        for statement in sqlite_statements(name):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))


def create_statements(dialect: str, table: str) -> list[str]:
    """Statements installing the triggers of `table` on `dialect`."""
    if dialect == "postgresql":
        return [POSTGRES_FUNCTION, *postgres_statements(table)]
    return sqlite_statements(table)


@contextmanager
def lifted(session, table: str):
    """Demo data only: lift `table`'s triggers inside the session's transaction, and put them back before it ends.

    Used by the dashboards' demo history, which fabricates three years of past events and must date them.
    """
    dialect = session.get_bind().dialect.name
    for statement in drop_statements(dialect, table):
        session.execute(text(statement))
    try:
        yield
    finally:
        for statement in create_statements(dialect, table):
            session.execute(text(statement))
