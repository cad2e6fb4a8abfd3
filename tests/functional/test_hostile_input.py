"""Hostile-input sweep: every form each demo account reaches and every field of the REST API, attacked in turn.

Forms are discovered, not listed: each account's pages are crawled from the home page (links, GET, this site), the
<form method=post> elements parsed, and each field submitted with each payload while the other fields keep the
page's (or a plausible) valid value. After each POST:
- never a server error;
- a refusal (4xx, an error block, a danger/warning flash) shows Chinese messages (no English msgid) and wrote
  nothing but the logs;
- nothing written holds a value PostgreSQL would refuse (over-length text, NUL, out-of-range integers) — SQLite
  accepts those silently, so the sweep checks them at flush time;
- no page shows a payload's markup raw.
Then every page, generated Word document and Excel export is read again for raw markup and formula cells.
"""
from __future__ import annotations

import io
import re
import time
import zipfile
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from factories import EVALUATION_FORM, id_number
from hostile_sweep import (
    LIST, Writes, crawl, english_leaks, error_messages, parse, payloads_for, unescaped,
)

ACCOUNTS = ["demo_applicant", None, "demo_unit", "demo_supervisor", "demo_committee", "demo_expert",
            "demo_provider", "demo_authority", "demo_admin"]
# Forms left out: leaving the session or switching the language is no input; FAB's list-row delete form has no
# field but the row; the password change of the signed-in account would end the sweep's sessions.
SKIPPED_ACTIONS = ("/logout", "/lang/")
PAGE_LIMIT = 80


def plausible(name: str, kind: str) -> str:
    """A valid-looking value for an empty field, so a form's other fields do not hide the attacked one."""
    lowered = name.lower()
    if kind == "password" or "password" in lowered:
        return "Zp@2026hostile"
    if "date" in lowered or lowered.endswith(("_on", "_from", "_until", "since")):
        return "2020-01-01"
    if "email" in lowered:
        return "hostile@example.com"
    if "mobile" in lowered or "phone" in lowered:
        return "13800138000"
    if lowered == "id_number" or lowered.endswith("_number") and "id" in lowered:
        return id_number("19800101", "321")
    if lowered == "year":
        return "2026"
    if any(word in lowered for word in ("hours", "score", "years", "count", "capacity", "days", "sort_order",
                                        "rank", "min_", "minutes", "numerator", "denominator", "copies")):
        return "10"
    if lowered == "uscc":
        return "91440101MA59ABCDXQ"
    return "测试内容"


def base_data(form) -> dict:
    data = form.valid_data()
    for item in form.fields:
        if item.kind in ("text", "textarea", "password", "date", "number", "email", "tel") and not item.value:
            data[item.name] = [plausible(item.name, item.kind)]
    return data


class Sweep:
    def __init__(self, app) -> None:
        self.app = app
        self.writes = Writes()
        self.tried = 0
        self.server_errors: list[str] = []
        self.unescaped: list[str] = []
        self.english: list[str] = []
        self.changed_on_refusal: list[str] = []
        self.bad_values: list[str] = []
        self.refused = 0
        self.accepted = 0

    def check_page(self, where: str, response) -> str:
        body = response.get_data(as_text=True) if "html" in (response.content_type or "") else ""
        for marker in unescaped(body):
            self.unescaped.append(f"{where}: {marker}")
        return body

    def follow(self, browser, response):
        for _ in range(2):
            if response.status_code not in (301, 302, 303) or not response.location:
                break
            target = urljoin("http://localhost/", response.location)
            if urlsplit(target).netloc not in ("localhost", ""):
                break
            response = browser.client.get(target)
        return response

    def attack(self, browser, form, item, payload) -> None:
        data = base_data(form)
        label = f"{form.action} [{item.name}] {payload_label(payload)}"
        if item.kind == "file":
            name, content = payload
            data[item.name] = [(io.BytesIO(content), name)]
        elif payload is LIST:
            data[item.name] = ["1", "2"]
        else:
            data[item.name] = [payload]
        data["csrf_token"] = [browser.token()]
        self.writes.reset()
        self.tried += 1
        began = time.monotonic()
        try:
            response = browser.client.post(form.action, data=data)
            took = time.monotonic() - began
            if took > 1:
                print(f"    slow {took:.1f}s {label}", file=__import__("sys").stderr, flush=True)
            if response.status_code >= 500:
                self.server_errors.append(f"{label}: HTTP {response.status_code}")
                return
            final = self.follow(browser, response)
            if final.status_code >= 500:
                self.server_errors.append(f"{label}: HTTP {final.status_code} after the redirect")
                return
        except Exception as error:  # a server error the test client propagates
            self.server_errors.append(f"{label}: {type(error).__name__}: {str(error)[:160]}")
            with self.app.app_context():  # the request's context is gone; its session is this context's
                self.app.extensions["sqlalchemy"].session.rollback()
            return
        self.bad_values.extend(f"{label}: {bad}" for bad in self.writes.bad_values)
        pages = [response, final] if final is not response else [response]
        bodies = [self.check_page(label, page) for page in pages]
        messages = [text for body in bodies for text in error_messages(body)]
        # Post/redirect/get: a redirect is an acceptance unless it lands on a danger flash; a page rendered in
        # answer to the POST is a refusal when it marks a field or shows a danger/warning block.
        if response.status_code >= 400 or final.status_code >= 400:
            refused = True
        elif final is not response:
            refused = "alert-danger" in bodies[-1]
        else:
            refused = any(marker in bodies[0] for marker in ("has-error", "alert-danger", "alert-warning"))
        if refused:
            self.refused += 1
            self.english.extend(f"{label}: {text[:120]}" for text in english_leaks(messages))
            if self.writes.tables:
                self.changed_on_refusal.append(f"{label}: wrote {sorted(self.writes.tables)}")
        else:
            self.accepted += 1


def log_findings(name: str, lines) -> None:
    """Keep the findings in a file too (the assertion shows the first 40)."""
    import os

    folder = os.environ.get("HOSTILE_LOG")
    if folder:
        with open(os.path.join(folder, f"{name}.txt"), "w") as out:
            out.write("\n".join(lines))


def sample_of(payloads: list, index: int) -> list:
    """Every payload with HOSTILE_FULL=1; otherwise a rotating third of them per field (each payload still reaches
    a third of all fields), to keep the suite's run time in bounds."""
    import os

    if os.environ.get("HOSTILE_FULL") or len(payloads) <= 2:
        return payloads
    return [payload for position, payload in enumerate(payloads) if (position + index) % 3 == 0]


def payload_label(payload) -> str:
    if payload is LIST:
        return "<list>"
    if isinstance(payload, tuple):
        return f"file {payload[0]!r}"
    return repr(payload[:30]) + (f"…({len(payload)})" if len(payload) > 30 else "")


@pytest.fixture(scope="module")
def sweep(shared_app):
    from app.extensions import db
    from app.workflow import drafts
    from factories import user

    with shared_app.app_context():
        # A draft of demo_applicant, so its edit screens and generated forms are in the crawl.
        drafts.save_draft(None, user("demo_applicant"), {
            "business_type": "evaluation", "series": "GC", "title": "GC_4", "form": dict(EVALUATION_FORM),
            "materials": [{"name": "职称评审表", "copies": 2}]})
        db.session.commit()
        db.session.remove()
    result = Sweep(shared_app)
    hooks = (("before_flush", result.writes._before_flush), ("after_commit", result.writes.committed),
             ("after_rollback", result.writes.rolled_back))
    for name, hook in hooks:
        event.listen(Session, name, hook)
    yield result
    for name, hook in hooks:
        event.remove(Session, name, hook)


def test_every_form_field_survives_every_payload(shared_app, browser_factory, sweep):
    started = time.monotonic()
    done: set[str] = set()
    browsers = {}
    forms_tried = 0
    fields_tried = 0
    for account in ACCOUNTS:
        browser = browsers[account] = browser_factory(shared_app, account)
        forms, visited, errors = crawl(browser.client, limit=PAGE_LIMIT)
        sweep.server_errors.extend(f"GET {url}: HTTP {code}" for url, code in errors)
        for key, form in forms.items():
            names = {item.name for item in form.fields} - {"csrf_token"}
            family = re.sub(r"/(add|edit)(/N)?", "/FORM", key)
            if family in done or not names or names == {"delete"} or any(s in form.action for s in SKIPPED_ACTIONS):
                continue
            if "/account/password" in form.action or "userinfoedit" in form.action:
                continue
            done.add(family)
            forms_tried += 1
            print(f"[{time.monotonic() - started:5.0f}s] {account} {form.action} {len(form.fields)} fields",
                  file=__import__("sys").stderr, flush=True)
            seen_fields = set()
            for item in form.fields:
                if item.name == "csrf_token" or item.name in seen_fields:
                    continue
                seen_fields.add(item.name)
                fields_tried += 1
                for payload in sample_of(payloads_for(item), fields_tried):
                    sweep.attack(browser, form, item, payload)
            log_findings("forms", sweep.server_errors + sweep.unescaped + sweep.english + sweep.changed_on_refusal
                         + sweep.bad_values)
    # Everything stored is shown escaped on every page each account reaches afterwards.
    for account, browser in browsers.items():
        _forms, visited, errors = crawl(browser.client, limit=PAGE_LIMIT, check=sweep.check_page)
        sweep.server_errors.extend(f"GET {url}: HTTP {code} (after the sweep)" for url, code in errors)
    elapsed = time.monotonic() - started
    print(f"\nhostile-input sweep (forms): {forms_tried} forms, {fields_tried} fields, {sweep.tried} "
          f"field × payload submissions ({sweep.refused} refused, {sweep.accepted} accepted), "
          f"{len(sweep.server_errors)} server errors, {len(sweep.unescaped)} unescaped outputs, "
          f"{len(sweep.english)} English messages, {len(sweep.changed_on_refusal)} changes on refusal, "
          f"{len(sweep.bad_values)} values a database would refuse, {elapsed:.0f}s")
    log_findings("forms", sweep.server_errors + sweep.unescaped + sweep.english + sweep.changed_on_refusal
                 + sweep.bad_values)
    assert forms_tried >= 40 and sweep.tried >= 400, "the crawl found fewer forms than the app has"
    assert not sweep.server_errors, "\n".join(sweep.server_errors[:40])
    assert not sweep.unescaped, "\n".join(sweep.unescaped[:40])
    assert not sweep.english, "\n".join(sorted(set(sweep.english))[:40])
    assert not sweep.changed_on_refusal, "\n".join(sweep.changed_on_refusal[:40])
    assert not sweep.bad_values, "\n".join(sweep.bad_values[:40])


# ----- the REST API ------------------------------------------------------------------------------------------------

JSON_PAYLOADS = [p for p in __import__("hostile_sweep").TEXT_PAYLOADS if p is not LIST] + [
    [1, 2], {"a": 1}, True, None, -1, 2 ** 63, 1.5, "RAW:Infinity", "RAW:NaN"]


def sample(schema: dict, spec: dict):
    """A valid-looking value for one property of an OpenAPI schema."""
    if "$ref" in schema:
        return None
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return 10
    if kind == "number":
        return 10
    if kind == "boolean":
        return True
    if kind == "string" and schema.get("format") == "date":
        return "2020-01-01"
    if kind == "string":
        return "测试内容"
    return None


def encode(body: dict, field: str, payload) -> str:
    import json

    if isinstance(payload, str) and payload.startswith("RAW:"):
        return json.dumps({**body, field: 0}).replace(f'"{field}": 0', f'"{field}": {payload[4:]}')
    return json.dumps({**body, field: payload})


def api_messages(response) -> list[str]:
    try:
        message = (response.get_json() or {}).get("message")
    except Exception:  # not JSON
        return [response.get_data(as_text=True)[:200]]
    found: list[str] = []

    def walk(value):
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(message)
    return found


def test_every_api_field_survives_every_payload(shared_app, browser_factory, sweep):
    from conftest import DEMO_PASSWORD
    from factories import UNIT_C, api_token, make_person

    with shared_app.app_context():
        make_person("api_hostile", DEMO_PASSWORD, UNIT_C, birth="19900101")
    client = shared_app.test_client()
    headers = api_token(client, "api_hostile", DEMO_PASSWORD)
    spec = client.get("/api/v1/_openapi", headers=headers).get_json()
    started = time.monotonic()
    tried = refused = 0
    errors: list[str] = []
    english: list[str] = []
    changed: list[str] = []
    bad_values: list[str] = []
    endpoints = 0

    def send(method: str, url: str, body: str, label: str) -> None:
        nonlocal tried, refused
        tried += 1
        sweep.writes.reset()
        try:
            response = client.open(url, method=method, data=body, headers={**headers, "Content-Type": "application/json"})
        except Exception as error:
            errors.append(f"{label}: {type(error).__name__}: {str(error)[:160]}")
            with shared_app.app_context():
                shared_app.extensions["sqlalchemy"].session.rollback()
            return
        if response.status_code >= 500:
            errors.append(f"{label}: HTTP {response.status_code} {response.get_data(as_text=True)[:160]}")
            return
        bad_values.extend(f"{label}: {bad}" for bad in sweep.writes.bad_values)
        if response.status_code >= 400:
            refused += 1
            english.extend(f"{label}: {text[:120]}" for text in english_leaks(api_messages(response)))
            if sweep.writes.tables:
                changed.append(f"{label}: wrote {sorted(sweep.writes.tables)}")

    for path, operations in sorted(spec["paths"].items()):
        if not path.startswith("/api/v1/profile-") and not path.startswith("/api/v1/applications"):
            continue
        for method in ("post", "put"):
            if method not in operations or "events" in path:
                continue
            content = operations[method].get("requestBody", {}).get("content", {}).get("application/json", {})
            schema = content.get("schema", {})
            if "$ref" in schema:
                schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            properties = schema.get("properties", {})
            if path.startswith("/api/v1/applications"):
                properties = {name: {} for name in ("business_type", "series", "title", "specialty", "exceptional",
                                                     "exceptional_reason", "form", "materials", "achievement_ids",
                                                     "publication_ids")}
                body = {"business_type": "evaluation", "series": "GC", "title": "GC_4",
                        "form": dict(EVALUATION_FORM), "materials": [{"name": "职称评审表", "copies": 1}]}
            else:
                body = {name: sample(prop, spec) for name, prop in properties.items()}
                body = {name: value for name, value in body.items() if value is not None}
            url = "http://localhost" + path.replace("{pk}", "0")
            if method == "put":
                created = client.post(url.rsplit("/", 1)[0] + "/", json=body, headers=headers)
                if created.status_code != 201:
                    continue
                made = created.get_json()
                url = url.rsplit("/", 1)[0] + f"/{made.get('id') or made['result']['id']}"
            endpoints += 1
            for field in properties:
                for payload in JSON_PAYLOADS:
                    send(method.upper(), url, encode(body, field, payload),
                         f"{method.upper()} {path} [{field}] {payload_label(payload) if isinstance(payload, str) else repr(payload)}")
            # wrong shapes of the whole body
            for raw in ("[]", "null", "\"text\"", "{", "1e309"):
                send(method.upper(), url, raw, f"{method.upper()} {path} body {raw}")
            # payloads in every string field at once, for the escaping check of the pages afterwards
            for marker in ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "=1+1"):
                send(method.upper(), url, __import__("json").dumps(
                    {**body, **{name: marker for name, value in body.items() if value == "测试内容"}}),
                     f"{method.upper()} {path} every text field {marker}")
    browser = browser_factory(shared_app, "api_hostile")
    _forms, _visited, crawl_errors = crawl(browser.client, limit=PAGE_LIMIT, check=sweep.check_page)
    errors.extend(f"GET {url}: HTTP {code}" for url, code in crawl_errors)
    print(f"\nhostile-input sweep (API): {endpoints} endpoints, {tried} field × payload requests ({refused} refused), "
          f"{len(errors)} server errors, {len(sweep.unescaped)} unescaped outputs, {len(english)} English messages, "
          f"{len(changed)} changes on refusal, {len(bad_values)} values a database would refuse, "
          f"{time.monotonic() - started:.0f}s")
    log_findings("api", errors + sweep.unescaped + english + changed + bad_values)
    assert endpoints >= 10 and tried >= 1000
    assert not errors, "\n".join(errors[:40])
    assert not sweep.unescaped, "\n".join(sweep.unescaped[:40])
    assert not english, "\n".join(sorted(set(english))[:40])
    assert not changed, "\n".join(changed[:40])
    assert not bad_values, "\n".join(bad_values[:40])


# ----- generated Word documents and Excel exports ------------------------------------------------------------------

MARKUP = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def docx_problems(content: bytes) -> list[str]:
    """Raw markup injected into the document's XML: a part that does not parse, or an element of no namespace."""
    from xml.etree import ElementTree

    problems = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if not (name.startswith("word/") and name.endswith(".xml")):
                continue
            try:
                root = ElementTree.fromstring(archive.read(name))
            except ElementTree.ParseError as error:
                problems.append(f"{name}: not well-formed ({error})")
                continue
            for element in root.iter():
                if not str(element.tag).startswith("{"):
                    problems.append(f"{name}: element <{element.tag}> injected")
    return problems


def docx_text(content: bytes) -> str:
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        root = ElementTree.fromstring(archive.read("word/document.xml"))
    return "".join(element.text or "" for element in root.iter() if str(element.tag).endswith("}t"))


def xlsx_problems(content: bytes) -> list[str]:
    """Formula cells, or text cells starting with = + - @ that Excel would read as a formula."""
    from openpyxl import load_workbook

    problems = []
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{sheet.title}!{cell.coordinate}: formula {cell.value!r}")
                elif isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")) \
                        and not cell.quotePrefix:
                    problems.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r} not neutralised")
    return problems


def test_payloads_are_inert_in_word_documents_and_excel_exports(app, browser_factory):
    """Payloads in the applicant's name, profile and application reach the generated forms and every export."""
    from app.extensions import db
    from app.models import Achievement, BasicInfo
    from app.workflow import drafts, engine
    from factories import user

    with app.app_context():
        applicant = user("demo_applicant")
        applicant.first_name = "=1+1" + MARKUP
        applicant.last_name = "@SUM(A1)"
        basic = db.session.query(BasicInfo).filter_by(user_id=applicant.id).one()
        basic.graduated_school = "+cmd|' /C calc'!A0" + MARKUP
        basic.major_studied = "-2+3"
        form = {**EVALUATION_FORM, "current_work": "=HYPERLINK(\"http://x\")" + MARKUP,
                "work_summary": MARKUP + "\n第二行 & <w:t>x</w:t>", "experience_detail": "@cmd"}
        application = drafts.save_draft(None, applicant, {
            "business_type": "evaluation", "series": "GC", "title": "GC_4", "form": form,
            "materials": [{"name": "=1+1" + MARKUP, "copies": 1}],
            "achievement_ids": [a.id for a in db.session.query(Achievement).filter_by(user_id=applicant.id)]})
        db.session.commit()
        draft_id = application.id
    applicant_browser = browser_factory(app, "demo_applicant")
    show = applicant_browser.get(f"/applications/{draft_id}")
    assert show.status_code == 200 and not unescaped(show.get_data(as_text=True))
    _forms, links = parse(f"/applications/{draft_id}", show.get_data(as_text=True))
    documents = sorted({urljoin(f"/applications/{draft_id}", link) for link in links
                        if "/documents/" in link and "format=pdf" not in link})  # the Word forms themselves
    assert documents, "the draft shows no generated form to download"
    checked_documents = 0
    for url in documents:
        response = applicant_browser.get(url)
        assert response.status_code == 200, url
        content = response.get_data()
        assert content[:2] == b"PK", (url, response.content_type, content[:200])
        assert not docx_problems(content), (url, docx_problems(content))
        text = docx_text(content)
        checked_documents += 1
        if "evaluation" in url or "评审" in text:
            assert "<script>alert(1)</script>" in text or "=1+1" in text or "cmd" in text, url
    # Submitted: the reviewers' lists and exports hold the same values.
    with app.app_context():
        engine.apply(draft_id, "submit", user("demo_applicant"))
    problems: list[str] = []
    exports = 0
    for account in ("demo_applicant", "demo_unit", "demo_supervisor", "demo_authority", "demo_admin"):
        browser = browser_factory(app, account)
        downloads: dict[str, str] = {}
        crawl(browser.client, limit=PAGE_LIMIT, downloads=downloads,
              check=lambda where, response: problems.extend(f"{where}: {m}" for m in unescaped(
                  response.get_data(as_text=True))))
        for url in downloads.values():
            response = browser.get(url)
            if response.status_code >= 500:
                problems.append(f"{account} GET {url}: HTTP {response.status_code}")
            if response.status_code != 200:
                continue
            content = response.get_data()
            if content[:2] != b"PK":
                continue
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = archive.namelist()
            if any(name.startswith("xl/") for name in names):
                exports += 1
                problems.extend(f"{account} {url}: {p}" for p in xlsx_problems(content))
            elif any(name.startswith("word/") for name in names):
                checked_documents += 1
                problems.extend(f"{account} {url}: {p}" for p in docx_problems(content))
    print(f"\nhostile-input sweep (files): {checked_documents} Word documents, {exports} Excel exports checked, "
          f"{len(problems)} problems")
    assert exports >= 5
    assert not problems, "\n".join(problems[:40])


# ----- the request-wide rules --------------------------------------------------------------------------------------

def test_an_oversized_upload_gets_the_chinese_413_page_and_changes_nothing(app_with, browser_factory):
    from factories import table_digest

    app = app_with(MAX_CONTENT_LENGTH=64 * 1024)
    browser = browser_factory(app, "demo_applicant")
    before = table_digest(app, ["profile_education", "attachment"])
    response = browser.post("/profile/education/add", {
        "school": "华南理工大学", "upload": (io.BytesIO(b"%PDF-1.4\n" + b"0" * 100_000), "big.pdf")})
    body = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "文件过大" in body or "超过" in body, body[:500]
    assert table_digest(app, ["profile_education", "attachment"]) == before


@pytest.mark.parametrize("value", ["a\x00b", "\x1b[31m", "\u202etxt.exe"])
def test_control_characters_are_refused_with_the_field_named(app, browser_factory, value):
    from factories import table_digest

    browser = browser_factory(app, "demo_applicant")
    before = table_digest(app, ["profile_work"])
    response = browser.post("/profile/work/add", {"employer": value, "start_date": "2010-01-01"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "控制字符" in body and "employer" in body
    assert table_digest(app, ["profile_work"]) == before
    # The same rule for JSON bodies and uploaded file names.
    from conftest import DEMO_PASSWORD
    from factories import api_token

    client = app.test_client()
    headers = api_token(client, "demo_applicant", DEMO_PASSWORD)
    refused = client.post("/api/v1/profile-work/", json={"employer": value}, headers=headers)
    assert refused.status_code == 400 and "控制字符" in refused.get_json()["message"]
    named = browser.post("/profile/work/add", {"employer": "某公司", "upload": (io.BytesIO(b"%PDF-1.4"), f"a{value}.pdf")})
    assert named.status_code == 400
    assert table_digest(app, ["profile_work"]) == before
