"""Training classes (培训班, seed 002): the provider's class life cycle, enrolment, capacity under concurrency,
结业 into an approved CE record, the completion import, and who may reach which screen."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import (
    CeRecord, CeRecordEvent, CeRecordStatus, CeSource, ClassStatus, Enrolment, EnrolmentStatus, OperationLog,
    OrgKind, TrainingClass,
)
from app.workflow import ce_compliance, training
from conftest import DEMO_PASSWORD
from factories import AUTHORITY, PROVIDER, UNIT_A, make_org, make_person, make_staff, org, race, user

START = dt.date(2026, 3, 2)
OTHER_PROVIDER = "广州职业技术培训中心"


def class_input(**changes) -> training.ClassInput:
    values = dict(name="2026年电子信息专业技术人员培训班", course_name="人工智能工程应用", course_type="professional",
                  learning_form="face_to_face", days="2", start_date=START.isoformat(), hours="16", capacity="5",
                  head_teacher="陈老师", teachers="王教授、李教授", exam_type="闭卷考试",
                  schedule="3月2日 9:00-17:00 理论\n3月3日 9:00-17:00 实操", location="华南理工大学五山校区",
                  subjects=("机器学习基础", "工程实践"))
    values.update(changes)
    return training.ClassInput(**values)


def new_class(status: ClassStatus = ClassStatus.open, username: str = "demo_provider", **changes) -> int:
    created = training.save_class(None, user(username), class_input(**changes))
    steps = {ClassStatus.open: ["publish"], ClassStatus.closed: ["publish", "close"],
             ClassStatus.started: ["publish", "close", "start"],
             ClassStatus.finished: ["publish", "close", "start", "finish"]}.get(status, [])
    for event in steps:
        training.change_class(created.id, event, user(username))
    return created.id


def person(index: int):
    return make_person(f"learner{index}", DEMO_PASSWORD, UNIT_A, birth=f"1980{(index % 12) + 1:02d}{(index % 27) + 1:02d}")


def the_class(class_id: int) -> TrainingClass:
    db.session.expire_all()
    return db.session.get(TrainingClass, class_id)


def other_provider():
    make_org(OTHER_PROVIDER, OrgKind.provider, AUTHORITY)
    return make_staff("provider_b", "Provider", [OTHER_PROVIDER], DEMO_PASSWORD)


# ----- the class life cycle -----
def test_class_fields_are_checked_and_named(app):
    with app.app_context():
        provider = user("demo_provider")
        with pytest.raises(ValidationFailed) as failed:
            training.save_class(None, provider, class_input(name="", course_type="nonsense", learning_form="mail",
                                                            days="0", start_date="2026-13-01", hours="-1",
                                                            capacity="x"))
        errors = failed.value.errors
        assert set(errors) >= {"name", "course_type", "learning_form", "days", "start_date", "hours", "capacity"}
        assert any("培训班名称" in message for message in errors["name"])
        assert any("培训天数" in message for message in errors["days"])
        assert any("拟招人数" in message for message in errors["capacity"])
        # 学时 at most 天数 × 8 (the national CePolicy's hours_per_day).
        with pytest.raises(ValidationFailed) as failed:
            training.save_class(None, provider, class_input(days="2", hours="16.5"))
        assert "hours" in failed.value.errors and "16" in failed.value.errors["hours"][0]
        assert db.session.scalar(select(func.count()).select_from(TrainingClass)) == 0
        # A person (no provider org) cannot create one.
        with pytest.raises(DomainError):
            training.save_class(None, user("demo_applicant"), class_input())


def test_class_life_cycle_only_forward_and_only_the_own_provider(app):
    with app.app_context():
        provider = user("demo_provider")
        class_id = new_class(ClassStatus.draft, subjects=())
        assert the_class(class_id).status == ClassStatus.draft
        with pytest.raises(ValidationFailed) as failed:
            training.publish(class_id, provider)
        assert "subjects" in failed.value.errors
        training.save_class(class_id, provider, class_input(name="改名后的培训班", subjects=("科目一",)),
                            seen_version=the_class(class_id).version)
        assert [s.name for s in the_class(class_id).subjects] == ["科目一"]
        other = other_provider()
        with pytest.raises(DomainError):
            training.publish(class_id, other)
        with pytest.raises(DomainError):
            training.save_class(class_id, other, class_input())
        with pytest.raises(DomainError):
            training.start(class_id, provider)  # not before publishing
        stale = the_class(class_id).version
        training.publish(class_id, provider, seen_version=stale)
        with pytest.raises(training.AlreadyHandled):
            training.close_enrolment(class_id, provider, seen_version=stale)
        with pytest.raises(DomainError):
            training.save_class(class_id, provider, class_input())  # published: no longer editable
        for step, status in ((training.close_enrolment, ClassStatus.closed), (training.start, ClassStatus.started),
                             (training.finish, ClassStatus.finished)):
            step(class_id, provider)
            assert the_class(class_id).status == status
        actions = set(db.session.scalars(select(OperationLog.action).where(
            OperationLog.target_type == "TrainingClass", OperationLog.target_id == class_id)))
        assert {"training_class.create", "training_class.edit", "training_class.publish", "training_class.close",
                "training_class.start", "training_class.finish"} <= actions


# ----- enrolment -----
def test_enrol_only_while_open_and_only_once(app):
    with app.app_context():
        learner = user("demo_applicant")
        draft_id = new_class(ClassStatus.draft)
        with pytest.raises(DomainError):
            training.enrol(draft_id, learner)
        open_id = new_class(ClassStatus.open)
        training.enrol(open_id, learner)
        with pytest.raises(DomainError):
            training.enrol(open_id, learner)
        assert db.session.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.class_id == open_id)) == 1
        closed_id = new_class(ClassStatus.closed)
        with pytest.raises(DomainError):
            training.enrol(closed_id, learner)
        # After cancelling, enrolling again is allowed (one live enrolment per person and class).
        mine = training.live_enrolment(open_id, learner.id)
        training.cancel(mine.id, learner)
        training.enrol(open_id, learner)
        assert training.live_enrolment(open_id, learner.id).status == EnrolmentStatus.pending


def test_confirm_reject_cancel_and_capacity(app):
    with app.app_context():
        provider = user("demo_provider")
        class_id = new_class(ClassStatus.open, capacity="1")
        first, second, third = (training.enrol(class_id, person(i)).id for i in range(3))
        training.confirm(first, provider)
        assert the_class(class_id).confirmed_count == 1
        with pytest.raises(DomainError):
            training.confirm(second, provider)  # 名额已满
        assert db.session.get(Enrolment, second).status == EnrolmentStatus.pending
        with pytest.raises(ValidationFailed):
            training.reject(third, provider, "  ")
        training.reject(third, provider, "不符合报名条件")
        assert db.session.get(Enrolment, third).status == EnrolmentStatus.rejected
        with pytest.raises(DomainError):
            training.enrol(class_id, user("demo_applicant"))  # the class is full
        # A stale page cannot decide again.
        seen = db.session.get(Enrolment, third).version - 1
        with pytest.raises(training.AlreadyHandled):
            training.reject(third, provider, "再次", seen_version=seen)
        # The confirmed learner cancels before the start: the place is free again.
        first_row = db.session.get(Enrolment, first)
        training.cancel(first, first_row.user)
        assert the_class(class_id).confirmed_count == 0
        assert db.session.get(Enrolment, first).status == EnrolmentStatus.cancelled
        training.confirm(second, provider)
        training.start(class_id, provider)
        second_row = db.session.get(Enrolment, second)
        with pytest.raises(DomainError):
            training.cancel(second, second_row.user)  # started: no cancelling
        with pytest.raises(DomainError):
            training.cancel(second, user("demo_applicant"))  # not theirs
        assert the_class(class_id).confirmed_count == 1


# ----- 结业 -----
def test_completion_creates_exactly_one_approved_record_counted_in_compliance(app):
    with app.app_context():
        provider, learner = user("demo_provider"), user("demo_applicant")
        class_id = new_class(ClassStatus.open, days="3", hours="20", start_date="2026-12-30")
        enrolment_id = training.enrol(class_id, learner).id
        training.confirm(enrolment_id, provider)
        with pytest.raises(DomainError):
            training.complete(enrolment_id, provider)  # not started yet
        training.start(class_id, provider)
        before = ce_compliance.totals_for(learner.id, [2027])[2027].of("professional")
        record = training.complete(enrolment_id, provider)
        with pytest.raises(DomainError):
            training.complete(enrolment_id, provider)
        records = list(db.session.scalars(select(CeRecord).where(CeRecord.user_id == learner.id,
                                                                 CeRecord.source == CeSource.training_class)))
        assert len(records) == 1 and records[0].id == record.id
        record = records[0]
        assert record.status == CeRecordStatus.approved
        assert record.recognised_hours == record.claimed_hours == Decimal("20")
        assert record.course_type == "professional" and record.course_name == "人工智能工程应用"
        assert record.provider_name == PROVIDER
        assert (record.start_date, record.end_date, record.year) == (dt.date(2026, 12, 30), dt.date(2027, 1, 1), 2027)
        assert record.unit_id == org(UNIT_A).id
        events = list(db.session.scalars(select(CeRecordEvent).where(CeRecordEvent.record_id == record.id)))
        assert len(events) == 1 and events[0].to_status == "approved" and events[0].hours == Decimal("20")
        enrolment = db.session.get(Enrolment, enrolment_id)
        assert enrolment.ce_record_id == record.id and enrolment.completed_at is not None
        after = ce_compliance.totals_for(learner.id, [2027])[2027].of("professional")
        assert after - before == Decimal("20")


# ----- the screens -----
def test_provider_and_applicant_screens(app, browser_factory):
    provider = browser_factory(app, "demo_provider")
    bad = provider.post("/training-classes/add", {"name": "", "course_name": "课程", "course_type": "public",
                                                  "learning_form": "online", "days": "1", "start_date": "2026-05-01",
                                                  "hours": "9", "capacity": "2", "subject": ["科目"]})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "培训班名称" in page and "8" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrainingClass)) == 0
    saved = provider.post("/training-classes/add", {
        "name": "公需课网络培训班", "course_name": "数字经济", "course_type": "public", "learning_form": "online",
        "days": "1", "start_date": "2026-05-01", "hours": "8", "capacity": "1", "schedule": "上午 9:00 开课",
        "location": "线上", "subject": ["数字经济概论", ""]})
    assert saved.status_code == 302
    with app.app_context():
        created = db.session.scalar(select(TrainingClass))
        class_id, version = created.id, created.version
        assert created.status == ClassStatus.draft and [s.name for s in created.subjects] == ["数字经济概论"]
    listing = provider.get("/training-classes/").get_data(as_text=True)
    assert "公需课网络培训班" in listing and "未发布" in listing
    provider.post(f"/training-classes/{class_id}/act", {"event": "publish", "version": version})
    with app.app_context():
        assert the_class(class_id).status == ClassStatus.open

    applicant = browser_factory(app, "demo_applicant")
    catalogue = applicant.get("/classes/").get_data(as_text=True)
    assert "公需课网络培训班" in catalogue and "接受报名" in catalogue and PROVIDER in catalogue
    assert "公需课网络培训班" not in applicant.get("/classes/?course_type=professional").get_data(as_text=True)
    assert "公需课网络培训班" not in applicant.get("/classes/?date_from=2026-06-01").get_data(as_text=True)
    detail = applicant.get(f"/classes/{class_id}").get_data(as_text=True)
    assert "数字经济概论" in detail and "上午 9:00 开课" in detail and "线上" in detail and "报名" in detail
    applicant.post(f"/classes/{class_id}/enrol")
    again = applicant.post(f"/classes/{class_id}/enrol", follow_redirects=True).get_data(as_text=True)
    assert "已报名" in again
    mine = applicant.get("/my-enrolments/").get_data(as_text=True)
    assert "公需课网络培训班" in mine and "已报名待确认" in mine
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.class_id == class_id))
        enrolment_id, enrolment_version = enrolment.id, enrolment.version
        other = person(1)
        other_id = training.enrol(class_id, other).id
    shown = provider.get(f"/training-classes/{class_id}").get_data(as_text=True)
    assert "测试人" in shown or "已报名待确认" in shown
    provider.post(f"/training-classes/enrolments/{enrolment_id}/decide",
                  {"action": "confirm", "version": enrolment_version})
    with app.app_context():
        assert db.session.get(Enrolment, enrolment_id).status == EnrolmentStatus.confirmed
        other_version = db.session.get(Enrolment, other_id).version
    full = provider.post(f"/training-classes/enrolments/{other_id}/decide",
                         {"action": "confirm", "version": other_version}, follow_redirects=True)
    assert "名额已满" in full.get_data(as_text=True)
    refused = provider.post(f"/training-classes/enrolments/{other_id}/decide",
                            {"action": "reject", "reason": "", "version": other_version}, follow_redirects=True)
    assert "理由" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Enrolment, other_id).status == EnrolmentStatus.pending
        assert the_class(class_id).confirmed_count == 1
    for event in ("close", "start"):
        with app.app_context():
            version = the_class(class_id).version
        provider.post(f"/training-classes/{class_id}/act", {"event": event, "version": version})
    done = provider.post(f"/training-classes/{class_id}/complete", {"enrolment": [str(enrolment_id)]},
                         follow_redirects=True).get_data(as_text=True)
    assert "结业" in done
    with app.app_context():
        assert db.session.get(Enrolment, enrolment_id).ce_record_id is not None
        assert db.session.scalar(select(func.count()).select_from(CeRecord).where(
            CeRecord.source == CeSource.training_class)) == 1
    # The learner can no longer cancel after the start.
    applicant.post(f"/my-enrolments/{enrolment_id}/cancel", {"version": enrolment_version + 1})
    with app.app_context():
        assert db.session.get(Enrolment, enrolment_id).status == EnrolmentStatus.confirmed


# ----- the completion import -----
def xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["证件号码", "姓名"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_rows(page: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for number, message in re.findall(r'<tr data-row="(\d+)"><td>[^<]*</td><td>(.*?)</td></tr>', page):
        found[int(number)] = found.get(int(number), "") + message
    return found


def test_completion_import_dry_run_reports_bad_rows_and_commit_completes(app, browser_factory):
    with app.app_context():
        provider = user("demo_provider")
        class_id = new_class(ClassStatus.open, capacity="10")
        learners = [person(i) for i in range(5)]
        ids = [training.enrol(class_id, learner).id for learner in learners]
        for enrolment_id in ids[:4]:
            training.confirm(enrolment_id, provider)  # learner 4 stays pending
        training.close_enrolment(class_id, provider)
        training.start(class_id, provider)
        training.complete(ids[3], provider)  # learner 3 already completed
        stranger = make_person("stranger", DEMO_PASSWORD, UNIT_A, birth="19700101")
        people = [(p.id_number, p.full_name) for p in learners]
        stranger_row = (stranger.id_number, stranger.full_name)
    browser = browser_factory(app, "demo_provider")
    base = f"/training-classes/{class_id}/completions"
    assert browser.get(f"{base}/").status_code == 200
    template = browser.get(f"{base}/template")
    assert template.status_code == 200
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(template.data)).worksheets[0][1]][:2]
    assert headers == ["证件号码", "姓名"]
    bad = xlsx([list(people[0]), [people[1][0], "张冒名"], list(people[3]), list(people[4]), list(stranger_row)])
    page = browser.post(f"{base}/upload", {"file": (io.BytesIO(bad), "bad.xlsx")},
                        content_type="multipart/form-data").get_data(as_text=True)
    errors = error_rows(page)
    assert set(errors) == {3, 4, 5, 6}, errors
    assert "「姓名」" in errors[3] and "「证件号码」" in errors[4] and "已结业" in errors[4]
    assert "未确认" in errors[5] or "报名成功" in errors[5]
    assert "未报名" in errors[6] or "没有" in errors[6]
    token = re.search(r"/errors/([A-Za-z0-9_-]+)", page).group(1)
    assert browser.get(f"{base}/errors/{token}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CeRecord).where(
            CeRecord.source == CeSource.training_class)) == 1  # nothing written
    good = xlsx([list(people[0]), list(people[1]), [people[2][0].lower(), people[2][1]]])
    page = browser.post(f"{base}/upload", {"file": (io.BytesIO(good), "good.xlsx")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert not error_rows(page)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    browser.post(f"{base}/commit", {"token": token})
    with app.app_context():
        completed = db.session.scalars(select(Enrolment).where(
            Enrolment.class_id == class_id, Enrolment.completed_at.is_not(None))).all()
        assert len(completed) == 4
        assert db.session.scalar(select(func.count()).select_from(CeRecord).where(
            CeRecord.source == CeSource.training_class, CeRecord.status == CeRecordStatus.approved)) == 4
    # Another provider cannot reach the import of this class.
    with app.app_context():
        other_provider()
    other = browser_factory(app, "provider_b")
    assert other.get(f"{base}/").status_code == 404
    assert other.post(f"{base}/upload", {"file": (io.BytesIO(good), "good.xlsx")},
                      content_type="multipart/form-data").status_code == 404


# ----- concurrency: the capacity holds under parallel confirmations -----
def test_parallel_confirmations_never_exceed_capacity(app, db_kind):
    capacity = 3
    with app.app_context():
        class_id = new_class(ClassStatus.open, capacity=str(capacity))
        ids = [training.enrol(class_id, person(i)).id for i in range(3 * capacity)]

    def confirm(enrolment_id):
        def prepare():
            actor = user("demo_provider")
            db.session.get(Enrolment, enrolment_id)  # loaded before the barrier, as a request would
            return lambda: training.confirm(enrolment_id, actor)
        return prepare

    outcomes = race(app, [confirm(i) for i in ids], DomainError)
    assert outcomes.count("ok") == capacity and outcomes.count("lost") == 2 * capacity, (db_kind, outcomes)
    with app.app_context():
        statuses = list(db.session.scalars(select(Enrolment.status).where(Enrolment.class_id == class_id)))
        assert statuses.count(EnrolmentStatus.confirmed) == capacity
        assert statuses.count(EnrolmentStatus.pending) == 2 * capacity
        assert the_class(class_id).confirmed_count == capacity


# ----- who reaches what -----
ROLES = ("provider", "provider_b", "applicant", "applicant_b", "unit", "authority", "anonymous")
USERNAMES = {"provider": "demo_provider", "provider_b": "provider_b", "applicant": "demo_applicant",
             "applicant_b": "learner_b", "unit": "demo_unit", "authority": "demo_authority", "anonymous": None}


def test_scope_matrix(app, browser_factory):
    with app.app_context():
        other_provider()
        make_person("learner_b", DEMO_PASSWORD, UNIT_A, birth="19750505")
        draft_id = new_class(ClassStatus.draft, name="未发布的班")
        open_id = new_class(ClassStatus.open, name="开放报名的班")
        enrolment = training.enrol(open_id, user("demo_applicant"))
        enrolment_id, version = enrolment.id, enrolment.version
    browsers = {role: browser_factory(app, USERNAMES[role]) for role in ROLES}

    def status(role, method, url, data=None):
        browser = browsers[role]
        response = browser.get(url) if method == "GET" else browser.post(url, data or {})
        return response.status_code

    matrix = [
        # (method, url, roles that may use it)
        ("GET", "/training-classes/", {"provider", "provider_b"}),
        ("GET", f"/training-classes/{open_id}", {"provider"}),
        ("GET", f"/training-classes/{draft_id}/edit", {"provider"}),
        ("GET", f"/training-classes/{open_id}/completions/", {"provider"}),
        ("GET", "/classes/", {"applicant", "applicant_b"}),
        ("GET", f"/classes/{open_id}", {"applicant", "applicant_b"}),
        ("GET", "/my-enrolments/", {"applicant", "applicant_b"}),
        ("GET", "/class-overview/", {"authority"}),
        ("GET", f"/class-overview/{open_id}", {"authority"}),
    ]
    for method, url, allowed in matrix:
        for role in ROLES:
            code = status(role, method, url)
            if role in allowed:
                assert code == 200, (role, url, code)
            elif role == "anonymous":
                assert code in (302, 401), (role, url, code)
            else:
                assert code in (302, 403, 404), (role, url, code)
    # Hand-made ids of rows outside the scope: 404 for holders of the permission.
    assert status("provider_b", "GET", f"/training-classes/{open_id}") == 404
    assert status("provider_b", "GET", f"/training-classes/{draft_id}/edit") == 404
    assert status("applicant", "GET", f"/classes/{draft_id}") == 404
    assert status("applicant", "GET", "/classes/999999") == 404
    assert status("provider_b", "POST", f"/training-classes/{draft_id}/act", {"event": "publish"}) == 404
    assert status("provider_b", "POST", f"/training-classes/enrolments/{enrolment_id}/decide",
                  {"action": "confirm", "version": version}) == 404
    assert status("provider_b", "POST", f"/training-classes/{open_id}/complete", {"enrolment": enrolment_id}) == 404
    assert status("applicant_b", "POST", f"/my-enrolments/{enrolment_id}/cancel", {"version": version}) == 404
    assert status("applicant", "POST", f"/classes/{draft_id}/enrol") == 404
    assert status("authority", "POST", f"/class-overview/{open_id}/enrol") in (403, 404, 405)
    for role in ("applicant", "applicant_b", "unit", "authority"):
        assert status(role, "POST", f"/training-classes/enrolments/{enrolment_id}/decide",
                      {"action": "confirm", "version": version}) in (302, 403, 404)
        assert status(role, "POST", f"/training-classes/{draft_id}/act", {"event": "publish"}) in (302, 403, 404)
    for role in ("provider", "provider_b", "unit", "authority"):
        assert status(role, "POST", f"/classes/{open_id}/enrol") in (302, 403, 404)
    with app.app_context():
        assert the_class(draft_id).status == ClassStatus.draft
        assert db.session.get(Enrolment, enrolment_id).status == EnrolmentStatus.pending
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
    # The unscoped pages list only what the scope allows.
    assert "未发布的班" not in browsers["applicant"].get("/classes/").get_data(as_text=True)
    assert "开放报名的班" not in browsers["provider_b"].get("/training-classes/").get_data(as_text=True)
    assert "开放报名的班" in browsers["authority"].get("/class-overview/").get_data(as_text=True)
    assert "开放报名的班" not in browsers["applicant_b"].get("/my-enrolments/").get_data(as_text=True)
