"""Dashboard statistics (统计分析), aggregated in the database: nothing here loads application rows into Python.

Every figure is over the same base set: the applications the scope reaches as a reviewer (`clause_for` with the
person's own rows left out, so a reviewer's own application never counts), never drafts, narrowed by the filters
(year of 提交 by `submitted_at`, business type, one unit in reach). Years are 北京 calendar years: the bounds are
local midnights turned into the stored UTC times, so the queries compare plain timestamps and use the indexes.

- Pass rates: evaluations that reached the committee's final result — 通过 = completed, 未通过 = rejected (the
  meeting's "not passed"); terminated and ended ones had no result and are left out. Year = the year of finished_at
  (also for the year filter: an evaluation submitted in one year and decided in the next counts in the next).
- Days per stage: for each history row, the time until the application's next history row (LEAD over the
  application's rows in id order, which is the order they were written) is the time spent in the state the row
  entered; averaged per state. Stays still running and time in 草稿 are not counted.
- CE compliance: `ce_reports.report` per year (persons of the units in reach, 达标 computed in SQL), grouped by unit.

Each figure is `kept` (app/workflow/stats_cache.py): one that took long is shown from its last computation, which
the tick renews, and the page says when that was.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import Float, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from app.extensions import db
from app.models import FINAL_STATES, AppState, Application, ApplicationEvent, AppUser, BusinessType, Org, OrgKind
from app.scope.policy import clause_for, org_clause
from app.scope.resolve import Scope
from app.security import roles as r
from app.workflow import ce_reports
from app.workflow.stats_cache import kept

YEARS_SHOWN = 10        # the years a dashboard offers and groups by (this year and the nine before)
CE_YEARS = 3            # CE compliance: the last three full 培训年度 when no year is chosen
CE_UNITS_SHOWN = 50     # CE compliance lists at most this many units one by one (see ce_compliance)
SLOWEST = 10


@dataclass(frozen=True)
class Filters:
    """The conditions of one dashboard: all optional."""

    year: int | None = None
    business_type: BusinessType | None = None
    unit_id: int | None = None


class days_between(FunctionElement):
    """Days (fractional) from one timestamp to another, in the database."""

    type = Float()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(julianday({end}) - julianday({start}))"


@compiles(days_between)
def _days_default(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


def _zone() -> ZoneInfo:
    name = current_app.config.get("DISPLAY_TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def year_start(year: int) -> dt.datetime:
    """Local midnight of 1 January as a stored (naive UTC) time."""
    local = dt.datetime(year, 1, 1, tzinfo=_zone())
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def this_year() -> int:
    return dt.datetime.now(_zone()).year


def years_offered() -> list[int]:
    """The years a dashboard offers, latest first."""
    last = this_year()
    return list(range(last, last - YEARS_SHOWN, -1))


def year_of(column, years: list[int]):
    """The local calendar year of a timestamp column, as a CASE over the year bounds (portable, index-friendly)."""
    ordered = sorted(years)
    return case(*[(column < year_start(year + 1), year) for year in ordered], else_=None)


def reviewer_scope(scope: Scope) -> Scope:
    """The scope as a reviewer: without the person's own rows (and nothing as an expert)."""
    return dataclasses.replace(scope, user_id=None, role_names=scope.role_names - {r.EXPERT})


def base_clause(scope: Scope, filters: Filters):
    """The applications every figure counts: in reach as a reviewer, submitted (no drafts), filtered (the year
    being the year of 提交)."""
    terms = [Application.state != AppState.draft, clause_for(Application, reviewer_scope(scope))]
    if filters.year:
        terms += [Application.submitted_at >= year_start(filters.year),
                  Application.submitted_at < year_start(filters.year + 1)]
    if filters.business_type:
        terms.append(Application.business_type == filters.business_type)
    if filters.unit_id:
        terms.append(Application.unit_id == filters.unit_id)
    return and_(*terms)


def _grouped(column, scope: Scope, filters: Filters) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(
        select(column, func.count()).where(base_clause(scope, filters)).group_by(column).order_by(column))]


@kept("state")
def by_state(scope: Scope, filters: Filters) -> list[tuple[AppState, int]]:
    """(state, applications) in the base set."""
    return _grouped(Application.state, scope, filters)


@kept("type")
def by_business_type(scope: Scope, filters: Filters) -> list[tuple[BusinessType, int]]:
    return _grouped(Application.business_type, scope, filters)


@kept("series")
def by_series(scope: Scope, filters: Filters) -> list[tuple[str | None, int]]:
    """(series code or None, applications): the businesses without a series count under None."""
    return _grouped(Application.series, scope, filters)


@kept("level")
def by_level(scope: Scope, filters: Filters) -> list[tuple[str | None, int]]:
    return _grouped(Application.level, scope, filters)


@dataclass(frozen=True)
class PassRate:
    committee_id: int
    committee: str
    year: int
    passed: int
    failed: int

    @property
    def decided(self) -> int:
        return self.passed + self.failed

    @property
    def rate(self) -> float | None:
        return self.passed / self.decided if self.decided else None


@kept("pass_rate", PassRate)
def pass_rates(scope: Scope, filters: Filters) -> list[PassRate]:
    """Passed and not passed per committee and year of the result (evaluations with a committee result)."""
    years = [filters.year] if filters.year else years_offered()
    # The chosen year is the year of the result here, not of submission.
    filters = dataclasses.replace(filters, year=None)
    results = (
        select(Application.committee_id, year_of(Application.finished_at, years).label("year"),
               Application.state)
        .where(base_clause(scope, filters), Application.business_type == BusinessType.evaluation,
               Application.committee_id.is_not(None),
               Application.state.in_((AppState.completed, AppState.rejected)),
               Application.finished_at >= year_start(min(years)), Application.finished_at < year_start(max(years) + 1))
        .subquery("results"))  # grouped outside, so the CASE is not repeated in GROUP BY (PostgreSQL)
    passed = func.count(case((results.c.state == AppState.completed, 1)))
    failed = func.count(case((results.c.state == AppState.rejected, 1)))
    rows = db.session.execute(
        select(results.c.committee_id, Org.name, results.c.year, passed, failed)
        .join(Org, Org.id == results.c.committee_id)
        .group_by(results.c.committee_id, Org.name, results.c.year)
        .order_by(Org.name, results.c.year))
    return [PassRate(*row) for row in rows]


@dataclass(frozen=True)
class StageDays:
    state: AppState
    stays: int
    average_days: float


@kept("stage_days", StageDays)
def days_per_stage(scope: Scope, filters: Filters) -> list[StageDays]:
    """Average days spent in each state, from the history of the applications in the base set."""
    left_at = func.lead(ApplicationEvent.at).over(partition_by=ApplicationEvent.application_id,
                                                  order_by=ApplicationEvent.id)
    stays = (select(ApplicationEvent.to_state.label("state"), ApplicationEvent.at.label("entered_at"),
                    left_at.label("left_at"))
             .join(Application, Application.id == ApplicationEvent.application_id)
             .where(base_clause(scope, filters)).subquery("stays"))
    rows = db.session.execute(
        select(stays.c.state, func.count(), func.avg(days_between(stays.c.entered_at, stays.c.left_at)))
        .where(stays.c.left_at.is_not(None), stays.c.state != AppState.draft.value)
        .group_by(stays.c.state))
    order = {state.value: index for index, state in enumerate(AppState)}
    found = [StageDays(AppState(state), count, float(average or 0)) for state, count, average in rows]
    return sorted(found, key=lambda stage: order[stage.state.value])


@dataclass(frozen=True)
class OpenItem:
    id: int
    applicant: str
    unit: str | None
    business_type: BusinessType
    state: AppState
    entered_at: dt.datetime | None


@kept("slowest", OpenItem)
def slowest_open(scope: Scope, filters: Filters, limit: int = SLOWEST) -> list[OpenItem]:
    """The open applications (neither final nor draft) longest in their current state, oldest first."""
    rows = db.session.execute(
        select(Application.id, (AppUser.last_name + AppUser.first_name), Org.name, Application.business_type,
               Application.state, Application.state_entered_at)
        .join(AppUser, AppUser.id == Application.user_id).outerjoin(Org, Org.id == Application.unit_id)
        .where(base_clause(scope, filters), Application.state.not_in(FINAL_STATES))
        .order_by(Application.state_entered_at, Application.id).limit(limit))
    return [OpenItem(*row) for row in rows]


def people_scope(scope: Scope) -> Scope:
    """The scope whose units' persons the CE figures cover (the administrator: every tree)."""
    if not scope.everything:
        return scope
    roots = db.session.scalars(select(Org.path).where(Org.parent_id.is_(None)))
    return Scope(user_id=None, subtree_paths=frozenset(roots), role_names=scope.role_names)


def units_query(scope: Scope):
    """The units (id, name) whose persons the CE figures cover, unordered."""
    return ce_reports.units_query(people_scope(scope))


@dataclass(frozen=True)
class UnitCompliance:
    unit_id: int
    unit: str
    year: int
    people: int
    compliant: int

    @property
    def rate(self) -> float | None:
        return self.compliant / self.people if self.people else None


def ce_years(filters: Filters) -> list[int]:
    """The 培训年度 shown: the chosen year, else the last full years."""
    if filters.year:
        return [filters.year]
    last = this_year() - 1
    return list(range(last - CE_YEARS + 1, last + 1))


@kept("ce", UnitCompliance)
def ce_compliance(scope: Scope, filters: Filters) -> list[UnitCompliance]:
    """Persons and 达标 persons per unit and 培训年度, one grouped query per year; with more than CE_UNITS_SHOWN
    units (and no unit chosen), added up under the orgs directly below the reach's roots instead (a province's
    cities and departments, not its twenty thousand units)."""
    reach = people_scope(scope)
    if not reach.reaches_orgs:
        return []
    found = []
    for year in ce_years(filters):
        query, _policies = ce_reports.report(reach, year, unit_id=filters.unit_id)
        rows = query.subquery("rows")
        for unit_id, unit, people, compliant in db.session.execute(
                select(rows.c.unit_id, rows.c.unit_name, func.count(), func.coalesce(func.sum(rows.c.compliant), 0))
                .group_by(rows.c.unit_id, rows.c.unit_name)):
            found.append(UnitCompliance(unit_id, unit, year, people, int(compliant)))
    if len({row.unit_id for row in found}) > CE_UNITS_SHOWN:
        found = _under_the_roots(reach, found)
    return sorted(found, key=lambda row: (row.unit, row.year))


def _under_the_roots(reach: Scope, rows: list[UnitCompliance]) -> list[UnitCompliance]:
    """The rows added up per org directly below the root of the reach's tree that holds each unit."""
    roots = [[part for part in path.strip("/").split("/") if part] for path in reach.subtree_paths]
    if reach.everything or not roots:
        roots = [[]]
    group_of = {}
    for unit_id, path in db.session.execute(select(Org.id, Org.path).where(
            Org.kind == OrgKind.unit, org_clause(reach))):
        parts = [part for part in path.strip("/").split("/") if part]
        root = max((root for root in roots if parts[:len(root)] == root), key=len, default=[])
        group_of[unit_id] = int(parts[len(root)]) if len(parts) > len(root) else unit_id
    names = dict(db.session.execute(select(Org.id, Org.name).where(Org.id.in_(set(group_of.values())))).all())
    totals: dict[tuple[int, int], list[int]] = {}
    for row in rows:
        group = group_of.get(row.unit_id, row.unit_id)
        counted = totals.setdefault((group, row.year), [0, 0])
        counted[0] += row.people
        counted[1] += row.compliant
    return [UnitCompliance(group, names.get(group, ""), year, people, compliant)
            for (group, year), (people, compliant) in totals.items()]
