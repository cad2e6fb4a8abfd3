"""Continuing-education requirements as data (per region and year) and a person's yearly compliance from the hours
their unit recognised: Guangdong's split, the national two-thirds rule, conversions, and the policy screen."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

import factories as f
from app.extensions import db
from app.models import BasicInfo, CePolicy, CeRecord, CeRecordStatus, Org
from app.workflow import ce_compliance as ce

D = Decimal


def totals(year=2025, public=0, professional=0, elective=0) -> ce.YearTotals:
    hours = {k: D(v) for k, v in (("public", public), ("professional", professional), ("elective", elective)) if v}
    return ce.YearTotals(year, hours, {k: 1 for k in hours})


@pytest.fixture
def ctx(shared_app):
    with shared_app.app_context():
        yield
        db.session.rollback()


def shipped(region_code):
    return db.session.scalar(select(CePolicy).where(
        CePolicy.region_code.is_(None) if region_code is None else CePolicy.region_code == region_code))


def test_guangdong_names_the_course_type_that_falls_short(ctx):
    guangdong = shipped("440000")
    assert ce.assess(totals(public=30, professional=42, elective=18), guangdong).compliant
    short = ce.assess(totals(public=24, professional=48, elective=18), guangdong)
    assert not short.compliant and len(short.shortfalls) == 1
    assert "公需课" in short.shortfalls[0] and "24" in short.shortfalls[0] and "30" in short.shortfalls[0]
    little = ce.assess(totals(public=30, professional=42, elective=10), guangdong)
    assert any("选修课" in s for s in little.shortfalls) and any("90" in s for s in little.shortfalls)


def test_the_national_rule_wants_ninety_hours_two_thirds_professional(ctx):
    national = shipped(None)
    assert ce.assess(totals(public=30, professional=60), national).compliant  # exactly 2/3
    share = ce.assess(totals(public=31, professional=59), national)
    assert [s for s in share.shortfalls if "2/3" in s] and len(share.shortfalls) == 1
    assert ce.assess(totals(public=0, professional=89.5), national).shortfalls[0].startswith("2025")
    assert ce.assess(totals(), None).shortfalls and not ce.assess(totals(), None).compliant


def test_conversions_follow_the_policy(ctx):
    national = shipped(None)
    assert ce.to_hours(national, days=2) == D(16)
    assert ce.to_hours(national, minutes=90) == D(2)
    assert ce.to_hours(national, days=1, minutes=30) == D("8.7")


def test_the_most_specific_region_and_latest_year_apply(ctx):
    guangzhou = CePolicy(region_code="440100", year=2024, min_total=D(100), min_public=D(40))
    db.session.add(guangzhou)
    db.session.flush()
    assert ce.region_chain("440100")[:2] == ["440100", "440000"]
    assert ce.policy_for("440100", 2025) is guangzhou
    assert ce.policy_for("440100", 2023).region_code == "440000"  # Guangzhou's own rule starts in 2024
    assert ce.policy_for("440300", 2022).region_code == "440000"  # Shenzhen: the province's
    assert ce.policy_for("440300", 2020).region_code is None  # before Guangdong's split: the national rule
    assert ce.policy_for("210000", 2025).region_code is None  # another province
    assert ce.policy_for(None, 2010) is None


def test_a_persons_years_count_only_recognised_hours_of_approved_records(ctx):
    owner = f.user("demo_applicant")
    unit = db.session.scalar(select(Org).join(BasicInfo, BasicInfo.unit_id == Org.id)
                             .where(BasicInfo.user_id == owner.id))
    unit.region_code = "440100"
    db.session.execute(delete(CeRecord).where(CeRecord.user_id == owner.id))  # without the demo's five years

    def record(year, kind, claimed, recognised, status=CeRecordStatus.approved):
        db.session.add(CeRecord(user_id=owner.id, year=year, course_type=kind, course_name=f"{kind}{year}",
                                provider_name="华南理工大学继续教育学院", start_date=dt.date(year, 3, 1),
                                end_date=dt.date(year, 3, 5), claimed_hours=D(claimed),
                                recognised_hours=None if recognised is None else D(recognised), status=status))

    record(2024, "public", 30, 30)
    record(2024, "professional", 50, 42)  # recognised fewer than claimed
    record(2024, "elective", 18, 18)
    record(2025, "public", 30, 24)
    record(2025, "professional", 42, 42)
    record(2025, "elective", 30, 30)
    record(2025, "public", 12, None, CeRecordStatus.submitted)  # not recognised yet: does not count
    record(2025, "public", 12, 12, CeRecordStatus.rejected)
    db.session.flush()
    assert ce.person_region(owner.id) == "440100"
    found = ce.totals_for(owner.id, [2023, 2024, 2025])
    assert found[2024].hours == {"public": D(30), "professional": D(42), "elective": D(18)}
    assert found[2025].courses == {"public": 1, "professional": 1, "elective": 1} and found[2023].total == 0
    verdicts = {a.totals.year: a for a in ce.assess_years(owner.id, [2023, 2024, 2025])}
    assert verdicts[2024].compliant and not verdicts[2023].compliant
    assert not verdicts[2025].compliant and "公需课" in verdicts[2025].shortfalls[0]


def test_years_to_check_for_a_title(ctx):
    today = dt.date(2026, 11, 22)
    assert ce.years_since(dt.date(2013, 12, 20), today) == [2021, 2022, 2023, 2024, 2025]
    assert ce.years_since(dt.date(2024, 6, 1), today) == [2025]
    assert ce.years_since(None, today) == [2021, 2022, 2023, 2024, 2025]


POLICY_FORM = {"region_code": "440300", "year": "2026", "min_total": "96", "professional_share_numerator": "2",
               "professional_share_denominator": "3", "min_public": "32", "min_professional": "44",
               "min_elective": "20", "hours_per_day": "8", "minutes_per_hour": "45", "basis": "深圳试行"}


def test_the_administrator_keeps_requirements_and_bad_values_are_refused(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    for changes, message in (({"professional_share_numerator": "4"}, "2/3"),
                             ({"min_public": "-1"}, "不能为负"),
                             ({"min_elective": "40"}, "超过"),
                             ({"hours_per_day": "25"}, "24"),
                             ({"region_code": "", "year": "2016"}, "已存在")):
        response = admin.post("/ce-policies/add", dict(POLICY_FORM, **changes))
        assert response.status_code == 200 and message in response.get_data(as_text=True), changes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CePolicy)) == 2
    assert admin.post("/ce-policies/add", POLICY_FORM).status_code == 302
    with app.app_context():
        assert ce.policy_for("440300", 2026).min_total == D(96)
    authority = browser_factory(app, "demo_authority")
    listed = authority.get("/ce-policies/list/").get_data(as_text=True)
    assert "深圳试行" in listed and "继续教育学时要求" in listed
    assert authority.post("/ce-policies/add", dict(POLICY_FORM, year="2027")).status_code in (302, 403)
    for actor in ("demo_unit", "demo_applicant", "demo_provider"):
        assert browser_factory(app, actor).get("/ce-policies/list/").status_code in (302, 403), actor
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CePolicy)) == 3
