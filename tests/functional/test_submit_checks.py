"""Each rule of the automatic check at submission, alone: it passes a good application and names what fails."""
from __future__ import annotations

import datetime as dt
import sys

import pytest
from sqlalchemy import select

import factories as f
from app.services.workdays import local_today
from app.extensions import db
from app.models import (
    Achievement, Application, ApplicationMaterial, AppState, BasicInfo, BusinessType, CeRecord, CreditRecord,
    CreditSubjectType,
    Gender, OrgStatus,
)
from app.workflow import checks

TODAY = local_today()


@pytest.fixture
def ctx(shared_app):
    """An app context whose changes are all rolled back after the test."""
    with shared_app.app_context():
        yield
        db.session.rollback()


def evaluation(**changes) -> Application:
    """demo_applicant's evaluation for 高级工程师, complete in every respect (not saved)."""
    owner = f.user("demo_applicant")
    values = dict(business_type=BusinessType.evaluation, user_id=owner.id, series="GC", title="GC_4",
                  specialty="GC_0101", form=dict(f.EVALUATION_FORM), exceptional=False)
    values.update(changes)
    application = Application(**values)
    application.materials = [ApplicationMaterial(name="职称评审表", copies=2)]
    application.achievements = list(db.session.scalars(select(Achievement).where(Achievement.user_id == owner.id)))
    return application


def basic() -> BasicInfo:
    return db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == f.user("demo_applicant").id))


def test_a_complete_application_passes_every_rule(ctx):
    assert checks.run(evaluation()) == []


def test_profile_complete(ctx):
    assert checks.profile_complete(evaluation()) == []
    person = f.make_person("half_done", "Half2026done", f.UNIT_A)
    problems = checks.profile_complete(evaluation(user_id=person.id))
    assert len(problems) == 1 and "基本信息" in problems[0]


def test_required_fields(ctx):
    assert checks.required_fields(evaluation()) == []
    form = dict(f.EVALUATION_FORM, work_summary="  ", commitment=False)
    problems = checks.required_fields(evaluation(form=form, title=None))
    assert len(problems) == 1
    for label in ("专业技术工作小结", "本人承诺", "申报职称"):
        assert label in problems[0]


def test_title_in_series(ctx):
    assert checks.title_in_series(evaluation()) == []
    assert "不属于所选专业系列" in checks.title_in_series(evaluation(series="WSJS"))[0]
    assert "专业不属于" in checks.title_in_series(evaluation(specialty="WSJS_0101"))[-1]


def test_not_cross_level(ctx):
    assert checks.not_cross_level(evaluation()) == []
    problems = checks.not_cross_level(evaluation(title="GC_5"))
    assert "逐级" in problems[0] and "工程师" in problems[0]
    assert checks.not_cross_level(evaluation(title="GC_5", exceptional=True, exceptional_reason="获国家科技进步奖")) == []
    assert "破格" in checks.not_cross_level(evaluation(title="GC_5", exceptional=True, exceptional_reason=" "))[0]


def test_seniority_met(ctx):
    assert checks.seniority_met(evaluation()) == []  # 工程师 since 2013
    basic().current_title_date = TODAY.replace(year=TODAY.year - 3)
    problems = checks.seniority_met(evaluation())
    assert "5" in problems[0] and "3" in problems[0] and "高级工程师" in problems[0]
    assert checks.seniority_met(evaluation(exceptional=True, exceptional_reason="破格条件")) == []


def test_not_retired(ctx):
    person = f.user("demo_applicant")
    assert checks.not_retired(evaluation()) == []
    person.birth_date, person.gender = dt.date(1964, 6, 1), Gender.male  # 60 in June 2024, before the reform
    assert "退休年龄" in checks.not_retired(evaluation())[0]
    person.birth_date, person.gender = dt.date(1969, 6, 1), Gender.female  # 55 in June 2024
    assert checks.not_retired(evaluation())
    person.birth_date, person.gender = dt.date(1969, 6, 1), Gender.male
    assert checks.not_retired(evaluation()) == []


def test_not_terminated_this_year(ctx):
    owner = f.user("demo_applicant")
    earlier = Application(business_type=BusinessType.evaluation, user_id=owner.id, state=AppState.terminated,
                          finished_at=dt.datetime(TODAY.year - 1, 12, 30), form={})
    db.session.add(earlier)
    db.session.flush()
    assert checks.not_terminated_this_year(evaluation()) == []
    earlier.finished_at = dt.datetime.now()
    db.session.flush()
    assert "下一年度" in checks.not_terminated_this_year(evaluation())[0]
    assert checks.not_terminated_this_year(evaluation(business_type=BusinessType.recognition)) == []


def test_one_open_application(ctx):
    owner = f.user("demo_applicant")
    assert checks.one_open_application(evaluation()) == []
    db.session.add(Application(business_type=BusinessType.evaluation, user_id=owner.id, state=AppState.unit_review,
                               form={}))
    db.session.flush()
    assert "正在办理" in checks.one_open_application(evaluation())[0]


def test_materials_listed(ctx):
    assert checks.materials_listed(evaluation()) == []
    application = evaluation()
    application.materials = []
    assert "纸质材料" in checks.materials_listed(application)[0]


def test_achievements_selected(ctx):
    assert checks.achievements_selected(evaluation()) == []
    application = evaluation()
    application.achievements = []
    assert "业绩成果" in checks.achievements_selected(application)[0]


def test_summary_long_enough(ctx):
    def confirmation(summary):
        return evaluation(business_type=BusinessType.out_of_province, form={"summary": summary})

    assert checks.summary_long_enough(confirmation("工" * 500)) == []
    problems = checks.summary_long_enough(confirmation("工" * 499 + " \n" * 50))  # blanks do not count
    assert "500" in problems[0] and "499" in problems[0]


def test_new_unit_valid(ctx):
    def change(unit_name):
        return Application(business_type=BusinessType.unit_change, user_id=f.user("demo_applicant").id,
                           form={"new_unit_id": str(f.org(unit_name).id)})

    assert checks.new_unit_valid(change(f.UNIT_B)) == []
    assert "当前单位" in checks.new_unit_valid(change(f.UNIT_A))[0]
    f.org(f.UNIT_B).status = OrgStatus.disabled
    assert checks.new_unit_valid(change(f.UNIT_B))
    assert checks.new_unit_valid(change(f.SUPERVISOR_1))  # not a unit


def test_certificate_owned(ctx):
    application = Application(business_type=BusinessType.reissue, user_id=f.user("demo_applicant").id,
                              form={"certificate_no": "粤职2020P000001"})
    assert "粤职2020P000001" in checks.certificate_owned(application)[0]


def test_no_active_credit_record(ctx):
    owner = f.user("demo_applicant")
    authority = f.org(f.AUTHORITY)
    assert checks.no_active_credit_record(evaluation()) == []
    expired = CreditRecord(subject_type=CreditSubjectType.person, subject_name=owner.full_name,
                           subject_number=owner.id_number, content="论文抄袭", decision="记录",
                           valid_from=TODAY - dt.timedelta(days=1200), valid_until=TODAY - dt.timedelta(days=1),
                           recorder_org_id=authority.id)
    db.session.add(expired)
    db.session.flush()
    assert checks.no_active_credit_record(evaluation()) == []  # an expired record no longer blocks
    active = CreditRecord(subject_type=CreditSubjectType.person, subject_name=owner.full_name,
                          subject_number=owner.id_number, content="申报材料造假", decision="三年内不得申报",
                          valid_from=TODAY - dt.timedelta(days=10), valid_until=TODAY + dt.timedelta(days=30),
                          recorder_org_id=authority.id)
    db.session.add(active)
    db.session.flush()
    problems = checks.no_active_credit_record(evaluation())
    assert len(problems) == 1 and "申报材料造假" in problems[0]
    assert (TODAY + dt.timedelta(days=30)).isoformat() in problems[0] and "失信" in problems[0]
    active.ended_at = dt.datetime(2026, 1, 1)
    db.session.flush()
    assert checks.no_active_credit_record(evaluation()) == []  # ended early with a reason


def test_ce_compliant(ctx):
    """Each full year since the current title (at most five) must meet the requirement; failing years are named."""
    owner = f.user("demo_applicant")
    assert checks.ce_compliant(evaluation()) == []  # the demo has five complete years
    short_year = TODAY.year - 2
    public = db.session.scalars(select(CeRecord).where(
        CeRecord.user_id == owner.id, CeRecord.year == short_year, CeRecord.course_type == "public")).all()
    public[0].recognised_hours = public[0].recognised_hours - 6  # 公需 now 24 < 30 in Guangdong
    db.session.flush()
    problems = checks.ce_compliant(evaluation())
    assert len(problems) == 1 and str(short_year) in problems[0] and "公需课 24 学时" in problems[0]
    assert str(TODAY.year - 1) not in problems[0].split("：")[0]  # only the failing year is named
    assert any(message == problems[0] for message in checks.run(evaluation()))
    # A year before the current title is not looked at: 当前职称 obtained last year leaves nothing to check.
    basic().current_title_date = dt.date(TODAY.year - 1, 6, 1)
    db.session.flush()
    assert checks.ce_compliant(evaluation()) == []


def test_every_rule_has_its_own_test():
    tests = {name for name in dir(sys.modules[__name__]) if name.startswith("test_")}
    for rule in checks.RULES:
        assert f"test_{rule.name}" in tests, rule.name


def test_a_failing_application_lists_every_failing_rule_at_once(ctx):
    application = evaluation(title="GC_5", form=dict(f.EVALUATION_FORM, commitment=False))
    application.materials = []
    messages = checks.run(application)
    assert len(messages) == 3 and any("逐级" in m for m in messages) and any("材料" in m for m in messages)
