"""Who is told about continuing education, bindings, unit registrations and profile reviews, and what they read."""
from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import delete, func, select
from werkzeug.datastructures import FileStorage

import factories as f
from app.extensions import db
from app.models import (
    BindingStatus, CeRecord, Education, MailStatus, Message, MessageKind, OutboundMail, UnitBinding,
    WorkExperience,
)
from app.models.profile import Achievement
from app.security import roles as r
from app.services import unit_registration
from app.services.workdays import local_today
from app.workflow import ce_binding, ce_claims, profile_review, training
from conftest import DEMO_PASSWORD


def last_message() -> int:
    return db.session.scalar(select(func.max(Message.id))) or 0


def since(mark: int) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.id > mark).order_by(Message.id)))


def who(messages) -> set[str]:
    return {m.recipient.username for m in messages}


def acting(username: str):
    """The user as the request's user (the scoped lookups of bindings and registrations read it)."""
    from flask import g

    g.user = f.user(username)
    return g.user


def reviewers() -> None:
    f.make_staff("unit_a_second", r.UNIT_REVIEWER, [f.UNIT_A], DEMO_PASSWORD)
    f.make_staff("unit_b_reviewer", r.UNIT_REVIEWER, [f.UNIT_B], DEMO_PASSWORD)


# ----- 继续教育学时申报 -----
def _claim(course: str) -> CeRecord:
    ago = lambda n: (local_today() - dt.timedelta(days=n)).isoformat()  # noqa: E731
    data = dict(course_type="professional", course_name=course, learning_form="face_to_face",
                provider_name="华南理工大学继续教育学院", start_date=ago(10), end_date=ago(9), claimed_hours="12")
    upload = FileStorage(io.BytesIO(f.pdf_bytes()), filename="结业证明.pdf")
    record = ce_claims.save_draft(None, f.user("demo_applicant"), data, upload=upload)
    return ce_claims.submit(record, f.user("demo_applicant"), record.version)


def test_ce_claims_go_to_the_units_reviewers_and_their_decisions_to_the_person(app):
    with app.app_context():
        reviewers()
        mark = last_message()
        record = _claim("5G 通信新技术")
        told = since(mark)
        assert who(told) == {"demo_unit", "unit_a_second"}  # the bound unit A, not unit B
        assert told[0].kind == MessageKind.ce and told[0].link == f"/ce-review/show/{record.id}"
        assert told[0].subject == "待审核：测试人的继续教育学时申报"
        assert "“5G 通信新技术”" in told[0].body and "12 学时" in told[0].body

        mark = last_message()
        ce_claims.approve(record, f.user("demo_unit"), "10", "按实际天数认定")
        [told] = since(mark)
        assert told.recipient.username == "demo_applicant" and told.link == f"/ce-records/show/{record.id}"
        assert told.subject == "您的继续教育学时申报已审核通过"
        assert "认定学时 10 学时" in told.body and "审核意见：按实际天数认定" in told.body

        for action, subject in ((ce_claims.return_, "您的继续教育学时申报被退回"),
                                (ce_claims.reject, "您的继续教育学时申报审核不通过")):
            record = _claim(f"课程{subject[-2:]}")
            mark = last_message()
            action(record, f.user("unit_a_second"), "证明材料不符")
            [told] = since(mark)
            assert (told.recipient.username, told.subject) == ("demo_applicant", subject)
            assert "审核意见：证明材料不符" in told.body


# ----- 培训班 -----
def test_enrolment_decisions_and_completion_go_to_the_learner(app):
    with app.app_context():
        provider = f.user("demo_provider")
        created = training.save_class(None, provider, training.ClassInput(
            name="2026年电子信息专业技术人员培训班", course_name="人工智能工程应用", course_type="professional",
            learning_form="face_to_face", days="2", start_date="2026-03-02", hours="16", capacity="5",
            head_teacher="陈老师", teachers="王教授", exam_type="闭卷考试", schedule="3月2日", location="五山校区",
            subjects=("机器学习基础",)))
        training.change_class(created.id, "publish", provider)
        accepted = training.enrol(created.id, f.make_person("learner_a", DEMO_PASSWORD, f.UNIT_A))
        refused = training.enrol(created.id, f.make_person("learner_b", DEMO_PASSWORD, f.UNIT_A, birth="19860101"))
        # Each enrolment waits for the provider: the staff of the class's provider are told, and nobody else.
        f.make_staff("provider_colleague", r.PROVIDER, [f.PROVIDER], DEMO_PASSWORD)
        mark = last_message()
        third = training.enrol(created.id, f.make_person("learner_c", DEMO_PASSWORD, f.UNIT_A, birth="19870202"))
        told = since(mark)
        assert who(told) == {"demo_provider", "provider_colleague"} and len(told) == 2
        assert all(m.subject == "待确认：李申报 报名参加培训班 2026年电子信息专业技术人员培训班" for m in told), told[0].subject
        assert all(m.link == f"/training-classes/{created.id}" for m in told)
        training.cancel(third.id, f.user("learner_c"))
        mark = last_message()
        training.confirm(accepted.id, provider)
        training.reject(refused.id, provider, "名额已满")
        told = since(mark)
        assert [(m.recipient.username, m.subject) for m in told] == [
            ("learner_a", "培训班报名成功：2026年电子信息专业技术人员培训班"),
            ("learner_b", "培训班报名失败：2026年电子信息专业技术人员培训班")]
        assert "原因：名额已满" in told[1].body and all(m.kind == MessageKind.training for m in told)
        for event in ("close", "start"):
            training.change_class(created.id, event, provider)
        mark = last_message()
        training.complete(accepted.id, provider)
        [told] = since(mark)
        assert told.recipient.username == "learner_a" and "继续教育学时 16 学时" in told.body


# ----- 单位绑定 -----
def test_binding_requests_go_to_the_unit_and_decisions_to_the_person(app):
    with app.test_request_context():
        reviewers()
        person = f.make_person("bind_person", DEMO_PASSWORD)
        mark = last_message()
        binding = ce_binding.request_binding(person, f.org(f.UNIT_A).id)
        told = since(mark)
        assert who(told) == {"demo_unit", "unit_a_second"} and told[0].link == "/unit-bindings/"
        assert told[0].subject == "待确认：李申报申请绑定本单位"
        mark = last_message()
        ce_binding.confirm(binding.id, acting("demo_unit"))
        ce_binding.end(binding.id, acting("unit_a_second"), "已调离本单位")
        told = since(mark)
        assert [(m.recipient.username, m.subject) for m in told] == [
            ("bind_person", "您的单位绑定申请已确认"), ("bind_person", "您的单位绑定已解除")]
        assert "原因：已调离本单位" in told[1].body

        binding = ce_binding.request_binding(person, f.org(f.UNIT_B).id)
        mark = last_message()
        ce_binding.reject(binding.id, acting("unit_b_reviewer"), "查无此人")
        [told] = since(mark)
        assert told.subject == "您的单位绑定申请被拒绝" and "原因：查无此人" in told.body


# ----- 单位用户注册 -----
def _registration(name: str, uscc: str, username: str, address: str) -> int:
    from app.services import dictionaries

    return unit_registration.register(unit_registration.UnitRegistrationInput(
        name=name, uscc=uscc, parent_id=str(f.org(f.SUPERVISOR_1).id),
        region_code=dictionaries.choices("region")[0][0], address="广州市天河区测试路1号", contact_person="王联系",
        contact_phone="020-12345678", contact_email="hr@newunit.example", username=username,
        password="Unit2026pass", confirm_password="Unit2026pass", account_name="王小明", mobile="13812345678",
        email=address)).id


def test_unit_registration_decisions_reach_the_registering_accounts_email(app):
    from app.services import dictionaries

    with app.test_request_context():
        approved = _registration("广州测试新材料有限公司", "91440101MA5CXXXX08", "new_unit_hr", "wxm@newunit.example")
        refused = _registration("广州另一测试有限公司", "91440101MA5CYYYY11", "other_unit_hr", "lee@other.example")
        # Each registration waits for the supervisor it chose (the authority decides those placed under it).
        [request] = db.session.scalars(select(Message).where(Message.subject.contains("广州测试新材料有限公司")))
        assert request.recipient.username == "demo_supervisor" and request.link == "/unit-registrations/"
        mark = last_message()
        direct = unit_registration.register(unit_registration.UnitRegistrationInput(
            name="广东直属测试有限公司", uscc="91440101MA5CWWWW1M", parent_id=str(f.org(f.AUTHORITY).id),
            region_code=dictionaries.choices("region")[0][0], address="广州市天河区测试路2号",
            contact_person="赵联系", contact_phone="020-12345679", contact_email="hr@direct.example",
            username="direct_unit_hr", password="Unit2026pass", confirm_password="Unit2026pass", account_name="赵小明",
            mobile="13812345679", email="zxm@direct.example"))
        assert direct.id and who(since(mark)) == {"demo_authority"}
        unit_registration.approve(approved, acting("demo_supervisor"))
        unit_registration.reject(refused, acting("demo_supervisor"), "营业执照信息不符")
        mails = {m.to_address: m for m in db.session.scalars(select(OutboundMail).where(
            OutboundMail.to_address.in_(["wxm@newunit.example", "lee@other.example"])))}
        assert mails["wxm@newunit.example"].subject == "【职评】您的单位注册已审核通过"
        assert "现在可以使用账号 new_unit_hr 登录" in mails["wxm@newunit.example"].body
        assert mails["lee@other.example"].subject == "【职评】您的单位注册未通过审核"
        assert "原因：营业执照信息不符" in mails["lee@other.example"].body
        assert {m.status for m in mails.values()} == {MailStatus.queued}


# ----- 个人信息审核 -----
def test_the_demo_profile_review_left_its_messages(app):
    with app.app_context():
        rows = [(m.recipient.username, m.subject) for m in db.session.scalars(
            select(Message).where(Message.kind == MessageKind.profile).order_by(Message.id))]
        assert rows == [("demo_unit", "待审核：测试人的个人信息"), ("demo_applicant", "您的个人信息审核结果"),
                        ("demo_supervisor", "待审核：测试人的个人信息"), ("demo_applicant", "您的个人信息审核结果")]


def test_profile_review_tells_the_reviewers_and_the_person_with_the_returned_records(app):
    with app.app_context():
        person = f.make_person("li_applicant", DEMO_PASSWORD, f.UNIT_A)
        db.session.add_all([
            Education(user_id=person.id, start_date=dt.date(2004, 9, 1), end_date=dt.date(2008, 7, 1),
                      school="华南理工大学", major="机械工程", education="21", study_mode="full_time"),
            WorkExperience(user_id=person.id, start_date=dt.date(2008, 7, 1), employer=f.UNIT_A, post="工程师"),
            Achievement(user_id=person.id, start_date=dt.date(2015, 1, 1), completion_form="lead",
                        project_name="数控装备改造", own_work="总体设计"),
        ])
        db.session.commit()
        reviewers()
        mark = last_message()
        review = profile_review.submit(person)
        told = since(mark)
        assert who(told) == {"demo_unit", "unit_a_second"} and told[0].link == f"/profile-reviews/show/{review.id}"
        education_id = db.session.scalar(select(Education.id).where(Education.user_id == person.id))
        mark = last_message()
        profile_review.decide(review.id, review.version, f.user("demo_unit"), [
            profile_review.Decision("education", education_id, "return", "请上传毕业证书扫描件")])
        told = since(mark)
        assert who(told) == {"li_applicant", "demo_supervisor"}
        to_person = next(m for m in told if m.recipient.username == "li_applicant")
        assert "退回 1 条" in to_person.body and "请上传毕业证书扫描件" in to_person.body
        assert "【学历教育】" in to_person.body and "已转主管单位审核" in to_person.body


def test_nobody_is_told_when_the_change_is_refused(app):
    with app.app_context():
        db.session.execute(delete(UnitBinding).where(UnitBinding.status == BindingStatus.pending))
        db.session.commit()
        mark = last_message()
        person = f.make_person("bind_twice", DEMO_PASSWORD)
        ce_binding.request_binding(person, f.org(f.UNIT_A).id)
        count = len(since(mark))
        try:
            ce_binding.request_binding(person, f.org(f.UNIT_B).id)  # a second live request is refused
        except Exception:  # noqa: BLE001 - the refusal itself is tested in test_unit_binding
            db.session.rollback()
        assert len(since(mark)) == count
