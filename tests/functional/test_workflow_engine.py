"""The workflow engine on real chains: checks, withdraw, return and resubmit, scope, deadlines, races."""
from __future__ import annotations

import datetime as dt
import pytest
from sqlalchemy import select

from app.services.workdays import local_today
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import (
    Achievement, AppState, Application, ApplicationEvent, ApplicationMaterial, BasicInfo, BusinessType, ReviewBatch,
)
from app.workflow import engine, tick
from conftest import DEMO_PASSWORD
from factories import COMMITTEE, SUPERVISOR_1, UNIT_A, UNIT_B, UNIT_C, make_staff, org, race, user

RECOGNITION_FORM = {"education_basis": "21", "graduation_date": "2002-07-01", "work_years": "20",
                    "current_work": "信息系统架构设计", "commitment": True}


def draft(kind=BusinessType.recognition, title="GC_4", form=None, materials=True) -> int:
    """A draft of demo_applicant (current title 工程师 GC_3, unit A)."""
    application = Application(business_type=kind, user_id=user("demo_applicant").id, series="GC", title=title,
                              form=dict(RECOGNITION_FORM if form is None else form))
    if materials:
        application.materials.append(ApplicationMaterial(name="学历证书复印件", copies=1))
    db.session.add(application)
    db.session.commit()
    return application.id


def fire(application_id, event, username=None, **kwargs):
    return engine.apply(application_id, event, user(username) if username else None, **kwargs)


def state(application_id) -> AppState:
    db.session.expire_all()
    return db.session.get(Application, application_id).state


def test_recognition_whole_chain_with_check_withdraw_return_and_resubmit(app):
    with app.app_context():
        app_id = draft(title="GC_5", form={}, materials=False)
        with pytest.raises(ValidationFailed) as refused:
            fire(app_id, "submit", "demo_applicant")
        messages = refused.value.errors["application"]
        assert any("请填写" in m for m in messages)
        assert any("逐级申报" in m for m in messages)
        assert any("纸质材料" in m for m in messages)
        assert state(app_id) == AppState.draft and not db.session.get(Application, app_id).events

        application = db.session.get(Application, app_id)
        application.title, application.form = "GC_4", dict(RECOGNITION_FORM)
        application.materials.append(ApplicationMaterial(name="学历证书复印件", copies=1))
        db.session.commit()
        fire(app_id, "submit", "demo_applicant")
        application = db.session.get(Application, app_id)
        assert application.state == AppState.unit_review
        assert (application.unit.name, application.supervisor.name) == (UNIT_A, SUPERVISOR_1)
        assert application.level == "4" and application.authority is not None

        fire(app_id, "withdraw", "demo_applicant")
        fire(app_id, "submit", "demo_applicant")
        engine.open_for_review(db.session.get(Application, app_id), user("demo_unit"))
        with pytest.raises(ValidationFailed, match="不能再撤回"):
            fire(app_id, "withdraw", "demo_applicant")

        # Out of scope or the wrong level: refused, nothing changes.
        make_staff("unit_b_reviewer", "UnitReviewer", [UNIT_B], DEMO_PASSWORD)
        for outsider in ("unit_b_reviewer", "demo_supervisor", "demo_authority", "demo_committee"):
            with pytest.raises(DomainError):
                fire(app_id, "approve", outsider)
        with pytest.raises(ValidationFailed, match="原因"):
            fire(app_id, "return", "demo_unit")
        fire(app_id, "return", "demo_unit", reason="材料不全", section_comments={"materials": "缺少学历证书原件扫描件", "x": ""})
        application = db.session.get(Application, app_id)
        assert application.state == AppState.returned and application.returned_from == "unit_review"
        assert application.correction_deadline > local_today()
        event = application.events[-1]
        assert event.section_comments == {"materials": "缺少学历证书原件扫描件"} and event.reason == "材料不全"

        fire(app_id, "resubmit", "demo_applicant")
        assert state(app_id) == AppState.unit_review
        fire(app_id, "approve", "demo_unit")
        assert state(app_id) == AppState.supervisor_review
        fire(app_id, "approve", "demo_supervisor")
        assert state(app_id) == AppState.authority_confirm
        fire(app_id, "approve", "demo_authority")
        application = db.session.get(Application, app_id)
        assert application.state == AppState.completed and application.finished_at is not None
        assert [(e.event, e.actor_role) for e in application.events] == [
            ("submit", "Applicant"), ("withdraw", "Applicant"), ("submit", "Applicant"),
            ("return", "UnitReviewer"), ("resubmit", "Applicant"), ("approve", "UnitReviewer"),
            ("approve", "SupervisorReviewer"), ("approve", "Authority"),
        ]
        assert application.events[5].actor_org.name == UNIT_A


def test_end_and_deadline_expiry(app):
    with app.app_context():
        first, second = draft(), None
        fire(first, "submit", "demo_applicant")
        fire(first, "return", "demo_unit", reason="请补充材料")
        fire(first, "end", "demo_applicant")
        assert state(first) == AppState.ended
        with pytest.raises(DomainError):
            fire(first, "resubmit", "demo_applicant")

        second = draft()
        fire(second, "submit", "demo_applicant")
        fire(second, "return", "demo_unit", reason="请补充材料")
        with pytest.raises(ValidationFailed):
            fire(second, "expire")  # the deadline has not passed
        application = db.session.get(Application, second)
        application.correction_deadline = local_today() - dt.timedelta(days=1)
        db.session.commit()
        with pytest.raises(ValidationFailed, match="期限"):
            fire(second, "resubmit", "demo_applicant")
        fire(second, "expire")
        assert state(second) == AppState.ended
        with pytest.raises(DomainError):
            fire(second, "expire", "demo_unit")  # a person cannot fire the system's transition


def test_termination_bars_the_business_for_the_year(app):
    with app.app_context():
        first = draft()
        fire(first, "submit", "demo_applicant")
        with pytest.raises(ValidationFailed):
            fire(first, "terminate", "demo_unit")
        fire(first, "terminate", "demo_unit", reason="资格不符：任职年限不足")
        assert state(first) == AppState.terminated
        again = draft()
        with pytest.raises(ValidationFailed, match="终止"):
            fire(again, "submit", "demo_applicant")


def test_nobody_reviews_their_own_application(app):
    with app.app_context():
        app_id = draft()
        fire(app_id, "submit", "demo_applicant")
        reviewer = user("demo_unit")
        reviewer.roles.append(app.appbuilder.sm.find_role("Applicant"))
        application = db.session.get(Application, app_id)
        application.user_id = reviewer.id
        db.session.commit()
        assert not engine.may_act(engine.Actor.unit, reviewer, application)
        with pytest.raises(DomainError):
            fire(app_id, "approve", "demo_unit")


def test_unit_change_switches_the_unit_and_is_reviewed_by_the_new_unit(app):
    with app.app_context():
        make_staff("unit_c_reviewer", "UnitReviewer", [UNIT_C], DEMO_PASSWORD)
        app_id = draft(BusinessType.unit_change, title=None, materials=False,
                       form={"new_unit_id": str(org(UNIT_C).id), "reason": "工作调动"})
        db.session.get(Application, app_id).series = None
        db.session.commit()
        fire(app_id, "submit", "demo_applicant")
        with pytest.raises(DomainError):
            fire(app_id, "approve", "demo_unit")  # the old unit does not decide
        fire(app_id, "approve", "unit_c_reviewer")
        assert state(app_id) == AppState.completed
        basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == user("demo_applicant").id))
        assert basic.unit.name == UNIT_C


def test_evaluation_goes_through_unit_publicity_to_the_committee(app):
    with app.app_context():
        form = {"person_type": "enterprise", "current_work": "架构设计", "years_in_field": "18", "fulltime_education": "21",
                "experience_met": True, "experience_detail": "主持省级平台建设", "achievement_met": True,
                "achievement_reason": "主持完成省部级项目", "work_summary": "近五年主要工作……", "commitment": True}
        app_id = draft(BusinessType.evaluation, form=form)
        application = db.session.get(Application, app_id)
        application.achievements = list(db.session.scalars(
            select(Achievement).where(Achievement.user_id == application.user_id)))
        db.session.commit()
        fire(app_id, "submit", "demo_applicant")
        assert db.session.get(Application, app_id).committee.name == COMMITTEE
        fire(app_id, "approve", "demo_unit")
        application = db.session.get(Application, app_id)
        assert application.state == AppState.unit_publicity and application.publicity_until > local_today()
        with pytest.raises(ValidationFailed, match="公示"):
            fire(app_id, "publicity_end")
        with pytest.raises(DomainError):
            fire(app_id, "publicity_end", "demo_unit")  # time moves it on, not a person
        application.publicity_until = local_today() - dt.timedelta(days=1)
        db.session.commit()
        assert tick.run() == 1
        assert tick.run() == 0  # idempotent
        fire(app_id, "approve", "demo_supervisor")
        assert state(app_id) == AppState.committee_acceptance
        db.session.add(ReviewBatch(committee_id=org(COMMITTEE).id, name="2026年度评审", series="GC", level="4",
                                   opens_on=local_today(), closes_on=local_today() + dt.timedelta(days=5)))
        db.session.commit()
        fire(app_id, "approve", "demo_committee")
        assert state(app_id) == AppState.in_review


def test_a_stale_page_is_refused(app):
    with app.app_context():
        app_id = draft()
        fire(app_id, "submit", "demo_applicant")
        seen = db.session.get(Application, app_id).version
        fire(app_id, "approve", "demo_unit", seen_version=seen)
        with pytest.raises(engine.AlreadyHandled):
            fire(app_id, "return", "demo_unit", seen_version=seen, reason="晚了一步")


def test_two_approvals_at_once_on_postgresql(app, db_kind):
    if db_kind != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL's row locks")
    with app.app_context():
        make_staff("unit_a_2", "UnitReviewer", [UNIT_A], DEMO_PASSWORD)
        app_id = draft()
        fire(app_id, "submit", "demo_applicant")
        seen = db.session.get(Application, app_id).version
    def approve_as(username):
        reviewer = user(username)
        return lambda: engine.apply(app_id, "approve", reviewer, seen_version=seen)

    outcomes = race(app, [lambda: approve_as("demo_unit"), lambda: approve_as("unit_a_2")], engine.AlreadyHandled)
    assert sorted(outcomes) == ["lost", "ok"]
    with app.app_context():
        assert state(app_id) == AppState.supervisor_review
        approvals = db.session.scalars(select(ApplicationEvent).where(
            ApplicationEvent.application_id == app_id, ApplicationEvent.event == "approve")).all()
        assert len(approvals) == 1


def _complete_recognition(title="GC_4") -> int:
    app_id = draft(title=title)
    fire(app_id, "submit", "demo_applicant")
    for reviewer in ("demo_unit", "demo_supervisor", "demo_authority"):
        fire(app_id, "approve", reviewer)
    return app_id


def test_completion_issues_a_verifiable_certificate_and_updates_the_current_title(app, browser_factory):
    from app.models import Certificate, CertificateStatus

    with app.app_context():
        app_id = _complete_recognition()
        certificate = db.session.scalar(select(Certificate).where(Certificate.application_id == app_id))
        year = local_today().year
        assert certificate.number == f"粤职{year}R000001" and len(certificate.verification_code) == 8
        basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == user("demo_applicant").id))
        assert basic.current_title == "GC_4"
        number, code = certificate.number, certificate.verification_code
    anonymous = browser_factory(app)
    page = anonymous.post("/verify/", {"number": number, "code": code.lower()}).get_data(as_text=True)
    assert "有效" in page and "测*人" in page and "高级工程师" in page and "测试人" not in page
    wrong = anonymous.post("/verify/", {"number": number, "code": "AAAAAAAA"}).get_data(as_text=True)
    assert "没有与该证书编号和验证码相符的证书" in wrong and "高级工程师" not in wrong
    mine = browser_factory(app, "demo_applicant").get("/my-certificates/list/").get_data(as_text=True)
    assert number in mine

    # 补换发: a new certificate linked to the original, which is then marked replaced.
    with app.app_context():
        reissue = draft(BusinessType.reissue, title=None,
                        form={"certificate_no": number, "reissue_reason": "lost"})
        db.session.get(Application, reissue).series = None
        db.session.commit()
        fire(reissue, "submit", "demo_applicant")
        fire(reissue, "approve", "demo_unit")
        fire(reissue, "approve", "demo_authority")
        new = db.session.scalar(select(Certificate).where(Certificate.application_id == reissue))
        assert new.original.number == number and new.original.status == CertificateStatus.replaced
        assert new.number == f"粤职{local_today().year}B000001" and new.title == "GC_4"


def test_reissue_of_a_certificate_one_does_not_hold_is_refused(app):
    with app.app_context():
        app_id = draft(BusinessType.reissue, title=None, form={"certificate_no": "粤职2020P999999",
                                                               "reissue_reason": "lost"})
        with pytest.raises(ValidationFailed, match="没有编号为"):
            fire(app_id, "submit", "demo_applicant")
