"""年度认证情况 of the people in a staff member's scope: one year's recognised hours per person, summed in SQL.

The verdict (达标/未达标) is computed in SQL too, so the page can filter and count by it without loading every
person: the persons' units are grouped by the requirement in force for their region, and each group gets the
conditions of its requirement. `ce_compliance.assess` gives the same verdict and the wording of each shortfall.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, and_, case, false, func, or_, select

from app.extensions import db
from app.models import AppUser, BasicInfo, CePolicy, CeRecord, CeRecordStatus, Org, OrgKind
from app.scope.policy import org_clause
from app.scope.resolve import Scope
from app.workflow import ce_compliance
from app.workflow.ce_compliance import Assessment, YearTotals

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


def units_in_scope(scope: Scope) -> list[tuple[int, str]]:
    """The units (id, name) the scope reaches, by name."""
    return list(db.session.execute(units_query(scope).order_by(Org.name)).all())


def policies_by_unit(scope: Scope, year: int) -> dict[int, CePolicy | None]:
    """The requirement in force in the year for each unit in reach, from its own or nearest ancestor's region."""
    units = db.session.execute(
        select(Org.id, Org.region_code, Org.path).where(Org.kind == OrgKind.unit, org_clause(scope))).all()
    ancestor_ids = {int(part) for _, _, path in units for part in path.strip("/").split("/") if part}
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


def _hours_of(course_type: str):
    return func.coalesce(func.sum(case((CeRecord.course_type == course_type, CeRecord.recognised_hours))), 0)


def _courses_of(course_type: str):
    return func.count(case((CeRecord.course_type == course_type, CeRecord.id)))


def person_year_query(scope: Scope, year: int, unit_id: int | None = None, name: str | None = None) -> Select:
    """Persons whose unit is in reach, with the year's recognised hours and 门数 per course type (a subquery)."""
    query = (
        select(BasicInfo.user_id, BasicInfo.unit_id, Org.name.label("unit_name"),
               AppUser.first_name, AppUser.last_name, AppUser.id_number,
               *[_hours_of(kind).label(f"{kind}_hours") for kind in ce_compliance.COURSE_TYPES],
               *[_courses_of(kind).label(f"{kind}_courses") for kind in ce_compliance.COURSE_TYPES])
        .join(Org, Org.id == BasicInfo.unit_id).join(AppUser, AppUser.id == BasicInfo.user_id)
        .outerjoin(CeRecord, and_(CeRecord.user_id == BasicInfo.user_id, CeRecord.year == year,
                                  CeRecord.status == CeRecordStatus.approved))
        .where(org_clause(scope))
        .group_by(BasicInfo.user_id, BasicInfo.unit_id, Org.name, AppUser.first_name, AppUser.last_name,
                  AppUser.id_number)
    )
    if unit_id:
        query = query.where(BasicInfo.unit_id == unit_id)
    if name:
        full_name = AppUser.last_name + AppUser.first_name
        query = query.where(or_(full_name.contains(name.strip(), autoescape=True),
                                AppUser.id_number == name.strip()))
    return query


def compliant_condition(table, policies: dict[int, CePolicy | None]):
    """SQL for 达标 over the person-year columns: each unit held to the requirement in force for it."""
    groups: dict[int, tuple[CePolicy, list[int]]] = {}
    for unit_id, policy in policies.items():
        if policy is not None:
            groups.setdefault(policy.id, (policy, []))[1].append(unit_id)
    public, professional, elective = (table.c[f"{kind}_hours"] for kind in ce_compliance.COURSE_TYPES)
    total = public + professional + elective
    terms = []
    for policy, unit_ids in groups.values():
        conditions = [table.c.unit_id.in_(sorted(unit_ids)), total >= policy.min_total,
                      (professional + elective) * policy.professional_share_denominator
                      >= total * policy.professional_share_numerator]
        for column, minimum in ((public, policy.min_public), (professional, policy.min_professional),
                                (elective, policy.min_elective)):
            if minimum is not None:
                conditions.append(column >= minimum)
        terms.append(and_(*conditions))
    return or_(*terms) if terms else false()


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


def summary(query: Select) -> tuple[int, int]:
    """How many persons the report has, and how many of them are 达标."""
    counted = query.subquery("counted")
    people, passed = db.session.execute(
        select(func.count(), func.coalesce(func.sum(counted.c.compliant), 0)).select_from(counted)).one()
    return people, int(passed)


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
