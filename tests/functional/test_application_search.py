"""业务查询 (/review/applications/search): every application in the reviewer's reach, filtered, with a capped count."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AppState, Application, ApplicationEvent, AppUser, Org
from app.scope import resolve_scope
from app.services import scale
from app.workflow import inbox

ROW = re.compile(r'<tr[^>]*data-application="(\d+)">')


@pytest.fixture
def province(app):
    with app.app_context():
        scale.generate(400, chunk=1000)
        unit_a = db.session.scalar(select(Org.id).where(Org.name == "广东省电子信息技术研究院"))
    return app, unit_a


def _listed(browser, url) -> tuple[list[int], str]:
    page = browser.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return [int(pk) for pk in ROW.findall(html)], html


def test_authority_filters_by_state_and_series_newest_first(province, browser_factory):
    app, _unit = province
    newest_first = (Application.submitted_at.desc(), Application.id.desc())
    with app.app_context():
        completed = db.session.scalars(
            select(Application.id).where(Application.state == AppState.completed).order_by(*newest_first)).all()
        engineering = db.session.scalars(
            select(Application.id).where(Application.state == AppState.completed, Application.series == "GC")
            .order_by(*newest_first)).all()
    assert len(completed) > 2 * inbox.PAGE_SIZE and 0 < len(engineering) < len(completed)
    authority = browser_factory(app, "demo_authority")
    first, html = _listed(authority, "/review/applications/search?state=completed")
    assert first == completed[:inbox.PAGE_SIZE]
    assert f"共 {len(completed)} 件" in html
    second, _html = _listed(authority, "/review/applications/search?state=completed&page=2")
    assert second == completed[inbox.PAGE_SIZE:2 * inbox.PAGE_SIZE]
    both, html = _listed(authority, "/review/applications/search?state=completed&series=GC")
    assert both == engineering[:inbox.PAGE_SIZE]
    assert f"共 {len(engineering)} 件" in html


def test_a_unit_sees_its_own_applications_only_and_never_drafts(province, browser_factory):
    app, unit_a = province
    with app.app_context():
        own = set(db.session.scalars(select(Application.id).where(Application.unit_id == unit_a,
                                                                  Application.state != AppState.draft)))
        drafts = set(db.session.scalars(select(Application.id).where(Application.state == AppState.draft)))
    unit = browser_factory(app, "demo_unit")
    seen: set[int] = set()
    for number in range(1, 60):
        rows, _html = _listed(unit, f"/review/applications/search?page={number}")
        if not rows or set(rows) <= seen:
            break
        seen.update(rows)
    assert seen == own
    assert not seen & drafts


def test_the_count_stops_at_the_cap_and_says_so(province, browser_factory, monkeypatch):
    app, _unit = province
    monkeypatch.setattr(inbox, "SEARCH_COUNT_CAP", 30)
    authority = browser_factory(app, "demo_authority")
    rows, html = _listed(authority, "/review/applications/search")
    assert len(rows) == inbox.PAGE_SIZE
    assert "超过 30 条" in html
    # Past the cap there is no further page: the last offered page is the cap's.
    last, html = _listed(authority, "/review/applications/search?page=99")
    assert len(last) == 30 - inbox.PAGE_SIZE


def test_todo_and_done_count_up_to_the_cap_too(province, browser_factory, monkeypatch):
    app, _unit = province
    with app.app_context():
        busiest = db.session.execute(
            select(AppUser.username, func.count(func.distinct(ApplicationEvent.application_id)))
            .join(ApplicationEvent, ApplicationEvent.actor_id == AppUser.id)
            .where(ApplicationEvent.actor_role != "Applicant").group_by(AppUser.username)
            .order_by(func.count(func.distinct(ApplicationEvent.application_id)).desc())).first()
        authority = db.session.scalar(select(AppUser).where(AppUser.username == "demo_authority"))
        waiting = db.session.scalar(inbox.todo_queries(authority, resolve_scope(authority))[1])
    assert waiting > 8 and busiest[1] > 8
    monkeypatch.setattr(inbox, "SEARCH_COUNT_CAP", 8)
    for username, url in (("demo_authority", "/review/applications/todo"), (busiest[0], "/review/applications/done")):
        rows, html = _listed(browser_factory(app, username), f"{url}?page=3")
        assert "超过 8 条" in html, username
        assert len(rows) == 8, username  # page 3 asked, the only page offered is the cap's


def test_export_and_a_bad_state(province, browser_factory):
    app, _unit = province
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Application).where(
            Application.state == AppState.returned))
    authority = browser_factory(app, "demo_authority")
    response = authority.get("/review/applications/search/export?state=returned")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active
    assert len(list(sheet.rows)) - 1 == count > 0
    page = authority.get("/review/applications/search?state=nonsense")
    assert page.status_code == 200
    assert "查询条件无效" in page.get_data(as_text=True)


def _done_pages(user, scope, filters=inbox.Filters(), size=7) -> tuple[list[int], int]:
    """Every page of 已办, walked: the application ids in order, and the count the pages gave."""
    listed, page = [], 1
    while True:
        found = inbox.done(user, scope, filters, page=page, size=size)
        listed += [application.id for application, _event in found.rows]
        if page >= found.pages:
            return listed, found.count
        page += 1


def test_done_lists_exactly_what_is_handled_and_in_scope_now(province):
    app, _unit = province
    with app.app_context():
        busiest = db.session.scalar(
            select(ApplicationEvent.actor_id).where(ApplicationEvent.actor_role == "UnitReviewer")
            .group_by(ApplicationEvent.actor_id).order_by(func.count().desc()).limit(1))
        reviewer = db.session.get(AppUser, busiest)
        scope = resolve_scope(reviewer)

        def expected(filters=inbox.Filters()) -> list[int]:
            return [pair[0] for pair in db.session.execute(inbox._handled(reviewer, scope, filters))]

        everything = expected()
        assert len(everything) > 14
        assert _done_pages(reviewer, scope) == (everything, len(everything))
        # A filter, and applications of the reviewer's that left their scope (moved to another unit): the list
        # keeps only what is in scope now and matches, in the same order.
        kind = db.session.get(Application, everything[0]).business_type
        filtered = expected(inbox.Filters(business_type=kind))
        assert 0 < len(filtered) < len(everything)
        assert _done_pages(reviewer, scope, inbox.Filters(business_type=kind)) == (filtered, len(filtered))
        elsewhere = db.session.scalar(select(Org.id).where(Org.kind == "unit", Org.id.not_in(scope.org_ids)))
        for application_id in (everything[1], everything[5]):
            db.session.get(Application, application_id).unit_id = elsewhere
        db.session.commit()
        remaining = [pk for pk in everything if pk not in (everything[1], everything[5])]
        assert expected() == remaining
        assert _done_pages(reviewer, scope) == (remaining, len(remaining))
