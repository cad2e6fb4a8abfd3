"""Chinese first: every menu page renders in zh with no English source string left on it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import flask_appbuilder

ROOT = Path(__file__).resolve().parents[2]
TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)
ACCOUNTS = ["demo_admin", "demo_authority", "demo_supervisor", "demo_unit", "demo_committee",
            "demo_expert", "demo_provider", "demo_applicant"]


def _source_strings() -> set[str]:
    """Every English msgid of our catalogue and FAB's that a page could show untranslated."""
    strings = set()
    for path in (ROOT / "translations/zh/LC_MESSAGES/messages.po",
                 Path(flask_appbuilder.__file__).parent / "translations/zh/LC_MESSAGES/messages.po"):
        with path.open("rb") as handle:
            for message in read_po(handle):
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                # Short ids ("OK", "No") also occur inside data; look for the distinctive ones.
                if msgid and len(msgid) >= 5 and re.search(r"[A-Za-z]{3}", msgid) and "%" not in msgid:
                    strings.add(msgid)
    return strings


SOURCE = _source_strings()


def visible_text(html: str) -> list[str]:
    text = TAGS.sub("\n", html)
    return [line.strip() for line in text.splitlines() if line.strip()]


def menu_urls(app, browser) -> list[str]:
    """The pages the user's navigation bar links to."""
    home = browser.get("/").get_data(as_text=True)
    links = re.findall(r'href="(/[^"#?]*)"', home)
    skipped = ("/logout", "/lang/", "/static/")
    return sorted({link for link in links if link != "/" and not link.startswith(skipped)})


@pytest.mark.parametrize("account", ACCOUNTS)
def test_menu_pages_have_no_english_left(shared_app, browser_factory, account):
    browser = browser_factory(shared_app, account)
    urls = ["/"] + menu_urls(shared_app, browser)
    shown = set()
    for url in urls:
        response = browser.get(url)
        assert response.status_code == 200, url
        for line in visible_text(response.get_data(as_text=True)):
            if line in SOURCE:
                shown.add((url, line))
    # The language menu names English in English, on purpose.
    shown = {(u, s) for u, s in shown if s != "English"}
    assert not shown, f"untranslated strings on pages: {sorted(shown)}"
