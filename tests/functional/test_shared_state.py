"""The settings of several app processes, and a platform that keeps working when its Redis is away."""
from __future__ import annotations

import socket

from flask import Flask, request

from app import _shared_settings
from app.extensions import db
from app.services import dictionaries


def settings(**config) -> dict:
    flask_app = Flask(__name__)
    flask_app.config.update({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
                             **config})
    _shared_settings(flask_app)
    return flask_app


def test_rate_limits_use_redis_when_it_is_configured():
    assert settings().config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings(REDIS_URL="redis://cache:6379/0").config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    explicit = settings(REDIS_URL="redis://cache:6379/0", RATELIMIT_STORAGE_URI="redis://other:6379/3")
    assert explicit.config["RATELIMIT_STORAGE_URI"] == "redis://other:6379/3"


def test_postgresql_gets_the_pool_settings_and_sqlite_does_not():
    assert settings().config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
    pg = settings(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://u@h/d", DB_POOL_SIZE=8, DB_MAX_OVERFLOW=2,
                  DB_POOL_TIMEOUT=10, DB_POOL_RECYCLE=600).config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert pg == {"pool_pre_ping": True, "pool_size": 8, "max_overflow": 2, "pool_timeout": 10, "pool_recycle": 600}


def test_behind_a_proxy_the_client_address_is_the_forwarded_one():
    direct, proxied = settings(), settings(TRUSTED_PROXIES=1)

    for flask_app in (direct, proxied):
        flask_app.add_url_rule("/ip", "ip", lambda: request.remote_addr)
    headers = {"X-Forwarded-For": "203.0.113.7"}
    assert direct.test_client().get("/ip", headers=headers).get_data(as_text=True) == "127.0.0.1"
    assert proxied.test_client().get("/ip", headers=headers).get_data(as_text=True) == "203.0.113.7"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_with_redis_unreachable_sign_in_and_dictionaries_still_work(app_with, browser_factory):
    app = app_with(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0", RATELIMIT_ENABLED=True,
                   DICTIONARY_CACHE_SECONDS=60)
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    applicant = browser_factory(app, "demo_applicant")  # the limiter counts in memory meanwhile
    options = applicant.get("/applications/options?dict=specialty&parent=GC_01")
    assert options.status_code == 200 and "GC_0101" in {o["code"] for o in options.get_json()["results"]}
    with app.app_context():
        assert dictionaries.label("specialty", "GC_0101")
        dictionaries.invalidate()  # the change cannot be published: logged, not raised
        db.session.commit()
