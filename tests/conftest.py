"""Fixtures: a database per test (copied from a template built once by the real migrations), apps and browsers.

Run on SQLite by default; `--db=postgresql` (or TEST_DB=postgresql) starts a PostgreSQL server for the session.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from browser_harness import chromium, live_server, visit  # noqa: E402,F401  (fixtures of the browser tests)

DEMO_PASSWORD = "Demo@2026zp"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pytest_addoption(parser):
    parser.addoption(
        "--db", default=os.environ.get("TEST_DB", "sqlite"), choices=("sqlite", "postgresql"),
        help="database engine the functional tests run on",
    )


def test_config(uri: str, tmp: Path) -> dict:
    """Settings every test app gets on top of config.py."""
    return {
        "SQLALCHEMY_DATABASE_URI": uri,
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
        "RATELIMIT_ENABLED": False,
        # No Redis unless a test starts one (tests/functional/test_multi_process.py): one process, memory:// limits.
        "REDIS_URL": "",
        "RATELIMIT_STORAGE_URI": None,
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "DICTIONARY_CACHE_SECONDS": 0,
        # Dashboard figures are live, whatever the machine's speed; tests/functional/test_stats_cache.py keeps them.
        "STATS_KEEP_AFTER_MS": None,
        # The general suite signs in without a captcha; the captcha tests switch it on.
        "CAPTCHA_ENABLED": False,
        # Nothing listens there: a test that delivers the mail queue by accident fails to send, never reaches a
        # real server; the mail tests point MAIL_* at their own SMTP server on loopback.
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,
    }


def build_schema(app) -> None:
    """What a deployment does: migrations (which load the dictionaries), roles, then the demo data."""
    from flask_migrate import upgrade

    from app.security.sync import sync_roles
    from app.services.demo import load_demo

    with app.app_context():
        upgrade()
        sync_roles(app.appbuilder)
        load_demo(DEMO_PASSWORD)
        db.session.remove()
        db.engine.dispose()


class SqliteDatabases:
    """Copies of one template file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template = folder / "template.db"
        self.counter = itertools.count()
        build_schema(create_app(test_config(f"sqlite:///{self.template}", folder)))

    def fresh(self) -> str:
        target = self.folder / f"test_{next(self.counter)}.db"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"

    def drop(self, uri: str) -> None:
        Path(uri[len("sqlite:///"):]).unlink(missing_ok=True)


class PostgresDatabases:
    """Databases created from one template database on a temporary server."""

    def __init__(self, server, folder: Path) -> None:
        import psycopg

        self.server = server
        self.counter = itertools.count()
        self.admin_dsn = server.url("postgres").replace("+psycopg", "")
        self._connect = lambda: psycopg.connect(self.admin_dsn, autocommit=True)
        with self._connect() as conn:
            conn.execute("CREATE DATABASE zp_template")
        build_schema(create_app(test_config(server.url("zp_template"), folder)))

    def fresh(self) -> str:
        name = f"zp_test_{next(self.counter)}"
        with self._connect() as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE zp_template")
        return self.server.url(name)

    def drop(self, uri: str) -> None:
        name = uri.rsplit("/", 1)[1]
        with self._connect() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def db_kind(request) -> str:
    return request.config.getoption("--db")


def pytest_sessionstart(session) -> None:
    """Compile the translations once, before any test worker starts: a worker compiling while another starts its
    app would read a half-written catalogue (Flask-Babel then fails the app's start-up)."""
    if not hasattr(session.config, "workerinput"):  # pytest-xdist's controller, or a run without workers
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(ROOT / "translations")],
            check=True,
        )


@pytest.fixture(scope="session")
def databases(db_kind, tmp_path_factory):
    folder = tmp_path_factory.mktemp("databases")
    if db_kind == "sqlite":
        yield SqliteDatabases(folder)
        return
    from pg_server import TemporaryPostgres

    with TemporaryPostgres() as server:
        yield PostgresDatabases(server, folder)


def _make_app(databases, tmp_path_factory, **overrides):
    uri = databases.fresh()
    config = test_config(uri, tmp_path_factory.mktemp("app"))
    config.update(overrides)
    app = create_app(config)
    return app, uri


def _close(app, databases, uri) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    databases.drop(uri)


@pytest.fixture
def app(databases, tmp_path_factory):
    """An app on its own fresh copy of the demo database."""
    app, uri = _make_app(databases, tmp_path_factory)
    yield app
    _close(app, databases, uri)


@pytest.fixture
def app_with(databases, tmp_path_factory):
    """Apps with extra settings on their own fresh databases: app_with(CAPTCHA_ENABLED=True)."""
    made = []

    def make(**overrides):
        app, uri = _make_app(databases, tmp_path_factory, **overrides)
        made.append((app, uri))
        return app

    yield make
    for app, uri in made:
        _close(app, databases, uri)


@pytest.fixture(scope="module")
def shared_app(databases, tmp_path_factory):
    """One app per module, for tests that only read or prove that nothing changed."""
    app, uri = _make_app(databases, tmp_path_factory)
    yield app
    _close(app, databases, uri)


class Browser:
    """A test client that signs in through the login form and sends the CSRF token with every POST."""

    def __init__(self, app) -> None:
        self.app = app
        self.client = app.test_client()
        self._token: str | None = None

    def token(self) -> str:
        """A valid CSRF token for this browser's session, signed as Flask-WTF signs it."""
        if self._token is None:
            with self.client.session_transaction() as session:
                raw = session.get("csrf_token")
                if raw is None:
                    raw = hashlib.sha1(os.urandom(64)).hexdigest()
                    session["csrf_token"] = raw
            self._token = URLSafeTimedSerializer(self.app.secret_key, salt="wtf-csrf-token").dumps(raw)
        return self._token

    def login(self, username: str, password: str = DEMO_PASSWORD):
        response = self.client.post(
            "/login/", data={"username": username, "password": password, "csrf_token": self.token()}
        )
        self._token = None  # the session is renewed at login
        return response

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token())
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def browser_factory():
    """Make signed-in browsers: browser_factory(app, 'demo_unit')."""

    def make(app, username: str | None = None) -> Browser:
        browser = Browser(app)
        if username:
            response = browser.login(username)
            assert response.status_code in (302, 303), f"login of {username} failed"
        return browser

    return make
