"""Generated Word forms: contexts built by pure functions, templates that grow with the records, scoped downloads."""
from __future__ import annotations

import datetime as dt
import io

import docx
from sqlalchemy import func, select

import factories as f
from app.documents import contexts, registry
from app.extensions import db
from app.models import (
    AchievementCategory, Application, ApplicationMaterial, AppState, AppUser, BusinessType, Certificate, Education,
    Gender, OperationLog, Publication, ReviewBatch, VoteChoice, WorkExperience,
)
from app.workflow import drafts, engine, meeting
from conftest import DEMO_PASSWORD

RECOGNITION_FORM = {"education_basis": "21", "graduation_date": "2002-07-01", "work_years": "20",
                    "current_work": "信息系统架构设计", "commitment": True}


def text_of(content: bytes) -> str:
    """Every paragraph and table cell of a .docx, as python-docx reads it (it fails on a malformed file)."""
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def recognition(owner="demo_applicant", submit=True) -> int:
    application = drafts.save_draft(None, f.user(owner), {
        "business_type": "recognition", "series": "GC", "title": "GC_4", "form": RECOGNITION_FORM,
        "materials": [{"name": "学历证书复印件", "copies": 1}, {"name": "单位推荐意见 <b>&\"盖章\"</b>", "copies": 2}],
    })
    if submit:
        engine.apply(application.id, "submit", f.user(owner))
    return application.id


def test_material_list_context_is_built_from_the_records_alone(shared_app):
    with shared_app.app_context():
        person = AppUser(first_name="小明", last_name="王", gender=Gender.male, id_number="11010119800101007X")
        application = Application(business_type=BusinessType.recognition, title="GC_4", form={},
                                  submitted_at=dt.datetime(2026, 3, 2, 9, 0), user=person)
        application.materials = [ApplicationMaterial(name="学历证书复印件", copies=1),
                                 ApplicationMaterial(name="业绩证明", copies=3)]
        context = contexts.material_list(application, None)
    assert context["name"] == "王小明" and context["title"] == "高级工程师"
    assert context["business"] == "职称考核认定申请"
    assert context["materials"] == [{"no": 1, "name": "学历证书复印件", "copies": 1},
                                    {"no": 2, "name": "业绩证明", "copies": 3}]
    assert (context["count"], context["copies"], context["submitted_on"]) == (2, 4, "2026-03-02")


def test_recognition_form_context_lists_education_and_work_in_order(shared_app):
    with shared_app.app_context():
        person = AppUser(first_name="小明", last_name="王", gender=Gender.female, birth_date=dt.date(1985, 6, 1))
        application = Application(id=42, business_type=BusinessType.recognition, series="GC", title="GC_4",
                                  level="4", form=dict(RECOGNITION_FORM), user=person)
        education = [Education(start_date=dt.date(1998, 9, 1), end_date=dt.date(2002, 7, 1), school="华南理工大学",
                               major="计算机科学与技术", education="21")]
        work = [WorkExperience(start_date=dt.date(2002, 7, 1), end_date=None, employer="广东省电子信息技术研究院",
                               post="工程师", duty="系统设计")]
        context = contexts.recognition_form(application, None, education, work)
    assert context["number"] == "00000042" and context["sex"] == "女" and context["level"] == "副高级"
    assert context["education_basis"] == "大学本科" and context["work_years"] == "20"
    assert context["education_records"] == [{"period": "1998-09-01—2002-07-01", "school": "华南理工大学",
                                             "major": "计算机科学与技术", "education": "大学本科"}]
    assert context["work"][0]["period"] == "2002-07-01—至今"


def test_rendered_forms_grow_with_the_records_and_keep_payloads_as_text(app):
    with app.app_context():
        app_id = recognition()
        application = db.session.get(Application, app_id)
        listing = text_of(registry.application_document(registry.MATERIAL_LIST, application))
        form = text_of(registry.application_document(registry.RECOGNITION_FORM, application))
    assert "个人提交材料清单" in listing and "测试人" in listing and "学历证书复印件" in listing
    assert '单位推荐意见 <b>&"盖章"</b>' in listing  # escaped into the XML, read back as the very text typed
    assert "共 2 项，3 份。" in listing and "{{" not in listing and "{%" not in listing
    assert "专业技术人员职称考核认定申报表" in form and "高级工程师" in form and "大学本科" in form
    assert "{{" not in form and "人力资源社会保障部门意见" in form


def test_downloads_are_scoped_and_logged(app, browser_factory):
    with app.app_context():
        app_id = recognition()
        f.make_person("someone_else", DEMO_PASSWORD, f.UNIT_B, birth="19900101")
        f.make_staff("unit_b_reviewer", "UnitReviewer", [f.UNIT_B], DEMO_PASSWORD)
    mine = browser_factory(app, "demo_applicant").get(f"/applications/{app_id}/documents/material_list")
    assert mine.status_code == 200 and mine.mimetype.endswith("wordprocessingml.document")
    assert "filename*=UTF-8''" in mine.headers["Content-Disposition"]
    assert "个人提交材料清单" in text_of(mine.data)
    assert browser_factory(app, "demo_applicant").get(f"/applications/{app_id}/documents/nonsense").status_code == 404
    assert browser_factory(app, "someone_else").get(f"/applications/{app_id}/documents/material_list").status_code == 404
    reviewer = browser_factory(app, "demo_unit").get(f"/review/applications/{app_id}/documents/recognition_form")
    assert reviewer.status_code == 200 and "测试人" in text_of(reviewer.data)
    assert browser_factory(app, "unit_b_reviewer").get(
        f"/review/applications/{app_id}/documents/recognition_form").status_code == 404
    page = browser_factory(app, "demo_unit").get(f"/review/applications/{app_id}").get_data(as_text=True)
    assert f"/review/applications/{app_id}/documents/material_list" in page and "生成文书" in page
    with app.app_context():
        logged = db.session.scalar(select(func.count()).select_from(OperationLog).where(
            OperationLog.action.like("document.%"), OperationLog.target_id == app_id))
        assert logged == 2


def test_an_evaluation_offers_no_recognition_form(app, browser_factory):
    with app.app_context():
        app_id = drafts.save_draft(None, f.user("demo_applicant"), {"business_type": "evaluation"}).id
    browser = browser_factory(app, "demo_applicant")
    assert browser.get(f"/applications/{app_id}/documents/recognition_form").status_code == 404
    assert browser.get(f"/applications/{app_id}/documents/material_list").status_code == 200


def test_the_holder_downloads_the_certificate_with_its_verification_code(app, browser_factory):
    with app.app_context():
        app_id = recognition()
        for reviewer in ("demo_unit", "demo_supervisor", "demo_authority"):
            engine.apply(app_id, "approve", f.user(reviewer))
        assert db.session.get(Application, app_id).state == AppState.completed
        record = db.session.scalar(select(Certificate).where(Certificate.application_id == app_id))
        cert_id, number, code = record.id, record.number, record.verification_code
        f.make_person("someone_else", DEMO_PASSWORD, f.UNIT_B, birth="19900101")
    browser = browser_factory(app, "demo_applicant")
    assert f"/my-certificates/document/{cert_id}" in browser.get(f"/my-certificates/show/{cert_id}").get_data(as_text=True)
    content = text_of(browser.get(f"/my-certificates/document/{cert_id}").data)
    assert "专业技术资格证书" in content and number in content and code in content and "/verify/" in content
    assert browser_factory(app, "someone_else").get(f"/my-certificates/document/{cert_id}").status_code == 404


def test_evaluation_form_groups_achievements_and_output_and_carries_the_meeting_result(app):
    with app.app_context():
        app_id, batch_id = f.evaluation_in_review()
        owner = f.user("demo_applicant")
        publications = list(db.session.scalars(select(Publication).where(Publication.user_id == owner.id)))
        application = db.session.get(Application, app_id)
        application.publications = publications
        application.form = dict(application.form, work_summary="主持全省政务数据共享交换平台建设 <script>x</script>")
        db.session.commit()
        present = f.make_experts(17)
        meeting.set_attendance(db.session.get(ReviewBatch, batch_id), present)
        meeting.record_votes(db.session.get(ReviewBatch, batch_id), application,
                             {e: VoteChoice.yes if i < 12 else VoteChoice.no for i, e in enumerate(present)})
        context = contexts.evaluation_form(application, None, meeting.tally(application))
        grouped = {kind: len(rows) for kind, rows in context["achievements"].items()}
        expected = {c.value: sum(1 for a in application.achievements if a.category == c) for c in AchievementCategory}
        assert grouped == expected and sum(grouped.values()) == len(application.achievements) > 0
        assert sum(len(rows) for rows in context["publications"].values()) == len(publications)
        assert (context["members"], context["present"], context["yes"], context["result"]) == (25, 17, 12, "通过")
        content = text_of(registry.application_document(registry.EVALUATION_FORM, application))
    assert "专业技术资格评定表" in content and "主持项目解决重大技术难题" in content and "省部级技术标准" in content
    assert "<script>x</script>" in content and "{{" not in content and "{%" not in content
    assert application.achievements[0].project_name in content


def test_confirmation_form_counts_the_summary_as_the_check_does(shared_app):
    with shared_app.app_context():
        application = Application(id=7, business_type=BusinessType.out_of_province, series="GC", title="GC_4",
                                  user=AppUser(first_name="小红", last_name="李"),
                                  form={"summary": "工作 总结\n" * 100, "original_title": "高级工程师",
                                        "commitment": True})
        context = contexts.confirmation_form(application, None)
        content = text_of(registry.render(registry.CONFIRMATION_FORM, context))
    assert context["summary_length"] == 400 and context["commitment"] == "是"
    assert "省外来粤专业技术人员职称资格确认申报表" in content and "（400 字）" in content and "高级工程师" in content
