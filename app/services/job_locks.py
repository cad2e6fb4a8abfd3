"""One runner at a time for each scheduled job, across processes and hosts: PostgreSQL advisory locks.

`workflow tick` and `mail send` may be started by cron on several hosts at once. Each job (the due transitions,
the reminders, the e-mail queue) first takes a session-level advisory lock on a connection of its own; a second
runner finds it taken, skips that job and says so. The lock is released when the job ends, or by the server when the
runner's connection dies, so a crashed runner never blocks the next one.

SQLite (one host, development) takes no lock: every job's writes are conditional updates or refused duplicates
anyway, so two runners at once cost time, not correctness.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import text

from app.extensions import db

# The first half of every lock key: "zp" (0x7A70), so the platform's locks are told apart from other applications'
# on a shared server (pg_locks shows classid = 31344).
NAMESPACE = 0x7A70
JOBS = {
    "transitions": 1,
    "reminders": 2,
    "mail": 3,
    "statistics": 4,
}


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


@contextlib.contextmanager
def exclusive(job: str) -> Iterator[bool]:
    """Run the body holding the job's lock; yields False (body should skip) when another runner holds it."""
    number = JOBS[job]
    if not is_postgresql():
        yield True
        return
    # Its own connection in autocommit: the job commits many times on db.session, the lock must outlive them.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        taken = connection.scalar(text("SELECT pg_try_advisory_lock(:ns, :job)"), {"ns": NAMESPACE, "job": number})
        try:
            yield bool(taken)
        finally:
            if taken:
                connection.scalar(text("SELECT pg_advisory_unlock(:ns, :job)"), {"ns": NAMESPACE, "job": number})
