"""Annual continuing-education compliance (年度认证情况): a person's recognised hours against the requirement in force.

The requirement is data (CePolicy per region and year, SPEC §6), looked up from the most specific region (the
person's unit's region, then its parents, then the national rule) and the latest year not after the one assessed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.errors import ErrorCollector
from app.extensions import db
from app.models import BasicInfo, CePolicy, CeRecord, CeRecordStatus, Org
from app.services import dictionaries
from app.workflow import ce_binding

COURSE_TYPES = ("public", "professional", "elective")  # dictionary course_type: 公需课, 专业课, 个人选修课
ZERO = Decimal(0)


@dataclass(frozen=True)
class YearTotals:
    """Recognised hours and course counts (门数) of one person in one 培训年度, by course type."""

    year: int
    hours: dict[str, Decimal] = field(default_factory=dict)
    courses: dict[str, int] = field(default_factory=dict)

    def of(self, course_type: str) -> Decimal:
        return self.hours.get(course_type, ZERO)

    @property
    def total(self) -> Decimal:
        return sum(self.hours.values(), ZERO)


@dataclass(frozen=True)
class Assessment:
    """One year's verdict: 达标 when nothing falls short; each shortfall says what and by how much."""

    totals: YearTotals
    policy: CePolicy | None
    shortfalls: tuple[str, ...]

    @property
    def compliant(self) -> bool:
        return self.policy is not None and not self.shortfalls


def hours_text(value) -> str:
    """学时 as people write them: 30.0 → "30", 7.5 → "7.5", nothing → ""."""
    return "" if value is None else f"{Decimal(value).normalize():f}"


def assess(totals: YearTotals, policy: CePolicy | None) -> Assessment:
    """Compare a year's hours with the policy; pure."""
    if policy is None:
        return Assessment(totals, None, (_("No continuing-education requirement is configured for %(year)d.",
                                              year=totals.year),))
    shortfalls = []
    if totals.total < policy.min_total:
        shortfalls.append(_("%(year)d: %(have)s hours in all, fewer than the %(need)s required.", year=totals.year,
                            have=hours_text(totals.total), need=hours_text(policy.min_total)))
    for course_type, minimum in (("public", policy.min_public), ("professional", policy.min_professional),
                                 ("elective", policy.min_elective)):
        if minimum is not None and totals.of(course_type) < minimum:
            shortfalls.append(_("%(year)d: %(have)s hours of %(kind)s, fewer than the %(need)s required.",
                                year=totals.year, have=hours_text(totals.of(course_type)),
                                kind=dictionaries.label("course_type", course_type), need=hours_text(minimum)))
    # 专业科目 are the 专业课 and the 个人选修课 (Guangdong splits the national 专业科目 into the two).
    professional = totals.of("professional") + totals.of("elective")
    if totals.total and professional * policy.professional_share_denominator \
            < totals.total * policy.professional_share_numerator:
        shortfalls.append(_("%(year)d: professional subjects are %(have)s of %(total)s hours, less than "
                            "%(numerator)d/%(denominator)d.", year=totals.year, have=hours_text(professional),
                            total=hours_text(totals.total), numerator=policy.professional_share_numerator,
                            denominator=policy.professional_share_denominator))
    return Assessment(totals, policy, tuple(shortfalls))


def to_hours(policy: CePolicy, *, days: Decimal | int = 0, minutes: int = 0) -> Decimal:
    """学时 of a study given in days (1 day = hours_per_day) and minutes (minutes_per_hour = 1), to one decimal."""
    hours = Decimal(days) * policy.hours_per_day + Decimal(minutes) / Decimal(policy.minutes_per_hour)
    return hours.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def region_chain(region_code: str | None) -> list[str]:
    """The region and its parents in the region dictionary, most specific first."""
    parents = {entry.code: entry.parent_code for entry in dictionaries.entries("region")}
    chain, code = [], region_code
    while code and code not in chain:
        chain.append(code)
        code = parents.get(code)
    return chain


def policy_for(region_code: str | None, year: int) -> CePolicy | None:
    """The requirement in force for the region in the year: most specific region first, then the latest year."""
    return policies_for(region_code, [year])[year]


def policies_for(region_code: str | None, years: list[int]) -> dict[int, CePolicy | None]:
    """`policy_for` of each year, from one query."""
    if not years:
        return {}
    chain = region_chain(region_code)
    candidates = list(db.session.scalars(select(CePolicy).where(
        CePolicy.year <= max(years), or_(CePolicy.region_code.in_(chain), CePolicy.region_code.is_(None)),
    )))
    rank = {code: index for index, code in enumerate(chain)}
    candidates.sort(key=lambda p: (rank.get(p.region_code, len(chain)), -p.year))
    return {year: next((policy for policy in candidates if policy.year <= year), None) for year in years}


def person_unit_id(user_id: int) -> int | None:
    """The person's unit for continuing education: the confirmed binding, else the profile's unit."""
    return ce_binding.bound_unit_id(user_id) or db.session.scalar(
        select(BasicInfo.unit_id).where(BasicInfo.user_id == user_id))


def person_region(user_id: int) -> str | None:
    """The region of the person's unit (or of its nearest ancestor that has one)."""
    unit_id = person_unit_id(user_id)
    return org_region(unit_id) if unit_id else None


def org_region(org_id: int) -> str | None:
    """`unit_region` of an org by id, in two small queries instead of loading the org and its ancestors."""
    path = db.session.scalar(select(Org.path).where(Org.id == org_id))
    chain = [int(part) for part in (path or "").split("/") if part.isdigit()] or [org_id]
    return db.session.scalar(select(Org.region_code).where(Org.id.in_(chain), Org.region_code.is_not(None))
                             .order_by(Org.depth.desc()).limit(1))


def unit_region(unit: Org | None) -> str | None:
    """The region of a unit, or of its nearest ancestor that has one."""
    for org in ([unit] + list(reversed(unit.ancestors()))) if unit else []:
        if org.region_code:
            return org.region_code
    return None


def totals_for(user_id: int, years: list[int]) -> dict[int, YearTotals]:
    """Recognised hours and course counts per year and course type, summed in SQL; every asked year is present."""
    rows = db.session.execute(
        select(CeRecord.year, CeRecord.course_type, func.sum(CeRecord.recognised_hours), func.count())
        .where(CeRecord.user_id == user_id, CeRecord.year.in_(years), CeRecord.status == CeRecordStatus.approved)
        .group_by(CeRecord.year, CeRecord.course_type)
    ).all()
    found: dict[int, tuple[dict, dict]] = {year: ({}, {}) for year in years}
    for year, course_type, hours, count in rows:
        found[year][0][course_type] = Decimal(hours or 0)
        found[year][1][course_type] = count
    return {year: YearTotals(year, hours, courses) for year, (hours, courses) in found.items()}


def assess_years(user_id: int, years: list[int]) -> list[Assessment]:
    """The person's compliance for each year, oldest first."""
    policies = policies_for(person_region(user_id), years)
    totals = totals_for(user_id, years)
    return [assess(totals[year], policies[year]) for year in sorted(years)]


def years_since(since: dt.date | None, today: dt.date, at_most: int = 5) -> list[int]:
    """The full years to check for a title application: since the current title, at most the last `at_most`."""
    last = today.year - 1
    first = max(last - at_most + 1, (since.year + 1) if since else last - at_most + 1)
    return list(range(first, last + 1))


def validate_policy(policy: CePolicy) -> None:
    """Check a requirement before it is saved; ValidationFailed naming each wrong field."""
    errors = ErrorCollector()
    if policy.year is None or not 2000 <= policy.year <= 2100:
        errors.add("year", _("Enter a year between 2000 and 2100."))
    if policy.min_total is None or policy.min_total <= 0:
        errors.add("min_total", _("The yearly minimum must be more than 0 hours."))
    numerator, denominator = policy.professional_share_numerator, policy.professional_share_denominator
    if denominator is None or denominator <= 0 or numerator is None or not 0 <= numerator <= denominator:
        errors.add("professional_share_numerator",
                   _("The professional share must be a fraction between 0 and 1, such as 2/3."))
    for name in ("min_public", "min_professional", "min_elective"):
        value = getattr(policy, name)
        if value is not None and value < 0:
            errors.add(name, _("Hours cannot be negative."))
    split = sum((getattr(policy, n) or ZERO for n in ("min_public", "min_professional", "min_elective")), ZERO)
    if policy.min_total and split > policy.min_total:
        errors.add("min_public", _("The minimums by course type add up to more than the yearly minimum."))
    if policy.hours_per_day is None or not 0 < policy.hours_per_day <= 24:
        errors.add("hours_per_day", _("Hours per day must be more than 0 and at most 24."))
    if policy.minutes_per_hour is None or not 1 <= policy.minutes_per_hour <= 120:
        errors.add("minutes_per_hour", _("Minutes per hour must be between 1 and 120."))
    if policy.year is not None and db.session.scalar(select(func.count()).select_from(CePolicy).where(
            CePolicy.region_code.is_(None) if policy.region_code is None else CePolicy.region_code == policy.region_code,
            CePolicy.year == policy.year, CePolicy.id != (policy.id or 0))):
        errors.add("year", _("A requirement for this region and year already exists."))
    errors.raise_if_any()
