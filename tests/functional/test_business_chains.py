"""省外来粤资格确认 and 省外委托评审 from draft to their outcome, through 暂存, the check, withdraw and every level."""
from __future__ import annotations


import pytest
from sqlalchemy import select

import factories as f
from app.services.workdays import local_today
from app.errors import ValidationFailed
from app.extensions import db
from app.models import Application, ApplicationEvent, AppState, Certificate
from app.workflow import drafts, engine

CONFIRMATION_FORM = {
    "original_title": "高级工程师", "original_authority": "湖南省人力资源和社会保障厅", "original_date": "2018-12-01",
    "original_certificate_no": "湘职2018G001234", "previous_employer": "长沙电子研究所", "previous_period": "2008-2020",
    "current_employer": "广东省电子信息技术研究院", "arrival_date": "2021-03-01", "commitment": True,
}


def fire(app_id, event, username):
    return engine.apply(app_id, event, f.user(username))


def state(app_id) -> AppState:
    db.session.expire_all()
    return db.session.get(Application, app_id).state


def submit_refused(app_id) -> list[str]:
    with pytest.raises(ValidationFailed) as refused:
        fire(app_id, "submit", "demo_applicant")
    assert state(app_id) == AppState.draft
    return refused.value.errors["application"]


def test_confirmation_from_another_province_ends_in_a_verifiable_certificate(app, browser_factory):
    with app.app_context():
        owner = f.user("demo_applicant")
        application = drafts.save_draft(None, owner, {
            "business_type": "out_of_province", "series": "GC", "title": "GC_4",
            "form": dict(CONFIRMATION_FORM, summary="在粤期间主持多个省级信息化项目。" * 10),
        })
        app_id = application.id
        messages = submit_refused(app_id)
        assert any("不少于 500 字" in m for m in messages) and any("纸质材料" in m for m in messages)

        drafts.save_draft(application, owner, {
            "form": dict(CONFIRMATION_FORM, summary="在粤期间主持多个省级信息化项目，" + "工作内容与成效。" * 70),
            "materials": [{"name": "原职称证书复印件", "copies": 1}, {"name": "在粤工作证明", "copies": 1}],
        })
        fire(app_id, "submit", "demo_applicant")
        fire(app_id, "withdraw", "demo_applicant")
        assert state(app_id) == AppState.draft
        fire(app_id, "submit", "demo_applicant")
        for reviewer, after in (("demo_unit", AppState.supervisor_review), ("demo_supervisor", AppState.authority_confirm),
                                ("demo_authority", AppState.completed)):
            fire(app_id, "approve", reviewer)
            assert state(app_id) == after
        certificate = db.session.scalar(select(Certificate).where(Certificate.application_id == app_id))
        assert certificate.number == f"粤职{local_today().year}C000001"
        events = [e.event for e in db.session.scalars(select(ApplicationEvent).where(
            ApplicationEvent.application_id == app_id).order_by(ApplicationEvent.id))]
        assert events == ["submit", "withdraw", "submit", "approve", "approve", "approve"]
        number, code = certificate.number, certificate.verification_code
    page = browser_factory(app).post("/verify/", {"number": number, "code": code}).get_data(as_text=True)
    assert "有效" in page and "高级工程师" in page


def test_entrusted_evaluation_runs_to_the_recorded_external_result(app):
    with app.app_context():
        owner = f.user("demo_applicant")
        application = drafts.save_draft(None, owner, {
            "business_type": "entrusted", "series": "GC", "title": "GC_4", "specialty": "GC_0101",
            "form": dict(f.EVALUATION_FORM),
        })
        app_id = application.id
        messages = submit_refused(app_id)
        for expected in ("委托", "业绩成果", "纸质材料"):
            assert any(expected in m for m in messages), expected

        achievement_ids = [a.id for a in db.session.scalars(
            select(f.Achievement).where(f.Achievement.user_id == owner.id))]
        drafts.save_draft(application, owner, {
            "form": dict(f.EVALUATION_FORM, entrusted_province="湖南省"), "achievement_ids": achievement_ids,
            "materials": [{"name": "职称评审表", "copies": 3}],
        })
        fire(app_id, "submit", "demo_applicant")
        fire(app_id, "withdraw", "demo_applicant")
        fire(app_id, "submit", "demo_applicant")
        for reviewer in ("demo_unit", "demo_supervisor", "demo_authority"):
            fire(app_id, "approve", reviewer)
        assert state(app_id) == AppState.in_review  # the letter of entrustment is out; the other province evaluates
        with pytest.raises(ValidationFailed, match="请填写原因"):
            fire(app_id, "record_fail", "demo_authority")
        fire(app_id, "record_pass", "demo_authority")
        assert state(app_id) == AppState.completed
        # The result is recorded; the certificate comes from the entrusted province, not from this platform.
        assert db.session.scalar(select(Certificate).where(Certificate.application_id == app_id)) is None
