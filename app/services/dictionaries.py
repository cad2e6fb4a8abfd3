"""Dictionaries: loading the shipped values, cached lookups, and the rules for editing items."""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection

from app.errors import DomainError, ErrorCollector
from app.extensions import db
from app.models import DictItem, DictType
from app.models.mixins import utcnow
from app.shared_state import key as shared_key
from app.shared_state import redis_client

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "dictionaries"
log = logging.getLogger(__name__)
CODE_RE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")


# ----- loading the shipped values (used by the migration and `flask dict load`) -----
def load_builtin(connection: Connection, data_dir: Path = DATA_DIR) -> int:
    """Insert every shipped type and item that is missing; existing rows (and admins' edits) stay. Returns rows added."""
    type_table, item_table = DictType.__table__, DictItem.__table__
    added = 0
    now = utcnow()
    for path in sorted(data_dir.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        type_id = connection.scalar(select(type_table.c.id).where(type_table.c.code == spec["code"]))
        if type_id is None:
            type_id = connection.execute(
                type_table.insert().values(
                    code=spec["code"], name=spec["name"], name_en=spec.get("name_en"),
                    description=spec.get("description"), hierarchical=bool(spec.get("hierarchical")),
                    builtin=True, created_at=now, updated_at=now, version=1,
                )
            ).inserted_primary_key[0]
            added += 1
        existing = dict(
            connection.execute(
                select(item_table.c.code, item_table.c.id).where(item_table.c.type_id == type_id)
            ).all()
        )

        def insert(items: list[dict], parent_id: int | None) -> None:
            nonlocal added
            for position, item in enumerate(items, start=1):
                item_id = existing.get(item["code"])
                if item_id is None:
                    item_id = connection.execute(
                        item_table.insert().values(
                            type_id=type_id, code=item["code"], label=item["label"],
                            label_en=item.get("label_en"), parent_id=parent_id, sort_order=position * 10,
                            active=True, attrs=item.get("attrs"), created_at=now, updated_at=now, version=1,
                        )
                    ).inserted_primary_key[0]
                    existing[item["code"]] = item_id
                    added += 1
                insert(item.get("children", []), item_id)

        insert(spec["items"], None)
    invalidate()
    return added


# ----- cached lookups -----
@dataclass(frozen=True)
class Entry:
    """One cached dictionary value."""

    code: str
    label: str
    label_en: str | None
    parent_code: str | None
    active: bool
    attrs: dict

    def display(self, english: bool) -> str:
        return (self.label_en or self.label) if english else self.label


# type code → (loaded at, the shared generation it was loaded under, values). Each process keeps its own copy; with
# REDIS_URL set, a generation counter in Redis, bumped after every committed edit, tells every process to reload
# (checked once per request); without Redis a copy lives at most DICTIONARY_CACHE_SECONDS.
_cache: dict[str, tuple[float, int | None, list[Entry]]] = {}
_lock = threading.Lock()
GENERATION_KEY = "dict:generation"
_PENDING_KEY = "zp_dictionaries_changed"
_G_KEY = "_zp_dict_generation"
# After Redis failed to answer, this process leans on the time-to-live alone for a few seconds before asking again.
_REDIS_RETRY_SECONDS = 5.0
_redis_down_until = 0.0


def invalidate(type_code: str | None = None) -> None:
    """Forget cached values (of one type, or all) after an edit, in this process now and, once the edit is
    committed, in every process (the shared generation is bumped after the commit, so no process can reload
    the old rows under the new generation)."""
    _forget(type_code)
    _bump_generation()
    if not has_app_context():
        return
    session = db.session()
    if session.in_transaction() and not session.info.get(_PENDING_KEY):
        session.info[_PENDING_KEY] = True
        event.listen(session, "after_commit", _after_commit, once=True)


def _forget(type_code: str | None) -> None:
    with _lock:
        if type_code is None:
            _cache.clear()
        else:
            _cache.pop(type_code, None)


def _after_commit(session) -> None:
    session.info.pop(_PENDING_KEY, None)
    _forget(None)
    _bump_generation()
    if has_request_context():
        g.pop(_G_KEY, None)


def _bump_generation() -> None:
    client = redis_client()
    if client is None:
        return
    try:
        client.incr(shared_key(GENERATION_KEY))
    except Exception as error:  # noqa: BLE001 - Redis away: the other processes fall back on the time-to-live
        log.warning("could not publish a dictionary change to Redis: %s", error)


def _generation() -> int | None:
    """The shared generation of the dictionaries (read once per request), or None without Redis."""
    global _redis_down_until
    client = redis_client()
    if client is None or time.monotonic() < _redis_down_until:
        return None
    if has_request_context() and _G_KEY in g:
        return g.get(_G_KEY)
    try:
        value = int(client.get(shared_key(GENERATION_KEY)) or 0)
    except Exception as error:  # noqa: BLE001
        log.warning("could not read the dictionary generation from Redis: %s", error)
        _redis_down_until = time.monotonic() + _REDIS_RETRY_SECONDS
        value = None
    if has_request_context():
        setattr(g, _G_KEY, value)
    return value


def entries(type_code: str) -> list[Entry]:
    """Every value of a type in display order, cached for DICTIONARY_CACHE_SECONDS (and, with Redis, until any
    process commits a dictionary edit)."""
    ttl = current_app.config.get("DICTIONARY_CACHE_SECONDS", 60) if has_app_context() else 60
    now = time.monotonic()
    generation = _generation() if ttl > 0 else None
    cached = _cache.get(type_code)
    if cached and now - cached[0] < ttl and cached[1] == generation:
        return cached[2]
    parent = DictItem.__table__.alias("parent")
    item = DictItem.__table__
    rows = db.session.execute(
        select(item.c.code, item.c.label, item.c.label_en, parent.c.code, item.c.active, item.c.attrs)
        .join(DictType.__table__, DictType.__table__.c.id == item.c.type_id)
        .outerjoin(parent, parent.c.id == item.c.parent_id)
        .where(DictType.__table__.c.code == type_code)
        .order_by(item.c.sort_order, item.c.id)
    ).all()
    values = [Entry(r[0], r[1], r[2], r[3], bool(r[4]), r[5] or {}) for r in rows]
    with _lock:
        _cache[type_code] = (now, generation, values)
    return values


def _english() -> bool:
    locale = get_locale() if has_app_context() else None
    return bool(locale and locale.language == "en")


def label(type_code: str, code: str | None) -> str:
    """The label of a code in the current language; the raw code when it is unknown."""
    if code in (None, ""):
        return ""
    english = _english()
    for entry in entries(type_code):
        if entry.code == code:
            return entry.display(english)
    return str(code)


def choices(type_code: str, parent_code: str | None = None, *, include_inactive: bool = False,
            **attr_filter: str) -> list[tuple[str, str]]:
    """(code, label) pairs for a select, optionally below one parent or matching attrs."""
    english = _english()
    return [
        (entry.code, entry.display(english))
        for entry in entries(type_code)
        if (include_inactive or entry.active)
        and (parent_code is None or entry.parent_code == parent_code)
        and all(entry.attrs.get(k) == v for k, v in attr_filter.items())
    ]


def attr(type_code: str, code: str | None, name: str):
    """An attribute of a value, inherited from its parents when the value itself lacks it."""
    by_code = {entry.code: entry for entry in entries(type_code)}
    entry = by_code.get(code)
    while entry is not None:
        if name in entry.attrs:
            return entry.attrs[name]
        entry = by_code.get(entry.parent_code)
    return None


def in_series(type_code: str, code: str | None, series: str | None) -> bool:
    """Whether a series-bound value (title, specialty) belongs to `series`; values without a series fit any."""
    return attr(type_code, code, "series") in (None, series)


def is_valid_code(type_code: str, code: str) -> bool:
    """Whether a code is an active value of the type."""
    return any(entry.code == code and entry.active for entry in entries(type_code))


# ----- editing rules -----
def validate_type(dict_type: DictType) -> None:
    """Check a dictionary type before it is saved."""
    errors = ErrorCollector()
    dict_type.code = (dict_type.code or "").strip()
    dict_type.name = (dict_type.name or "").strip()
    if not CODE_RE.match(dict_type.code):
        errors.add("code", _("The code may contain only letters, digits, _ and - (at most 32)."))
    elif _count(DictType, DictType.code == dict_type.code, dict_type.id):
        errors.add("code", _("This code is already used."))
    if not dict_type.name:
        errors.add("name", _("Please enter the name."))
    elif _count(DictType, DictType.name == dict_type.name, dict_type.id):
        errors.add("name", _("This name is already used."))
    errors.raise_if_any()


def validate_item(item: DictItem) -> None:
    """Check a dictionary item before it is saved."""
    errors = ErrorCollector()
    item.code = (item.code or "").strip()
    item.label = (item.label or "").strip()
    if item.dict_type is None:
        errors.add("dict_type", _("Please choose the dictionary type."))
    if not CODE_RE.match(item.code):
        errors.add("code", _("The code may contain only letters, digits, _ and - (at most 32)."))
    elif item.dict_type is not None and _count(
        DictItem, (DictItem.type_id == item.dict_type.id) & (DictItem.code == item.code), item.id
    ):
        errors.add("code", _("This code is already used in this dictionary."))
    elif item.dict_type is not None and _in_recycle_bin(item):
        errors.add("code", _("A deleted value of this dictionary has this code; restore it from the recycle bin."))
    if not item.label:
        errors.add("label", _("Please enter the label."))
    if item.parent is not None and item.dict_type is not None:
        if not item.dict_type.hierarchical:
            errors.add("parent", _("This dictionary has no hierarchy; leave the parent empty."))
        elif item.parent.type_id != item.dict_type.id:
            errors.add("parent", _("The parent must belong to the same dictionary."))
        elif item.id is not None and _is_descendant(item.parent, item.id):
            errors.add("parent", _("The parent cannot be the item itself or one below it."))
    errors.raise_if_any()


def check_deletable_item(item: DictItem) -> None:
    """Shipped values are referenced by stored records: they can be deactivated, not deleted."""
    if item.dict_type.builtin:
        raise DomainError(_("Values of a built-in dictionary cannot be deleted; mark them inactive instead."))
    if _count(DictItem, DictItem.parent_id == item.id, None):
        raise DomainError(_("This value still has values below it."))


def check_deletable_type(dict_type: DictType) -> None:
    """Built-in types are used by the code and cannot be deleted."""
    if dict_type.builtin:
        raise DomainError(_("A built-in dictionary cannot be deleted."))


def _in_recycle_bin(item: DictItem) -> bool:
    """Whether a soft-deleted value of the same dictionary holds the code (the unique constraint still counts it)."""
    query = select(func.count()).select_from(DictItem).where(
        DictItem.type_id == item.dict_type.id, DictItem.code == item.code, DictItem.deleted_at.is_not(None))
    with db.session.no_autoflush:
        return bool(db.session.scalar(query.execution_options(include_deleted=True)))


def _count(model, condition, exclude_id: int | None) -> int:
    query = select(func.count()).select_from(model).where(condition)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    with db.session.no_autoflush:
        return db.session.scalar(query)


def _is_descendant(node: DictItem, ancestor_id: int) -> bool:
    seen = set()
    while node is not None and node.id not in seen:
        if node.id == ancestor_id:
            return True
        seen.add(node.id)
        node = node.parent
    return False
