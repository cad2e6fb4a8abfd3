"""Field-level change history written by a session event: every insert, update and delete of a tracked model.

`install()` registers one `after_flush` listener on every SQLAlchemy session. For each tracked object flushed it
writes one `change_log` row per changed field (old → new as display text), stamped with the request's user, the
user's role names and IP, and a change id shared by all rows of one transaction. Password hashes are never stored.
"""
from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import uuid

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE as _NO_VALUE

from app.models import (
    Achievement, Application, ApplicationMaterial, AppUser, BasicInfo, ChangeLog, DictItem, DictType, Education,
    ExamScore, Honour, Org, Position, Publication, Training, WorkExperience,
)
from app.models.mixins import utcnow
from app.services.audit import actor_roles, client_ip, request_actor

PROFILE = "profile"
SECRET = "[changed]"  # stored instead of a secret's value; shown as 已修改
MAX_VALUE = 2000

# Columns that change on every save or are bookkeeping, not content.
SKIPPED = frozenset({
    "id", "version", "created_at", "updated_at", "created_on", "changed_on", "created_by_fk", "changed_by_fk",
    "last_login", "login_count", "fail_login_count",
})
SECRET_FIELDS = frozenset({"password"})
COLLECTIONS = {AppUser: ("roles", "orgs"), Application: ("achievements", "publications")}
PROFILE_MODELS = (BasicInfo, Education, WorkExperience, Position, Training, ExamScore, Achievement, Publication,
                  Honour)

# record type → the (owner type, owner id) whose timeline shows its changes
OWNERS = {
    **{model: (lambda obj: (PROFILE, obj.user_id)) for model in PROFILE_MODELS},
    Application: lambda obj: ("Application", obj.id),
    ApplicationMaterial: lambda obj: ("Application", obj.application_id),
    Org: lambda obj: ("Org", obj.id),
    DictType: lambda obj: ("DictType", obj.id),
    DictItem: lambda obj: ("DictItem", obj.id),
    AppUser: lambda obj: ("AppUser", obj.id),
}


def text(value) -> str | None:
    """A value as stored display text: enums by value, dates ISO, JSON compact."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        result = "true" if value else "false"
    elif isinstance(value, (dt.date, dt.datetime, dt.time)):
        result = value.isoformat()
    elif isinstance(value, (dict, list)):
        result = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    elif isinstance(value, (int, float, decimal.Decimal, str)):
        result = str(value)
    else:
        result = str(value)
    return result[:MAX_VALUE]


def _related_text(objects) -> str | None:
    names = sorted(str(getattr(obj, "name", None) or obj) for obj in objects)
    return "、".join(names) if names else None


def _column_changes(obj, operation: str) -> list[tuple[str, str | None, str | None]]:
    """(field, old, new) of the object's changed columns; every non-empty column on insert and delete."""
    state = inspect(obj)
    changes: list[tuple[str, str | None, str | None]] = []
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in SKIPPED:
            continue
        if operation == "update":
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
        else:
            loaded = state.attrs[key].loaded_value
            value = None if loaded is _NO_VALUE else loaded
            if value is None or value == "" or value == {} or value == []:
                continue
            old, new = (None, value) if operation == "insert" else (value, None)
        if key in SECRET_FIELDS:
            changes.append((key, None, SECRET))
        elif isinstance(old, dict) or isinstance(new, dict):
            changes.extend(_dict_changes(key, old or {}, new or {}))
        else:
            changes.append((key, text(old), text(new)))
    for key in COLLECTIONS.get(type(obj), ()):
        history = state.attrs[key].history
        if operation == "update" and (history.added or history.deleted):
            before = [o for o in history.unchanged + history.deleted]
            after = [o for o in history.unchanged + history.added]
            changes.append((key, _related_text(before), _related_text(after)))
    return changes


def _dict_changes(key: str, old: dict, new: dict):
    """One change per differing key of a JSON object column (field "form.title")."""
    for name in sorted(set(old) | set(new), key=str):
        if old.get(name) != new.get(name):
            yield f"{key}.{name}"[:60], text(old.get(name)), text(new.get(name))


def _change_id(session: Session) -> str:
    """One id per transaction, shared by every row the transaction writes."""
    change_id = session.info.get("zp_change_id")
    if change_id is None:
        change_id = session.info["zp_change_id"] = uuid.uuid4().hex
    return change_id


def _after_flush(session: Session, flush_context) -> None:
    work = [(obj, "insert") for obj in session.new] + [(obj, "update") for obj in session.dirty] + [
        (obj, "delete") for obj in session.deleted]
    work = [(obj, operation) for obj, operation in work if type(obj) in OWNERS]
    if not work:
        return
    with session.no_autoflush:
        actor = request_actor()
        roles = actor_roles(actor)
        rows = []
        now = utcnow()
        for obj, operation in work:
            if operation == "update" and not session.is_modified(obj):
                continue
            owner_type, owner_id = OWNERS[type(obj)](obj)
            base = dict(at=now, user_id=getattr(actor, "id", None), roles=roles, ip=client_ip(),
                        change_id=_change_id(session), operation=operation, record_type=type(obj).__name__,
                        record_id=inspect(obj).mapper.primary_key_from_instance(obj)[0],
                        owner_type=owner_type, owner_id=owner_id)
            changes = _column_changes(obj, operation)
            if not changes and operation != "update":
                changes = [("id", None, None)]
            rows.extend({**base, "field": field, "old_value": old, "new_value": new}
                        for field, old, new in changes)
    if rows:
        session.connection().execute(ChangeLog.__table__.insert(), rows)


def _end_transaction(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("zp_change_id", None)


_installed = False


def install() -> None:
    """Register the listeners once per process, for every session."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_transaction_end", _end_transaction)
    _installed = True
