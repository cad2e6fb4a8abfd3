"""Checks of the Chinese message catalogue (translations/zh/LC_MESSAGES/messages.po).

Babel and stdlib only, no app import. Chinese is the default UI language, so every string the code
marks for translation must have a real Chinese translation here. When a test fails because of a new
string, run ``tools/i18n.sh update``, translate the new entries in the .po, then ``tools/i18n.sh compile``.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
BABEL_CFG = ROOT / "babel.cfg"
PO_FILE = ROOT / "translations/zh/LC_MESSAGES/messages.po"
MO_FILE = ROOT / "translations/zh/LC_MESSAGES/messages.mo"

# The markers used in the code, as tools/i18n.sh extracts them (pybabel's defaults plus these).
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
}

# %(name)s / %(name)d (with optional flags), positional %s / %d, and str.format {name} / {0} / {}.
PLACEHOLDER_RE = re.compile(
    r"%\([^)]+\)[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|%[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|\{[A-Za-z0-9_]*\}"
)
CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
LETTER_RE = re.compile(r"[A-Za-z]")


def _placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER_RE.findall(text.replace("%%", "")))


def _strings(value) -> list[str]:
    """A msgid or msgstr as a list: plural entries are tuples."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _label(message) -> str:
    where = ", ".join(f"{path}:{line}" if line else path for path, line in message.locations)
    return f"{_strings(message.id)[0]!r}" + (f" ({where})" if where else "")


@pytest.fixture(scope="module")
def catalog():
    assert PO_FILE.is_file(), f"{PO_FILE} is missing; run tools/i18n.sh update"
    with PO_FILE.open("rb") as f:
        return read_po(f, locale="zh")


@pytest.fixture(scope="module")
def messages(catalog):
    """Every real entry (the header excluded)."""
    return [m for m in catalog if m.id]


def _mapping():
    try:
        from babel.messages.frontend import parse_mapping_cfg
    except ImportError:  # Babel < 2.14
        from babel.messages.frontend import parse_mapping as parse_mapping_cfg
    with BABEL_CFG.open(encoding="utf-8") as f:
        return parse_mapping_cfg(f, filename=str(BABEL_CFG))


def test_catalogue_has_entries(messages):
    assert len(messages) > 50


def test_no_untranslated_entries(messages):
    untranslated = [_label(m) for m in messages if not all(s.strip() for s in _strings(m.string) or [""])]
    assert not untranslated, "Untranslated entries in messages.po:\n" + "\n".join(untranslated)


def test_no_fuzzy_entries(messages):
    fuzzy = [_label(m) for m in messages if m.fuzzy]
    assert not fuzzy, "Fuzzy entries in messages.po (check the translation, then drop '#, fuzzy'):\n" + "\n".join(fuzzy)


def test_placeholders_match(messages):
    wrong = []
    for m in messages:
        ids = _strings(m.id)
        expected = _placeholders(ids[0])
        if len(ids) > 1:
            # Chinese has one plural form, which must serve both English forms.
            expected = expected | _placeholders(ids[1])
        for translated in _strings(m.string):
            if translated and _placeholders(translated) != expected:
                wrong.append(
                    f"{_label(m)}: expected {sorted(expected.elements())}, "
                    f"found {sorted(_placeholders(translated).elements())} in {translated!r}"
                )
    assert not wrong, "Placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_translations_are_chinese(messages):
    not_chinese = []
    for m in messages:
        bare_id = PLACEHOLDER_RE.sub("", _strings(m.id)[0])
        if not LETTER_RE.search(bare_id):
            continue  # nothing to translate: punctuation and placeholders only
        for translated in _strings(m.string):
            if translated and not CJK_RE.search(translated):
                not_chinese.append(f"{_label(m)} -> {translated!r}")
    assert not not_chinese, "Translations without any Chinese character:\n" + "\n".join(not_chinese)


def test_every_code_message_is_translated(catalog):
    """Extract from the code as it is now: a new marked string without a translation fails here."""
    method_map, options_map = _mapping()
    missing = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        if not msgid:
            continue
        entry = catalog.get(msgid, context=context)
        if entry is None or entry.fuzzy or not all(_strings(entry.string) or [""]):
            missing.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    assert not missing, (
        "Messages in the code without a Chinese translation in messages.po "
        "(run tools/i18n.sh update, translate them, then tools/i18n.sh compile):\n"
        + "\n".join(f"{msgid!r}{f' [context {ctx!r}]' if ctx else ''} at {', '.join(where)}"
                    for (msgid, ctx), where in sorted(missing.items(), key=lambda kv: kv[0][0]))
    )


def test_compiled_catalogue_is_current(messages):
    """The .mo is what the app loads: when one is built, it must carry the same translations as the .po."""
    if not MO_FILE.is_file():
        pytest.skip("messages.mo is not built (it is not committed; tools/i18n.sh compile builds it)")
    with MO_FILE.open("rb") as f:
        compiled = read_mo(f)
    stale = []
    for m in messages:
        entry = compiled.get(m.id, context=m.context)
        if entry is None or _strings(entry.string) != _strings(m.string):
            stale.append(_label(m))
    assert not stale, "messages.mo is out of date (run tools/i18n.sh compile):\n" + "\n".join(stale)
