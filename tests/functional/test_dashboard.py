"""统计分析: the dashboards' figures against counts made another way from the demo history, scope isolation, the
role × route matrix, the filters, and the days per stage on a hand-made timeline."""
from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections import Counter

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

import factories as f
from app.extensions import db
from app.models import (
    APP_STATE_LABELS, BUSINESS_TYPE_LABELS, FINAL_STATES, AppState, Application, ApplicationEvent, BasicInfo,
    BusinessType,
)
from app.models import append_only
from app.scope.resolve import Scope, resolve_scope
from app.security import roles as r
from app.services import dictionaries
from app.services.demo import _hash
from app.services.demo_history import load_history
from app.workflow import ce_compliance, stats

DEMO_PASSWORD = "Demo@2026zp"
CELL = re.compile(r"<t([dh])[^>]*>(.*?)</t\1>", re.S)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def history_app(shared_app):
    """The demo province with the dashboards' history (loaded once for the module; the tests only read)."""
    with shared_app.app_context():
        assert load_history(_hash(DEMO_PASSWORD)) >= 30
        db.session.remove()
    return shared_app


def figure_rows(page: str, key: str) -> list[list[str]]:
    """The body rows of one figure's table on the page, as text."""
    match = re.search(rf'<table[^>]*data-figure="{key}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert match, key
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S):
        cells = [html.unescape(TAG.sub("", cell)).strip() for _kind, cell in CELL.findall(row)]
        if len(cells) > 1 or (cells and cells[0] != "暂无数据"):
            rows.append(cells)
    return rows


def export_rows(browser, key: str, query: str = "") -> list[list[str]]:
    response = browser.get(f"/dashboard/export/{key}{query}")
    assert response.status_code == 200, key
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [["" if value is None else _text(value) for value in row] for row in sheet.iter_rows(min_row=2, values_only=True)]


def _text(value) -> str:
    return str(value)


def numbers(rows):
    """Cells as numbers where they are numbers (Excel keeps 100.0 as 100), text otherwise."""
    def one(cell):
        try:
            return float(cell)
        except ValueError:
            return cell
    return [[one(cell) for cell in row] for row in rows]


def _as_counts(rows) -> dict[str, int]:
    return {row[0]: int(row[1]) for row in rows}


def _expected_in(app, keep) -> list[Application]:
    """Every non-draft application the predicate keeps, loaded with the ORM (the independent count)."""
    with app.app_context():
        rows = [a for a in db.session.scalars(select(Application)) if a.state != AppState.draft and keep(a)]
        for application in rows:
            application.applicant_name = f"{application.user.last_name}{application.user.first_name}"
            _ = (application.unit, application.committee)
        db.session.expunge_all()
        return rows


def _labels(apps):
    series = Counter(dictionaries.label("title_series", a.series) if a.series else "不涉及专业系列" for a in apps)
    return {
        "state": dict(Counter(str(APP_STATE_LABELS[a.state]) for a in apps)),
        "type": dict(Counter(str(BUSINESS_TYPE_LABELS[a.business_type]) for a in apps)),
        "series": dict(series),
    }


@pytest.mark.parametrize("account, keep", [
    ("demo_unit", lambda a: a.unit.name == f.UNIT_A),
    ("demo_supervisor", lambda a: a.unit.name in (f.UNIT_A, f.UNIT_B)),
    ("demo_committee", lambda a: a.committee is not None and a.committee.name == f.COMMITTEE),
    ("demo_authority", lambda a: True),
])
def test_figures_equal_counts_made_from_the_rows(history_app, browser_factory, account, keep):
    browser = browser_factory(history_app, account)
    page = browser.get("/dashboard/").get_data(as_text=True)
    apps = _expected_in(history_app, keep)
    assert apps, "the history gives every dashboard something to count"
    with history_app.test_request_context():
        expected = _labels(apps)
    for key in ("state", "type", "series"):
        assert _as_counts(figure_rows(page, key)) == expected[key], key
        assert _as_counts(export_rows(browser, key)) == expected[key], key
    assert "草稿" not in _as_counts(figure_rows(page, "state"))
    # The slowest open items: the oldest open ones of the scope, oldest first, each with 查看详情.
    open_ones = sorted((a for a in apps if a.state not in FINAL_STATES), key=lambda a: (a.state_entered_at, a.id))
    shown = figure_rows(page, "slowest")
    assert [row[0] for row in shown] == [a.applicant_name for a in open_ones[:10]]
    for application in open_ones[:10]:
        assert f'href="/review/applications/{application.id}"' in page
    assert [row[:5] for row in export_rows(browser, "slowest")] == [row[:5] for row in shown]


def test_pass_rates_by_committee_and_year(history_app, browser_factory):
    browser = browser_factory(history_app, "demo_authority")
    page = browser.get("/dashboard/").get_data(as_text=True)
    apps = _expected_in(history_app, lambda a: a.business_type == BusinessType.evaluation
                        and a.state in (AppState.completed, AppState.rejected))
    with history_app.app_context():
        counted = Counter()
        for a in apps:
            year = (a.finished_at + dt.timedelta(hours=8)).year
            counted[(a.committee.name, str(year), a.state)] += 1
    expected = sorted({(name, year) for name, year, _state in counted})
    rows = figure_rows(page, "pass_rate")
    assert [(row[0], row[1]) for row in rows] == expected
    for row in rows:
        passed = counted[(row[0], row[1], AppState.completed)]
        failed = counted[(row[0], row[1], AppState.rejected)]
        assert (int(row[2]), int(row[3]), int(row[4])) == (passed, failed, passed + failed)
        assert row[5] == str(round(100 * passed / (passed + failed), 1))
    assert len({row[1] for row in rows}) >= 2, "results in at least two years"
    assert numbers(export_rows(browser, "pass_rate")) == numbers(rows)
    # With a year chosen, the pass rates are those of the results of that year (whenever submitted).
    year = rows[0][1]
    narrowed = figure_rows(browser.get(f"/dashboard/?year={year}").get_data(as_text=True), "pass_rate")
    assert narrowed == [row for row in rows if row[1] == year]


def test_ce_compliance_by_unit_equals_each_persons_verdict(history_app, browser_factory):
    browser = browser_factory(history_app, "demo_supervisor")
    page = browser.get("/dashboard/").get_data(as_text=True)
    rows = figure_rows(page, "ce")
    with history_app.test_request_context():
        units = {f.org(name).id: name for name in (f.UNIT_A, f.UNIT_B)}
        expected = []
        for year in stats.ce_years(stats.Filters()):
            for unit_id, name in sorted(units.items(), key=lambda item: item[1]):
                people = list(db.session.scalars(select(BasicInfo.user_id).where(BasicInfo.unit_id == unit_id)))
                met = sum(ce_compliance.assess_years(uid, [year])[0].compliant for uid in people)
                expected.append([name, str(year), str(len(people)), str(met)])
    assert sorted(row[:4] for row in rows) == sorted(expected)
    assert any(row[3] != row[2] for row in rows) and any(row[3] == row[2] for row in rows), "rates differ"
    assert f.UNIT_C not in page.split('data-figure="ce"')[1]
    assert numbers(export_rows(browser, "ce")) == numbers(rows)


def test_a_units_dashboard_counts_nothing_outside_its_unit(history_app, browser_factory):
    browser = browser_factory(history_app, "demo_unit")
    page = browser.get("/dashboard/").get_data(as_text=True)
    unit_a = _expected_in(history_app, lambda a: a.unit.name == f.UNIT_A)
    total = sum(int(row[1]) for row in figure_rows(page, "state"))
    assert total == len(unit_a)
    assert sum(int(row[1]) for row in figure_rows(page, "level")) == len(unit_a)
    assert f.UNIT_B not in page and f.UNIT_C not in page  # no other unit in any figure or filter
    for key in stats_keys():
        for row in export_rows(browser, key):
            assert f.UNIT_B not in row and f.UNIT_C not in row, key
    # A hand-made unit of another scope is ignored with a warning: the figures stay those of unit A.
    with history_app.app_context():
        other = f.org(f.UNIT_B).id
    tried = browser.get(f"/dashboard/?unit={other}").get_data(as_text=True)
    assert "单位：选项无效" in tried or "选项无效" in tried
    assert sum(int(row[1]) for row in figure_rows(tried, "state")) == len(unit_a)
    assert sum(int(row[1]) for row in export_rows(browser, "state", f"?unit={other}")) == len(unit_a)


def stats_keys():
    return ("state", "type", "series", "level", "pass_rate", "stage_days", "slowest", "ce")


def test_filters_narrow_every_figure_and_bad_values_are_ignored(history_app, browser_factory):
    browser = browser_factory(history_app, "demo_authority")
    year = stats.this_year()
    with history_app.app_context():
        start, end = stats.year_start(year), stats.year_start(year + 1)
    this_year = _expected_in(history_app, lambda a: start <= a.submitted_at < end)
    evaluations = [a for a in this_year if a.business_type == BusinessType.evaluation]
    page = browser.get(f"/dashboard/?year={year}&type=evaluation").get_data(as_text=True)
    assert sum(int(row[1]) for row in figure_rows(page, "state")) == len(evaluations)
    assert sum(int(row[1]) for row in export_rows(browser, "state", f"?year={year}&type=evaluation")) \
        == len(evaluations)
    with history_app.app_context():
        unit_c = f.org(f.UNIT_C).id
    in_c = _expected_in(history_app, lambda a: a.unit_id == unit_c)
    page = browser.get(f"/dashboard/?unit={unit_c}").get_data(as_text=True)
    assert sum(int(row[1]) for row in figure_rows(page, "state")) == len(in_c)
    everything = sum(int(row[1]) for row in figure_rows(browser.get("/dashboard/").get_data(as_text=True), "state"))
    bad = browser.get("/dashboard/?year=1900&type=nonsense&unit=abc")
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert text.count("选项无效") >= 3
    assert sum(int(row[1]) for row in figure_rows(text, "state")) == everything


def test_own_applications_of_a_reviewer_do_not_count(history_app):
    with history_app.test_request_context():
        person = f.user("demo_hist_h13")  # a person of unit C
        scope = Scope(user_id=person.id, org_ids=frozenset({f.org(f.UNIT_A).id}),
                      role_names=frozenset({r.UNIT_REVIEWER, r.APPLICANT}))
        counted = sum(count for _state, count in stats.by_state(scope, stats.Filters()))
        unit_a = db.session.scalar(select(db.func.count()).select_from(Application).where(
            Application.unit_id == f.org(f.UNIT_A).id, Application.state != AppState.draft))
        assert counted == unit_a


ALLOWED = ["demo_unit", "demo_supervisor", "demo_committee", "demo_authority", "demo_admin"]
REFUSED = [None, "demo_applicant", "demo_provider", "demo_expert"]


@pytest.mark.parametrize("account", ALLOWED + REFUSED)
@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/export/state", "/dashboard/export/ce"])
def test_role_route_matrix(shared_app, browser_factory, account, url):
    browser = browser_factory(shared_app, account)
    response = browser.get(url)
    if account in ALLOWED:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403)
        assert b"<svg" not in response.data and not response.data.startswith(b"PK")


def test_unknown_figure_is_404(shared_app, browser_factory):
    assert browser_factory(shared_app, "demo_unit").get("/dashboard/export/nothing").status_code == 404


def test_menu_link_and_charts_on_the_page(shared_app, browser_factory):
    page = browser_factory(shared_app, "demo_unit").get("/dashboard/").get_data(as_text=True)
    assert "统计分析" in page and "<svg" in page and "表格" in page and "导出Excel" in page
    home = browser_factory(shared_app, "demo_applicant").get("/").get_data(as_text=True)
    assert "/dashboard/" not in home


def test_average_days_on_a_hand_made_timeline(app):
    with app.test_request_context():
        first = f.evaluation_in_unit_publicity()
        start = dt.datetime(2025, 3, 1, 2, 0)
        events = list(db.session.scalars(select(ApplicationEvent).where(
            ApplicationEvent.application_id == first).order_by(ApplicationEvent.id)))
        assert [e.to_state for e in events] == ["unit_review", "unit_publicity"]
        # Submitted, 3.5 days in 待单位审核, approved into the 公示 (still running); a second application by hand.
        with append_only.lifted(db.session, "application_event"):  # the clock: the history is append-only otherwise
            db.session.execute(update(ApplicationEvent).where(ApplicationEvent.id == events[0].id).values(at=start))
            db.session.execute(update(ApplicationEvent).where(ApplicationEvent.id == events[1].id)
                               .values(at=start + dt.timedelta(days=3, hours=12)))
        other = Application(business_type=BusinessType.recognition, user_id=f.user("demo_applicant").id,
                            state=AppState.supervisor_review, unit_id=f.org(f.UNIT_A).id, submitted_at=start)
        db.session.add(other)
        db.session.flush()
        for to_state, days in (("unit_review", 0), ("supervisor_review", 1.5), ("authority_confirm", 11.5)):
            db.session.add(ApplicationEvent(application_id=other.id, at=start + dt.timedelta(days=days),
                                            event="step", actor_role="x", from_state="draft", to_state=to_state))
        db.session.commit()
        scope = resolve_scope(f.user("demo_authority"))
        found = {stage.state: stage for stage in stats.days_per_stage(scope, stats.Filters())}
        # 待单位审核: 3.5 and 1.5 days → 2.5; 待主管单位审核: 10 days; the running stays are not counted.
        assert found[AppState.unit_review].stays == 2
        assert found[AppState.unit_review].average_days == pytest.approx(2.5)
        assert found[AppState.supervisor_review].average_days == pytest.approx(10.0)
        assert AppState.unit_publicity not in found and AppState.authority_confirm not in found


def test_a_wide_reach_adds_ce_up_under_the_orgs_below_it(history_app, browser_factory, monkeypatch):
    """Over more than CE_UNITS_SHOWN units the CE figure lists the orgs directly below the authority (its
    supervising departments and city bureaus), each the sum of its units' persons and 达标 persons."""
    browser = browser_factory(history_app, "demo_authority")
    per_unit = figure_rows(browser.get("/dashboard/").get_data(as_text=True), "ce")
    monkeypatch.setattr(stats, "CE_UNITS_SHOWN", 1)
    grouped = figure_rows(browser.get("/dashboard/").get_data(as_text=True), "ce")
    with history_app.app_context():
        below = {org.name: org for org in (f.org(f.SUPERVISOR_1), f.org(f.SUPERVISOR_2))}
        group_of = {}
        for name, *_rest in per_unit:
            unit = f.org(name)
            group_of[name] = next(group for group, org in below.items() if unit.path.startswith(org.path))
    expected: dict[tuple[str, str], list[int]] = {}
    for name, year, people, met, *_rest in per_unit:
        counted = expected.setdefault((group_of[name], year), [0, 0])
        counted[0] += int(people)
        counted[1] += int(met)
    assert len(per_unit) > len(grouped) > 0
    assert {(row[0], row[1]): [int(row[2]), int(row[3])] for row in grouped} == expected
    assert f.UNIT_A not in str(grouped)


def test_a_wide_reach_types_the_units_name(history_app, browser_factory, monkeypatch):
    """Too many units for a drop-down: the unit is typed by name; an exact or single match narrows every figure,
    several or none are named in a warning and ignored."""
    from app.views import unit_filter

    monkeypatch.setattr(unit_filter, "UNIT_CHOICES", 1)
    browser = browser_factory(history_app, "demo_authority")
    page = browser.get("/dashboard/").get_data(as_text=True)
    assert 'name="unit_name"' in page and 'name="unit"' not in page
    with history_app.app_context():
        unit_c = f.org(f.UNIT_C).id
    by_id = figure_rows(browser.get(f"/dashboard/?unit={unit_c}").get_data(as_text=True), "state")
    for typed in (f.UNIT_C, "数智科技"):
        narrowed = browser.get(f"/dashboard/?unit_name={typed}").get_data(as_text=True)
        assert figure_rows(narrowed, "state") == by_id and "选项无效" not in narrowed and "未生效" not in narrowed
        assert f'value="{f.UNIT_C}"' in narrowed
    everything = figure_rows(browser.get("/dashboard/").get_data(as_text=True), "state")
    several = browser.get("/dashboard/?unit_name=广东").get_data(as_text=True)
    assert "有多个单位名称包含「广东」" in several and figure_rows(several, "state") == everything
    none = browser.get("/dashboard/?unit_name=不存在的单位").get_data(as_text=True)
    assert "没有名为「不存在的单位」的单位" in none and figure_rows(none, "state") == everything
    # A unit outside the authority's own province tree is never matched (demo_unit sees only unit A).
    unit_browser = browser_factory(history_app, "demo_unit")
    assert "没有名为" in unit_browser.get(f"/dashboard/?unit_name={f.UNIT_C}").get_data(as_text=True)
