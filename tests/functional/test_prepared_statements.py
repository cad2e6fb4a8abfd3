"""Prepared statements outlive read-only requests on PostgreSQL (app/prepared_statements.py), and a transaction that
wrote is still rolled back completely."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app.extensions import db
from app.prepared_statements import custom_plans, note_write
from app.services.bulk_sink import BulkSink

PROBE = "SELECT id FROM org WHERE id = :id"


@pytest.fixture
def postgresql_only(db_kind):
    if db_kind != "postgresql":
        pytest.skip("psycopg's prepared statements are PostgreSQL's")


def _prepared() -> list[str]:
    return list(db.session.scalars(text("SELECT statement FROM pg_prepared_statements")))


def test_a_statement_stays_prepared_across_read_only_requests(app, postgresql_only):
    client = app.test_client()
    for _ in range(7):
        assert client.get("/login/").status_code == 200
    with app.app_context():
        for _ in range(6):
            db.session.execute(text(PROBE), {"id": 1})
            db.session.remove()  # ends the transaction the way every request does
        assert any("FROM org WHERE id = $1" in statement for statement in _prepared())


def test_a_transaction_that_wrote_is_rolled_back(app, postgresql_only):
    with app.app_context():
        for _ in range(6):
            db.session.execute(text(PROBE), {"id": 1})
        db.session.execute(text("UPDATE org SET remarks = 'rolled back' WHERE id = (SELECT MIN(id) FROM org)"))
        db.session.remove()
        assert db.session.scalar(text("SELECT COUNT(*) FROM org WHERE remarks = 'rolled back'")) == 0


def test_a_write_behind_sqlalchemys_back_is_rolled_back_when_marked(app, postgresql_only):
    with app.app_context():
        db.session.execute(text("CREATE TABLE probe_rows (id integer PRIMARY KEY)"))
        db.session.commit()
        for _ in range(6):
            db.session.execute(text(PROBE), {"id": 1})
        BulkSink().write("probe_rows", ("id",), [(1,), (2,)])  # COPY, straight to the driver; the sink marks it
        db.session.rollback()
        assert db.session.scalar(text("SELECT COUNT(*) FROM probe_rows")) == 0

        connection = db.session.connection()
        connection.connection.driver_connection.execute("INSERT INTO probe_rows (id) VALUES (3)")
        note_write(connection)
        db.session.rollback()
        assert db.session.scalar(text("SELECT COUNT(*) FROM probe_rows")) == 0


def test_a_failed_transaction_is_rolled_back_and_the_session_goes_on(app, postgresql_only):
    with app.app_context():
        with pytest.raises(Exception):
            db.session.execute(text("SELECT no_such_column FROM org"))
        db.session.rollback()
        assert db.session.scalar(text("SELECT 1")) == 1


def test_custom_plans_last_for_the_transaction_and_keep_it_read_only(app, postgresql_only):
    with app.app_context():
        for _ in range(6):
            db.session.execute(text(PROBE), {"id": 1})
        custom_plans()
        assert db.session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
        db.session.remove()
        assert db.session.scalar(text("SHOW plan_cache_mode")) == "auto"
        assert any("FROM org WHERE id = $1" in statement for statement in _prepared())


def test_on_sqlite_custom_plans_does_nothing(app, db_kind):
    if db_kind != "sqlite":
        pytest.skip("the SQLite behaviour")
    with app.app_context():
        custom_plans()
        assert db.session.scalar(text("SELECT 1")) == 1
