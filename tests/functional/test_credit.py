"""信用管理: the authority records a 失信记录 (checked, never edited or deleted, ended only with a reason), the person
reads their own, an active record blocks a title application, and revoking a certificate for fraud records one."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

import factories as f
from app.extensions import db
from app.models import Application, AppState, Certificate, CertificateStatus, CreditRecord, OperationLog
from app.services import credit
from app.services.workdays import local_today
from app.workflow import drafts, engine
from app.errors import ValidationFailed
from conftest import DEMO_PASSWORD

TODAY = local_today()
RECOGNITION_FORM = {"education_basis": "21", "graduation_date": "2002-07-01", "work_years": "20",
                    "current_work": "信息系统架构设计", "commitment": True}


def record_form(**changes) -> dict:
    with_defaults = {"subject_type": "person", "subject_name": "测试人", "subject_number": "", "content": "申报材料造假",
                     "decision": "三年内不得申报职称", "valid_from": "", "valid_until": ""}
    with_defaults.update(changes)
    return with_defaults


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_authority_records_a_breach_that_blocks_the_persons_title_application(app, browser_factory):
    with app.app_context():
        number = f.user("demo_applicant").id_number
    authority = browser_factory(app, "demo_authority")
    response = authority.post("/credit-records/add", record_form(subject_number=number.lower()))
    assert response.status_code == 302
    with app.app_context():
        record = db.session.scalar(select(CreditRecord))
        assert record.user_id == f.user("demo_applicant").id and record.subject_number == number
        assert record.valid_from == TODAY and record.valid_until == credit.years_later(TODAY, 3)
        assert record.recorder_org.name == f.AUTHORITY and record.recorded_by.username == "demo_authority"
        assert db.session.scalar(select(func.count()).select_from(OperationLog).where(
            OperationLog.action == "credit.add", OperationLog.target_id == record.id)) == 1
        record_id = record.id
        draft = drafts.save_draft(None, f.user("demo_applicant"), {
            "business_type": "recognition", "series": "GC", "title": "GC_4", "form": RECOGNITION_FORM,
            "materials": [{"name": "学历证书复印件", "copies": 1}]})
        with pytest.raises(ValidationFailed) as refused:
            engine.apply(draft.id, "submit", f.user("demo_applicant"))
        assert "申报材料造假" in str(refused.value) and db.session.get(Application, draft.id).state == AppState.draft
        draft_id = draft.id
    mine = browser_factory(app, "demo_applicant").get("/my-credit-records/list/").get_data(as_text=True)
    assert "申报材料造假" in mine and "有效" in mine
    # Ending it early needs a reason; then the application goes through.
    authority.post(f"/credit-records/end/{record_id}", {"end_reason": "", "version": "1"})
    with app.app_context():
        assert db.session.get(CreditRecord, record_id).ended_at is None
    authority.post(f"/credit-records/end/{record_id}", {"end_reason": "复议撤销原处理决定", "version": "1"})
    with app.app_context():
        ended = db.session.get(CreditRecord, record_id)
        assert ended.ended_at is not None and ended.end_reason == "复议撤销原处理决定"
        engine.apply(draft_id, "submit", f.user("demo_applicant"))
    again = authority.post(f"/credit-records/end/{record_id}", {"end_reason": "再次结束", "version": "1"})
    assert "已被他人处理" in authority.get(again.headers["Location"]).get_data(as_text=True)
    page = authority.get(f"/credit-records/show/{record_id}").get_data(as_text=True)
    assert "已结束" in page and "复议撤销原处理决定" in page


@pytest.mark.parametrize("changes, field_message", [
    ({"subject_name": ""}, "该字段是必填字段"),
    ({"subject_name": "  "}, "请填写失信主体名称"),
    ({"subject_number": ""}, "该字段是必填字段"),
    ({"content": " "}, "请填写失信内容"),
    ({"decision": "x" * 501}, "500"),
    ({"valid_from": "2026-06-01", "valid_until": "2026-01-01"}, "不能早于"),
    ({"subject_type": "unit", "subject_number": "91440000XXXXXXXXXX"}, "统一社会信用代码"),
    ({"subject_type": "robot"}, "选项无效"),  # an unknown enum choice: a field error, not a 500
    ({"subject_type": None}, "该字段是必填字段"),
])
def test_bad_input_names_the_field_and_records_nothing(app, browser_factory, changes, field_message):
    data = record_form(**{"subject_number": "11010119800101007X", **changes})
    response = browser_factory(app, "demo_authority").post(
        "/credit-records/add", {key: value for key, value in data.items() if value is not None})
    assert response.status_code == 200 and field_message in response.get_data(as_text=True)
    with app.app_context():
        assert count(CreditRecord) == 0


def test_records_are_never_edited_or_deleted(app, browser_factory):
    with app.app_context():
        authority = f.org(f.AUTHORITY)
        row = CreditRecord(subject_type="person", subject_name="某人", subject_number="11010119800101007X",
                           content="c", decision="d", valid_from=TODAY, valid_until=TODAY, recorder_org_id=authority.id)
        db.session.add(row)
        db.session.commit()
        record_id = row.id
    for actor in ("demo_authority", "demo_admin"):
        browser = browser_factory(app, actor)
        assert browser.get(f"/credit-records/edit/{record_id}").status_code in (302, 403, 404, 405)
        browser.post(f"/credit-records/edit/{record_id}", {"content": "改过"})
        browser.post(f"/credit-records/delete/{record_id}", {})
    with app.app_context():
        assert db.session.get(CreditRecord, record_id).content == "c"


def test_revoking_a_certificate_for_fraud_creates_a_three_year_record(app, browser_factory):
    with app.app_context():
        owner = f.user("demo_applicant")
        certificate = Certificate(number="粤职2026C000099", verification_code="ABCD2345", holder_id=owner.id,
                                  holder_name=owner.full_name, title="GC_4", series="GC", level="4",
                                  issuer_id=f.org(f.AUTHORITY).id, issued_on=dt.date(2026, 1, 5))
        other = Certificate(number="粤职2026C000098", verification_code="ABCD2346", holder_id=owner.id,
                            holder_name=owner.full_name, title="GC_3", series="GC", level="3",
                            issuer_id=f.org(f.AUTHORITY).id, issued_on=dt.date(2020, 1, 5))
        db.session.add_all([certificate, other])
        db.session.commit()
        cert_id, other_id = certificate.id, other.id
    authority = browser_factory(app, "demo_authority")
    assert "撤销证书" in authority.get(f"/certificates/show/{cert_id}").get_data(as_text=True)
    authority.post(f"/certificates/revoke/{cert_id}", {"revoke_reason": ""})
    with app.app_context():
        assert db.session.get(Certificate, cert_id).status == CertificateStatus.valid
    authority.post(f"/certificates/revoke/{cert_id}", {"revoke_reason": "伪造业绩证明", "fraud": "y"})
    authority.post(f"/certificates/revoke/{other_id}", {"revoke_reason": "证书信息录入错误"})
    with app.app_context():
        revoked = db.session.get(Certificate, cert_id)
        assert revoked.status == CertificateStatus.revoked and revoked.revoke_reason == "伪造业绩证明"
        assert db.session.get(Certificate, other_id).status == CertificateStatus.revoked
        records = list(db.session.scalars(select(CreditRecord)))
        assert len(records) == 1  # only the fraud creates a record
        assert records[0].certificate_id == cert_id and records[0].user_id == f.user("demo_applicant").id
        assert records[0].valid_until == credit.years_later(TODAY, 3) and "粤职2026C000099" in records[0].content
    verified = browser_factory(app).post("/verify/", {"number": "粤职2026C000099", "code": "ABCD2345"})
    assert "已撤销" in verified.get_data(as_text=True)
    assert browser_factory(app, "demo_unit").post(f"/certificates/revoke/{cert_id}",
                                                  {"revoke_reason": "x"}).status_code in (302, 403)


ROLES = ["demo_admin", "demo_authority", "demo_supervisor", "demo_unit", "demo_committee", "demo_expert",
         "demo_provider", "demo_applicant", "other_person", None]


@pytest.mark.parametrize("actor", ROLES)
def test_who_reaches_credit_records(app, browser_factory, actor):
    with app.app_context():
        f.make_person("other_person", DEMO_PASSWORD, f.UNIT_B, birth="19900101")
        applicant = f.user("demo_applicant")
        row = CreditRecord(subject_type="person", subject_name=applicant.full_name, subject_number=applicant.id_number,
                           user_id=applicant.id, content="冒用他人业绩", decision="d", valid_from=TODAY,
                           valid_until=TODAY, recorder_org_id=f.org(f.AUTHORITY).id)
        db.session.add(row)
        db.session.commit()
        record_id = row.id
    browser = browser_factory(app, actor) if actor else browser_factory(app)
    staff_pages = ["/credit-records/list/", f"/credit-records/show/{record_id}", "/credit-records/export/",
                   "/credit-records/add"]
    own_pages = ["/my-credit-records/list/", f"/my-credit-records/show/{record_id}"]
    for url in staff_pages + own_pages:
        response = browser.get(url)
        allowed = (actor in ("demo_admin", "demo_authority") and url in staff_pages) or \
                  (actor == "demo_applicant" and url in own_pages)
        if allowed:
            assert response.status_code == 200, (actor, url)
        else:
            # anyone with a personal list (every person, and the admin, who holds every permission) sees it
            # empty: the record is not about them
            personal_list = actor in ("demo_admin", "other_person") and url == "/my-credit-records/list/"
            assert response.status_code in (302, 403, 404) or personal_list, (actor, url, response.status_code)
            assert "冒用他人业绩" not in response.get_data(as_text=True)
            if actor is None:
                assert "/login" in response.headers["Location"]
    refused = browser.post(f"/credit-records/end/{record_id}", {"end_reason": "x", "version": "1"})
    with app.app_context():
        ended = db.session.get(CreditRecord, record_id).ended_at is not None
    assert ended == (actor in ("demo_admin", "demo_authority")), (actor, refused.status_code)
