"""The application factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_appbuilder import AppBuilder

from app import fab_fixes
from app.bounded_request import BoundedRequest
from app.extensions import csrf, db, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")
TEMPLATES_DIR = str(Path(__file__).resolve().parent.parent / "templates")


def create_app(overrides: dict | None = None) -> Flask:
    """Build a configured application; `overrides` win over config.py and the environment."""
    app = Flask(__name__, template_folder=TEMPLATES_DIR, instance_relative_config=False)
    app.request_class = BoundedRequest
    app.config.from_object("config")
    if overrides:
        app.config.update(overrides)
    _check_production_settings(app)
    _shared_settings(app)
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]).parent.mkdir(
            parents=True, exist_ok=True
        )

    register_extensions(app)
    fab_fixes.install()
    with app.app_context():
        # AppBuilder is built per app, inside its context (FAB_NOTES 2).
        appbuilder = AppBuilder(app, db.session)
        from app.api import register_apis
        from app.views import register_views

        register_views(appbuilder)
        register_apis(appbuilder)
    register_hooks(app)
    register_cli(app)
    return app


def _check_production_settings(app: Flask) -> None:
    """Refuse to start a production instance on development secrets."""
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set (ZHIPING_ENV=production requires it).")
    if app.config.get("PRODUCTION") and app.config["SECRET_KEY"].startswith("dev-only"):
        raise RuntimeError("SECRET_KEY is the development default; set a real one.")


def _shared_settings(app: Flask) -> None:
    """Settings derived from others: the rate-limit storage, the PostgreSQL pool, the trusted proxies."""
    config = app.config
    config["RATELIMIT_STORAGE_URI"] = config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://"
    if not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("pool_size", config.get("DB_POOL_SIZE", 5))
        options.setdefault("max_overflow", config.get("DB_MAX_OVERFLOW", 5))
        options.setdefault("pool_timeout", config.get("DB_POOL_TIMEOUT", 30))
        options.setdefault("pool_recycle", config.get("DB_POOL_RECYCLE", 1800))
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    proxies = int(config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def register_extensions(app: Flask) -> None:
    """Bind the shared extension objects to this app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    from app import prepared_statements, sqlite_pragmas

    sqlite_pragmas.install(app)
    prepared_statements.install(app)
    from flask_appbuilder import Model

    from app.models import append_only
    from app.services import change_tracking

    append_only.install(Model.metadata)
    change_tracking.install()


def register_hooks(app: Flask) -> None:
    """Security headers and the other per-request hooks."""
    from app import display, error_pages, input_guard, session_policy, web_security

    display.install(app)
    web_security.install(app)
    session_policy.install(app)
    error_pages.install(app)
    input_guard.install(app)


def register_cli(app: Flask) -> None:
    """Add the project's click groups to `flask`."""
    from app.cli import register

    register(app)
