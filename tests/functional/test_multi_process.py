"""Two app processes (gunicorn, two workers each) against one database and one Redis, as several hosts behind a load
balancer run: what one process does to the shared state — a lockout, the login rate limit, a reviewer's opening of an
application (the 撤回 lock), a sign-in and a sign-out, a dictionary edit — is seen by the other at once.

Runs on the suite's database (the PostgreSQL pass gives both processes the same PostgreSQL database; the SQLite pass
the same file) with a redis-server started on loopback for the module."""
from __future__ import annotations

import html
import json
import re

import pytest

from browser_harness import LiveServer
from multi_process import Client, FormFields, TemporaryRedis, need_redis_server

LOGIN_LIMIT = 12  # AUTH_RATE_LIMIT of both processes, per hour and client address
LOCKED = "登录失败次数过多，账户已锁定"


@pytest.fixture(scope="module")
def redis_server():
    need_redis_server()
    with TemporaryRedis() as server:
        yield server


@pytest.fixture(scope="module")
def processes(databases, tmp_path_factory, redis_server):
    """Process A and process B: same database, same Redis, same SECRET_KEY and upload folder, own caches."""
    uri = databases.fresh()
    shared = tmp_path_factory.mktemp("shared")
    env = {"REDIS_URL": redis_server.url, "RATELIMIT_ENABLED": "true", "AUTH_RATE_LIMIT": f"{LOGIN_LIMIT} per hour",
           "DICTIONARY_CACHE_SECONDS": "3600", "UPLOAD_FOLDER": str(shared / "uploads")}
    servers = [LiveServer(uri, tmp_path_factory.mktemp(name), env) for name in ("process_a", "process_b")]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()
        databases.drop(uri)


@pytest.fixture
def a_b(processes, redis_server):
    """The two processes, with the rate-limit counters of earlier tests forgotten."""
    redis_server.client().flushdb()
    return processes


def test_the_processes_are_separate_and_use_redis(a_b, redis_server):
    a, b = a_b
    assert a.port != b.port and a.process.pid != b.process.pid
    refused = Client().login(a, "nobody_at_all", "wrong")
    assert not refused.signed_in and "账号或密码错误" in refused.text
    assert any(key.startswith(b"LIMITS") for key in redis_server.client().keys("*")), "the limiter is not in Redis"


def test_a_lockout_caused_on_a_is_seen_on_b(a_b):
    a, b = a_b
    for attempt in range(5):  # LOGIN_LOCKOUT_ATTEMPTS wrong passwords, alternating between the processes
        server = (a, b)[attempt % 2]
        answer = Client().login(server, "demo_expert", "Wrong@2026zp")
        assert not answer.signed_in
        # The fifth failure locks (its message says so); the four before do not.
        assert (LOCKED in answer.text) == (attempt == 4), (attempt, answer.text[-3000:])
    # The right password on B is refused: the lock made by the failures on both processes holds everywhere.
    refused = Client().login(b, "demo_expert")
    assert not refused.signed_in and LOCKED in refused.text
    assert a.sql("SELECT locked_until IS NOT NULL FROM ab_user WHERE username = 'demo_expert'") == [(True,)]
    again = Client().login(a, "demo_expert")  # and on A
    assert not again.signed_in and LOCKED in again.text
    assert Client().login(a, "demo_supervisor").signed_in  # other accounts are not locked


def test_the_login_rate_limit_is_counted_across_both_processes(a_b):
    a, b = a_b
    client = Client()
    token = _token(client.get(a, "/login/").text)  # GETs are not counted; the token is good on both processes
    for attempt in range(LOGIN_LIMIT):
        answer = client.request((a, b)[attempt % 2], "POST", "/login/",
                                {"username": "no_such_account", "password": "wrong", "csrf_token": token})
        assert answer.status == 302, f"attempt {attempt + 1} of {LOGIN_LIMIT}: {answer.status}"
    # Half were on A and half on B: each process alone has seen only LOGIN_LIMIT / 2, yet the next one is refused.
    for server in (a, b):
        refused = client.request(server, "POST", "/login/",
                                 {"username": "demo_applicant", "password": "Demo@2026zp", "csrf_token": token})
        assert refused.status == 429


def test_a_session_from_a_works_on_b_and_a_sign_out_on_a_ends_it_on_b(a_b):
    a, b = a_b
    browser = Client()
    assert browser.login(a, "demo_applicant").signed_in
    options = "/applications/options?dict=specialty&parent=GC_01"
    assert browser.get(b, options).status == 200  # the cookie A issued is good on B
    copy = Client(browser.cookies)  # the same cookie, e.g. a second tab or a stolen copy
    assert copy.get(b, options).status == 200
    assert browser.get(a, "/logout/").status == 302
    ended = copy.get(b, options)
    assert ended.status == 302 and "/login/" in ended.location
    assert a.sql("SELECT end_reason FROM user_session us JOIN ab_user u ON u.id = us.user_id "
                 "WHERE u.username = 'demo_applicant' ORDER BY us.id DESC LIMIT 1") == [("logout",)]


def test_a_reviewer_opening_on_a_stops_the_withdrawal_on_b(a_b):
    a, b = a_b
    app_id = int(a.python("from tests.factories import submitted_recognition\nprint(submitted_recognition())")
                 .strip().splitlines()[-1])
    applicant, reviewer = Client(), Client()
    assert applicant.login(b, "demo_applicant").signed_in
    assert reviewer.login(a, "demo_unit").signed_in
    before = applicant.get(b, f"/applications/{app_id}")
    assert before.status == 200 and 'value="withdraw"' in before.text  # not opened yet: 撤回 is offered
    version = re.search(r'name="version" value="(\d+)"', before.text).group(1)
    assert reviewer.get(a, f"/review/applications/{app_id}").status == 200  # A: the reviewer opens it
    assert a.sql("SELECT opened_at IS NOT NULL FROM application WHERE id = :id", id=app_id) == [(True,)]
    after = applicant.get(b, f"/applications/{app_id}")
    assert 'value="withdraw"' not in after.text and "申请已锁定，不能再撤回" in after.text
    refused = applicant.request(b, "POST", f"/applications/{app_id}/act",
                                {"event": "withdraw", "version": version, "csrf_token": _token(before.text)})
    assert refused.status == 302
    assert "审核人员已开始审核该申请，不能再撤回" in applicant.get(b, refused.location.replace(b.url, "")).text
    assert a.sql("SELECT state FROM application WHERE id = :id", id=app_id) == [("unit_review",)]


def _token(page: str) -> str:
    return html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1))


def test_a_dictionary_edit_on_a_is_served_by_b_at_once(a_b):
    a, b = a_b
    options = "/applications/options?dict=specialty&parent=GC_01"
    applicant, admin = Client(), Client()
    assert applicant.login(b, "demo_applicant").signed_in
    assert admin.login(a, "demo_admin").signed_in

    def label_on(server) -> str:
        results = json.loads(applicant.get(server, options).text)["results"]
        return next(item["label"] for item in results if item["code"] == "GC_0101")

    original = label_on(b)
    for _ in range(8):  # warm the cache of both of B's workers (DICTIONARY_CACHE_SECONDS is an hour)
        assert label_on(b) == original
    (item_id,), = a.sql("SELECT i.id FROM dict_item i JOIN dict_type t ON t.id = i.type_id "
                        "WHERE t.code = 'specialty' AND i.code = 'GC_0101'")
    form = FormFields("label").of(admin.get(a, f"/dictionary-items/edit/{item_id}").text)
    assert form["label"] == original
    saved = admin.request(a, "POST", f"/dictionary-items/edit/{item_id}", {**form, "label": original + "（已修订）"})
    assert saved.status == 302, saved.text[:2000]
    assert a.sql("SELECT label FROM dict_item WHERE id = :id", id=item_id) == [(original + "（已修订）",)]
    for _ in range(8):
        assert label_on(b) == original + "（已修订）"
    assert label_on(a) == original + "（已修订）"
