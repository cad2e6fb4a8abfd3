"""Command-line groups: set-up, security, dictionaries and demo data."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from app.extensions import db


def register(app: Flask) -> None:
    """Attach the click groups to the app."""
    app.cli.add_command(setup_command)
    app.cli.add_command(security_group)
    app.cli.add_command(dict_group)
    app.cli.add_command(demo_group)
    app.cli.add_command(workflow_group)
    app.cli.add_command(mail_group)


@click.command("setup")
@with_appcontext
def setup_command() -> None:
    """Deploy step: migrate the schema, load shipped dictionaries, sync roles and permissions."""
    upgrade()
    _load_dictionaries()
    _sync_roles()


@click.group("security")
def security_group() -> None:
    """Roles and permissions."""


@security_group.command("sync")
@with_appcontext
def security_sync() -> None:
    """Create permissions and make every role match app/security/roles.py."""
    _sync_roles()


def _sync_roles() -> None:
    from app.security.sync import sync_roles

    for role, (added, removed) in sync_roles(current_app.appbuilder).items():
        click.echo(f"role {role}: +{added} -{removed}")


@click.group("dict")
def dict_group() -> None:
    """Dictionaries."""


@dict_group.command("load")
@with_appcontext
def dict_load() -> None:
    """Insert shipped dictionary values that are missing (edits made by admins stay)."""
    _load_dictionaries()


def _load_dictionaries() -> None:
    from app.services.dictionaries import load_builtin

    with db.engine.begin() as connection:
        added = load_builtin(connection)
    click.echo(f"dictionaries: {added} rows added")


@click.group("demo")
def demo_group() -> None:
    """Demo data."""


@demo_group.command("load")
@with_appcontext
def demo_load() -> None:
    """Create the demo province and one account per role (idempotent)."""
    from app.services.demo import load_demo

    password = current_app.config["DEMO_PASSWORD"]
    created = load_demo(password)
    click.echo(f"demo: {created} records created")
    click.echo("demo accounts (password: %s):" % password)
    from app.services.demo import DEMO_ACCOUNTS

    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.username:<16} {account.role}")


@demo_group.command("history")
@with_appcontext
def demo_history() -> None:
    """Add the dashboards' demo history: more persons, applications over three years, CE hours (idempotent)."""
    from app.services.demo import _hash
    from app.services.demo_history import load_history

    made = load_history(_hash(current_app.config["DEMO_PASSWORD"]))
    click.echo(f"demo history: {made} applications created")


@demo_group.command("scale")
@click.option("--persons", type=click.IntRange(min=0), required=True, help="Total number of generated persons wanted.")
@click.option("--chunk", type=click.IntRange(min=1000), default=20000, show_default=True,
              help="Persons written per transaction.")
@click.option("--seed", type=int, default=2026, show_default=True)
@with_appcontext
def demo_scale(persons: int, chunk: int, seed: int) -> None:
    """Fill the database with a province of PERSONS persons for benchmarks (COPY on PostgreSQL; idempotent)."""
    from app.services.scale import generate

    report = generate(persons, chunk=chunk, seed=seed, progress=click.echo)
    click.echo(f"demo scale: {report.persons_before:,} → {report.persons_after:,} persons in {report.seconds:.0f} s")
    for table, count in sorted(report.rows.items()):
        click.echo(f"  {table:<22} {count:>12,} rows")


@click.group("workflow")
def workflow_group() -> None:
    """The title businesses' workflow."""


@workflow_group.command("tick")
@with_appcontext
def workflow_tick() -> None:
    """Apply due time-driven transitions (公示 ended, correction deadline passed), add the deadline reminders,
    send the queued e-mails and renew the kept dashboard figures; safe to repeat and in several processes at once."""
    from app.workflow import tick

    result = tick.scheduled()
    click.echo(f"workflow tick: {result.transitions} transitions applied, {result.reminders} reminders, "
               f"e-mails: {result.delivery}, dashboard figures computed again: {result.statistics}")
    for job in result.skipped:
        click.echo(f"workflow tick: skipped {job}: another process is running it")


@workflow_group.command("graph")
@click.argument("business_type")
@with_appcontext
def workflow_graph(business_type: str) -> None:
    """Print one business's flow chart as SVG (the same chart the pages show)."""
    from app.models import BusinessType
    from app.workflow import chart, engine

    click.echo(chart.flow_chart_svg(engine.business(BusinessType(business_type))))


@click.group("mail")
def mail_group() -> None:
    """The e-mail queue of notifications."""


@mail_group.command("send")
@click.option("--batch", type=click.IntRange(1, 10000), default=None, help="At most this many e-mails.")
@with_appcontext
def mail_send(batch: int | None) -> None:
    """Send the queued e-mails that are due (also part of `workflow tick`); safe to run in several processes."""
    from app.services import job_locks
    from app.services.notifications import deliver

    with job_locks.exclusive("mail") as mine:
        if not mine:
            click.echo("mail send: skipped: another process is sending the queue")
            return
        click.echo(f"mail send: {deliver(batch)}")
