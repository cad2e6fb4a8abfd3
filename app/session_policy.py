"""Per-request account rules: the server-side session check, the idle timeout and the forced password change."""
from __future__ import annotations

import time

from flask import Flask, flash, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_jwt_extended import get_current_user, verify_jwt_in_request
from flask_login import current_user, login_user, logout_user

from app.models import SessionEndReason

LAST_SEEN_KEY = "zp_last_seen"
# Set on g by the security manager's user loader when the cookie's session row is no longer live.
ENDED_KEY = "zp_session_ended"
CHANGE_PASSWORD_ENDPOINT = "PasswordView.change"
LOGIN_ENDPOINT = "LoginView.login"
# What a user who must change the password may still reach.
OPEN_ENDPOINTS = {CHANGE_PASSWORD_ENDPOINT, "LoginView.logout", LOGIN_ENDPOINT, "static", "appbuilder.static",
                  "LocaleView.index"}


def sign_in(user) -> None:
    """Start a signed-in session: a fresh cookie and session id (no fixation), its server-side row, the login."""
    from app.services import sessions

    sessions.start(user)
    login_user(user, remember=False)
    start_session()


def start_session() -> None:
    """Mark the start of a signed-in session (called right after login_user)."""
    session[LAST_SEEN_KEY] = time.time()


def sign_out(reason: SessionEndReason, actor=None) -> None:
    """End the current session: its row, the login, and everything the cookie held."""
    from app.services import sessions

    sessions.end_current(reason, actor)
    logout_user()
    session.clear()


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


def _ended_message(reason: SessionEndReason | None) -> str:
    if reason == SessionEndReason.forced:
        return _("You have been signed out by an administrator. Please sign in again.")
    if reason == SessionEndReason.idle:
        return _("Your session has timed out. Please sign in again.")
    if reason == SessionEndReason.password:
        return _("The account's password was changed. Please sign in again with the new password.")
    return _("Your sign-in is no longer valid. Please sign in again.")


def _to_login(message: str):
    if _is_api():
        return jsonify(message=message), 401
    flash(message, "warning")
    if request.endpoint == LOGIN_ENDPOINT:
        return None
    return redirect(url_for(LOGIN_ENDPOINT, next=request.full_path if request.method == "GET" else None))


def install(app: Flask) -> None:
    """Register the hooks; they run after FAB has loaded the user."""

    @app.before_request
    def _session_check():
        if request.endpoint in ("static", "appbuilder.static"):
            return None
        authenticated = current_user.is_authenticated  # loads the user, checking the session row
        if not authenticated:
            ended = g.pop(ENDED_KEY, None)
            if ended is None:
                return None
            # The cookie names a user whose session row ended (sign-out elsewhere, timeout, 强制下线).
            logout_user()
            session.clear()
            return _to_login(_ended_message(ended))
        now = time.time()
        last_seen = session.get(LAST_SEEN_KEY)
        idle_limit = app.permanent_session_lifetime.total_seconds()
        if last_seen is not None and now - float(last_seen) > idle_limit:
            sign_out(SessionEndReason.idle)
            return _to_login(_ended_message(SessionEndReason.idle))
        session[LAST_SEEN_KEY] = now
        return None

    @app.before_request
    def _forced_password_change():
        if request.endpoint in OPEN_ENDPOINTS:
            return None
        user = _api_user() if _is_api() else (current_user if current_user.is_authenticated else None)
        if user is None:
            return None
        from app.services import passwords

        if getattr(user, "must_change_password", False):
            message = _("Please change your initial password before using the system.")
        elif passwords.expired(user):
            message = _("Your password is more than %(days)d days old. Please change it before going on.",
                        days=passwords.max_age_days())
        else:
            return None
        if _is_api():
            return jsonify(message=message), 403
        flash(message, "warning")
        return redirect(url_for(CHANGE_PASSWORD_ENDPOINT))
