"""PostgreSQL: keep psycopg's prepared statements from one request to the next.

psycopg prepares a statement on its connection once it has run there five times, so PostgreSQL parses and plans it
only once; but it forgets them all on every ROLLBACK. Each request ends its session with a rollback, so nothing
stayed prepared and every statement was planned again, a fifth of PostgreSQL's time under load. A transaction that
only ran SELECTs ends the same under COMMIT, so such a transaction is committed first and the rollback that follows
finds nothing to undo. A transaction that wrote, or failed, is rolled back as before.
"""
from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from app.extensions import db

WROTE = "zp_wrote"  # in the connection's info: the current transaction ran something other than a SELECT
_READ_ONLY = re.compile(r"\s*(SELECT\b|SHOW\b|SET LOCAL plan_cache_mode\b)", re.IGNORECASE)
_CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"


def note_write(connection: Connection) -> None:
    """Mark the connection's transaction as one that changed data (for writes that bypass SQLAlchemy's execute)."""
    connection.info[WROTE] = True


def custom_plans() -> None:
    """Plan the rest of this transaction's statements for their own values (PostgreSQL).

    After five runs of a prepared statement PostgreSQL may settle on one generic plan; for a list filtered by a
    reviewer's scope (an org subtree, a set of units, a state) the best plan depends on the values, and a generic
    plan was measured slower than the planning it saves."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(_CUSTOM_PLANS))


def _watch(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    if not _READ_ONLY.match(statement):
        connection.info[WROTE] = True


def _before_rollback(connection: Connection) -> None:
    from psycopg.pq import TransactionStatus

    if connection.info.pop(WROTE, False) or connection.invalidated:
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and dbapi_connection.info.transaction_status == TransactionStatus.INTRANS:
        dbapi_connection.commit()


def _on_begin(connection: Connection) -> None:
    connection.info.pop(WROTE, None)


def install(app: Flask) -> None:
    """Attach the listeners to this app's engine when it runs on psycopg (PostgreSQL)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.driver != "psycopg":
        return
    for name, listener in (("before_cursor_execute", _watch), ("rollback", _before_rollback),
                           ("begin", _on_begin)):
        if not event.contains(engine, name, listener):
            event.listen(engine, name, listener)
