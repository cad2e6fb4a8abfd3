"""Scheduled jobs across processes: `workflow tick` and `mail send` take a PostgreSQL advisory lock per job, so a
second runner (another cron host) skips a job the first is running, and two ticks at once never do a job twice."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AppState, Application, ApplicationEvent
from app.services import job_locks
from app.services.workdays import local_today
from factories import _fire, evaluation_in_unit_publicity, submitted_recognition

ROOT = Path(__file__).resolve().parents[2]


def due_applications(app) -> tuple[int, int]:
    """A returned recognition past its correction deadline and an evaluation past its unit 公示: two transitions due."""
    with app.app_context():
        recognition = submitted_recognition()
        _fire(recognition, "return", "demo_unit", reason="请补充材料")
        evaluation = evaluation_in_unit_publicity()
        yesterday = local_today() - dt.timedelta(days=1)
        db.session.get(Application, recognition).correction_deadline = yesterday
        db.session.get(Application, evaluation).publicity_until = yesterday
        db.session.commit()
        db.session.remove()
    return recognition, evaluation


def states(app, *ids) -> list[AppState]:
    with app.app_context():
        found = [db.session.get(Application, i).state for i in ids]
        db.session.remove()
        return found


def system_events(app, *ids) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(ApplicationEvent).where(
            ApplicationEvent.application_id.in_(ids), ApplicationEvent.actor_id.is_(None)))
        db.session.remove()
        return count


def flask_process(app, *args: str) -> subprocess.Popen:
    """`flask --app run ...` in a process of its own against the test's database."""
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": app.config["SECRET_KEY"], "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": "1", "MAIL_RETRY_MINUTES": "60"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "run", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def output_of(process: subprocess.Popen) -> str:
    out, _ = process.communicate(timeout=180)
    assert process.returncode == 0, out
    return out


def test_a_tick_runs_every_job_and_reports_no_skip(app):
    recognition, evaluation = due_applications(app)
    result = app.test_cli_runner().invoke(args=["workflow", "tick"])
    assert result.exit_code == 0, result.output
    assert "2 transitions applied" in result.output and "skipped" not in result.output
    assert states(app, recognition, evaluation) == [AppState.ended, AppState.supervisor_review]


def test_on_sqlite_no_lock_is_taken(app, db_kind):
    if db_kind != "sqlite":
        pytest.skip("the SQLite behaviour")
    with app.app_context():
        with job_locks.exclusive("transitions") as first, job_locks.exclusive("transitions") as second:
            assert first is True and second is True


@pytest.fixture
def postgresql_only(db_kind):
    if db_kind != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; on SQLite (one host) no lock is taken, see job_locks")


def test_one_holder_per_job_across_connections(app, postgresql_only):
    with app.app_context():
        with job_locks.exclusive("transitions") as first:
            assert first is True
            with job_locks.exclusive("transitions") as second, job_locks.exclusive("mail") as other_job:
                assert second is False and other_job is True
        with job_locks.exclusive("transitions") as after_release:
            assert after_release is True
        db.session.remove()


def test_a_tick_skips_the_jobs_another_process_holds(app, postgresql_only):
    recognition, evaluation = due_applications(app)
    import psycopg

    holder = psycopg.connect(app.config["SQLALCHEMY_DATABASE_URI"].replace("+psycopg", ""), autocommit=True)
    try:
        # What a running tick on another host holds: the transitions job's and the mail job's locks.
        for job in ("transitions", "mail"):
            assert holder.execute("SELECT pg_try_advisory_lock(%s, %s)",
                                  (job_locks.NAMESPACE, job_locks.JOBS[job])).fetchone()[0] is True
        out = output_of(flask_process(app, "workflow", "tick"))
        assert "skipped transitions: another process is running it" in out
        assert "skipped mail: another process is running it" in out
        assert "skipped reminders" not in out and "0 transitions applied" in out
        assert states(app, recognition, evaluation) == [AppState.returned, AppState.unit_publicity]
        sender = output_of(flask_process(app, "mail", "send"))
        assert "mail send: skipped: another process is sending the queue" in sender
    finally:
        holder.close()  # the server releases a dead holder's locks
    out = output_of(flask_process(app, "workflow", "tick"))
    assert "2 transitions applied" in out and "skipped" not in out
    assert states(app, recognition, evaluation) == [AppState.ended, AppState.supervisor_review]


def test_two_ticks_at_once_do_the_work_once(app, postgresql_only):
    recognition, evaluation = due_applications(app)
    first, second = flask_process(app, "workflow", "tick"), flask_process(app, "workflow", "tick")
    outputs = [output_of(first), output_of(second)]
    applied = sum(int(out.split("workflow tick: ")[1].split(" transitions")[0]) for out in outputs)
    assert applied == 2, outputs
    assert states(app, recognition, evaluation) == [AppState.ended, AppState.supervisor_review]
    assert system_events(app, recognition, evaluation) == 2
