"""Writing the operation log."""
from __future__ import annotations

from flask import has_request_context, request

from app.extensions import db
from app.models import OperationLog


def client_ip() -> str | None:
    """The address of the current request's client, if there is a request."""
    return request.remote_addr if has_request_context() else None


def record(action: str, target, actor=None, outcome: str = "success", detail: str | None = None) -> OperationLog:
    """Add one operation-log row to the session (committed with the operation it describes)."""
    entry = OperationLog(
        action=action,
        target_type=type(target).__name__ if not isinstance(target, str) else target,
        target_id=getattr(target, "id", None),
        user_id=getattr(actor, "id", None),
        outcome=outcome,
        ip=client_ip(),
        detail=detail,
    )
    db.session.add(entry)
    return entry
