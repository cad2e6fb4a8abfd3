"""Helpers of the several-processes tests: a throw-away redis-server, and a plain HTTP client whose cookies can be
sent to any of the app processes (as a browser behind a load balancer would)."""
from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def redis_server_path() -> str | None:
    return shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)


class TemporaryRedis:
    """redis-server on a free loopback port in a temporary directory, nothing saved to disk."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base = Path(tempfile.mkdtemp(prefix="zhiping-redis-"))
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "TemporaryRedis":
        path = redis_server_path()
        self.process = subprocess.Popen(
            [path, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.base), "--save", "",
             "--appendonly", "no", "--protected-mode", "yes"],
            stdout=open(self.base / "redis.log", "wb"), stderr=subprocess.STDOUT,
        )
        client = self.client()
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                return self
            except Exception:  # noqa: BLE001 - not up yet
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start: " + (self.base / "redis.log").read_text())
                time.sleep(0.1)

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.base, ignore_errors=True)


def need_redis_server() -> None:
    if redis_server_path() is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing: tools/install-test-deps.sh installs it")
        pytest.skip("redis-server is not installed (tools/install-test-deps.sh installs it)")


@dataclass
class Answer:
    status: int
    headers: object
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location") or ""

    @property
    def signed_in(self) -> bool:
        """A login POST that redirected away from the login page."""
        return self.status == 302 and "/login/" not in self.location


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class Client:
    """One browser: its own cookies, sent to whichever server a request goes to; redirects are not followed."""

    def __init__(self, cookies: dict | None = None) -> None:
        self.cookies: dict[str, str] = dict(cookies or {})

    def request(self, server, method: str, path: str, data: dict | None = None) -> Answer:
        body = urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(server.url + path, data=body, method=method)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            response = _OPENER.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if not value or "Max-Age=0" in header or "01 Jan 1970" in header:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return Answer(response.status if hasattr(response, "status") else response.code, response.headers,
                      response.read().decode("utf-8", "replace"))

    def get(self, server, path: str) -> Answer:
        return self.request(server, "GET", path)

    def post(self, server, path: str, data: dict, form_page: str | None = None) -> Answer:
        """POST with the CSRF token of the form page (GET first) on the same server."""
        page = self.get(server, form_page or path)
        token = CSRF_RE.search(page.text)
        assert token, f"no CSRF token on {form_page or path}: {page.status} {page.text[:300]}"
        return self.request(server, "POST", path, {**data, "csrf_token": html.unescape(token.group(1))})

    def login(self, server, username: str, password: str = "Demo@2026zp") -> Answer:
        """Sign in through the form; a refusal is followed to the login page, whose text carries the message."""
        answer = self.post(server, "/login/", {"username": username, "password": password})
        if answer.status == 302 and not answer.signed_in:
            page = self.follow(server, answer)
            return Answer(answer.status, answer.headers, page.text)
        return answer

    def follow(self, server, answer: Answer) -> Answer:
        """GET the page a redirect points to, on the same server."""
        location = answer.location
        if location.startswith("http"):
            location = "/" + location.split("/", 3)[3]
        return self.get(server, location)


class FormFields(HTMLParser):
    """The fields of the first form holding `marker` (a field name), with the values the page pre-filled."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker = marker
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.forms[-1][attrs["name"]] = attrs.get("value", "y")
            elif kind not in ("submit", "button"):
                self.forms[-1][attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            self.forms[-1][self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.forms[-1][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][self._textarea] += data

    def of(self, page: str) -> dict:
        self.feed(page)
        return next(form for form in self.forms if self.marker in form)
