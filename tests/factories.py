"""Test data beyond the demo province: extra staff, orgs, and lookups by name."""
from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select, text
from werkzeug.security import generate_password_hash

from app.services.workdays import local_today
from app.extensions import db
from app.models import (  # noqa: F401 - AppUser is used by the tests too
    Achievement, Application, ApplicationMaterial, AppState, AppUser, BusinessType, Org, OrgKind, ReviewBatch,
)
from app.security import roles as r
from app.services.orgs import place_in_tree
from app.workflow import engine, tick

UNIT_A = "广东省电子信息技术研究院"          # demo_unit's unit, under 广东省工业和信息化厅
UNIT_B = "广东华南智能装备有限公司"          # a sibling of A under the same supervisor
UNIT_C = "广州数智科技有限公司"              # under the other supervisor
SUPERVISOR_1 = "广东省工业和信息化厅"
SUPERVISOR_2 = "广州市人力资源和社会保障局"
AUTHORITY = "广东省人力资源和社会保障厅"
COMMITTEE = "广东省工程系列电子信息专业高级职称评审委员会"
PROVIDER = "华南理工大学继续教育学院"


def org(name: str) -> Org:
    """An org by name."""
    found = db.session.scalar(select(Org).where(Org.name == name))
    assert found is not None, name
    return found


def user(username: str) -> AppUser:
    """A user by username."""
    found = db.session.scalar(select(AppUser).where(AppUser.username == username))
    assert found is not None, username
    return found


def make_staff(username: str, role_name: str, org_names: list[str], password: str) -> AppUser:
    """A staff account with one role in the named orgs."""
    from flask import current_app

    role = current_app.appbuilder.sm.find_role(role_name)
    account = AppUser(
        username=username, first_name="测试", last_name="员", email=f"{username}@test.example",
        active=True, roles=[role], orgs=[org(name) for name in org_names],
        password=generate_password_hash(password),
    )
    db.session.add(account)
    db.session.commit()
    return account


def make_org(name: str, kind: OrgKind, parent_name: str | None, uscc: str | None = None) -> Org:
    """An org placed in the tree."""
    new = Org(name=name, kind=kind, uscc=uscc)
    db.session.add(new)
    new.parent = org(parent_name) if parent_name else None
    db.session.flush()
    place_in_tree(new)
    db.session.commit()
    return new


def id_number(birth: str, sequence: str = "123", area: str = "440106") -> str:
    """A valid 居民身份证 number (GB 11643 check character) for a birth date like 19850315."""
    from stdnum.cn import ric

    body = f"{area}{birth}{sequence}"
    return body + ric.calc_check_digit(body)


def make_person(username: str, password: str, unit_name: str | None = None,
                   birth: str = "19850315") -> AppUser:
    """A registered person with the Applicant role, and a saved 基本信息 in the unit when one is named."""
    import datetime as dt

    from flask import current_app

    from app.models import BasicInfo, Country, Gender

    role = current_app.appbuilder.sm.find_role("Applicant")
    person = AppUser(
        username=username, first_name="申报", last_name="李", email=f"{username}@test.example", active=True,
        roles=[role], password=generate_password_hash(password), id_type="01", id_number=id_number(birth),
        gender=Gender.male, birth_date=dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
        mobile="13900000000", country=Country.CN,
    )
    db.session.add(person)
    db.session.flush()
    if unit_name:
        db.session.add(BasicInfo(
            user_id=person.id, ethnicity="01", political_status="13", highest_education="21",
            graduated_school="华南理工大学", major_studied="机械工程", work_start_date=dt.date(2008, 7, 1),
            title_series="GC", unit_id=org(unit_name).id,
        ))
    db.session.commit()
    return person


def pdf_bytes(text: str = "test") -> bytes:
    """A small well-formed PDF."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"% " + text.encode() + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


APPLICANT_PASSWORD = "Apply2026ok"
ANSWERS = ("王秀英", "1985-06-01", "S2004017")


def registration_input(**changes):
    """A complete, valid registration of 测试人 (11010119800101007X, born 1980-01-01, male)."""
    from app.services.registration import RegistrationInput

    values = dict(
        username="ceshi_ren", password=APPLICANT_PASSWORD, confirm_password=APPLICANT_PASSWORD, id_type="01",
        id_number="11010119800101007X", name="测试人", gender="M", birth_date="1980-01-01",
        mobile="13823047801", email="ceshi@example.com", phone="", qq="123313123", country="CN",
        questions=["mother_name", "spouse_birthday", "student_number"], answers=list(ANSWERS), consent=True,
    )
    values.update(changes)
    return RegistrationInput(**values)


def make_applicant(**changes):
    """A registered personal account, made through the registration service."""
    from app.services.registration import register

    return register(registration_input(**changes))


def race(app, actions, lost: type[Exception]) -> list[str]:
    """Run each action in its own thread and app context, released at the same moment; "ok" or "lost" each."""
    import threading

    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(action) -> None:
        with app.app_context():
            try:
                prepared = action()
                barrier.wait()
                prepared()
                outcomes.append("ok")
            except lost:
                outcomes.append("lost")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def api_token(client, username: str, password: str) -> dict:
    """The Authorization header of a JWT from the REST login."""
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": password, "provider": "db"})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


# ----- title businesses -----

EVALUATION_FORM = {"person_type": "enterprise", "current_work": "架构设计", "years_in_field": "18", "fulltime_education": "21",
                   "experience_met": True, "experience_detail": "主持省级平台建设", "achievement_met": True,
                   "achievement_reason": "主持完成省部级项目", "work_summary": "近五年主要工作……", "commitment": True}
RECOGNITION_FORM = {"education_basis": "21", "graduation_date": "2002-07-01", "work_years": "20",
                    "current_work": "信息系统架构设计", "commitment": True}


def submitted_recognition(applicant: str = "demo_applicant") -> int:
    """A 职称考核认定 of the applicant, submitted through the engine (so its snapshot exists); returns its id."""
    from app.workflow import engine

    owner = user(applicant)
    application = Application(business_type=BusinessType.recognition, user_id=owner.id, series="GC",
                              title="GC_4", form=dict(RECOGNITION_FORM))
    application.materials.append(ApplicationMaterial(name="学历证书复印件", copies=1))
    db.session.add(application)
    db.session.commit()
    engine.apply(application.id, "submit", owner)
    return application.id


def _fire(app_id, event, username=None, **kwargs):
    return engine.apply(app_id, event, user(username) if username else None, **kwargs)


def end_publicity(app_id: int) -> None:
    """Let a running 公示 end (yesterday) and run the tick, which moves the application on."""
    application = db.session.get(Application, app_id)
    application.publicity_until = local_today() - dt.timedelta(days=1)
    db.session.commit()
    assert tick.run() == 1


def open_batch_for(committee_name: str = COMMITTEE, series: str = "GC", level: str = "4"):
    """The committee's batch whose application window is open today (the demo's, or a new one)."""
    today = local_today()
    batch = db.session.scalar(select(ReviewBatch).where(
        ReviewBatch.committee_id == org(committee_name).id, ReviewBatch.series == series, ReviewBatch.level == level,
        ReviewBatch.opens_on <= today, ReviewBatch.closes_on >= today))
    if batch is not None:
        return batch
    batch = ReviewBatch(committee_id=org(committee_name).id, name="2026年度工程系列高级职称评审", series=series,
                        level=level, opens_on=today - dt.timedelta(days=10), closes_on=today + dt.timedelta(days=30),
                        meeting_date=today + dt.timedelta(days=40))
    db.session.add(batch)
    db.session.commit()
    return batch


def evaluation_in_unit_publicity(applicant: str = "demo_applicant") -> int:
    """An evaluation of the applicant submitted and approved by its unit: in the unit-level 公示."""
    owner = user(applicant)
    application = Application(business_type=BusinessType.evaluation, user_id=owner.id, series="GC", title="GC_4",
                              form=dict(EVALUATION_FORM))
    application.materials.append(ApplicationMaterial(name="职称评审表", copies=2))
    application.achievements = list(db.session.scalars(select(Achievement).where(Achievement.user_id == owner.id)))
    db.session.add(application)
    db.session.commit()
    app_id = application.id
    _fire(app_id, "submit", applicant)
    _fire(app_id, "approve", "demo_unit")
    return app_id


def evaluation_in_review(app=None) -> tuple[int, int]:
    """An evaluation of demo_applicant accepted into an open batch; returns (application id, batch id)."""
    app_id = evaluation_in_unit_publicity()
    batch = open_batch_for()
    end_publicity(app_id)
    _fire(app_id, "approve", "demo_supervisor")
    _fire(app_id, "approve", "demo_committee")
    application = db.session.get(Application, app_id)
    assert application.state == AppState.in_review and application.batch_id == batch.id
    return app_id, batch.id


def make_experts(count: int, extra_orgs: tuple[str, ...] = ()) -> list:
    """Experts of the demo committee named 员专家00, 员专家01, …"""
    experts = [make_staff(f"expert_{i:02d}", r.EXPERT, [COMMITTEE, *extra_orgs], "Demo@2026zp") for i in range(count)]
    for index, expert in enumerate(experts):
        expert.first_name = f"专家{index:02d}"
    db.session.commit()
    return experts


def table_digest(app, tables) -> str:
    """A digest of every row of the tables, to prove an attempt changed nothing."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in tables:
            for row in db.session.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2")):
                digest.update(repr(tuple(row)).encode())
        db.session.remove()
    return digest.hexdigest()


def stand_in(person_id: int, key: str) -> int:
    """Another applicant like the person (a bare account, no password): fixtures that need several open
    applications of one business give each its own applicant, as the one-open-application index requires."""
    base = db.session.get(AppUser, person_id)
    username = f"{base.username}_{key}"[:60]
    existing = db.session.scalar(select(AppUser).where(AppUser.username == username))
    if existing is not None:
        return existing.id
    clone = AppUser(username=username, first_name=base.first_name, last_name=base.last_name,
                    email=f"{username}@stand-in.example", active=True)
    db.session.add(clone)
    db.session.flush()
    return clone.id


# ----- continuing education -----

def learner_with_a_completed_class(username: str, password: str, class_name: str) -> int:
    """A person of unit A (binding confirmed) who completed (结业) a two-day, 12-hour 公需课 class of demo_provider
    this year, so an approved CE record of 12 hours is theirs; returns their id."""
    import datetime as dt

    from app.models import BindingStatus, UnitBinding
    from app.workflow import training

    learner = make_person(username, password, UNIT_A, birth="19910101")
    db.session.add(UnitBinding(user_id=learner.id, unit_id=org(UNIT_A).id, status=BindingStatus.confirmed))
    db.session.commit()
    provider = user("demo_provider")
    lesson = training.ClassInput(
        name=class_name, course_name="工业互联网安全", course_type="public", learning_form="online", days="2",
        start_date=dt.date(local_today().year, 1, 2).isoformat(), hours="12", capacity="3", head_teacher="陈老师",
        teachers="王教授", exam_type="在线考试", schedule="两天", location="线上", subjects=("安全基础",))
    class_id = training.save_class(None, provider, lesson).id
    training.publish(class_id, provider)
    enrolment_id = training.enrol(class_id, learner).id
    training.confirm(enrolment_id, provider)
    training.start(class_id, provider)
    training.complete(enrolment_id, provider)
    return learner.id
