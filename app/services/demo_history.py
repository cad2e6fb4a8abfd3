"""A demo history for the dashboards (`flask --app run demo history`): more persons in units A, B and C, about forty
applications of the six businesses driven through the workflow engine (so every history row is real), then moved
back in time over three years so the averages and the yearly figures mean something, and three years of CE hours
whose compliance differs by person. Kept out of `load_demo`: the tests count the default demo's inboxes.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import select, update
from stdnum.cn import ric

from app.extensions import db
from app.models import (
    Achievement, AchievementCategory, AppState, Application, ApplicationEvent, AppUser, BasicInfo, BusinessType,
    Certificate, CeRecord, CeRecordStatus, Country, Education, Gender, MeetingVote, Org, RecordStatus, ReviewBatch,
    VoteChoice, WorkExperience,
)
from app.models import append_only
from app.models.mixins import utcnow
from app.security import roles as r
from app.services.workdays import local_today
from app.workflow import drafts, engine, meeting

UNITS = {"A": "广东省电子信息技术研究院", "B": "广东华南智能装备有限公司", "C": "广州数智科技有限公司"}
SUPERVISOR_GZ = "广州市人力资源和社会保障局"
STAFF = (("demo_unit_b", r.UNIT_REVIEWER, UNITS["B"], "郭", "静"),
         ("demo_unit_c", r.UNIT_REVIEWER, UNITS["C"], "马", "骏"),
         ("demo_supervisor_gz", r.SUPERVISOR_REVIEWER, SUPERVISOR_GZ, "黄", "涛"))
UNIT_REVIEWERS = {"A": "demo_unit", "B": "demo_unit_b", "C": "demo_unit_c"}
SUPERVISORS = {"A": "demo_supervisor", "B": "demo_supervisor", "C": "demo_supervisor_gz"}

# One year of study meeting the rule (公需 30, 专业 42, 选修 18 of 90); "short" years stop after the first three.
YEAR_OF_STUDY = (("public", "专业技术人员职业道德", 12), ("public", "数字经济发展", 18), ("professional", "专业前沿技术", 24),
                 ("professional", "专业实务研修", 18), ("elective", "项目管理实务", 18))

EVALUATION_FORM = {"person_type": "enterprise", "current_work": "技术研发", "years_in_field": "15",
                   "fulltime_education": "21", "experience_met": True, "experience_detail": "主持多个省级项目",
                   "achievement_met": True, "achievement_reason": "主持完成省部级项目", "work_summary": "近五年主要工作……",
                   "commitment": True}
RECOGNITION_FORM = {"education_basis": "21", "graduation_date": "2008-07-01", "work_years": "12",
                    "current_work": "技术研发", "commitment": True}
CONFIRMATION_FORM = {"original_title": "高级经济师", "original_authority": "湖南省人力资源和社会保障厅",
                     "original_date": "2018-12-01", "original_certificate_no": "湘职2018J000321",
                     "previous_employer": "长沙经济研究所", "previous_period": "2008-2020",
                     "current_employer": "广东华南智能装备有限公司", "arrival_date": "2021-03-01", "commitment": True,
                     "summary": "在粤期间主持企业经济运行分析与投资评估工作，" + "完成多项课题并取得显著成效。" * 40}

# Who acts at each step, and the state it leads to: the chain of each business as the engine defines it.
CHAINS = {
    BusinessType.evaluation: (("submit", "applicant", "unit_review"), ("approve", "unit", "unit_publicity"),
                              ("publicity_end", None, "supervisor_review"),
                              ("approve", "supervisor", "committee_acceptance"), ("approve", "committee", "in_review"),
                              ("meeting_pass", "committee", "result_publicity"),
                              ("result_publicity_end", None, "authority_confirm"),
                              ("approve", "authority", "completed")),
    BusinessType.entrusted: (("submit", "applicant", "unit_review"), ("approve", "unit", "supervisor_review"),
                             ("approve", "supervisor", "authority_confirm"), ("approve", "authority", "in_review"),
                             ("record_pass", "authority", "completed")),
    BusinessType.recognition: (("submit", "applicant", "unit_review"), ("approve", "unit", "supervisor_review"),
                               ("approve", "supervisor", "authority_confirm"), ("approve", "authority", "completed")),
    BusinessType.reissue: (("submit", "applicant", "unit_review"), ("approve", "unit", "authority_confirm"),
                           ("approve", "authority", "completed")),
    BusinessType.unit_change: (("submit", "applicant", "unit_review"), ("approve", "unit", "completed")),
}
CHAINS[BusinessType.out_of_province] = CHAINS[BusinessType.recognition]
# Typical days spent in each state (low, high) before the next step.
STAY_DAYS = {"unit_review": (1, 8), "unit_publicity": (7, 9), "supervisor_review": (2, 12),
             "committee_acceptance": (3, 15), "in_review": (20, 60), "result_publicity": (7, 9),
             "authority_confirm": (2, 10), "returned": (3, 9), "draft": (1, 3)}


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    unit: str
    gender: Gender
    title: str | None          # current title
    title_year: int
    full_ce: bool              # every one of the last five years met (titled applicants must be)
    applications: tuple = ()   # (type, series, title, outcome, days ago submitted)


E, R, O, T, U, C = (BusinessType.evaluation, BusinessType.recognition, BusinessType.out_of_province,
                    BusinessType.entrusted, BusinessType.reissue, BusinessType.unit_change)
PEOPLE = (
    Person("h01", "王建华", "A", Gender.male, "GC_3", 2015, True, ((E, "GC", "GC_4", "completed", 700),)),
    Person("h02", "李晓燕", "A", Gender.female, "GC_3", 2016, True, ((E, "GC", "GC_4", "rejected", 400),
                                                                   (E, "GC", "GC_4", "in_review", 60))),
    Person("h03", "陈志远", "A", Gender.male, "GC_2", 2014, True, ((R, "GC", "GC_3", "completed", 650),
                                                                 (U, None, None, "unit_review", 5))),
    Person("h04", "周丽", "A", Gender.female, "KJ_3", 2017, True, ((T, "KJ", "KJ_4", "in_review", 90),)),
    Person("h05", "吴敏", "A", Gender.female, None, 2012, False, ((C, None, None, "unit_review", 3),)),
    Person("h06", "郑凯", "A", Gender.male, "GC_3", 2016, True, ((E, "GC", "GC_4", "returned:supervisor_review", 20),)),
    Person("h07", "赵强", "B", Gender.male, "GC_3", 2015, True, ((E, "GC", "GC_4", "committee_acceptance", 30),
                                                               (R, "GC", "GC_4", "terminated:unit_review", 380))),
    Person("h08", "孙婷", "B", Gender.female, "GC_3", 2016, True, ((E, "GC", "GC_4", "completed", 420),)),
    Person("h09", "钱伟", "B", Gender.male, "GC_2", 2016, True, ((R, "GC", "GC_3", "returned:supervisor_review", 12),
                                                               (O, "KJ", "KJ_4", "authority_confirm", 25))),
    Person("h10", "郑洁", "B", Gender.female, "JJ_3", 2017, True, ((O, "JJ", "JJ_4", "completed", 300),
                                                                 (U, None, None, "completed", 200))),
    Person("h11", "冯磊", "B", Gender.male, None, 2010, False, ((E, "GC", "GC_4", "draft", 4),)),
    Person("h12", "何军", "C", Gender.male, "GC_3", 2014, True, ((E, "GC", "GC_4", "rejected", 720),
                                                               (E, "GC", "GC_4", "unit_publicity", 6))),
    Person("h13", "林芳", "C", Gender.female, "GC_3", 2015, True, ((E, "GC", "GC_4", "result_publicity", 70),
                                                                 (R, "GC", "GC_4", "ended:supervisor_review", 540))),
    Person("h14", "高峰", "C", Gender.male, "GC_2", 2014, True, ((R, "GC", "GC_3", "terminated:unit_review", 560),
                                                               (R, "GC", "GC_3", "completed", 260))),
    Person("h15", "罗琳", "C", Gender.female, "KJ_2", 2016, True, ((T, "KJ", "KJ_3", "rejected", 330),
                                                                 (O, "TJ", "TJ_3", "supervisor_review", 15))),
    Person("h16", "梁斌", "C", Gender.male, None, 2011, False, ((C, None, None, "returned:unit_review", 8),)),
    Person("h17", "谢颖", "A", Gender.female, "GC_3", 2013, True, ((E, "GC", "GC_4", "completed", 380),
                                                                 (E, "GC", "GC_4", "rejected", 800))),
    Person("h18", "宋涛", "B", Gender.male, "GC_3", 2014, True, ((E, "GC", "GC_4", "supervisor_review", 14),
                                                               (E, "GC", "GC_4", "rejected", 600))),
    Person("h19", "唐敏", "C", Gender.female, "GC_3", 2012, True, ((E, "GC", "GC_4", "completed", 330),
                                                                 (U, None, None, "unit_review", 2))),
    Person("h20", "邓宇", "A", Gender.male, "JJ_3", 2016, True, ((O, "JJ", "JJ_4", "completed", 500),)),
    Person("h21", "许晴", "C", Gender.female, "GC_3", 2013, True, ((E, "GC", "GC_4", "authority_confirm", 45),)),
)
MARKER = "demo_hist_h01"


def load_history(password_hash: str) -> int:
    """Create the history once; returns the number of applications made (0 when it is already there)."""
    if db.session.scalar(select(AppUser.id).where(AppUser.username == MARKER)) is not None:
        return 0
    rng = random.Random(2026)
    orgs = {key: db.session.scalar(select(Org).where(Org.name == name)) for key, name in UNITS.items()}
    _staff(password_hash)
    batch = _meeting_ready()
    made = 0
    for number, person in enumerate(PEOPLE, start=1):
        account = _person(person, number, orgs[person.unit], password_hash)
        _ce_hours(account, orgs[person.unit].id, person.full_ce, rng)
        # Oldest first, so a later application meets the earlier one as history (a terminated one a year ago).
        for kind, series, title, outcome, days_ago in sorted(person.applications, key=lambda a: -a[4]):
            application = _drive(account, person, kind, series, title, outcome, orgs, batch)
            _move_back(application, days_ago, rng)
            made += 1
    return made


def _user(username: str) -> AppUser:
    return db.session.scalar(select(AppUser).where(AppUser.username == username))


def _staff(password_hash: str) -> None:
    sm = current_app.appbuilder.sm
    for username, role, org_name, family, given in STAFF:
        if _user(username) is None:
            db.session.add(AppUser(
                username=username, first_name=given, last_name=family, email=f"{username}@zhiping.example",
                active=True, roles=[sm.find_role(role)], password=password_hash,
                orgs=[db.session.scalar(select(Org).where(Org.name == org_name))]))
    db.session.commit()


def _meeting_ready() -> ReviewBatch:
    """The demo committee's open batch with twenty of its members present (two thirds of 25 make a quorum)."""
    committee = db.session.scalar(select(Org).where(Org.name == "广东省工程系列电子信息专业高级职称评审委员会"))
    today = local_today()
    batch = db.session.scalar(select(ReviewBatch).where(
        ReviewBatch.committee_id == committee.id, ReviewBatch.series == "GC", ReviewBatch.level == "4",
        ReviewBatch.opens_on <= today, ReviewBatch.closes_on >= today))
    if not batch.attendees:
        meeting.set_attendance(batch, meeting.committee_experts(batch)[:20])
    return batch


def _person(person: Person, number: int, unit: Org, password_hash: str) -> AppUser:
    """A registered person with an approved profile (基本信息, 学历, 工作经历, 业绩) in the unit."""
    birth = dt.date(1975 + number % 12, 1 + number % 12, 1 + number)
    body = f"440106{birth:%Y%m%d}{100 + number * 2 + (1 if person.gender == Gender.male else 0):03d}"
    account = AppUser(
        username=f"demo_hist_{person.key}", last_name=person.name[0], first_name=person.name[1:], active=True,
        email=f"demo_hist_{person.key}@zhiping.example", password=password_hash,
        roles=[current_app.appbuilder.sm.find_role(r.APPLICANT)], id_type="01",
        id_number=body + ric.calc_check_digit(body), gender=person.gender, birth_date=birth,
        mobile=f"139{number:08d}", country=Country.CN)
    db.session.add(account)
    db.session.flush()
    approved = dict(user_id=account.id, status=RecordStatus.approved)
    series = (person.title or "GC_").split("_")[0]
    db.session.add_all([
        BasicInfo(ethnicity="01", political_status="13", highest_education="21", highest_degree="4",
                  major_studied="电子信息工程", graduated_school="华南理工大学", graduation_date=dt.date(2004, 7, 1),
                  work_start_date=dt.date(2004, 7, 15), title_series=series, current_title=person.title,
                  current_title_date=dt.date(person.title_year, 12, 20), unit_id=unit.id, **approved),
        Education(start_date=dt.date(2000, 9, 1), end_date=dt.date(2004, 7, 1), school="华南理工大学",
                  major="电子信息工程", education="21", degree="4", study_mode="full_time", **approved),
        WorkExperience(start_date=dt.date(2004, 7, 15), employer=unit.name, post="技术研发", duty="工程师",
                       witness="人事部", **approved),
        Achievement(start_date=dt.date(2019, 3, 1), end_date=dt.date(2021, 12, 31), completion_form="lead",
                    project_name=f"{unit.name[:6]}重点项目{number}", own_work="主持总体设计",
                    category=AchievementCategory.ordinary, **approved),
    ])
    db.session.commit()
    return account


def _ce_hours(account: AppUser, unit_id: int, full: bool, rng: random.Random) -> None:
    """Recognised hours of the last five years: all met, or some years short (only the first courses)."""
    this_year = local_today().year
    reviewed = utcnow()
    for year in range(this_year - 5, this_year):
        courses = YEAR_OF_STUDY if full or rng.random() < 0.4 else YEAR_OF_STUDY[:rng.randint(1, 3)]
        for month, (kind, name, hours) in enumerate(courses, start=3):
            start = dt.date(year, month, 10)
            db.session.add(CeRecord(
                user_id=account.id, year=year, course_type=kind, course_name=name, learning_form="online",
                provider_name="广东省专业技术人员继续教育网络学院", start_date=start, end_date=start,
                claimed_hours=Decimal(hours), recognised_hours=Decimal(hours), status=CeRecordStatus.approved,
                unit_id=unit_id, submitted_at=reviewed, reviewed_at=reviewed))
    db.session.commit()


def _draft(account: AppUser, kind: BusinessType, series, title, orgs) -> Application:
    data = {"business_type": kind.value, "series": series, "title": title}
    if kind in (BusinessType.evaluation, BusinessType.entrusted):
        form = dict(EVALUATION_FORM, entrusted_province="湖南省") if kind == BusinessType.entrusted \
            else dict(EVALUATION_FORM)
        data.update(form=form, achievement_ids=[a.id for a in db.session.scalars(
            select(Achievement).where(Achievement.user_id == account.id))])
    elif kind == BusinessType.recognition:
        data["form"] = dict(RECOGNITION_FORM)
    elif kind == BusinessType.out_of_province:
        data["form"] = dict(CONFIRMATION_FORM, original_title=title)
    elif kind == BusinessType.reissue:
        certificate = db.session.scalar(select(Certificate).where(Certificate.holder_id == account.id,
                                                                  Certificate.status == "valid"))
        data["form"] = {"certificate_no": certificate.number, "reissue_reason": "lost", "explanation": "搬家遗失"}
    elif kind == BusinessType.unit_change:
        current = db.session.scalar(select(BasicInfo.unit_id).where(BasicInfo.user_id == account.id))
        new_unit = next(org for org in orgs.values() if org.id != current)
        data["form"] = {"new_unit_id": str(new_unit.id), "reason": "工作调动"}
    if kind != BusinessType.unit_change:
        data["materials"] = [{"name": "申报材料", "copies": 1}]
    return drafts.save_draft(None, account, data)


def _actor(who: str | None, person: Person, application: Application) -> AppUser | None:
    if who is None:
        return None
    if who == "applicant":
        return application.user
    if who == "unit":
        key = next((k for k, name in UNITS.items() if application.unit and application.unit.name == name), person.unit)
        return _user(UNIT_REVIEWERS[key])
    if who == "supervisor":
        return _user(SUPERVISORS[person.unit])
    return _user({"committee": "demo_committee", "authority": "demo_authority"}[who])


def _fire(application: Application, event: str, who: str | None, person: Person, batch: ReviewBatch,
          reason: str | None = None) -> None:
    if event in ("publicity_end", "result_publicity_end"):
        application.publicity_until = local_today() - dt.timedelta(days=1)
        db.session.commit()
    if event in ("meeting_pass", "meeting_fail"):
        choice = VoteChoice.yes if event == "meeting_pass" else VoteChoice.no
        db.session.add_all(MeetingVote(batch_id=batch.id, application_id=application.id, expert_id=expert.id,
                                       choice=choice) for expert in batch.attendees)
        db.session.commit()
    engine.apply(application.id, event, _actor(who, person, application), reason=reason)


def _drive(account, person, kind, series, title, outcome, orgs, batch) -> Application:
    """Make the application and move it through the engine until it reaches the outcome."""
    application = _draft(account, kind, series, title, orgs)
    if outcome == "draft":
        return application
    ending, _sep, stop = outcome.partition(":")
    target = stop or ending
    failing = ending == "rejected"
    for event, who, reached in CHAINS[kind]:
        if failing and reached in ("result_publicity", "completed") and application.state == AppState.in_review:
            fail = "meeting_fail" if kind == BusinessType.evaluation else "record_fail"
            _fire(application, fail, "committee" if kind == BusinessType.evaluation else "authority", person, batch,
                  reason="评审未通过")
            break
        _fire(application, event, who, person, batch)
        if reached == target:
            break
    acting = {"unit_review": "unit", "supervisor_review": "supervisor"}.get(stop)
    if ending in ("returned", "ended"):
        _fire(application, "return", acting, person, batch, reason="请补充业绩证明材料")
        if ending == "ended":
            _fire(application, "end", "applicant", person, batch)
    elif ending == "terminated":
        _fire(application, "terminate", acting, person, batch, reason="资格条件不符")
    db.session.refresh(application)
    return application


def _move_back(application: Application, days_ago: int, rng: random.Random) -> None:
    """Spread the application's history over the days since it was submitted `days_ago` days ago."""
    now = utcnow()
    start = now - dt.timedelta(days=days_ago, hours=rng.randint(0, 8))
    events = list(db.session.scalars(select(ApplicationEvent).where(
        ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.id)))
    if not events:
        db.session.execute(update(Application).where(Application.id == application.id).values(
            created_at=start, updated_at=start))
        db.session.commit()
        return
    stays = [rng.uniform(*STAY_DAYS.get(event.to_state, (1, 5))) for event in events[:-1]]
    room = max(days_ago - 0.5, 0.1)
    scale = min(1.0, room / sum(stays)) if stays and sum(stays) else 1.0
    at = start
    with append_only.lifted(db.session, "application_event"):
        for index, event in enumerate(events):
            if index:
                at = at + dt.timedelta(days=stays[index - 1] * scale)
            db.session.execute(update(ApplicationEvent).where(ApplicationEvent.id == event.id).values(at=at))
    submitted = max(event_at for event_at in _times(events, start, stays, scale, "submit"))
    values = dict(created_at=start - dt.timedelta(days=1), submitted_at=submitted, state_entered_at=at, updated_at=at)
    if application.state in (AppState.completed, AppState.rejected, AppState.terminated, AppState.ended):
        values["finished_at"] = at
    db.session.execute(update(Application).where(Application.id == application.id).values(**values))
    db.session.commit()


def _times(events, start, stays, scale, name):
    at = start
    for index, event in enumerate(events):
        if index:
            at = at + dt.timedelta(days=stays[index - 1] * scale)
        if event.event == name:
            yield at
