"""Signed, expiring password-reset tokens that stop working once the password changes."""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.extensions import db
from app.models import AppUser


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"zhiping-password-reset-{purpose}")


def _fingerprint(user: AppUser) -> str:
    # Bound to the current password hash: setting a new password makes every older token useless.
    return hashlib.sha256((user.password or "").encode()).hexdigest()[:24]


def issue(user: AppUser, purpose: str) -> str:
    """A token saying "this user may set a new password" for one purpose (questions, email)."""
    return _serializer(purpose).dumps({"user": user.id, "pw": _fingerprint(user)})


def resolve(token: str | None, purpose: str, max_age: int) -> AppUser | None:
    """The user a token was issued for, if it is genuine, in time, and the password is unchanged."""
    if not token:
        return None
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:  # also covers SignatureExpired
        return None
    if not isinstance(payload, dict):
        return None
    user = db.session.get(AppUser, payload.get("user"))
    if user is None or not user.is_active or _fingerprint(user) != payload.get("pw"):
        return None
    return user
