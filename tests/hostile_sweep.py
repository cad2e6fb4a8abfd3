"""The hostile-input sweep's machinery: crawl the pages each account reaches, find the forms, attack each field.

Used by tests/functional/test_hostile_input.py. Nothing here knows a particular form: forms are discovered by
following the links of every page (same site, GET only) and parsing their <form> elements.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# ----- parsing -----------------------------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, hidden, file, password, date, number, email ...
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    page: str
    action: str
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)
    submit: tuple[str, str] | None = None  # name/value of the first named submit button

    def key(self) -> str:
        return f"{pattern(self.action)}|{','.join(sorted({f.name for f in self.fields}))}"

    def valid_data(self) -> dict:
        """What the page would send unchanged: defaults, the selected option, checked boxes."""
        data: dict[str, list] = {}
        for item in self.fields:
            if item.kind == "file":
                continue
            if item.kind in ("checkbox", "radio"):
                if item.value == "\0checked":
                    continue
                if not item.value.startswith("\0on:"):
                    continue
                data.setdefault(item.name, []).append(item.value[4:])
                continue
            data.setdefault(item.name, []).append(item.value)
        if self.submit:
            data.setdefault(self.submit[0], []).append(self.submit[1])
        return data


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option_value: str | None = None
        self._option_selected = False
        self._option_text = ""
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self._form = Form(self.page, action, (a.get("method") or "get").lower(),
                              (a.get("enctype") or "").lower())
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                if self._form.submit is None:
                    self._form.submit = (a["name"], a.get("value", ""))
                return
            value = a.get("value", "")
            if kind in ("checkbox", "radio"):
                value = ("\0on:" + (value or "y")) if "checked" in a else ("\0off:" + (value or "y"))
            self._form.fields.append(Field(a["name"], kind, value))
        elif tag == "button" and a.get("name") and (a.get("type") or "submit") == "submit":
            if self._form.submit is None:
                self._form.submit = (a["name"], a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea", "")
            self._form.fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", "", multiple="multiple" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._option_selected = "selected" in a
            self._option_text = ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._select is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "option" and self._select is not None:
            value = self._option_value if self._option_value is not None else self._option_text.strip()
            self._select.options.append(value)
            if self._option_selected:
                self._select.value = value
                self._select.chosen = True
            elif not getattr(self._select, "chosen", False) and not self._select.value and value:
                self._select.value = value
            self._option_value = None
        elif tag == "select":
            self._select = None


def parse(page: str, body: str) -> tuple[list[Form], list[str]]:
    parser = _FormParser(page)
    parser.feed(body)
    return parser.forms, parser.links


_LIST_ARGS = re.compile(r"^(_oc_|_od_|page_|psize_|_flt_|next|tab|page$|q$)")


def pattern(url: str) -> str:
    """The URL with numbers replaced and list arguments (sorting, paging, filters) dropped: one page per pattern."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/N", parts.path)
    query = "&".join(sorted(
        re.sub(r"=\d+$", "=N", pair) for pair in parts.query.split("&") if pair and not _LIST_ARGS.match(pair)))
    return path + ("?" + query if query else "")


# ----- what an escaped output looks like -------------------------------------------------------------------------

MARKERS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>")


def unescaped(body: str) -> list[str]:
    """Raw payload markup in an HTML page (the payloads escaped are &lt;script&gt;… and harmless)."""
    return [marker for marker in MARKERS if marker in body]


CJK = re.compile(r"[\u4e00-\u9fff]")


# ----- crawling ----------------------------------------------------------------------------------------------------

SKIP_LINK = re.compile(
    r"logout|/lang/|delete|/action|toggle|download|export|/file/|/files/|\.(pdf|docx|xlsx|png|jpg|zip)$|"
    r"/static/|/appbuilder/|/swagger|/api/|/captcha|/confirm|/verify/\w+/|mailto:|javascript:", re.I)


def crawl(client, start=("/",), limit=400, per_pattern=1, check=None, downloads=None):
    """Visit the pages reachable by links (GET, this site); return {form key: Form} and the pages seen."""
    seen_patterns: dict[str, int] = {}
    queue = list(start)
    visited: list[str] = []
    forms: dict[str, Form] = {}
    errors: list[tuple[str, int]] = []
    while queue and len(visited) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc and parts.netloc not in ("localhost",):
            continue
        url = parts.path + ("?" + parts.query if parts.query else "")
        key = pattern(url)
        if seen_patterns.get(key, 0) >= per_pattern or SKIP_LINK.search(url):
            continue
        seen_patterns[key] = seen_patterns.get(key, 0) + 1
        response = client.get(url)
        visited.append(url)
        if response.status_code >= 500:
            errors.append((url, response.status_code))
            continue
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        body = response.get_data(as_text=True)
        if check is not None:
            check(f"GET {url}", response)
        page_forms, links = parse(url, body)
        for form in page_forms:
            if form.method == "post":
                forms.setdefault(form.key(), form)
        for link in links:
            absolute = urljoin(url, link.split("#")[0])
            if downloads is not None and re.search(r"export|/documents/", absolute) and "/static/" not in absolute:
                downloads.setdefault(pattern(urlsplit(absolute).path + "?" + urlsplit(absolute).query), absolute)
            if absolute and pattern(urlsplit(absolute).path) not in seen_patterns:
                queue.append(absolute)
            elif absolute:
                queue.append(absolute)
    return forms, visited, errors


# ----- payloads ----------------------------------------------------------------------------------------------------

LIST = object()  # the field sent twice, as a list

TEXT_PAYLOADS = [
    "长" * 10_000,                                                      # oversize
    "a\x00b\x1b[0m\u202ec",                                           # control characters
    '<script>alert(1)</script>"><img src=x onerror=alert(1)>',          # markup, in and out of an attribute
    "' OR 1=1 --%_\\",                                                # SQL metacharacters
    "2026-02-30", "1e309", str(2 ** 63),                                # out-of-range dates and numbers
    LIST,                                                               # a list where one value is expected
]
# Closed fields (selects, check boxes, hidden ids and versions): wrong types and markup, out-of-range numbers.
CLOSED_PAYLOADS = ["<script>alert(1)</script>", str(2 ** 63)]


def _zip(entries: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
FILE_PAYLOADS = [
    ("garbage.xlsx", b"PK\x03\x04" + b"\xff" * 300),                  # zip garbage
    ("garbage.docx", b"PK\x03\x04garbage" * 20),
    ("not-a-sheet.xlsx", _zip({"hello.txt": b"hi"})),                 # a zip, not a workbook
    ("image.pdf", PNG),                                               # content does not match the extension
    ("program.xlsx", b"MZ\x90\x00" + b"\0" * 200),                    # an exe named .xlsx
    ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"),      # path-like names
    ("..\\..\\a.pdf", b"%PDF-1.4\n%%EOF\n"),
    ("a\x00b.pdf", b"%PDF-1.4\n%%EOF\n"),
    ("<img src=x onerror=alert(1)>.pdf", b"%PDF-1.4\n%%EOF\n"),
    ("empty.pdf", b""),
]


def payloads_for(item: Field) -> list:
    if item.kind == "file":
        return FILE_PAYLOADS
    if item.kind in ("text", "textarea", "password", "date", "number", "email", "search", "tel", "url"):
        return TEXT_PAYLOADS
    return CLOSED_PAYLOADS


# ----- messages ----------------------------------------------------------------------------------------------------

_MESSAGE_CLASSES = ("help-block", "alert-danger", "alert-warning", "text-danger", "panel-danger", "error-block")


class _Messages(HTMLParser):
    """Texts of the error elements of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.texts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "input", "hr", "meta", "link"):
            return
        classes = dict(attrs).get("class") or ""
        inside = any(name in classes for name in _MESSAGE_CLASSES)
        if inside and self._current is None:
            self._current = []
        self.stack.append(inside)

    def handle_endtag(self, tag):
        if tag in ("br", "img", "input", "hr", "meta", "link") or not self.stack:
            return
        inside = self.stack.pop()
        if inside and self._current is not None and not any(self.stack):
            text = " ".join("".join(self._current).split()).replace("×", "").strip()
            if text:
                self.texts.append(text)
            self._current = None

    def handle_data(self, data):
        if self._current is not None:
            self._current.append(data)


def error_messages(body: str) -> list[str]:
    parser = _Messages()
    parser.feed(body)
    return parser.texts


def english_leaks(texts) -> list[str]:
    """Messages without any Chinese: an untranslated msgid or a library's English message."""
    return [text for text in texts if not CJK.search(text) and re.search(r"[A-Za-z]{3,}", text)]


# ----- what a request wrote ----------------------------------------------------------------------------------------

# Written on purpose by refused attempts (logs, counters of failed logins, captchas).
LOG_TABLES = {"operation_log", "login_log", "captcha_challenge", "outbound_mail", "change_log"}
IGNORED_COLUMNS = {("ab_user", "fail_login_count"), ("ab_user", "last_login"), ("ab_user", "login_count"),
                   ("ab_user", "locked_until"), ("ab_user", "changed_on")}
INT32 = 2 ** 31 - 1


class Writes:
    """Records every ORM write of the app's session; checks values the databases would refuse or corrupt."""

    def __init__(self) -> None:
        self.tables: set[str] = set()
        self.pending: set[str] = set()
        self.bad_values: list[str] = []

    def reset(self) -> None:
        self.tables = set()
        self.pending: set[str] = set()
        self.bad_values = []

    def committed(self, session) -> None:
        """Only committed writes count: a view may flush while validating, then roll back."""
        self.tables |= self.pending
        self.pending = set()

    def rolled_back(self, session) -> None:
        self.pending = set()

    def install(self, session) -> None:
        from sqlalchemy import event

        event.listen(session, "before_flush", self._before_flush)

    def _before_flush(self, session, context, instances):
        import math

        from sqlalchemy import inspect as sa_inspect
        from sqlalchemy.types import BigInteger, Float, Integer, Numeric, String

        for obj in list(session.new) + list(session.dirty) + list(session.deleted):
            state = sa_inspect(obj)
            mapper = state.mapper
            table = mapper.local_table.name if mapper.local_table is not None else type(obj).__name__
            if obj in session.deleted:
                changed = [None]
            elif obj in session.new:
                changed = [attr for attr in mapper.column_attrs if getattr(obj, attr.key, None) is not None]
            else:
                changed = [attr for attr in mapper.column_attrs if state.attrs[attr.key].history.has_changes()]
            for attr in changed:
                if attr is None:
                    self.pending.add(table)
                    continue
                column_name = attr.columns[0].name
                if (table, column_name) not in IGNORED_COLUMNS and table not in LOG_TABLES:
                    self.pending.add(table)
                value = getattr(obj, attr.key, None)
                kind = attr.columns[0].type
                where = f"{table}.{column_name}"
                if isinstance(value, str):
                    length = getattr(kind, "length", None)
                    if isinstance(kind, String) and length and len(value) > length:
                        self.bad_values.append(f"{where}: {len(value)} characters > {length}")
                    if "\x00" in value:
                        self.bad_values.append(f"{where}: NUL character (PostgreSQL refuses it)")
                elif isinstance(value, bool):
                    continue
                elif isinstance(value, int):
                    limit = 2 ** 63 - 1 if isinstance(kind, BigInteger) else INT32
                    if isinstance(kind, Integer) and not -limit - 1 <= value <= limit:
                        self.bad_values.append(f"{where}: {value} out of the column's range")
                elif isinstance(value, float) and isinstance(kind, (Float, Numeric)):
                    if math.isinf(value) or math.isnan(value):
                        self.bad_values.append(f"{where}: {value}")
