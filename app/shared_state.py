"""State several app processes share outside the database: one Redis client per app, when REDIS_URL is set.

Without REDIS_URL the platform runs as one process would: rate-limit counters in memory and the dictionary cache
bounded by its time-to-live. Everything else that must be shared (sessions, lockouts, captchas, edit locks, recovery
tokens) lives in the database or in signed cookies and needs no Redis.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context

log = logging.getLogger(__name__)
EXTENSION_KEY = "zhiping_redis"
# Seconds a Redis call may take before the caller falls back to what one process can do.
TIMEOUT_SECONDS = 0.5


def redis_client(app: Flask | None = None):
    """This app's Redis client, or None when REDIS_URL is not set (or outside an app context)."""
    if app is None:
        if not has_app_context():
            return None
        app = current_app._get_current_object()
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    client = app.extensions.get(EXTENSION_KEY)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS,
                                      health_check_interval=30)
        app.extensions[EXTENSION_KEY] = client
    return client


def key(name: str) -> str:
    """A Redis key of this platform (several platforms on one Redis use separate database numbers)."""
    return f"zhiping:{name}"
