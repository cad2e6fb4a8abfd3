"""Latency of the most used pages and of two transitions at scale, each next to its own SQL run alone (by hand).

    DATABASE_URL=postgresql+psycopg://zp:zp@127.0.0.1:55432/zp1m .venv/bin/python bench/pages_bench.py [--repeat 40]

Run it on a database filled by `flask --app run demo load`, `demo history` and `demo scale --persons N`. Each page
is requested through the app (Flask's test client: routing, security, templates; no network) by the user who
uses it most: the applicant with applications, the busiest unit's reviewer, its supervisor, the authority.
While one request runs, every SQL statement it sends is recorded; the same statements with the same parameters
are then replayed on a plain DBAPI connection, so "SQL" is the database's share and the ratio is the app's cost
over it. Transitions are real: `approve` of distinct applications in the busiest unit's 待办, and `submit` of
applications their applicants first withdrew, through the same POST routes as the buttons.
"""
from __future__ import annotations

import argparse
import collections
import gc
import os
import re
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("CAPTCHA_ENABLED", "0")
os.environ.setdefault("RATELIMIT_ENABLED", "0")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import event, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo@2026zp")
TARGETS = {"page": 150, "list": 300, "transition": 200, "dashboard": 150}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Recorder:
    """Records the statements an engine executes while `on` is set."""

    def __init__(self, engine):
        self.on = False
        self.statements: list[tuple[str, object, bool]] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.statements.append((statement, parameters, executemany))


def replay(raw, statements, transactional: bool) -> float:
    """Milliseconds to run `statements` on a raw DBAPI connection (rolled back when they write).

    A transition's INSERT can meet the row its own run left (a submit's snapshot is unique per submission): each
    INSERT of a transaction runs under a savepoint, and one refused by a unique key is rolled back to it and the
    replay goes on (the database did the insert's work up to the key check)."""
    started = time.perf_counter()
    cursor = raw.cursor()
    for statement, parameters, executemany in statements:
        guarded = transactional and statement.lstrip().upper().startswith("INSERT")
        if guarded:
            cursor.execute("SAVEPOINT replayed_insert")
        try:
            if executemany:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
        except psycopg.errors.UniqueViolation:
            if not guarded:
                raise
            cursor.execute("ROLLBACK TO SAVEPOINT replayed_insert")
            continue
        if cursor.description is not None:
            cursor.fetchall()
    elapsed = (time.perf_counter() - started) * 1000
    raw.rollback() if transactional else raw.commit()
    return elapsed


def replayed(app, statements, runs: int) -> list[float]:
    """Milliseconds of each of `runs` replays of a transition's statements, each rolled back."""
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            return [replay(raw, statements, transactional=True) for _run in range(runs)]
        finally:
            raw.close()


def signed_in(app, username: str):
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login/", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), f"{username} could not sign in"
    return client


def csrf(client, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def actors(app) -> dict[str, str]:
    """The users whose pages are measured: the busiest unit's reviewer and supervisor, a busy applicant."""
    with app.app_context():
        query = lambda sql: db.session.execute(text(sql)).first()  # noqa: E731
        unit = query("SELECT unit_id FROM application WHERE state = 'unit_review' GROUP BY unit_id "
                     "ORDER BY COUNT(*) DESC LIMIT 1")[0]
        found = {
            "unit": query(f"SELECT u.username FROM ab_user u JOIN user_org o ON o.user_id = u.id JOIN ab_user_role ur "
                          f"ON ur.user_id = u.id JOIN ab_role r ON r.id = ur.role_id WHERE o.org_id = {unit} AND "
                          f"r.name = 'UnitReviewer' AND NOT u.must_change_password ORDER BY u.id LIMIT 1")[0],
            "supervisor": query(
                f"SELECT u.username FROM ab_user u JOIN user_org o ON o.user_id = u.id JOIN ab_user_role ur "
                f"ON ur.user_id = u.id JOIN ab_role r ON r.id = ur.role_id JOIN org x ON x.parent_id = o.org_id "
                f"WHERE x.id = {unit} AND r.name = 'SupervisorReviewer' ORDER BY u.id LIMIT 1")[0],
            "applicant": query("SELECT u.username FROM ab_user u JOIN application a ON a.user_id = u.id "
                               "WHERE u.username LIKE 'sp%' GROUP BY u.username HAVING COUNT(*) > 1 "
                               "ORDER BY u.username LIMIT 1")[0],
            "authority": "demo_authority",
        }
        found["unit_id"] = str(unit)
        found["sample"] = str(query(f"SELECT id FROM application WHERE unit_id = {unit} AND state <> 'draft' "
                                    f"ORDER BY id DESC LIMIT 1")[0])
        found["own"] = str(query(f"SELECT a.id FROM application a JOIN ab_user u ON u.id = a.user_id "
                                 f"WHERE u.username = '{found['applicant']}' ORDER BY a.id LIMIT 1")[0])
    return found


def pages(who: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(name, user, url, kind) of each measured page."""
    return [
        ("applicant home", "applicant", "/", "page"),
        ("applicant 业务办理查询", "applicant", "/applications/", "page"),
        ("applicant detail", "applicant", f"/applications/{who['own']}", "page"),
        ("unit 待办 inbox", "unit", "/review/applications/todo", "page"),
        ("unit 已办", "unit", "/review/applications/done", "page"),
        ("unit application detail", "unit", f"/review/applications/{who['sample']}", "page"),
        ("supervisor 待办 inbox", "supervisor", "/review/applications/todo", "page"),
        ("authority 待办 (series+type)", "authority", "/review/applications/todo?type=evaluation&series=GC", "list"),
        ("authority 业务查询 (state+series)", "authority",
         "/review/applications/search?state=completed&series=GC", "list"),
        ("authority 业务查询 page 50", "authority",
         "/review/applications/search?state=completed&series=GC&page=50", "list"),
        ("authority CE 达标 statistics", "authority", "/ce-compliance/", "list"),
        ("unit dashboard", "unit", "/dashboard/", "dashboard"),
        ("authority dashboard", "authority", "/dashboard/", "dashboard"),
    ]


def measure_page(app, recorder, client, url, repeat) -> tuple[list[float], list[float], int]:
    started = time.perf_counter()
    for _warm in range(2):
        assert client.get(url).status_code == 200, url
    if time.perf_counter() - started > 4:
        repeat = 3  # a page missing its target by seconds needs no forty samples to show it
    recorder.statements, recorder.on = [], True
    client.get(url)
    recorder.on = False
    statements = list(recorder.statements)
    app_ms = []
    for _run in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        app_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            sql_ms = [replay(raw, statements, transactional=True) for _run in range(repeat)]
        finally:
            raw.close()
    return app_ms, sql_ms, len(statements)


def measure_approve(app, recorder, client, who, repeat) -> tuple[list[float], list[float], int]:
    """`approve` of distinct applications waiting at the busiest unit."""
    with app.app_context():
        waiting = db.session.execute(text(
            "SELECT id, version FROM application WHERE unit_id = :u AND state = 'unit_review' ORDER BY id LIMIT :n"),
            {"u": int(who["unit_id"]), "n": repeat + 1}).all()
    token = csrf(client, "/review/applications/todo")
    app_ms, statements = [], []
    for index, (pk, _version) in enumerate(waiting):
        client.get(f"/review/applications/{pk}")  # opening it first, as a reviewer does
        with app.app_context():
            version = db.session.execute(text("SELECT version FROM application WHERE id = :i"), {"i": pk}).scalar()
        recorder.statements, recorder.on = [], index == 0
        started = time.perf_counter()
        response = client.post(f"/review/applications/{pk}/act",
                               data={"event": "approve", "version": version, "csrf_token": token})
        elapsed = (time.perf_counter() - started) * 1000
        recorder.on = False
        assert response.status_code in (302, 303)
        if index == 0:
            statements = list(recorder.statements)
            continue  # the first one also warms the caches
        app_ms.append(elapsed)
    with app.app_context():
        moved = db.session.execute(text("SELECT COUNT(*) FROM application WHERE unit_id = :u AND state <> 'unit_review' "
                                        "AND id BETWEEN :a AND :b"),
                                   {"u": int(who["unit_id"]), "a": waiting[0][0], "b": waiting[-1][0]}).scalar()
        assert moved >= len(waiting), "not every approve moved its application"
    return app_ms, replayed(app, statements, len(app_ms)), len(statements)


def measure_submit(app, recorder, repeat) -> tuple[list[float], list[float], int]:
    """`submit` by applicants: each withdraws an application waiting, unopened, at its unit (as the button does)
    and submits it again; the submit, with all its checks, is timed. Only applications whose automatic check
    passes are taken (the generator's CE hours meet no yearly requirement, so most title businesses would be
    refused); one the checks refuse all the same stays a draft and is no sample."""
    from app.models import Application, AppState
    from app.workflow import checks

    with app.test_request_context("/"):
        candidates = db.session.scalars(
            select(Application).where(Application.state == AppState.unit_review, Application.opened_at.is_(None))
            .order_by(Application.id.desc()).limit(40 * (repeat + 1))).all()
        passing = [(a.id, a.user.username, a.business_type.value) for a in candidates if not checks.run(a)]
        db.session.remove()
    waiting = passing[:repeat + 1]
    kinds = collections.Counter(kind for _pk, _user, kind in waiting)
    print(f"  submit: {len(passing)} of {len(candidates)} applications waiting unopened pass the automatic check; "
          f"timed: {dict(kinds)}", flush=True)
    app_ms, statements, refused = [], [], 0
    for pk, username, _kind in waiting:
        client = signed_in(app, username)
        token = csrf(client, f"/applications/{pk}")
        for step in ("withdraw", "submit"):
            with app.app_context():
                version = db.session.execute(text("SELECT version FROM application WHERE id = :i"),
                                             {"i": pk}).scalar()
            recorder.statements, recorder.on = [], step == "submit" and not statements
            started = time.perf_counter()
            response = client.post(f"/applications/{pk}/act",
                                   data={"event": step, "version": version, "csrf_token": token})
            elapsed = (time.perf_counter() - started) * 1000
            recorder.on = False
            assert response.status_code in (302, 303)
        with app.app_context():
            state = db.session.execute(text("SELECT state FROM application WHERE id = :i"), {"i": pk}).scalar()
        if state != "unit_review":
            refused += 1  # the submit checks refused it (an incomplete generated profile or form): not a sample
            continue
        if not statements:
            statements = list(recorder.statements)
            continue  # the first one also warms the caches
        app_ms.append(elapsed)
    if refused:
        print(f"  submit: {refused} of {len(waiting)} withdrawn applications were refused by the submit checks "
              f"and stay drafts", flush=True)
    return app_ms, replayed(app, statements, len(app_ms)), len(statements)


HEADER = (f"{'what':<36} {'p50 ms':>8} {'p95 ms':>8} {'SQL p50':>8} {'SQL p95':>8} {'ratio':>6} {'stmts':>5} "
          f"{'target':>7}  met")


def report_row(name, app_ms, sql_ms, statements, target) -> None:
    p95, sql95 = percentile(app_ms, 0.95), percentile(sql_ms, 0.95)
    print(f"{name:<36} {statistics.median(app_ms):8.1f} {p95:8.1f} {statistics.median(sql_ms):8.1f} "
          f"{sql95:8.1f} {p95 / max(sql95, 0.01):6.1f} {statements:5d} {'< ' + str(target):>7}  "
          f"{'yes' if p95 < target else 'NO'}  (n={len(app_ms)})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--skip", default="", help="leave out the pages whose name matches this regular expression")
    args = parser.parse_args()
    app = create_app()
    gc.freeze()  # as run.py does in every server process
    app.config.update(WTF_CSRF_ENABLED=True, CAPTCHA_ENABLED=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        recorder = Recorder(db.engine)
        persons = db.session.execute(text("SELECT COUNT(*) FROM ab_user")).scalar()
        applications = db.session.execute(text("SELECT COUNT(*) FROM application")).scalar()
        ce = db.session.execute(text("SELECT COUNT(*) FROM ce_record")).scalar()
    who = actors(app)
    print(f"database: {persons:,} users, {applications:,} applications, {ce:,} CE records; "
          f"{args.repeat} runs each; actors: " + ", ".join(f"{k}={v}" for k, v in who.items()))
    clients = {role: signed_in(app, who[role]) for role in ("applicant", "unit", "supervisor", "authority")}
    print(HEADER, flush=True)
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    for name, role, url, kind in pages(who):
        if args.skip and re.search(args.skip, name):
            continue
        if url.split("?")[0] not in routes and not url.split("?")[0].rstrip("0123456789").endswith("/"):
            print(f"skipped (no such page in this version): {url}")
            continue
        app_ms, sql_ms, statements = measure_page(app, recorder, clients[role], url, args.repeat)
        report_row(name, app_ms, sql_ms, statements, TARGETS[kind])
    app_ms, sql_ms, statements = measure_approve(app, recorder, clients["unit"], who, args.repeat)
    report_row("transition: unit approve", app_ms, sql_ms, statements, TARGETS["transition"])
    app_ms, sql_ms, statements = measure_submit(app, recorder, min(args.repeat, 20))
    if app_ms:
        report_row("transition: applicant submit", app_ms, sql_ms, statements, TARGETS["transition"])


if __name__ == "__main__":
    main()
