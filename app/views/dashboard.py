"""统计分析: one dashboard per reviewer over their own scope — figures from app.workflow.stats, each drawn as an
SVG chart with its table and its own Excel export giving the same numbers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from markupsafe import Markup

from app.models import APP_STATE_LABELS, BUSINESS_TYPE_LABELS, BusinessType
from app.scope import current_scope
from app.security import roles as r
from app.services import dictionaries, excel_export, svg_charts
from app.services.excel_export import Column
from app.models.mixins import utcnow
from app.services.workdays import local_time
from app.views import unit_filter
from app.views.export import request_filters_record
from app.workflow import stats, stats_cache


@dataclass
class Figure:
    """One figure: its chart, and the table (headers and rows of plain values) the chart and export share."""

    key: str
    title: str
    headers: list[str]
    rows: list[list]
    chart: Markup | None = None
    note: str = ""
    links: list[str | None] = field(default_factory=list)


def _percent(part: int, whole: int):
    return round(100 * part / whole, 1) if whole else None


def _counts(key, title, header, pairs, label, chart="bars") -> Figure:
    rows = [[label(code), count] for code, count in pairs]
    items = [(row[0], row[1]) for row in rows]
    empty = _("No data")
    drawn = svg_charts.columns(items, title=title, empty_text=empty) if chart == "columns" else \
        svg_charts.horizontal_bars(items, title=title, empty_text=empty)
    return Figure(key, title, [header, _("Applications")], rows, drawn)


def _series_label(code):
    return dictionaries.label("title_series", code) or code if code else _("No series (business without one)")


def _level_label(code):
    return dictionaries.label("title_level", code) or code if code else _("No level (business without one)")


def by_state(scope, filters) -> Figure:
    return _counts("state", _("Applications by state"), _("State"), stats.by_state(scope, filters),
                   lambda state: str(APP_STATE_LABELS[state]))


def by_type(scope, filters) -> Figure:
    return _counts("type", _("Applications by business type"), _("Business type"),
                   stats.by_business_type(scope, filters), lambda kind: str(BUSINESS_TYPE_LABELS[kind]))


def by_series(scope, filters) -> Figure:
    return _counts("series", _("Applications by professional series"), _("Professional series"),
                   stats.by_series(scope, filters), _series_label)


def by_level(scope, filters) -> Figure:
    return _counts("level", _("Applications by title level"), _("Title level"), stats.by_level(scope, filters),
                   _level_label, chart="columns")


def pass_rates(scope, filters) -> Figure:
    title = _("Pass rate by committee and year")
    found = stats.pass_rates(scope, filters)
    rows = [[rate.committee, rate.year, rate.passed, rate.failed, rate.decided, _percent(rate.passed, rate.decided)]
            for rate in found]
    chart = svg_charts.percentage_bars(
        [svg_charts.Share(f"{rate.committee} {rate.year}", rate.passed, rate.failed) for rate in found],
        title=title, empty_text=_("No data"), good_label=_("Passed"), bad_label=_("Not passed"))
    return Figure("pass_rate", title, [_("Review committee"), _("Year of the result"), _("Passed"), _("Not passed"),
                                       _("Results"), _("Pass rate (%)")], rows, chart,
                  _("Evaluations with the committee's result: passed = completed, not passed = rejected by the "
                    "meeting; by the year the result was recorded."))


def stage_days(scope, filters) -> Figure:
    title = _("Average days per review stage")
    found = stats.days_per_stage(scope, filters)
    rows = [[str(APP_STATE_LABELS[stage.state]), stage.stays, round(stage.average_days, 1)] for stage in found]
    chart = svg_charts.horizontal_bars([(row[0], row[2]) for row in rows], title=title, empty_text=_("No data"),
                                       suffix=_(" days"))
    return Figure("stage_days", title, [_("Stage"), _("Stays counted"), _("Average days")], rows, chart,
                  _("From the history: the time from entering a state to the next step; stays still running are "
                    "not counted."))


def slowest(scope, filters) -> Figure:
    now = utcnow()
    found = stats.slowest_open(scope, filters)
    rows = [[item.applicant, item.unit or "", str(BUSINESS_TYPE_LABELS[item.business_type]),
             str(APP_STATE_LABELS[item.state]),
             local_time(item.entered_at).strftime("%Y-%m-%d %H:%M") if item.entered_at else "",
             round((now - item.entered_at).total_seconds() / 86400, 1) if item.entered_at else None]
            for item in found]
    links = [url_for("ApplicationReviewView.show", pk=item.id) for item in found]
    return Figure("slowest", _("Open items waiting longest"), [
        _("Applicant name"), _("Personnel management unit"), _("Business type"), _("State"),
        _("In this state since"), _("Days waiting")], rows, None,
        _("Submitted applications not yet finished, longest in their current state first (at most %(n)d).",
          n=stats.SLOWEST), links)


def ce_compliance(scope, filters) -> Figure:
    title = _("Continuing education compliance by unit and year")
    found = stats.ce_compliance(scope, filters)
    rows = [[row.unit, row.year, row.people, row.compliant, _percent(row.compliant, row.people)] for row in found]
    chart = svg_charts.percentage_bars(
        [svg_charts.Share(f"{row.unit} {row.year}", row.compliant, row.people - row.compliant) for row in found],
        title=title, empty_text=_("No data"), good_label=_("Requirement met"), bad_label=_("Requirement not met"))
    return Figure("ce", title, [_("Unit"), _("Training year"), _("Persons"), _("Requirement met"),
                                _("Compliance rate (%)")], rows, chart,
                  _("Persons whose personnel management unit is in reach, by their recognised hours of the year. "
                    "With more than %(n)d units, they are added up under the organisations directly below yours.",
                    n=stats.CE_UNITS_SHOWN))


FIGURES: dict[str, Callable] = {
    "state": by_state, "type": by_type, "series": by_series, "level": by_level, "pass_rate": pass_rates,
    "stage_days": stage_days, "slowest": slowest, "ce": ce_compliance,
}


def read_filters(scope) -> tuple[stats.Filters, list[tuple[int, str]] | None, dict]:
    """The dashboard's filters from the request; a value that is not a valid choice is ignored with a warning.

    The unit choices come back too: the units in reach, or None when there are too many to list (the page then
    asks for the unit's name)."""
    problems = []
    in_reach = stats.units_query(scope)
    units = unit_filter.offered(in_reach)
    year = None
    raw_year = (request.args.get("year") or "").strip()
    if raw_year:
        if raw_year.isdigit() and int(raw_year) in stats.years_offered():
            year = int(raw_year)
        else:
            problems.append(_("%(field)s: not a valid choice; this condition was ignored.", field=_("Year")))
    kind = None
    raw_type = (request.args.get("type") or "").strip()
    if raw_type:
        try:
            kind = BusinessType(raw_type)
        except ValueError:
            problems.append(_("%(field)s: not a valid choice; this condition was ignored.", field=_("Business type")))
    unit_id, unit_name = unit_filter.chosen(in_reach, problems)
    for message in problems:
        flash(message, "warning")
    shown = {"year": year or "", "type": kind.value if kind else "", "unit": unit_id or "", "unit_name": unit_name}
    return stats.Filters(year, kind, unit_id), units, shown


def scope_name() -> str:
    """Whose figures these are: the reviewer's orgs."""
    if current_scope().everything:
        return _("All organisations")
    return "、".join(org.name for org in g.user.orgs) or _("No organisation")


class DashboardView(BaseView):
    """统计分析 of the reviewer's scope; 导出Excel per figure."""

    route_base = "/dashboard"
    class_permission_name = r.DASHBOARD
    method_permission_name = {"index": "read", "export": "export"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        scope = current_scope()
        filters, units, shown = read_filters(scope)
        figures = [build(scope, filters) for build in FIGURES.values()]
        if units == []:  # no unit in reach: no persons for the CE figure
            figures = [figure for figure in figures if figure.key != "ce"]
        as_of = stats_cache.as_of()
        return self.render_template(
            "dashboard/index.html", title=_("Statistics"), figures=figures, filters=shown, units=units,
            years=stats.years_offered(), types=BUSINESS_TYPE_LABELS, scope_name=scope_name(),
            as_of=local_time(as_of).strftime("%Y-%m-%d %H:%M") if as_of else None,
            refresh_minutes=current_app.config.get("STATS_REFRESH_MINUTES", 30),
        )

    @expose("/export/<key>")
    @has_access
    def export(self, key: str):
        """导出Excel of one figure: the numbers of its table, with the same scope and filters."""
        build = FIGURES.get(key)
        if build is None:
            abort(404)
        scope = current_scope()
        filters, units, shown = read_filters(scope)
        figure = build(scope, filters)
        columns = [Column(header, (lambda index: lambda row: row[index])(index))
                   for index, header in enumerate(figure.headers)]
        conditions = [f"{_('Scope')}：{scope_name()}"] + [f"{name}：{value}" for name, value in (
            (_("Year"), shown["year"]), (_("Business type"), shown["type"] and str(BUSINESS_TYPE_LABELS[
                BusinessType(shown["type"])])), (_("Unit"), shown["unit"] and shown["unit_name"])) if value]
        as_of = stats_cache.as_of()
        if as_of:  # a kept figure: the export's log says when it was computed, as the page does
            conditions.append(_("Figures as of: %(time)s", time=local_time(as_of).strftime("%Y-%m-%d %H:%M")))
        try:
            return excel_export.export(title=figure.title, list_name=f"Dashboard.{key}", columns=columns,
                                       rows=figure.rows, filters=request_filters_record(), actor=g.user,
                                       count=len(figure.rows), conditions=conditions)
        except excel_export.TooManyRows as error:
            flash(error.message(), "warning")
            return redirect(url_for(".index", **shown))
