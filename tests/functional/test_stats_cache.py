"""Kept dashboard figures (app/workflow/stats_cache.py): a slow figure is kept and shown with 数据截至, shown the same
as computed live, renewed by the tick, dropped when quick again or no longer looked at; quick figures stay live."""
from __future__ import annotations

import datetime as dt
import html
import re

from sqlalchemy import func, select, update

import factories as f
from app.extensions import db
from app.models import AppState, Application, StatsSnapshot
from app.models.mixins import utcnow
from app.scope.resolve import resolve_scope
from app.services.demo import _hash
from app.services.demo_history import load_history
from app.workflow import stats, stats_cache, tick

DEMO_PASSWORD = "Demo@2026zp"
DASHBOARD = {name: compute for name, compute in stats_cache.COMPUTE.items() if compute.__module__ == stats.__name__}


def _state_counts(page: str) -> dict[str, str]:
    """The 按状态 figure's table on the page: {state label: count}."""
    body = re.search(r'<table[^>]*data-figure="state".*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    cells = [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row)]
             for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    return {row[0]: row[1] for row in cells if len(row) == 2}


def _with_history(app):
    """The demo province with the dashboards' history (applications in every state)."""
    with app.app_context():
        assert load_history(_hash(DEMO_PASSWORD)) >= 30
        db.session.remove()
    return app


def _kept(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StatsSnapshot))


def _complete_one_in_unit_review(app) -> None:
    """Move one application of the authority's reach from 待单位审核 to 已办结 behind the dashboard's back."""
    with app.app_context():
        waiting = db.session.scalar(select(Application.id).where(Application.state == AppState.unit_review)
                                    .order_by(Application.id))
        db.session.execute(update(Application).where(Application.id == waiting).values(state=AppState.completed))
        db.session.commit()


def test_a_slow_figure_is_kept_shown_with_its_time_and_renewed_by_the_tick(app_with, browser_factory):
    app = _with_history(app_with(STATS_KEEP_AFTER_MS=0))  # every figure counts as slow
    authority = browser_factory(app, "demo_authority")
    first = authority.get("/dashboard/").get_data(as_text=True)
    assert "数据截至" in first
    assert _kept(app) == len(DASHBOARD)
    before = _state_counts(first)

    _complete_one_in_unit_review(app)
    kept_page = authority.get("/dashboard/").get_data(as_text=True)
    assert _state_counts(kept_page) == before  # shown from the kept figure, not computed again
    assert _kept(app) == len(DASHBOARD)

    with app.app_context():
        assert stats_cache.refresh() == 0  # nothing is due yet
        assert stats_cache.refresh(utcnow() + dt.timedelta(minutes=31)) == len(DASHBOARD)
    renewed = _state_counts(authority.get("/dashboard/").get_data(as_text=True))
    assert renewed != before
    assert int(renewed["已办结"]) == int(before["已办结"]) + 1
    assert int(renewed.get("待单位审核", "0")) == int(before["待单位审核"]) - 1


def test_a_kept_figure_is_the_figure_computed_live(app_with):
    """Every figure's kept form (records, enums, times through JSON) gives back exactly what was computed."""
    app = _with_history(app_with(STATS_KEEP_AFTER_MS=0))
    with app.test_request_context("/"):
        scope = resolve_scope(f.user("demo_authority"))
        for filters in (stats.Filters(), stats.Filters(year=stats.this_year(), business_type=None)):
            for name, compute in DASHBOARD.items():
                live = compute(scope, filters)
                first = getattr(stats, compute.__name__)(scope, filters)  # computes and keeps it
                kept = getattr(stats, compute.__name__)(scope, filters)   # read back from the kept row
                assert [list(row) if isinstance(row, tuple) else row for row in live] == \
                       [list(row) if isinstance(row, tuple) else row for row in kept], name
                assert first == live, name
                assert live or name in ("pass_rate", "ce", "slowest"), f"{name} has no rows to compare"


def test_quick_figures_stay_live(app_with, browser_factory):
    app = _with_history(app_with(STATS_KEEP_AFTER_MS=60_000))
    authority = browser_factory(app, "demo_authority")
    before = _state_counts(authority.get("/dashboard/").get_data(as_text=True))
    _complete_one_in_unit_review(app)
    page = authority.get("/dashboard/").get_data(as_text=True)
    assert "数据截至" not in page and _kept(app) == 0
    assert int(_state_counts(page)["已办结"]) == int(before["已办结"]) + 1


def test_reviewers_of_the_same_orgs_share_a_kept_figure_and_others_do_not(app_with, browser_factory):
    app = app_with(STATS_KEEP_AFTER_MS=0)
    browser_factory(app, "demo_authority").get("/dashboard/")
    browser_factory(app, "demo_authority").get("/dashboard/")
    assert _kept(app) == len(DASHBOARD)
    browser_factory(app, "demo_unit").get("/dashboard/")
    assert _kept(app) > len(DASHBOARD)


def test_the_tick_drops_figures_become_quick_or_no_longer_looked_at(app_with, browser_factory):
    app = app_with(STATS_KEEP_AFTER_MS=0)
    browser_factory(app, "demo_authority").get("/dashboard/")
    browser_factory(app, "demo_unit").get("/dashboard/?year=" + str(stats.this_year()))
    total = _kept(app)
    with app.app_context():
        # demo_unit's figures were last looked at eight days ago: gone at the next run.
        unit_keys = [key for key, inputs in db.session.execute(select(StatsSnapshot.key, StatsSnapshot.inputs))
                     if inputs["filters"]["year"]]
        db.session.execute(update(StatsSnapshot).where(StatsSnapshot.key.in_(unit_keys))
                           .values(viewed_at=utcnow() - dt.timedelta(days=8)))
        db.session.commit()
        result = tick.scheduled()
        assert "statistics" not in result.skipped and result.statistics == 0
    assert _kept(app) == total - len(unit_keys) == len(DASHBOARD)
    with app.app_context():
        app.config["STATS_KEEP_AFTER_MS"] = 60_000  # every figure is quick now
        assert stats_cache.refresh(utcnow() + dt.timedelta(minutes=31)) == len(DASHBOARD)
    assert _kept(app) == 0


def test_the_export_of_a_kept_figure_logs_when_it_was_computed(app_with, browser_factory):
    import json

    from app.models import OperationLog

    app = app_with(STATS_KEEP_AFTER_MS=0)
    authority = browser_factory(app, "demo_authority")
    authority.get("/dashboard/")
    assert authority.get("/dashboard/export/state").status_code == 200
    with app.app_context():
        entry = db.session.scalar(select(OperationLog).where(OperationLog.action == "export")
                                  .order_by(OperationLog.id.desc()))
        conditions = json.loads(entry.detail)["conditions"]
    assert any(condition.startswith("数据截至：") for condition in conditions), conditions


def test_the_ce_reports_counts_are_kept_and_its_rows_stay_current(app_with, browser_factory):
    """年度认证情况 of a province: the persons and 达标 counts are kept (数据截至) and renewed by the tick; the
    people listed are read live."""
    from app.models import CeRecord, CeRecordStatus
    from app.services.workdays import local_today

    app = app_with(STATS_KEEP_AFTER_MS=0)
    year = local_today().year - 1
    authority = browser_factory(app, "demo_authority")
    first = authority.get(f"/ce-compliance/?year={year}").get_data(as_text=True)
    assert "统计数字截至" in first and _kept(app) == 1
    summary = re.search(r'<p class="zp-ce-summary">(.*?)<', first, re.S).group(1).strip()
    with app.app_context():
        owner = f.user("demo_applicant")
        records = db.session.scalars(select(CeRecord).where(
            CeRecord.user_id == owner.id, CeRecord.year == year, CeRecord.status == CeRecordStatus.approved)).all()
        assert records
        for record in records:
            record.status = CeRecordStatus.rejected  # the demo applicant's year falls short
        db.session.commit()
        owner_id = owner.id
    page = authority.get(f"/ce-compliance/?year={year}").get_data(as_text=True)
    assert re.search(r'<p class="zp-ce-summary">(.*?)<', page, re.S).group(1).strip() == summary
    row = re.search(rf'<tr data-user="{owner_id}">(.*?)</tr>', page, re.S).group(1)
    assert "未达标" in row  # the rows are current
    with app.app_context():
        assert stats_cache.refresh(utcnow() + dt.timedelta(minutes=31)) == 1
    renewed = authority.get(f"/ce-compliance/?year={year}").get_data(as_text=True)
    assert re.search(r'<p class="zp-ce-summary">(.*?)<', renewed, re.S).group(1).strip() != summary
