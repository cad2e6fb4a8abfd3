"""The access sweep: every endpoint the app registers × every demo role and anonymous.

`POLICY` (tests/access_policy.py) names, for every endpoint of `app.url_map`, who may reach it, the world records
its URL parameters are filled with — records outside every demo actor's reach but the province's (`access_world`:
another person in another supervisor's unit, another provider's class, another committee's batch …) — who of the
allowed actors sees those records, and the statuses an allowed actor gets. A new endpoint without an entry fails
`test_every_endpoint_has_a_policy`, naming it.

For each endpoint × actor (anonymous included):
- GET: never 5xx; anonymous → the login page (401 on the API); an actor outside the endpoint's group → refused
  (403/404 or FAB's redirect to the login page); an allowed actor who does not reach the foreign record → refused
  and the record's marker absent from the page; the others → the entry's statuses (200 unless said);
- GET on a route without GET → 405; GET on FAB's state-changing GET routes (delete, action) and on every other
  route → the database unchanged (digest of every table but the logs);
- POST (and PUT/DELETE) without a CSRF token → 400, the database unchanged.
Allowed actors are shown their own records (`test_own_records_open`).
"""
from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from sqlalchemy import inspect as sa_inspect

import access_world as w
import factories as f
from access_policy import ACTORS, ANON, POLICY
from app.extensions import db

SKIP_DIGEST = {"operation_log", "login_log", "alembic_version", "captcha_challenge", "ab_user", "user_session"}
REFUSED = {401, 403, 404}
LITERAL = {"name": "muldelete", "filename": "x.pdf", "token": "nosuchtoken", "slug": "nosuchslug",
           "event": "approve", "locale": "zh", "year": "2025", "version": "v1", "path": "css/zhiping.css"}
TALLY: Counter = Counter()


@pytest.fixture(scope="module")
def world(shared_app):
    return w.build(shared_app)


def digest(app) -> str:
    with app.app_context():
        tables = sorted(set(sa_inspect(db.engine).get_table_names()) - SKIP_DIGEST)
    return f.table_digest(app, tables)


def url_of(rule, entry, ids) -> tuple[str, bool]:
    """The rule's URL with the entry's world records; and whether one of them is scoped (not global data)."""
    scoped = False

    def fill(match):
        nonlocal scoped
        name = match.group(1)
        kind = entry.ids.get(name)
        if kind is None:
            if name not in LITERAL:
                raise AssertionError(f"{rule.endpoint}: no value for <{name}> in its policy entry")
            return LITERAL[name]
        if kind.startswith("="):
            return kind[1:]
        scoped = scoped or kind not in w.GLOBAL_KINDS
        return str(ids[kind])

    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", fill, rule.rule), scoped


def plain(rule: str) -> str:
    """A rule without its converters: /a/<int:pk> and /a/<pk> are the same URL."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"<\1>", rule)


def rules_of(app):
    return sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint)


def is_login(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def refused(response, actor) -> bool:
    if actor is ANON:
        return is_login(response) or response.status_code == 401
    return response.status_code in REFUSED or is_login(response)


def text_of(response) -> str:
    if response.mimetype and (response.mimetype.startswith("text/") or response.is_json):
        return response.get_data(as_text=True)
    return response.get_data().decode("utf-8", "replace")


def browser(app, browser_factory, actor):
    return browser_factory(app, actor) if actor else browser_factory(app)


def test_every_endpoint_has_a_policy(shared_app):
    endpoints = {rule.endpoint for rule in shared_app.url_map.iter_rules()}
    missing = sorted(endpoints - set(POLICY))
    assert not missing, f"endpoints without an access policy entry (add them to tests/access_policy.py): {missing}"
    stale = sorted(set(POLICY) - endpoints)
    assert not stale, f"policy entries of endpoints that no longer exist: {stale}"


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a or "anonymous")
def test_get_every_endpoint(shared_app, browser_factory, world, actor):
    client = browser(shared_app, browser_factory, actor)
    before = digest(shared_app)
    problems = []
    get_urls = {plain(rule.rule) for rule in rules_of(shared_app) if "GET" in rule.methods}
    for rule in rules_of(shared_app):
        entry = POLICY[rule.endpoint]
        url, scoped = url_of(rule, entry, world)
        if entry.changes:
            continue  # test_get_on_state_changing_routes
        try:
            response = client.get(url)
        except Exception as error:  # the test client re-raises what would be a 500
            problems.append(f"{rule.endpoint} {url}: server error {error!r}")
            continue
        TALLY["get"] += 1
        status, body = response.status_code, text_of(response)
        allowed = actor in entry.actors()
        sees = allowed and (not scoped or actor in entry.sees_foreign)
        if status >= 500:
            problems.append(f"{rule.endpoint} {url}: {status}")
        elif "GET" not in rule.methods:
            if plain(rule.rule) in get_urls:
                continue  # the same URL's GET endpoint is swept under its own name
            if status != 405:
                problems.append(f"{rule.endpoint} {url}: GET on a {sorted(rule.methods)} route gave {status}")
        elif actor is ANON and not allowed:
            if not refused(response, actor):
                problems.append(f"{rule.endpoint} {url}: anonymous got {status}, not the login page")
        elif not sees:
            if not refused(response, actor):
                problems.append(f"{rule.endpoint} {url}: {status} for an actor who may not "
                                f"{'reach it' if not allowed else 'see the foreign record'}")
            elif w.MARKER in body:
                problems.append(f"{rule.endpoint} {url}: refused but the foreign record's data is on the page")
        elif status not in entry.ok:
            problems.append(f"{rule.endpoint} {url}: allowed, expected {entry.ok}, got {status}")
        if not sees and w.MARKER in body:
            problems.append(f"{rule.endpoint} {url}: the foreign record's data shown to {actor}")
    assert digest(shared_app) == before, "a GET changed the database"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a or "anonymous")
def test_get_on_state_changing_routes(shared_app, browser_factory, world, actor):
    """FAB's delete and action routes answer GET; a GET (even of an allowed actor) changes nothing."""
    client = browser(shared_app, browser_factory, actor)
    before = digest(shared_app)
    problems = []
    for rule in rules_of(shared_app):
        entry = POLICY[rule.endpoint]
        if not entry.changes or "GET" not in rule.methods:
            continue
        url, _ = url_of(rule, entry, world)
        try:
            response = client.get(url)
        except Exception as error:
            problems.append(f"{rule.endpoint} {url}: server error {error!r}")
            continue
        TALLY["get_changing"] += 1
        if response.status_code >= 500:
            problems.append(f"{rule.endpoint} {url}: {response.status_code}")
        # FAB answers a GET on an action route with a redirect to the home page (nothing done, nothing shown).
        sent_home = response.status_code == 302 and urlsplit(response.location or "").path == "/"
        if (actor is ANON and not refused(response, actor) and response.status_code != 405 and not sent_home
                and rule.endpoint != "LoginView.logout"):
            problems.append(f"{rule.endpoint} {url}: anonymous got {response.status_code}")
    if digest(shared_app) != before:
        problems.append(f"a GET on a state-changing route by {actor} changed the database")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a or "anonymous")
def test_post_without_csrf_is_refused(shared_app, browser_factory, world, actor):
    client = browser(shared_app, browser_factory, actor)
    before = digest(shared_app)
    problems = []
    for rule in rules_of(shared_app):
        entry = POLICY[rule.endpoint]
        url, _ = url_of(rule, entry, world)
        for method in sorted(rule.methods & {"POST", "PUT", "DELETE"}):
            if rule.endpoint == "LoginApi.login":
                continue  # exempt by design (JSON body, no cookie credentials): a JSON login is tried below
            try:
                response = client.client.open(url, method=method, data={"id": "1", "pk": "1", "action": "x"})
            except Exception as error:
                problems.append(f"{method} {rule.endpoint} {url}: server error {error!r}")
                continue
            TALLY["post_no_csrf"] += 1
            # The REST API is JWT-only: a session cookie (all a cross-site form could send) gets 401.
            expected = {400, 401} if rule.rule.startswith("/api/") else {400}
            if response.status_code not in expected:
                problems.append(f"{method} {rule.endpoint} {url}: {response.status_code} without a CSRF token")
    response = client.client.post("/api/v1/security/login", json={"username": "no_such_user_x", "password": "wrong",
                                                           "provider": "db"})
    assert response.status_code == 401
    assert digest(shared_app) == before, "a POST without a CSRF token changed the database"
    assert not problems, "\n".join(problems)


# The routes the foreign ids were refused on, with each actor's own records: 200.
OWN_URLS = {
    "demo_applicant": ["/applications/{application}", "/profile/achievement/show/{achievement}",
                       "/profile/achievement/edit/{achievement}", "/profile/education/show/{education}",
                       "/ce-records/show/{ce_record}", "/messages/{message}"],
    "demo_unit": ["/review/applications/{application}", "/profile-reviews/show/{profile_review}",
                  "/orgs/show/{org}", "/org-staff/show/{user}"],
    "demo_supervisor": ["/review/applications/{application}", "/orgs/show/{org}"],
    "demo_committee": ["/review-batches/show/{batch}", "/review-batches/meeting/{batch}",
                       "/review-batches/edit/{batch}", "/review-batches/publicity-list/{batch}"],
    "demo_provider": ["/training-classes/{training_class}", "/training-classes/{training_class}/edit",
                      "/training-classes/{training_class}/completions/"],
    "demo_authority": ["/review/applications/{application}", "/profile-reviews/show/{profile_review}"],
    "demo_admin": ["/admin/orgs/show/{org}", "/users/show/{user}", "/review/applications/{application}"],
}


def test_own_records_open(shared_app, browser_factory, world):
    """The allowed actors reach their own records on the routes the foreign ids were refused on."""
    own = w.build_own(shared_app)
    failures = []
    for actor, urls in OWN_URLS.items():
        client = browser(shared_app, browser_factory, actor)
        for template in urls:
            url = template.format(**own)
            response = client.get(url)
            TALLY["own"] += 1
            if response.status_code != 200:
                failures.append(f"{actor} {url}: {response.status_code} {response.headers.get('Location')}")
    assert not failures, "\n".join(failures)


def test_zz_summary(shared_app, capsys):
    endpoints = len(list(shared_app.url_map.iter_rules()))
    print(f"\naccess sweep: {endpoints} endpoints × {len(ACTORS)} actors (anonymous included); requests: "
          f"{TALLY['get']} GET, {TALLY['get_changing']} GET on state-changing routes, "
          f"{TALLY['post_no_csrf']} POST/PUT/DELETE without CSRF, {TALLY['own']} own-record GET")
    with capsys.disabled():
        print(TALLY)
