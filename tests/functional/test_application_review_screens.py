"""The reviewers' back office: 待办 and 已办, the detail page and its actions, 批量通过, scope and roles."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.services.workdays import local_today
from app.extensions import db
from app.models import (
    FINAL_STATES, Achievement, AppState, Application, ApplicationEvent, BasicInfo, BusinessType, Education, OrgKind,
    RecordStatus,
    ReviewBatch, WorkExperience,
)
from app.scope.resolve import resolve_scope
from app.services import workdays
from app.workflow import drafts, engine, inbox, meeting, tick
from conftest import DEMO_PASSWORD
from app.services import demo_ce
from factories import (
    AUTHORITY, COMMITTEE, SUPERVISOR_1, SUPERVISOR_2, UNIT_A, UNIT_B, UNIT_C, make_org, make_person, make_staff,
    evaluation_in_unit_publicity, open_batch_for, org, stand_in, user,
)
from test_i18n_pages import SOURCE, visible_text

TODO, DONE, BULK = "/review/applications/todo", "/review/applications/done", "/review/applications/bulk"
RECOGNITION = {
    "business_type": "recognition", "series": "GC", "title": "GC_4",
    "form": {"education_basis": "21", "graduation_date": "2002-07-01", "work_years": 20,
             "current_work": "信息系统架构设计", "commitment": True},
    "materials": [{"name": "学历证书复印件", "copies": 1}],
}
EVALUATION_FORM = {"person_type": "institution", "current_work": "架构设计", "years_in_field": 18, "fulltime_education": "21",
                   "experience_met": True, "experience_detail": "主持省级平台建设", "achievement_met": True,
                   "achievement_reason": "主持完成省部级项目", "work_summary": "近五年主要工作……", "commitment": True}


def detail(app_id: int) -> str:
    return f"/review/applications/{app_id}"


def act_url(app_id: int) -> str:
    return f"/review/applications/{app_id}/act"


def approved_person(username: str, unit_name: str, birth: str, given: str) -> int:
    """A person of `unit_name` whose required profile sections are approved (current title 工程师)."""
    person = make_person(username, DEMO_PASSWORD, unit_name, birth=birth)
    person.first_name = given
    basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == person.id))
    basic.status, basic.current_title = RecordStatus.approved, "GC_3"
    approved = RecordStatus.approved
    db.session.add_all([
        Education(user_id=person.id, start_date=dt.date(2004, 9, 1), end_date=dt.date(2008, 7, 1), school="华南理工大学",
                  major="机械工程", education="21", study_mode="full_time", status=approved),
        WorkExperience(user_id=person.id, start_date=dt.date(2008, 7, 1), employer=unit_name, post="工程师",
                       status=approved),
        Achievement(user_id=person.id, start_date=dt.date(2015, 1, 1), completion_form="lead",
                    project_name="智能产线改造", own_work="总体设计", status=approved),
    ])
    demo_ce.add_recognised_years(person, person, basic.unit_id)  # the CE check of title applications
    db.session.commit()
    return person.id


def submitted(username: str = "demo_applicant", data: dict | None = None) -> int:
    """An application of `username` saved as a draft (暂存) and submitted through the engine."""
    owner = user(username)
    application = drafts.save_draft(None, owner, data or RECOGNITION)
    engine.apply(application.id, "submit", owner)
    return application.id


def snapshot(app_id: int) -> tuple:
    """State, version and history length: what must not move when an action is refused."""
    db.session.expire_all()
    application = db.session.get(Application, app_id)
    events = db.session.scalar(select(func.count()).where(ApplicationEvent.application_id == app_id))
    return application.state, application.version, events


def version(app_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Application, app_id).version


def rows_of(html: str) -> list[int]:
    """Application ids of a list page's rows, in page order."""
    return [int(pk) for pk in re.findall(r'<tr[^>]*data-application="(\d+)"', html)]


def flashed(html: str) -> str:
    return " ".join(visible_text(html))


@pytest.fixture
def world(app):
    """Unit A (demo_applicant, 王在甲), unit B (李在乙) and unit C (李在丙) applicants, with reviewers of B and C."""
    with app.app_context():
        make_staff("unit_a_2", "UnitReviewer", [UNIT_A], DEMO_PASSWORD)
        make_staff("unit_b_reviewer", "UnitReviewer", [UNIT_B], DEMO_PASSWORD)
        make_staff("unit_c_reviewer", "UnitReviewer", [UNIT_C], DEMO_PASSWORD)
        approved_person("person_a", UNIT_A, "19860101", "在甲")
        approved_person("person_b", UNIT_B, "19870202", "在乙")
        approved_person("person_c", UNIT_C, "19880303", "在丙")
    return app


def test_todo_lists_the_units_applications_until_approved_then_done_and_the_supervisors(world, browser_factory):
    app = world
    with app.app_context():
        mine, other = submitted(), submitted("person_b")
    unit = browser_factory(app, "demo_unit")
    page = unit.get(TODO)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert rows_of(html) == [mine]
    assert "测试人" in html and "李在乙" not in html and "待单位审核" in html and "职称考核认定申请" in html
    assert "110101********0037" in html and "110101198001010037" not in html  # 证件号码 masked
    # The other unit's reviewer has the other application, the supervisor has none yet.
    assert rows_of(browser_factory(app, "unit_b_reviewer").get(TODO).get_data(as_text=True)) == [other]
    supervisor = browser_factory(app, "demo_supervisor")
    assert rows_of(supervisor.get(TODO).get_data(as_text=True)) == []
    assert rows_of(unit.get(DONE).get_data(as_text=True)) == []

    with app.app_context():
        seen = version(mine)
    response = unit.post(act_url(mine), {"event": "approve", "version": seen})
    assert response.status_code == 302 and response.headers["Location"].endswith(TODO)
    with app.app_context():
        assert snapshot(mine)[0] == AppState.supervisor_review
        event = db.session.scalar(select(ApplicationEvent).where(ApplicationEvent.application_id == mine)
                                  .order_by(ApplicationEvent.id.desc()))
        assert (event.event, event.actor.username, event.ip) == ("approve", "demo_unit", "127.0.0.1")
    assert "已办理" in flashed(unit.get(TODO).get_data(as_text=True))
    assert rows_of(unit.get(TODO).get_data(as_text=True)) == []
    done = unit.get(DONE).get_data(as_text=True)
    assert rows_of(done) == [mine] and "通过" in done and "待主管单位审核" in done
    assert rows_of(supervisor.get(TODO).get_data(as_text=True)) == [mine]
    # Another reviewer of unit A did nothing: nothing in their 已办.
    assert rows_of(browser_factory(app, "unit_a_2").get(DONE).get_data(as_text=True)) == []


def test_todo_is_oldest_first_with_due_dates_filters_and_pages(world, browser_factory):
    app = world
    with app.app_context():
        newer, older = submitted(), submitted("person_a")
        long_ago = dt.datetime.now() - dt.timedelta(days=60)
        db.session.get(Application, older).state_entered_at = long_ago
        db.session.commit()
        entered = db.session.get(Application, newer).state_entered_at
        # Due dates count from the Beijing date of arrival (stored times are UTC; they differ after 16:00 UTC).
        due_newer = workdays.add_workdays(workdays.local_time(entered).date(), app.config["REVIEW_DUE_WORKDAYS"])
        due_older = workdays.add_workdays(workdays.local_time(long_ago).date(), app.config["REVIEW_DUE_WORKDAYS"])
    unit = browser_factory(app, "demo_unit")
    html = unit.get(TODO).get_data(as_text=True)
    assert rows_of(html) == [older, newer]
    assert f'name="ids" value="{older}"' in html and f'name="version_{older}"' in html
    overdue_row = re.search(rf'<tr class="([^"]*)" data-application="{older}"', html).group(1)
    fresh_row = re.search(rf'<tr class="([^"]*)" data-application="{newer}"', html).group(1)
    assert "zp-overdue" in overdue_row and "zp-overdue" not in fresh_row
    assert due_older.isoformat() in html and due_newer.isoformat() in html and "已超期" in html
    # Filters: name, ID number, business type, series; a bad choice is ignored with a warning.
    assert rows_of(unit.get(TODO + "?q=在甲").get_data(as_text=True)) == [older]
    assert rows_of(unit.get(TODO + "?q=110101198001010037").get_data(as_text=True)) == [newer]
    assert rows_of(unit.get(TODO + "?type=unit_change").get_data(as_text=True)) == []
    assert rows_of(unit.get(TODO + "?type=recognition&series=GC").get_data(as_text=True)) == [older, newer]
    bad = unit.get(TODO + "?type=nonsense&page=abc")
    assert bad.status_code == 200 and "查询条件无效" in bad.get_data(as_text=True)
    # Twenty to a page, with the count.
    with app.app_context():
        template = db.session.get(Application, newer)
        for _n in range(21):  # one open recognition per person: 21 more applicants
            db.session.add(Application(business_type=BusinessType.recognition,
                                       user_id=stand_in(template.user_id, f"todo{_n}"),
                                       state=AppState.unit_review, unit_id=template.unit_id,
                                       supervisor_id=template.supervisor_id, series="GC", title="GC_4",
                                       state_entered_at=dt.datetime.now(), form={}))
        db.session.commit()
    first = unit.get(TODO).get_data(as_text=True)
    assert len(rows_of(first)) == 20 and "共 23 件" in first
    assert len(rows_of(unit.get(TODO + "?page=2").get_data(as_text=True))) == 3


def test_out_of_scope_ids_are_404_and_hand_made_posts_change_nothing(world, browser_factory):
    app = world
    with app.app_context():
        app_id = submitted()
        before = snapshot(app_id)
    outsider = browser_factory(app, "unit_b_reviewer")
    assert outsider.get(detail(app_id)).status_code == 404
    assert outsider.post(act_url(app_id), {"event": "approve", "version": before[1]}).status_code in (403, 404)
    assert outsider.get(act_url(app_id)).status_code == 405  # no state change by GET
    forged = browser_factory(app, "demo_unit").post(act_url(app_id), {"event": "approve", "version": before[1]},
                                                    csrf=False)
    assert forged.status_code == 400  # without the CSRF token nothing is done, even by the right reviewer
    result = outsider.post(BULK, {"ids": str(app_id), f"version_{app_id}": before[1]}).get_data(as_text=True)
    assert "未找到或无权办理" in result
    # In scope but not their level: seen, refused, unchanged.
    supervisor = browser_factory(app, "demo_supervisor")
    page = supervisor.get(detail(app_id)).get_data(as_text=True)
    assert "测试人" in page and 'name="event"' not in page
    refused = supervisor.post(act_url(app_id), {"event": "approve", "version": before[1]}, follow_redirects=True)
    assert "无权" in refused.get_data(as_text=True)
    with app.app_context():
        assert snapshot(app_id) == before
        assert db.session.get(Application, app_id).opened_at is None  # only a reviewer who may act locks it
    assert browser_factory(app, "demo_unit").get(detail(app_id)).status_code == 200
    with app.app_context():
        assert db.session.get(Application, app_id).opened_at is not None


def test_return_with_a_reason_and_section_comments(world, browser_factory):
    app = world
    with app.app_context():
        app_id = submitted()
        before = snapshot(app_id)
    unit = browser_factory(app, "demo_unit")
    page = unit.get(detail(app_id)).get_data(as_text=True)
    for name in ("comment_info", "comment_materials", "comment_profile"):
        assert f'name="{name}"' in page
    assert 'name="comment_achievements"' not in page  # a recognition has no 业绩成果 section
    assert "申请信息" in page and "学历证书复印件" in page and "审核记录" in page and "<svg" in page
    assert "民族" in page  # 基本信息 of the applicant

    # Without the overall reason: refused in Chinese, the typed comment kept, nothing changed.
    refused = unit.post(act_url(app_id), {"event": "return", "version": before[1], "reason": "  ",
                                          "comment_materials": "缺少学历证书原件扫描件"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "请填写原因" in text and "缺少学历证书原件扫描件" in text
    with app.app_context():
        assert snapshot(app_id) == before

    response = unit.post(act_url(app_id), {"event": "return", "version": before[1], "reason": "材料不全",
                                           "comment_materials": "缺少学历证书原件扫描件", "comment_info": " ",
                                           "comment_bogus": "x"})
    assert response.status_code == 302
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.state == AppState.returned and application.correction_deadline is not None
        event = application.events[-1]
        assert (event.event, event.reason) == ("return", "材料不全")
        assert event.section_comments == {"materials": "缺少学历证书原件扫描件"}
    history = unit.get(detail(app_id)).get_data(as_text=True)
    assert "材料不全" in history and "缺少学历证书原件扫描件" in history and 'name="event"' not in history


def test_terminate_needs_a_reason(world, browser_factory):
    app = world
    with app.app_context():
        app_id = submitted()
        before = snapshot(app_id)
    unit = browser_factory(app, "demo_unit")
    refused = unit.post(act_url(app_id), {"event": "terminate", "version": before[1]})
    assert "请填写原因" in refused.get_data(as_text=True)
    too_long = unit.post(act_url(app_id), {"event": "terminate", "version": before[1], "reason": "长" * 1001})
    assert "原因" in too_long.get_data(as_text=True) and "1000" in too_long.get_data(as_text=True)
    with app.app_context():
        assert snapshot(app_id) == before
    unit.post(act_url(app_id), {"event": "terminate", "version": before[1], "reason": "资格不符：任职年限不足"})
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.state == AppState.terminated and application.events[-1].reason == "资格不符：任职年限不足"


def test_two_tabs_on_one_version_the_second_is_told_it_was_handled(world, browser_factory):
    app = world
    with app.app_context():
        app_id = submitted()
    first, second = browser_factory(app, "demo_unit"), browser_factory(app, "unit_a_2")
    seen = int(re.search(r'name="version" value="(\d+)"', first.get(detail(app_id)).get_data(as_text=True)).group(1))
    second.get(detail(app_id))
    assert first.post(act_url(app_id), {"event": "approve", "version": seen}).status_code == 302
    late = second.post(act_url(app_id), {"event": "return", "version": seen, "reason": "晚了一步"},
                       follow_redirects=True)
    assert "该申请已被他人处理" in late.get_data(as_text=True)
    with app.app_context():
        state, _version, events = snapshot(app_id)
        assert state == AppState.supervisor_review
        assert db.session.scalar(select(func.count()).where(
            ApplicationEvent.application_id == app_id, ApplicationEvent.event.in_(("approve", "return")))) == 1


def test_bulk_approve_reports_each_item_and_approves_only_what_it_may(world, browser_factory):
    app = world
    with app.app_context():
        fresh, foreign, stale = submitted(), submitted("person_b"), submitted("person_a")
        versions = {pk: version(pk) for pk in (fresh, foreign, stale)}
        # Meanwhile another reviewer returns `stale` and its applicant resubmits: the list's version is old.
        engine.apply(stale, "return", user("unit_a_2"), reason="补充材料")
        engine.apply(stale, "resubmit", user("person_a"))
        before = {pk: snapshot(pk) for pk in (foreign, stale)}
    unit = browser_factory(app, "demo_unit")
    form = {"ids": [str(fresh), str(foreign), str(stale)]}
    form.update({f"version_{pk}": v for pk, v in versions.items()})
    response = unit.post(BULK, form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    results = dict(re.findall(r'data-application="(\d+)">\s*<td>.*?</td><td>.*?</td><td>(.*?)</td>', html, re.S))
    assert results[str(fresh)] == "已通过"
    assert results[str(foreign)] == "未找到或无权办理"
    assert "该申请已被他人处理" in results[str(stale)]
    assert "测试人" in html and "职称考核认定申请" in html and "李在乙" not in html
    with app.app_context():
        assert snapshot(fresh)[0] == AppState.supervisor_review
        assert {pk: snapshot(pk) for pk in (foreign, stale)} == before
    too_many = unit.post(BULK, {"ids": [str(n) for n in range(1, 102)]}, follow_redirects=True)
    assert "最多" in too_many.get_data(as_text=True)


def _evaluation_in_review(app) -> int:
    """An evaluation of demo_applicant accepted into an open batch whose meeting demo_expert attends."""
    applicant = user("demo_applicant")
    achievement_ids = list(db.session.scalars(select(Achievement.id).where(Achievement.user_id == applicant.id)))
    app_id = submitted(data={"business_type": "evaluation", "series": "GC", "title": "GC_4",
                             "exceptional": True, "exceptional_reason": "获省科技进步一等奖", "form": EVALUATION_FORM,
                             "materials": [{"name": "职称评审表", "copies": 2}], "achievement_ids": achievement_ids})
    batch = open_batch_for()
    engine.apply(app_id, "approve", user("demo_unit"))
    db.session.get(Application, app_id).publicity_until = local_today() - dt.timedelta(days=1)
    db.session.commit()
    tick.run()
    engine.apply(app_id, "approve", user("demo_supervisor"))
    engine.apply(app_id, "approve", user("demo_committee"))
    meeting.set_attendance(db.session.get(ReviewBatch, batch.id), [user("demo_expert")])
    assert db.session.get(Application, app_id).state == AppState.in_review
    return app_id


def test_expert_reads_the_candidates_of_their_meeting_and_cannot_act(app, browser_factory):
    with app.app_context():
        app_id = _evaluation_in_review(app)
        before = snapshot(app_id)
    expert = browser_factory(app, "demo_expert")
    assert rows_of(expert.get(TODO).get_data(as_text=True)) == [app_id]
    page = expert.get(detail(app_id))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "测试人" in html and "全省政务数据共享交换平台" in html
    assert "破格" in html and "获省科技进步一等奖" in html
    assert 'name="event"' not in html and 'name="ids"' not in html
    assert expert.post(act_url(app_id), {"event": "meeting_pass", "version": before[1]}).status_code == 403
    assert expert.post(BULK, {"ids": str(app_id), f"version_{app_id}": before[1]}).status_code == 403
    with app.app_context():
        assert snapshot(app_id) == before
    # The committee office sees the meeting results as actions (guarded by the votes).
    office = browser_factory(app, "demo_committee")
    office_todo = office.get(TODO).get_data(as_text=True)
    assert rows_of(office_todo) == [app_id] and 'name="ids"' not in office_todo  # no 通过 while 评审中
    office_page = office.get(detail(app_id)).get_data(as_text=True)
    assert 'value="meeting_pass"' in office_page and 'value="meeting_fail"' in office_page
    refused = office.post(act_url(app_id), {"event": "meeting_pass", "version": before[1]})
    assert "三分之二" in refused.get_data(as_text=True) or "2/3" in refused.get_data(as_text=True)
    with app.app_context():
        assert snapshot(app_id) == before


def test_a_reviewer_never_acts_on_their_own_application(world, browser_factory):
    app = world
    with app.app_context():
        reviewer = user("unit_a_2")
        reviewer.roles.append(app.appbuilder.sm.find_role("Applicant"))
        db.session.commit()
        own = submitted("person_a")
        db.session.get(Application, own).user_id = reviewer.id
        db.session.commit()
        before = snapshot(own)
    browser = browser_factory(app, "unit_a_2")
    assert own not in rows_of(browser.get(TODO).get_data(as_text=True))
    page = browser.get(detail(own)).get_data(as_text=True)
    assert 'name="event"' not in page
    browser.post(act_url(own), {"event": "approve", "version": before[1]})
    assert browser.post(act_url(own), {"event": "withdraw", "version": before[1]}).status_code == 403
    with app.app_context():
        assert snapshot(own) == before
        assert db.session.get(Application, own).opened_at is None
    # Another reviewer of the unit has it to do.
    assert own in rows_of(browser_factory(app, "demo_unit").get(TODO).get_data(as_text=True))


def test_review_pages_are_in_chinese(world, browser_factory):
    app = world
    with app.app_context():
        app_id = submitted()
    unit = browser_factory(app, "demo_unit")
    unit.post(act_url(app_id), {"event": "return", "version": 2, "reason": ""})
    pages = {url: unit.get(url).get_data(as_text=True) for url in (TODO, DONE, detail(app_id))}
    pages[BULK] = unit.post(BULK, {"ids": str(app_id), f"version_{app_id}": 1}).get_data(as_text=True)
    for url, html in pages.items():
        left = [line for line in visible_text(html) if line in SOURCE and line != "English"]
        assert not left, (url, left)
    menu = unit.get("/").get_data(as_text=True)
    assert "/review/applications/todo" in menu and "/review/applications/done" in menu
    expert_menu = browser_factory(app, "demo_expert").get("/").get_data(as_text=True)
    assert "/review/applications/todo" in expert_menu and "/review/applications/done" not in expert_menu


# ----- the inbox query agrees with engine.available -----

def _fixture_world(app) -> list[int]:
    """Applications of every business in every state, in units under a supervisor and directly under the authority."""
    make_org("省直属测试单位", OrgKind.unit, AUTHORITY)
    make_staff("unit_d_reviewer", "UnitReviewer", ["省直属测试单位"], DEMO_PASSWORD)
    make_staff("supervisor_2", "SupervisorReviewer", [SUPERVISOR_2], DEMO_PASSWORD)
    both = make_staff("unit_and_office", "UnitReviewer", [UNIT_B, COMMITTEE], DEMO_PASSWORD)
    both.roles.append(app.appbuilder.sm.find_role("CommitteeOffice"))
    # Both roles: the supervisor's reach then spans the authority's subtree, where units have no supervisor.
    double = make_staff("supervisor_and_authority", "SupervisorReviewer", [SUPERVISOR_2, AUTHORITY], DEMO_PASSWORD)
    double.roles.append(app.appbuilder.sm.find_role("Authority"))
    db.session.commit()

    committee, authority = org(COMMITTEE), org(AUTHORITY)
    direct = approved_person("person_d", "省直属测试单位", "19890404", "在丁")
    # (unit, applicant, 主管单位 recorded at submission); None: an application routed without one.
    chains = [(UNIT_A, user("demo_applicant").id, org(SUPERVISOR_1)), (UNIT_B, user("person_b").id, org(SUPERVISOR_1)),
              (UNIT_C, user("person_c").id, org(SUPERVISOR_2)), ("省直属测试单位", direct, authority),
              (UNIT_C, user("person_c").id, None)]
    ids = []
    for business in engine.all_businesses():
        states = {state for t in business.transitions for state in t.sources} | {AppState.completed}
        for state in sorted(states, key=lambda s: s.value):
            for unit_name, person_id, supervisor in chains:
                unit = org(unit_name)
                # One open application per person and business: each open state gets its own applicant.
                applicant = person_id if state == AppState.draft or state in FINAL_STATES \
                    else stand_in(person_id, f"{business.type.value}_{state.value}_{supervisor.id if supervisor else 0}")
                application = Application(
                    business_type=business.type, user_id=applicant, state=state, unit_id=unit.id,
                    supervisor_id=supervisor.id if supervisor else None, authority_id=authority.id, series="GC",
                    title="GC_4",
                    committee_id=committee.id if business.type == BusinessType.evaluation else None,
                    state_entered_at=dt.datetime.now(), form={},
                    returned_from="unit_review" if state == AppState.returned else None,
                )
                db.session.add(application)
                db.session.flush()
                ids.append(application.id)
    db.session.commit()
    return ids


def test_inbox_query_agrees_with_engine_available_for_every_user_and_application(world):
    app = world
    with app.app_context():
        ids = [submitted(), submitted("person_b")]
        ids += _fixture_world(app)
        usernames = ["demo_admin", "demo_authority", "demo_supervisor", "demo_unit", "demo_committee", "demo_expert",
                     "demo_provider", "demo_applicant", "unit_a_2", "unit_b_reviewer", "unit_c_reviewer",
                     "unit_d_reviewer", "supervisor_2", "unit_and_office", "supervisor_and_authority", "person_b"]
        applications = list(db.session.scalars(select(Application).where(Application.id.in_(ids))))
        assert len(applications) > 100
        # Arrivals interleaved across states, with ties: the paged 待办 merges one branch per state.
        base = dt.datetime(2026, 3, 2, 9, 0)
        for application in applications:
            application.state_entered_at = base + dt.timedelta(minutes=application.id * 37 % 50)
        db.session.commit()
        nonempty = 0
        for username in usernames:
            actor = user(username)
            scope = resolve_scope(actor)
            listed = set(db.session.scalars(select(Application.id).where(inbox.todo_clause(actor, scope))))
            expected = {a.id for a in applications
                        if any(t.actor != engine.Actor.applicant for t in engine.available(a, actor))}
            assert listed == expected, username
            in_order = list(db.session.scalars(select(Application.id).where(inbox.todo_clause(actor, scope))
                                               .order_by(Application.state_entered_at, Application.id)))
            paged, page = [], 1
            while True:
                found = inbox.todo(actor, scope, page=page, size=7, with_meetings=False)
                paged += [application.id for application in found.rows]
                if page >= found.pages:
                    break
                page += 1
            assert paged == in_order and found.count == len(in_order), username
            nonempty += bool(expected)
        assert nonempty >= 8  # the comparison covers every reviewing role, not only empty inboxes


def test_an_ended_publicity_moves_on_when_the_next_level_reads_its_inbox(app, browser_factory):
    with app.app_context():
        app_id = evaluation_in_unit_publicity()
        application = db.session.get(Application, app_id)
        application.publicity_until = local_today() - dt.timedelta(days=1)
        db.session.commit()
    # No `workflow tick` has run: reading the supervisor's 待办 applies the due transition first.
    page = browser_factory(app, "demo_supervisor").get(TODO).get_data(as_text=True)
    assert rows_of(page) == [app_id]
    with app.app_context():
        assert db.session.get(Application, app_id).state == AppState.supervisor_review
        assert db.session.scalar(select(ApplicationEvent.event).where(ApplicationEvent.application_id == app_id)
                                 .order_by(ApplicationEvent.id.desc()).limit(1)) == "publicity_end"
