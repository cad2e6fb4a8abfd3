"""Backup and restore of a live system (README, Deployment): `pg_dump -Fc` while the app serves and writes,
`pg_restore` into a new database, every table back with the same rows, and the app on the restored database works.

The dump is taken on a snapshot exported by a transaction that also reads every table, so the figures compared are
exactly what the dump saw, while sign-ins keep writing to the live database during the dump."""
from __future__ import annotations

import os
import subprocess
import threading

import pytest

from browser_harness import LiveServer
from multi_process import Client

pytestmark = pytest.mark.usefixtures("postgresql_only")


@pytest.fixture
def postgresql_only(db_kind):
    if db_kind != "postgresql":
        pytest.skip("pg_dump / pg_restore are PostgreSQL's (the SQLite file is backed up by copying it with "
                    "sqlite3 .backup)")


def tables_digest(connection) -> dict[str, tuple[int, str]]:
    """Every table of the schema: its row count and the md5 of its rows in primary-key order."""
    digest = {}
    names = [row[0] for row in connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
    for name in names:
        keys = [row[0] for row in connection.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)", (f'public."{name}"',))]
        order = ", ".join(f't."{key}"' for key in keys) or "t::text"
        digest[name] = tuple(connection.execute(
            f'SELECT count(*), md5(coalesce(string_agg(t::text, E\'\\n\' ORDER BY {order}), \'\')) '
            f'FROM public."{name}" t').fetchone())
    return digest


def sequences_cover_their_columns(connection) -> list[str]:
    """Sequences whose next value would collide with a stored id (a restore that forgot setval)."""
    behind = []
    for table, column, sequence in connection.execute(
            "SELECT c.relname, a.attname, pg_get_serial_sequence(quote_ident(c.relname), a.attname) "
            "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 "
            "AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL").fetchall():
        top = connection.execute(f'SELECT max("{column}") FROM public."{table}"').fetchone()[0] or 0
        last, called = connection.execute(f"SELECT last_value, is_called FROM {sequence}").fetchone()
        if (last if called else last - 1) < top:
            behind.append(f"{sequence} at {last} < {table}.{column} {top}")
    return behind


def test_a_dump_of_the_live_system_restores_every_record(databases, tmp_path_factory):
    import psycopg

    server_pg = databases.server
    source = databases.fresh()
    folder = tmp_path_factory.mktemp("backup")
    live = LiveServer(source, folder)
    restored_uri = None
    restored_server = None
    try:
        live.flask("demo", "history")  # three years of applications on top of the demo province
        live.start()
        reviewer = Client()
        assert reviewer.login(live, "demo_unit").signed_in
        (app_id,), = live.sql("SELECT id FROM application WHERE state = 'unit_review' ORDER BY id LIMIT 1")
        assert reviewer.get(live, f"/review/applications/{app_id}").status == 200

        dsn = source.replace("+psycopg", "")
        snapshot_holder = psycopg.connect(dsn)
        snapshot_holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        snapshot = snapshot_holder.execute("SELECT pg_export_snapshot()").fetchone()[0]
        expected = tables_digest(snapshot_holder)
        assert expected["application"][0] > 30 and expected["application_event"][0] > 100

        # The system stays live: sign-ins write login-log, operation-log and session rows during the dump.
        stop = threading.Event()
        written = []

        def keep_signing_in():
            while not stop.is_set():
                written.append(Client().login(live, "demo_applicant").signed_in)

        writer = threading.Thread(target=keep_signing_in)
        writer.start()
        dump = folder / "zhiping.dump"
        name = source.rsplit("/", 1)[1]
        common = ["-h", "127.0.0.1", "-p", str(server_pg.port), "-U", server_pg.user]
        try:
            done = subprocess.run([os.path.join(server_pg.bin_dir, "pg_dump"), *common, "-Fc", "--snapshot",
                                   snapshot, "-f", str(dump), name], capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
            while len(written) < 3:  # at least a few writes happened around the dump
                stop.wait(0.1)
        finally:
            stop.set()
            writer.join(timeout=60)
        snapshot_holder.rollback()
        snapshot_holder.close()
        assert all(written)
        with psycopg.connect(dsn) as live_connection:
            after = live_connection.execute("SELECT count(*) FROM login_log").fetchone()[0]
        assert after > expected["login_log"][0], "nothing was written while the dump ran"

        restored_name = f"{name}_restored"
        with psycopg.connect(databases.admin_dsn, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {restored_name}")
        restored_uri = server_pg.url(restored_name)
        done = subprocess.run([os.path.join(server_pg.bin_dir, "pg_restore"), *common, "--exit-on-error",
                               "--no-owner", "-d", restored_name, str(dump)], capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr

        with psycopg.connect(restored_uri.replace("+psycopg", "")) as restored:
            found = tables_digest(restored)
            assert sequences_cover_their_columns(restored) == []
        assert found.keys() == expected.keys()
        differing = {table: (expected[table], found[table]) for table in expected if expected[table] != found[table]}
        assert differing == {}

        # The platform runs on the restored database: sign in, open the application, and write (new ids).
        restored_server = LiveServer(restored_uri, tmp_path_factory.mktemp("restored"))
        restored_server.start()
        back = Client()
        assert back.login(restored_server, "demo_unit").signed_in
        page = back.get(restored_server, f"/review/applications/{app_id}")
        assert page.status == 200 and "审核" in page.text
        assert restored_server.sql("SELECT count(*) FROM login_log")[0][0] == expected["login_log"][0] + 1
    finally:
        live.stop()
        if restored_server is not None:
            restored_server.stop()
        if restored_uri is not None:
            databases.drop(restored_uri)
        databases.drop(source)
