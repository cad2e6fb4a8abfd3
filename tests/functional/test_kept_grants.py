"""Role grants are kept per app process under the database's grants counter (app/models/grants_version.py): read
once while unchanged, and a change made anywhere (another process, plain SQL) counts on the next request."""
from __future__ import annotations

from sqlalchemy import event, select

from app import create_app
from app.extensions import db
from app.models import GrantsVersion
from app.security import roles as r

TODO = "/review/applications/todo"


def _grant_statements(app, fetch) -> int:
    """How many statements reading the role grants table ran while `fetch()` did."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if "ab_permission_view_role" in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        fetch()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def _version(app) -> int:
    with app.app_context():
        return db.session.scalar(select(GrantsVersion.version))


def _withdraw_todo(app) -> None:
    """What the role screen does: take 待办's menu grant and the inbox view's from the unit reviewer role."""
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role(r.UNIT_REVIEWER)
        role.permissions = [grant for grant in role.permissions
                            if grant.view_menu.name not in (r.MENU_TODO, r.APPLICATION_REVIEW)]
        db.session.commit()


def test_grants_are_read_once_per_process_while_unchanged(app, browser_factory):
    reviewer = browser_factory(app, "demo_unit")
    assert reviewer.get(TODO).status_code == 200
    assert _grant_statements(app, lambda: reviewer.get(TODO)) == 0
    # Another user of the same roles is served from what the first one read.
    other = browser_factory(app, "demo_unit")
    assert _grant_statements(app, lambda: other.get("/messages/")) == 0


def test_a_grant_withdrawn_in_another_process_is_refused_on_the_next_request(app, browser_factory):
    other_process = create_app(dict(app.config))
    reviewer = browser_factory(other_process, "demo_unit")
    page = reviewer.get(TODO)
    assert page.status_code == 200 and 'href="/review/applications/todo"' in page.get_data(as_text=True)
    before = _version(app)

    _withdraw_todo(app)

    assert _version(app) > before
    assert reviewer.get(TODO).status_code == 403
    home = reviewer.get("/messages/").get_data(as_text=True)
    assert 'href="/review/applications/todo"' not in home
    with other_process.app_context():
        db.session.remove()
        db.engine.dispose()


def test_fabs_own_grant_calls_move_the_counter(app):
    with app.app_context():
        before = db.session.scalar(select(GrantsVersion.version))
        sm = app.appbuilder.sm
        grant = sm.find_permission_view_menu("menu_access", r.MENU_TODO)
        role = sm.find_role(r.UNIT_REVIEWER)
        sm.del_permission_role(role, grant)
        after_delete = db.session.scalar(select(GrantsVersion.version))
        sm.add_permission_role(role, grant)
        after_add = db.session.scalar(select(GrantsVersion.version))
    assert before < after_delete < after_add
