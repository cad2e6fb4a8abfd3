"""The browser tests' harness (tests/e2e; its fixtures are imported by tests/conftest.py):
a real server process on loopback and headless Chromium driven by Playwright.

The server runs on its own fresh copy of the demo database; a module's SERVER_SETUP lists `flask` commands
(e.g. the history demo) to run on it first. Every request
the browser makes to a host other than the server is refused and recorded, so a page that needs the internet fails.
Each test saves what the browser saw under tests/e2e/screenshots/ (git-ignored).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = Path(__file__).resolve().parent / "e2e" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    """Debian's Chromium, or another one named by CHROMIUM_PATH."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server did not answer at {url}")


class LiveServer:
    """A gunicorn process serving the app on a free loopback port."""

    def __init__(self, uri: str, folder: Path, env_extra: dict | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": uri,
            "SECRET_KEY": "e2e-secret-key-that-is-long-enough-for-hs256",
            "CAPTCHA_ENABLED": "false",
            "RATELIMIT_ENABLED": "false",
            "REDIS_URL": "",  # a Redis of the environment is never used by accident; a test passes its own
            "RATELIMIT_STORAGE_URI": "",
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "DICTIONARY_CACHE_SECONDS": "0",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(_free_port()),  # nothing listens: mail stays queued, the pages never wait on it
            **(env_extra or {}),
        }
        self.log = open(folder / "server.log", "wb")
        self.process: subprocess.Popen | None = None

    def flask(self, *args: str) -> str:
        """Run a `flask --app run` command against the server's database."""
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "run", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def python(self, code: str) -> str:
        """Run Python inside the app's context against the server's database, between two browser steps.

        Only for what a journey cannot do in a browser: moving "the clock" (a 公示 period or a deadline that has
        run out) and data the seeds say comes from elsewhere (e.g. past years' continuing-education records). `db`
        and the models (`from app.models import ...`) are importable; what the code prints is returned."""
        script = ("from run import app\nfrom app.extensions import db\nwith app.app_context():\n"
                  + "".join(f"    {line}\n" for line in code.strip().splitlines())
                  + "    db.session.commit()\n")
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"server-side Python failed:\n{code}\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def sql(self, statement: str, **params):
        """One SQL statement on the server's database (committed); the rows of a SELECT. Quicker than `python` for
        reading a state or moving a date."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.env["DATABASE_URL"])
        try:
            with engine.begin() as connection:
                result = connection.execute(text(statement), params)
                return result.all() if result.returns_rows else None
        finally:
            engine.dispose()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind",
             f"127.0.0.1:{self.port}", "run:app"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        _wait_until_up(self.url + "/", self.process)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


@pytest.fixture(scope="module")
def live_server(databases, tmp_path_factory, request):
    """A server process on a fresh copy of the demo database, after the module's SERVER_SETUP flask commands."""
    uri = databases.fresh()
    server = LiveServer(uri, tmp_path_factory.mktemp("live"))
    for command in getattr(request.module, "SERVER_SETUP", ()):
        server.flask(*command)
    server.start()
    yield server
    server.stop()
    databases.drop(uri)


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium, shared by the browser tests of one worker."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: tools/install-test-deps.sh installs it")
        pytest.skip("Chromium is not installed (tools/install-test-deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Visit:
    """One browser context (its own cookies) with the record of what it tried to fetch off the server."""

    def __init__(self, browser, server: LiveServer, name: str) -> None:
        self.server = server
        self.name = name
        self.context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        self.context.set_default_timeout(20_000)
        self.offsite: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._only_loopback)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("response", self._record_server_error)

    def _only_loopback(self, route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.offsite.append(route.request.url)
            route.abort()

    def _record_server_error(self, response) -> None:
        if response.status >= 500:
            self.errors.append(f"{response.status} {response.url}")

    def goto(self, path: str):
        return self.page.goto(self.server.url + path)

    def shot(self, step: str) -> Path:
        """Save a full-page screenshot of this step."""
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, username: str, password: str = "Demo@2026zp") -> None:
        """Sign in through the login page's form."""
        self.goto("/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("form [type=submit]")
        self.page.wait_for_load_state("networkidle")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(chromium, live_server, request):
    """visit('name') opens a fresh browser context; each is checked at the end for off-site requests and errors."""
    opened: list[Visit] = []

    def open_visit(name: str) -> Visit:
        made = Visit(chromium, live_server, f"{request.node.name}-{name}")
        opened.append(made)
        return made

    yield open_visit
    for made in opened:
        made.close()
    for made in opened:
        assert made.offsite == [], f"{made.name} asked the internet for {made.offsite}"
        assert made.errors == [], f"{made.name} saw errors: {made.errors}"
