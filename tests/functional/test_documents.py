"""Generated Word forms: contexts built by pure functions, templates that grow with the records, scoped downloads."""
from __future__ import annotations

import datetime as dt
import hashlib
import io

import docx
from sqlalchemy import func, select

import factories as f
from app.documents import contexts, registry
from app.extensions import db
from app.services import attachments
from app.models import (
    Achievement, AchievementCategory, Application, ArchivedDocument, ApplicationMaterial, AppState, AppUser, AssessmentResult, BasicInfo,
    BusinessType, Certificate, Education, Gender, OperationLog, Org, Publication, PublicationKind, ReviewBatch,
    VoteChoice, WorkExperience,
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
    reviewer = browser_factory(app, "demo_unit").get(f"/review/applications/{app_id}/documents/recognition_form")
    assert reviewer.status_code == 200 and reviewer.mimetype.endswith("wordprocessingml.document")
    assert "filename*=UTF-8''" in reviewer.headers["Content-Disposition"] and "测试人" in text_of(reviewer.data)
    assert browser_factory(app, "unit_b_reviewer").get(
        f"/review/applications/{app_id}/documents/recognition_form").status_code == 404
    applicant = browser_factory(app, "demo_applicant")
    waiting = applicant.get(f"/applications/{app_id}/documents/material_list")
    assert waiting.status_code == 302  # printing opens after approval (seed 003 §17)
    assert "审核通过后" in applicant.get(f"/applications/{app_id}").get_data(as_text=True)
    with app.app_context():
        engine.apply(app_id, "approve", f.user("demo_unit"))
    mine = applicant.get(f"/applications/{app_id}/documents/material_list")
    assert mine.status_code == 200 and "个人提交材料清单" in text_of(mine.data)
    assert applicant.get(f"/applications/{app_id}/documents/nonsense").status_code == 404
    assert browser_factory(app, "someone_else").get(f"/applications/{app_id}/documents/material_list").status_code == 404
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


def tables_by_heading(content: bytes) -> dict[str, list[list[str]]]:
    """The rows of the first table after each non-empty paragraph, keyed by that paragraph's text."""
    document = docx.Document(io.BytesIO(content))
    found, heading = {}, ""
    for block in document.iter_inner_content():
        if isinstance(block, docx.table.Table):
            found.setdefault(heading, [[cell.text for cell in row.cells] for row in block.rows])
        elif block.text.strip():
            heading = block.text.strip()
    return found


def _full_evaluation():
    """The demo evaluation in review, its records made complete: one 业绩 and one 论著 of every group."""
    app_id, batch_id = f.evaluation_in_review()
    owner = f.user("demo_applicant")
    db.session.add_all([
        Achievement(user_id=owner.id, start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 12, 31),
                    completion_form="lead", project_name="粤港澳大湾区工业互联网标识解析节点", own_work="总体设计",
                    award_name="广东省科学技术奖", award_grade="二等奖", award_rank=2, award_date=dt.date(2022, 5, 1),
                    category=AchievementCategory.awarded),
        Publication(user_id=owner.id, kind=PublicationKind.book, title="政务云平台架构实践", publisher="电子工业出版社",
                    serial_no="ISBN 978-7-121-00000-1", published_on=dt.date(2023, 3, 1), author_rank=1),
        Publication(user_id=owner.id, kind=PublicationKind.standard, title="政务数据共享交换技术规范",
                    publisher="广东省市场监督管理局", serial_no="DB44/T 0001-2024", published_on=dt.date(2024, 6, 1),
                    author_rank=3),
    ])
    db.session.flush()
    application = db.session.get(Application, app_id)
    application.achievements = list(db.session.scalars(select(Achievement).where(Achievement.user_id == owner.id)))
    application.publications = list(db.session.scalars(select(Publication).where(Publication.user_id == owner.id)))
    application.form = dict(application.form, work_review="长期从事政务信息化工作", unit_recommendation="德才兼备，推荐申报")
    db.session.commit()
    return application, batch_id


AUDIT_GROUPS = {
    AchievementCategory.ordinary: "（一）普通项目", AchievementCategory.major_problem: "（二）主持项目解决重大技术难题",
    AchievementCategory.awarded: "（三）获奖项目",
}
OUTPUT_GROUPS = {PublicationKind.paper: "（一）论文", PublicationKind.book: "（二）著作",
                 PublicationKind.standard: "（三）省部级技术标准"}


def _group_rows(tables: dict, prefix: str) -> list[list[str]]:
    heading = next(h for h in tables if h.startswith(prefix))
    return tables[heading][1:]  # below the header row


def test_every_form_of_a_full_evaluation_puts_each_record_in_its_group(app):
    with app.app_context():
        application, _ = _full_evaluation()
        documents = {spec.code: registry.application_document(spec, application)
                     for spec in registry.for_application(application)}
        achievements = [(a.category, a.project_name) for a in application.achievements]
        publications = [(p.kind, p.title) for p in application.publications]
        name, id_number = application.user.full_name, application.user.id_number
    assert set(documents) == {"evaluation_form", "recommendation_form", "audit_form", "material_list"}
    assert len({category for category, _ in achievements}) == 3 and len({kind for kind, _ in publications}) == 3
    for code in ("evaluation_form", "audit_form"):
        tables = tables_by_heading(documents[code])
        for category, project in achievements:
            rows = _group_rows(tables, AUDIT_GROUPS[category])
            assert any(project in row for row in rows), (code, category, project)
            others = [h for c, h in AUDIT_GROUPS.items() if c != category]
            assert not any(project in cell for h in others for row in _group_rows(tables, h) for cell in row)
        for kind, title in publications:
            assert any(title in row for row in _group_rows(tables, OUTPUT_GROUPS[kind])), (code, kind, title)
            others = [h for k, h in OUTPUT_GROUPS.items() if k != kind]
            assert not any(title in cell for h in others for row in _group_rows(tables, h) for cell in row)
    audit = text_of(documents["audit_form"])
    assert "专业技术资格审核表" in audit and "（共 1 项）" in audit and "第2名" in audit and "2022-05-01" in audit
    assert "DB44/T 0001-2024" in audit and "国内先进" in audit
    recommendation = tables_by_heading(documents["recommendation_form"])
    assert recommendation["二、工作评述"] == [["长期从事政务信息化工作"]]
    assert recommendation["三、单位推荐意见（德、能、勤、绩）"] == [["德才兼备，推荐申报"]]
    listed = recommendation["四、主要业绩成果"]
    assert {row[2] for row in listed[1:]} == {project for _, project in achievements}
    assert [row[0] for row in listed[1:]] == ["1", "2", "3"]
    assert {(row[1], row[2]) for row in recommendation["五、主要论著（文）"][1:]} == {
        ("论文", "基于微服务的政务数据共享架构研究"), ("著作", "政务云平台架构实践"), ("省部级技术标准", "政务数据共享交换技术规范")}
    for code, content in documents.items():
        text = text_of(content)
        assert name in text and "{{" not in text and "{%" not in text, code
    assert id_number in text_of(documents["evaluation_form"]) and id_number in text_of(documents["recommendation_form"])


def test_audit_form_context_numbers_each_group_and_counts_it(shared_app):
    with shared_app.app_context():
        person = AppUser(first_name="小明", last_name="王", gender=Gender.male)
        application = Application(id=9, business_type=BusinessType.evaluation, series="GC", title="GC_4",
                                  form={"years_in_field": "12"}, user=person)
        application.achievements = [
            Achievement(start_date=dt.date(2021, 1, 1), end_date=dt.date(2021, 6, 1), project_name="乙",
                        own_work="x", category=AchievementCategory.ordinary, appraisal_conclusion="国内领先"),
            Achievement(start_date=dt.date(2019, 1, 1), project_name="甲", own_work="y",
                        category=AchievementCategory.ordinary),
            Achievement(start_date=dt.date(2020, 1, 1), project_name="丙", own_work="z", award_rank=1,
                        award_name="省科技进步奖", award_grade="一等奖", category=AchievementCategory.awarded),
        ]
        application.publications = []
        basic = BasicInfo(graduated_school="中山大学", major_studied="软件工程", highest_education="21",
                          foreign_language="英语（合格）", annual_assessment=AssessmentResult.excellent)
        context = contexts.audit_form(application, basic)
    ordinary = context["achievements"]["ordinary"]
    assert [(row["no"], row["name"]) for row in ordinary] == [(1, "甲"), (2, "乙")]
    assert ordinary[1]["completed_on"] == "2021-06-01" and ordinary[1]["conclusion"] == "国内领先"
    assert (context["achievements"]["awarded"][0]["award_name"], context["achievements"]["awarded"][0]["award_rank"]) \
        == ("省科技进步奖、一等奖", "第1名")
    assert context["counts"] == {"ordinary": 2, "major_problem": 0, "awarded": 1, "paper": 0, "book": 0,
                                 "standard": 0}
    assert (context["school"], context["education"], context["assessment"], context["years_in_field"]) == (
        "中山大学 软件工程", "大学本科", "优秀", "12")


def test_publicity_list_context_names_who_passed_and_until_when(shared_app):
    with shared_app.app_context():
        committee = Org(name="广东省工程系列高级职称评审委员会", contact_person="陈老师", contact_phone="020-12345678")
        batch = ReviewBatch(name="2026年度第一批", series="GC", level="4", meeting_date=dt.date(2026, 11, 2))
        passed = [Application(id=3, unit_id=11, specialty="GC_RJ", title="GC_4", user=AppUser(first_name="一", last_name="张"),
                              publicity_until=dt.date(2026, 11, 9)),
                  Application(id=5, unit_id=12, title="GC_4", user=AppUser(first_name="二", last_name="李"),
                              publicity_until=dt.date(2026, 11, 10))]
        context = contexts.publicity_list(batch, committee, passed, {11: "甲单位", 12: "乙单位"}, dt.date(2026, 11, 3))
    assert [(r["no"], r["name"], r["unit"], r["title"]) for r in context["rows"]] == [
        (1, "张一", "甲单位", "高级工程师"), (2, "李二", "乙单位", "高级工程师")]
    assert (context["count"], context["until"], context["meeting_date"], context["published_on"]) == (
        2, "2026-11-10", "2026-11-02", "2026年11月3日")
    assert context["level"] == "副高级" and context["phone"] == "020-12345678"


def test_the_committee_office_downloads_the_publicity_list_of_its_own_batch(app, browser_factory):
    with app.app_context():
        app_id, batch_id = f.evaluation_in_review()
        present = f.make_experts(17)
        batch = db.session.get(ReviewBatch, batch_id)
        meeting.set_attendance(batch, present)
        application = db.session.get(Application, app_id)
        meeting.record_votes(batch, application, {e: VoteChoice.yes for e in present})
        engine.apply(app_id, "meeting_pass", f.user("demo_committee"))
        name = application.user.full_name
    response = browser_factory(app, "demo_committee").get(f"/review-batches/publicity-list/{batch_id}")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    tables = tables_by_heading(response.data)
    rows = next(rows for heading, rows in tables.items() if "现予以公示" in heading)
    assert rows[1][1] == name and rows[1][4] == "高级工程师" and len(rows) == 2
    assert "公示名单" in text_of(response.data)
    assert browser_factory(app, "demo_committee").get(
        f"/review-batches/show/{batch_id}").get_data(as_text=True).count(f'/review-batches/publicity-list/{batch_id}"') == 1
    assert browser_factory(app, "demo_applicant").get(f"/review-batches/publicity-list/{batch_id}").status_code in (302, 403)
    assert browser_factory(app, "demo_committee").get("/review-batches/publicity-list/999999").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OperationLog).where(
            OperationLog.action == "document.publicity_list", OperationLog.target_id == batch_id)) == 1


def test_each_submission_is_archived_and_reviewers_read_that_copy(app, browser_factory):
    with app.app_context():
        app_id = recognition(submit=False)
    applicant = browser_factory(app, "demo_applicant")
    preview = applicant.get(f"/applications/{app_id}/documents/recognition_form")
    assert preview.status_code == 200 and "预览稿" in text_of(preview.data)
    assert "预览" in applicant.get(f"/applications/{app_id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ArchivedDocument)) == 0
        engine.apply(app_id, "submit", f.user("demo_applicant"))
        first = {d.code: (d.id, d.sha256, d.submission, d.created_by.username)
                 for d in db.session.scalars(select(ArchivedDocument))}
        assert set(first) == {"recognition_form", "material_list"}
        assert {(s, who) for _, _, s, who in first.values()} == {(1, "demo_applicant")}
        # What changes after submission does not reach the archived copy.
        application = db.session.get(Application, app_id)
        application.form = dict(application.form, current_work="提交后才改的内容")
        db.session.commit()
    reviewer = browser_factory(app, "demo_unit")
    copy = reviewer.get(f"/review/applications/{app_id}/documents/recognition_form")
    assert hashlib.sha256(copy.data).hexdigest() == first["recognition_form"][1]
    assert "信息系统架构设计" in text_of(copy.data) and "提交后才改的内容" not in text_of(copy.data)
    assert "预览稿" not in text_of(copy.data)
    with app.app_context():
        engine.apply(app_id, "return", f.user("demo_unit"), reason="请补充学历证明")
    again = applicant.get(f"/applications/{app_id}/documents/recognition_form")
    assert "预览稿" in text_of(again.data) and "提交后才改的内容" in text_of(again.data)
    with app.app_context():
        engine.apply(app_id, "resubmit", f.user("demo_applicant"))
        second = {d.code: (d.id, d.sha256) for d in db.session.scalars(
            select(ArchivedDocument).where(ArchivedDocument.submission == 2))}
    assert set(second) == set(first)
    latest = reviewer.get(f"/review/applications/{app_id}/documents/recognition_form")
    assert hashlib.sha256(latest.data).hexdigest() == second["recognition_form"][1]
    assert "提交后才改的内容" in text_of(latest.data)
    earlier = reviewer.get(f"/review/applications/{app_id}/archive/{first['recognition_form'][0]}")
    assert hashlib.sha256(earlier.data).hexdigest() == first["recognition_form"][1]
    page = reviewer.get(f"/review/applications/{app_id}").get_data(as_text=True)
    assert "历次提交的存档文书" in page and "第 1 次" in page and "第 2 次" in page
    assert first["recognition_form"][1][:16] in page and second["material_list"][1][:16] in page
    # Before approval the applicant cannot print the archived copies either, even by a hand-made URL.
    assert applicant.get(f"/applications/{app_id}/archive/{first['recognition_form'][0]}").status_code == 302


def test_an_archived_copy_is_served_only_from_its_own_application_and_only_unaltered(app, browser_factory):
    with app.app_context():
        app_id, other_id = recognition(), f.evaluation_in_unit_publicity()
        theirs = db.session.scalar(select(ArchivedDocument.id).where(ArchivedDocument.application_id == other_id))
        mine = db.session.scalar(select(ArchivedDocument).where(ArchivedDocument.application_id == app_id,
                                                                ArchivedDocument.code == "material_list"))
        path = attachments.file_path(mine.storage_key)
    reviewer = browser_factory(app, "demo_unit")
    assert reviewer.get(f"/review/applications/{app_id}/archive/{theirs}").status_code == 404
    assert reviewer.get(f"/review/applications/{app_id}/archive/999999").status_code == 404
    path.write_bytes(path.read_bytes() + b"tampered")
    refused = reviewer.get(f"/review/applications/{app_id}/documents/material_list")
    assert refused.status_code == 302
    assert "已被改动" in reviewer.get(refused.headers["Location"]).get_data(as_text=True)


def test_a_business_without_forms_archives_nothing(app):
    with app.app_context():
        owner = f.user("demo_applicant")
        draft = drafts.save_draft(None, owner, {"business_type": "unit_change",
                                                "form": {"new_unit_id": str(f.org(f.UNIT_B).id), "reason": "调动"}})
        engine.apply(draft.id, "submit", owner)
        assert db.session.scalar(select(func.count()).select_from(ArchivedDocument)) == 0
