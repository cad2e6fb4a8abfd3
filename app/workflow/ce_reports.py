"""年度认证情况 of the people in a staff member's scope: one year's recognised hours per person, from the kept sums.

The verdict (达标/未达标) is computed in SQL too, so the page can filter and count by it without loading every
person: the persons' units are grouped by the requirement in force for their region, and each group gets the
conditions of its requirement. `ce_compliance.assess` gives the same verdict and the wording of each shortfall.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, and_, case, false, func, or_, select

from app.extensions import db
from app.models import AppUser, BasicInfo, CePolicy, CeYearTotal, Org, OrgKind
from app.scope.policy import org_clause
from app.scope.resolve import Scope
from app.workflow import ce_compliance
from app.workflow.ce_compliance import Assessment, YearTotals
from app.workflow.stats_cache import kept

ZERO = Decimal(0)


@dataclass(frozen=True)
class PersonYear:
    """One person's line: who, where, and the year's hours and verdict."""

    user_id: int
    name: str
    id_number: str | None
    unit_name: str
    assessment: Assessment


def units_query(scope: Scope) -> Select:
    """The units (id, name) the scope reaches, unordered."""
    return select(Org.id, Org.name).where(Org.kind == OrgKind.unit, org_clause(scope))


def unit_choices(units: Select, at_most: int) -> list[tuple[int, str]] | None:
    """The units of `units_query` by name, or None when there are more than `at_most` (too many to list)."""
    if (db.session.scalar(select(func.count()).select_from(units.subquery())) or 0) > at_most:
        return None
    return [tuple(row) for row in db.session.execute(units.order_by(Org.name))]


def unit_name(units: Select, unit_id: int) -> str | None:
    """The name of a unit among `units`; None for any other org."""
    return db.session.scalar(units.with_only_columns(Org.name).where(Org.id == unit_id))


def units_named(units: Select, text: str, limit: int = 5) -> list[tuple[int, str]]:
    """Units among `units` called `text`, else (at most `limit`) whose name contains it, by name."""
    text = text.strip()
    exact = db.session.execute(units.where(Org.name == text)).all()
    if exact:
        return [tuple(row) for row in exact]
    return [tuple(row) for row in db.session.execute(
        units.where(Org.name.contains(text, autoescape=True)).order_by(Org.name).limit(limit))]


def policies_by_unit(scope: Scope, year: int) -> dict[int, CePolicy | None]:
    """The requirement in force in the year for each unit in reach, from its own or nearest ancestor's region."""
    units = db.session.execute(
        select(Org.id, Org.region_code, Org.path).where(Org.kind == OrgKind.unit, org_clause(scope))).all()
    # Only the units without a region of their own look up their ancestors (a province's few cities and departments).
    ancestor_ids = {int(part) for _, region, path in units if not region
                    for part in path.strip("/").split("/") if part} - {unit_id for unit_id, _, _ in units}
    regions = dict(db.session.execute(select(Org.id, Org.region_code).where(Org.id.in_(ancestor_ids))).all()) \
        if ancestor_ids else {}
    picked: dict[str | None, CePolicy | None] = {}
    result = {}
    for unit_id, region, path in units:
        if not region:  # the nearest ancestor with a region, walking up the materialised path
            chain = [int(part) for part in path.strip("/").split("/") if part]
            region = next((regions.get(org_id) for org_id in reversed(chain) if regions.get(org_id)), None)
        if region not in picked:
            picked[region] = ce_compliance.policy_for(region, year)
        result[unit_id] = picked[region]
    return result


def person_year_query(scope: Scope, year: int, unit_id: int | None = None, name: str | None = None) -> Select:
    """Persons whose unit is in reach, with the year's recognised hours and 门数 per course type (from the kept
    sums, one row per person: a page of a province is read in order without summing its records)."""
    totals = [func.coalesce(getattr(CeYearTotal, f"{kind}_{what}"), 0).label(f"{kind}_{what}")
              for kind in ce_compliance.COURSE_TYPES for what in ("hours", "courses")]
    query = (
        select(BasicInfo.user_id, BasicInfo.unit_id, Org.name.label("unit_name"),
               AppUser.first_name, AppUser.last_name, AppUser.id_number, *totals)
        .join(Org, Org.id == BasicInfo.unit_id).join(AppUser, AppUser.id == BasicInfo.user_id)
        .outerjoin(CeYearTotal, and_(CeYearTotal.user_id == BasicInfo.user_id, CeYearTotal.year == year))
        .where(org_clause(scope))
    )
    if unit_id:
        query = query.where(BasicInfo.unit_id == unit_id)
    if name:
        full_name = AppUser.last_name + AppUser.first_name
        query = query.where(or_(full_name.contains(name.strip(), autoescape=True),
                                AppUser.id_number == name.strip()))
    return query


def compliant_condition(table, policies: dict[int, CePolicy | None]):
    """SQL for 达标 over the person-year columns: each unit held to the requirement in force for it.

    The requirement most units share names no units (a province's twenty thousand would swell every statement):
    it holds everyone whose unit is not listed under another requirement or under none."""
    groups: dict[int | None, tuple[CePolicy | None, list[int]]] = {}
    for unit_id, policy in policies.items():
        groups.setdefault(policy.id if policy else None, (policy, []))[1].append(unit_id)
    held = [key for key in groups if key is not None]
    if not held:
        return false()
    usual = max(held, key=lambda key: len(groups[key][1]))
    terms = [and_(table.c.unit_id.in_(sorted(unit_ids)), _met(table, policy))
             for key, (policy, unit_ids) in groups.items() if key is not None and key != usual]
    elsewhere = sorted(unit_id for key, (_policy, unit_ids) in groups.items() if key != usual for unit_id in unit_ids)
    usual_met = _met(table, groups[usual][0])
    terms.append(and_(table.c.unit_id.not_in(elsewhere), usual_met) if elsewhere else usual_met)
    return or_(*terms)


def _met(table, policy: CePolicy):
    """The requirement's conditions over the person-year columns (as `ce_compliance.assess` words them)."""
    public, professional, elective = (table.c[f"{kind}_hours"] for kind in ce_compliance.COURSE_TYPES)
    total = public + professional + elective
    conditions = [total >= policy.min_total,
                  (professional + elective) * policy.professional_share_denominator
                  >= total * policy.professional_share_numerator]
    for column, minimum in ((public, policy.min_public), (professional, policy.min_professional),
                            (elective, policy.min_elective)):
        if minimum is not None:
            conditions.append(column >= minimum)
    return and_(*conditions)


def report(scope: Scope, year: int, *, unit_id: int | None = None, name: str | None = None,
           verdict: str | None = None) -> tuple[Select, dict[int, CePolicy | None]]:
    """The filtered person-year rows with a `compliant` column of 1 or 0 (not yet ordered or paged), and the
    units' requirements."""
    policies = policies_by_unit(scope, year)
    inner = person_year_query(scope, year, unit_id, name).subquery("person_year")
    flagged = select(inner, case((compliant_condition(inner, policies), 1), else_=0).label("compliant")) \
        .subquery("flagged")
    query = select(flagged)
    if verdict == "compliant":
        query = query.where(flagged.c.compliant == 1)
    elif verdict == "noncompliant":
        query = query.where(flagged.c.compliant == 0)
    return query, policies


@dataclass(frozen=True)
class Conditions:
    """The report's conditions: the 培训年度 and, optionally, a unit, a name or 证件号码, and a verdict."""

    year: int
    unit_id: int | None = None
    name: str | None = None
    verdict: str | None = None


@kept("ce_report_counts", filters=Conditions)
def counts(scope: Scope, conditions: Conditions) -> list[int]:
    """How many persons the report has, and how many of them are 达标 (a province's is kept: stats_cache)."""
    query, _policies = report(scope, conditions.year, unit_id=conditions.unit_id, name=conditions.name,
                              verdict=conditions.verdict)
    counted = query.subquery("counted")
    people, passed = db.session.execute(
        select(func.count(), func.coalesce(func.sum(counted.c.compliant), 0)).select_from(counted)).one()
    return [people, int(passed)]


def to_person_year(row, policies: dict[int, CePolicy | None], year: int) -> PersonYear:
    """A result row as a PersonYear, with the wording of each shortfall."""
    totals = YearTotals(
        year,
        {kind: Decimal(getattr(row, f"{kind}_hours") or 0) for kind in ce_compliance.COURSE_TYPES
         if getattr(row, f"{kind}_courses")},
        {kind: getattr(row, f"{kind}_courses") for kind in ce_compliance.COURSE_TYPES
         if getattr(row, f"{kind}_courses")},
    )
    return PersonYear(row.user_id, f"{row.last_name or ''}{row.first_name or ''}", row.id_number, row.unit_name,
                      ce_compliance.assess(totals, policies.get(row.unit_id)))
