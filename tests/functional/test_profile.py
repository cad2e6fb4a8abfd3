"""The personal profile: sections, rules, attachments, submission, review by unit then supervisor."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Attachment, BasicInfo, Education, ProfileReview, ProfileReviewEvent, RecordStatus, ReviewStage, WorkExperience,
)
from app.workflow import profile as rules
from app.workflow import profile_review
from conftest import DEMO_PASSWORD
from factories import UNIT_A, UNIT_C, make_person, make_staff, pdf_bytes, race, user

EDUCATION = {
    "start_date": "2004-09-01", "end_date": "2008-07-01", "school": "华南理工大学", "major": "机械工程",
    "education": "21", "degree": "4", "study_mode": "full_time",
}


def _files_on_disk(app) -> list[Path]:
    return [p for p in (Path(app.config["UPLOAD_FOLDER"]) / "files").rglob("*") if p.is_file()]


def _count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


@pytest.fixture
def applicant(app):
    with app.app_context():
        return make_person("li_applicant", DEMO_PASSWORD, UNIT_A).id


def test_demo_applicant_has_a_complete_approved_profile(app, browser_factory):
    with app.app_context():
        person = user("demo_applicant")
        assert rules.completeness(person.id).complete
        assert person.id_number == "110101198001010037"
    page = browser_factory(app, "demo_applicant").get("/profile/").get_data(as_text=True)
    assert "全省政务数据共享交换平台" in page and "已审核" in page
    assert "广东省工业和信息化厅" in page  # the derived 主管单位


def test_adding_a_record_with_a_pdf_attachment(app, browser_factory, applicant):
    browser = browser_factory(app, "li_applicant")
    data = dict(EDUCATION, upload=(io.BytesIO(pdf_bytes()), "毕业证.pdf"))
    response = browser.post("/profile/education/add", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        record = db.session.scalar(select(Education).where(Education.user_id == applicant))
        assert record.status == RecordStatus.draft and record.attachment.original_name == "毕业证.pdf"
        attachment_id = record.attachment_id
    download = browser.get(f"/profile-files/{attachment_id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert len(_files_on_disk(app)) == 1


@pytest.mark.parametrize("change, field, message", [
    ({"end_date": "2003-01-01"}, "end_date", "结束日期不能早于开始日期"),
    ({"start_date": "2099-01-01", "end_date": ""}, "start_date", "日期不能晚于今天"),
    ({"start_date": "1970-01-01"}, "start_date", "日期不能早于出生日期"),
    ({"school": ""}, "school", "该字段是必填字段"),
    ({"education": "XX"}, "education", "选项无效"),
])
def test_bad_record_input_names_the_field_and_saves_nothing(app, browser_factory, applicant, change, field, message):
    browser = browser_factory(app, "li_applicant")
    response = browser.post("/profile/education/add", data=dict(EDUCATION, **change))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert _count(Education, user_id=applicant) == 0


@pytest.mark.parametrize("name, content", [
    ("fake.pdf", b"MZ\x90\x00 this is an executable"),
    ("scan.pdf", b"\x89PNG\r\n\x1a\n not really"),
    ("empty.pdf", b""),
])
def test_uploads_are_checked_by_content_and_leave_no_file(app, browser_factory, applicant, name, content):
    browser = browser_factory(app, "li_applicant")
    data = dict(EDUCATION, upload=(io.BytesIO(content), name))
    response = browser.post("/profile/education/add", data=data, content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and ("文件必须是PDF" in text or "上传的文件是空的" in text)
    with app.app_context():
        assert _count(Education, user_id=applicant) == 0 and _count(Attachment, owner_id=applicant) == 0
    assert _files_on_disk(app) == []


def test_oversized_upload_is_refused(app, browser_factory, applicant):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    browser = browser_factory(app, "li_applicant")
    data = dict(EDUCATION, upload=(io.BytesIO(pdf_bytes("x" * 4000)), "big.pdf"))
    text = browser.post("/profile/education/add", data=data, content_type="multipart/form-data").get_data(True)
    assert "文件大于" in text
    assert _files_on_disk(app) == []


def test_no_title_means_title_date_is_work_start(app, browser_factory, applicant):
    browser = browser_factory(app, "li_applicant")
    form = {
        "ethnicity": "01", "political_status": "13", "highest_education": "21", "major_studied": "机械工程",
        "graduated_school": "华南理工大学", "work_start_date": "2008-07-01", "title_series": "GC",
        "current_title": "", "current_title_date": "2015-01-01", "unit_id": "",
    }
    with app.app_context():
        form["unit_id"] = str(db.session.scalar(select(BasicInfo.unit_id).where(BasicInfo.user_id == applicant)))
    assert browser.post("/profile/basic", data=form).status_code == 302
    with app.app_context():
        basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == applicant))
        assert basic.current_title is None and str(basic.current_title_date) == "2008-07-01"


def _submit(app, user_id):
    with app.app_context():
        person = db.session.get(type(user("demo_admin")), user_id)
        return profile_review.submit(person).id


def _add_required_records(app, user_id):
    import datetime as dt

    from app.models import Achievement

    with app.app_context():
        db.session.add_all([
            Education(user_id=user_id, start_date=dt.date(2004, 9, 1), end_date=dt.date(2008, 7, 1),
                      school="华南理工大学", major="机械工程", education="21", study_mode="full_time"),
            WorkExperience(user_id=user_id, start_date=dt.date(2008, 7, 1), employer=UNIT_A, post="工程师"),
            Achievement(user_id=user_id, start_date=dt.date(2015, 1, 1), completion_form="lead",
                        project_name="数控装备改造", own_work="总体设计"),
        ])
        db.session.commit()


def test_submit_unit_return_fix_resubmit_supervisor_approve(app, browser_factory, applicant):
    _add_required_records(app, applicant)
    person = browser_factory(app, "li_applicant")
    with app.app_context():
        assert [s.code for s in rules.completeness(applicant).incomplete] == ["basic", "education", "work", "achievement"]
        assert "“基本信息”、“学历教育信息”、“工作经历信息”、“完成专业技术工作及业绩成果”" in rules.completeness(applicant).message()
    assert person.post("/profile/submit").status_code == 302
    with app.app_context():
        review = db.session.scalar(select(ProfileReview).where(ProfileReview.user_id == applicant))
        assert review.stage == ReviewStage.unit
        education = db.session.scalar(select(Education).where(Education.user_id == applicant))
        assert education.status == RecordStatus.unit_review
        review_id, version, education_id = review.id, review.version, education.id
    # Locked while under review: neither edit nor delete changes anything.
    person.post(f"/profile/education/edit/{education_id}", data=dict(EDUCATION, school="改"))
    person.post(f"/profile/education/delete/{education_id}")
    with app.app_context():
        assert db.session.get(Education, education_id).school == "华南理工大学"

    unit = browser_factory(app, "demo_unit")
    assert "李申报" in unit.get("/profile-reviews/list/").get_data(as_text=True)
    assert "数控装备改造" in unit.get(f"/profile-reviews/show/{review_id}").get_data(as_text=True)
    # Returning without a reason is refused and changes nothing.
    unit.post(f"/profile-reviews/decide/{review_id}", data={"version": version, f"verdict_education_{education_id}": "return"})
    with app.app_context():
        assert db.session.get(ProfileReview, review_id).stage == ReviewStage.unit
    unit.post(f"/profile-reviews/decide/{review_id}", data={
        "version": version, f"verdict_education_{education_id}": "return",
        f"comment_education_{education_id}": "请上传毕业证书扫描件",
    })
    with app.app_context():
        review = db.session.get(ProfileReview, review_id)
        assert review.stage == ReviewStage.supervisor
        assert db.session.get(Education, education_id).status == RecordStatus.returned
        assert db.session.get(Education, education_id).review_comment == "请上传毕业证书扫描件"
        assert db.session.scalar(select(WorkExperience.status).where(WorkExperience.user_id == applicant)) \
            == RecordStatus.supervisor_review
        version = review.version
    assert "请上传毕业证书扫描件" in person.get("/profile/").get_data(as_text=True)

    supervisor = browser_factory(app, "demo_supervisor")
    supervisor.post(f"/profile-reviews/decide/{review_id}", data={"version": version})
    with app.app_context():
        assert db.session.get(ProfileReview, review_id).stage == ReviewStage.closed
        assert db.session.scalar(select(WorkExperience.status).where(WorkExperience.user_id == applicant)) \
            == RecordStatus.approved
        assert [s.code for s in rules.completeness(applicant).incomplete] == ["education"]

    # Fix the returned record and resubmit; this time both levels approve.
    data = dict(EDUCATION, upload=(io.BytesIO(pdf_bytes()), "毕业证.pdf"))
    assert person.post(f"/profile/education/edit/{education_id}", data=data,
                       content_type="multipart/form-data").status_code == 302
    assert person.post("/profile/submit").status_code == 302
    with app.app_context():
        review = profile_review.open_review(applicant)
        review_id, version = review.id, review.version
    unit.post(f"/profile-reviews/decide/{review_id}", data={"version": version})
    with app.app_context():
        version = db.session.get(ProfileReview, review_id).version
    supervisor.post(f"/profile-reviews/decide/{review_id}", data={"version": version})
    with app.app_context():
        assert rules.completeness(applicant).complete
        actions = [e.action.value for e in db.session.scalars(
            select(ProfileReviewEvent).where(ProfileReviewEvent.profile_user_id == applicant)
            .order_by(ProfileReviewEvent.id))]
        assert actions == ["submit", "unit_decide", "supervisor_decide"] * 2


def test_editing_an_approved_record_starts_its_review_again(app, browser_factory):
    browser = browser_factory(app, "demo_applicant")
    with app.app_context():
        record = db.session.scalar(select(Education).where(Education.user_id == user("demo_applicant").id))
        record_id = record.id
    data = dict(EDUCATION, school="中山大学（南校区）", start_date="1998-09-01", end_date="2002-07-01")
    assert browser.post(f"/profile/education/edit/{record_id}", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Education, record_id).status == RecordStatus.draft
        assert [s.code for s in rules.completeness(user("demo_applicant").id).incomplete] == ["education"]


def test_two_reviewers_deciding_at_once_one_wins(app, applicant):
    _add_required_records(app, applicant)
    review_id = _submit(app, applicant)
    with app.app_context():
        make_staff("unit_a_2", "UnitReviewer", [UNIT_A], DEMO_PASSWORD)
        version = db.session.get(ProfileReview, review_id).version
        profile_review.decide(review_id, version, user("demo_unit"), [])
        with pytest.raises(profile_review.AlreadyHandled):
            profile_review.decide(review_id, version, user("unit_a_2"), [])
        assert len(db.session.get(ProfileReview, review_id).events) == 2


def test_unit_is_settled_after_the_first_submission(app, browser_factory, applicant):
    _add_required_records(app, applicant)
    _submit(app, applicant)
    with app.app_context():
        other_unit = db.session.scalar(select(BasicInfo.unit_id).where(BasicInfo.user_id == user("demo_applicant").id))
        basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == applicant))
        # Approve so that the record may be edited again, then try to switch the unit directly.
        basic.status = RecordStatus.approved
        db.session.commit()
        basic.unit_id = other_unit + 1
        with pytest.raises(Exception) as refused:
            rules.validate_record(basic, db.session.get(type(basic.user), applicant))
        assert "人事管理单位变更" in str(refused.value)
        db.session.rollback()


def test_unit_search_lists_only_active_units(app, browser_factory, applicant):
    browser = browser_factory(app, "li_applicant")
    results = browser.get("/profile/units?q=广州").get_json()["results"]
    names = [r["text"] for r in results]
    assert any(UNIT_C in name for name in names)
    assert all("人力资源和社会保障局" not in name.split("（")[0] for name in names)
    assert browser.get("/profile/units?q=%25").get_json()["results"] == []


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_basic_page_saves_a_photo_and_refuses_a_fake_one(app, browser_factory, applicant):
    browser = browser_factory(app, "li_applicant")
    page = browser.get("/profile/basic").get_data(as_text=True)
    assert "人事管理单位" in page and "data-unit-search" in page and "民族" in page
    with app.app_context():
        basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == applicant))
        form = {"ethnicity": "01", "political_status": "13", "highest_education": "21", "major_studied": "机械工程",
                "graduated_school": "华南理工大学", "work_start_date": "2008-07-01", "title_series": "GC",
                "current_title": "GC_3", "current_title_date": "2014-12-01", "unit_id": str(basic.unit_id)}
    fake = browser.post("/profile/basic", data=dict(form, photo=(io.BytesIO(b"GIF89a fake"), "me.png")),
                        content_type="multipart/form-data")
    assert fake.status_code == 200 and "文件必须是JPG 或 PNG 图片" in fake.get_data(as_text=True)
    assert _files_on_disk(app) == []
    saved = browser.post("/profile/basic", data=dict(form, photo=(io.BytesIO(_png()), "me.png")),
                         content_type="multipart/form-data")
    assert saved.status_code == 302
    with app.app_context():
        basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == applicant))
        assert basic.photo.content_type == "image/png" and basic.current_title == "GC_3"
        photo_id = basic.photo_id
    shown = browser.get(f"/profile-files/{photo_id}?inline=1")
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    # A title of another series is refused on its field.
    wrong = browser.post("/profile/basic", data=dict(form, current_title="GXJS_3"))
    assert "当前职称不属于所选的专业系列" in wrong.get_data(as_text=True)


def test_concurrent_decisions_on_postgresql_one_wins(app, applicant, db_kind):
    """Two reviewers decide the same round at the same moment in two connections: exactly one succeeds."""
    if db_kind != "postgresql":
        pytest.skip("row locking under real concurrency is a PostgreSQL property")
    _add_required_records(app, applicant)
    review_id = _submit(app, applicant)
    with app.app_context():
        make_staff("unit_a_2", "UnitReviewer", [UNIT_A], DEMO_PASSWORD)
        version = db.session.get(ProfileReview, review_id).version
    def decide_as(username):
        reviewer = user(username)
        return lambda: profile_review.decide(review_id, version, reviewer, [])

    outcomes = race(app, [lambda: decide_as("demo_unit"), lambda: decide_as("unit_a_2")], profile_review.AlreadyHandled)
    assert sorted(outcomes) == ["lost", "ok"]
    with app.app_context():
        assert len(db.session.get(ProfileReview, review_id).events) == 2
