"""Baseline web security: response headers and session lifetime."""
from flask import Flask, session
from flask_babel import get_locale

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; font-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'; object-src 'none'"
)


def install(app: Flask) -> None:
    """Register the hooks that every response goes through."""
    app.jinja_env.globals["get_locale"] = get_locale

    @app.context_processor
    def _appbuilder_context():
        # Pages rendered outside FAB views (errors) still get FAB's layout and menu.
        return {"appbuilder": app.appbuilder, "base_template": app.appbuilder.base_template}

    @app.before_request
    def _refresh_idle_timeout() -> None:
        # A permanent session expires PERMANENT_SESSION_LIFETIME after the last request.
        session.permanent = True

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
