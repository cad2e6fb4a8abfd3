"""Per-request account rules: the idle session timeout and the forced password change."""
from __future__ import annotations

import time

from flask import Flask, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_jwt_extended import get_current_user, verify_jwt_in_request
from flask_login import current_user, logout_user

LAST_SEEN_KEY = "zp_last_seen"
CHANGE_PASSWORD_ENDPOINT = "PasswordView.change"
# What a user who must change the password may still reach.
OPEN_ENDPOINTS = {CHANGE_PASSWORD_ENDPOINT, "LoginView.logout", "LoginView.login", "static", "appbuilder.static",
                  "LocaleView.index"}


def start_session() -> None:
    """Mark the start of a signed-in session (called right after login_user)."""
    session[LAST_SEEN_KEY] = time.time()


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _api_user():
    """The user an API request acts for: the browser session's, or the bearer token's."""
    if current_user.is_authenticated:
        return current_user
    try:
        verify_jwt_in_request(optional=True)
        return get_current_user()
    except Exception:  # a bad or expired token is the endpoint's business (it answers 401)
        return None


def install(app: Flask) -> None:
    """Register the hooks; they run after FAB has loaded the user."""

    @app.before_request
    def _idle_timeout():
        if request.endpoint in ("static", "appbuilder.static") or not current_user.is_authenticated:
            return None
        now = time.time()
        last_seen = session.get(LAST_SEEN_KEY)
        idle_limit = app.permanent_session_lifetime.total_seconds()
        if last_seen is not None and now - float(last_seen) > idle_limit:
            logout_user()
            session.pop(LAST_SEEN_KEY, None)
            message = _("Your session has timed out. Please sign in again.")
            if _is_api():
                return jsonify(message=message), 401
            flash(message, "warning")
            return redirect(url_for("LoginView.login", next=request.full_path if request.method == "GET" else None))
        session[LAST_SEEN_KEY] = now
        return None

    @app.before_request
    def _forced_password_change():
        if request.endpoint in OPEN_ENDPOINTS:
            return None
        user = _api_user() if _is_api() else (current_user if current_user.is_authenticated else None)
        if user is None or not getattr(user, "must_change_password", False):
            return None
        message = _("Please change your initial password before using the system.")
        if _is_api():
            return jsonify(message=message), 403
        flash(message, "warning")
        return redirect(url_for(CHANGE_PASSWORD_ENDPOINT))
