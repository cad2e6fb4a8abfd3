"""Writing the operation log."""
from __future__ import annotations

from flask import g, has_request_context, request

from app.extensions import db
from app.models import OperationLog


def client_ip() -> str | None:
    """The address of the current request's client, if there is a request."""
    return request.remote_addr if has_request_context() else None


def request_actor():
    """The signed-in user of the current request (session or JWT), or None outside a request."""
    if not has_request_context():
        return None
    user = g.get("user")
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    jwt_user = g.get("_jwt_extended_jwt_user") or {}
    return jwt_user.get("loaded_user")


def actor_roles(actor) -> str | None:
    """The actor's role names at this moment, comma-separated (kept with the entry: roles change later)."""
    roles = getattr(actor, "roles", None)
    if not roles:
        return None
    return ",".join(sorted(role.name for role in roles))[:255]


def pending_for(target) -> bool:
    """Whether this transaction already holds an operation-log row about the target (a service logged it)."""
    kind, key = type(target).__name__, getattr(target, "id", None)
    return any(isinstance(row, OperationLog) and row.target_type == kind and row.target_id == key
               for row in db.session.new)


def record(action: str, target, actor=None, outcome: str = "success", detail: str | None = None) -> OperationLog:
    """Add one operation-log row to the session (committed with the operation it describes)."""
    if actor is None:
        actor = request_actor()
    entry = OperationLog(
        action=action,
        target_type=type(target).__name__ if not isinstance(target, str) else target,
        target_id=getattr(target, "id", None),
        user_id=getattr(actor, "id", None),
        roles=actor_roles(actor),
        outcome=outcome,
        ip=client_ip(),
        detail=detail,
    )
    db.session.add(entry)
    return entry


def download(target, detail: str | None = None) -> None:
    """Record a file sent to the user (attachment, template, workbook) and commit, just before sending it."""
    record("download", target, detail=detail[:200] if detail else None)
    db.session.commit()
