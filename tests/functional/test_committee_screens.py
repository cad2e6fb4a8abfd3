"""The committee office's screens: batches, the meeting (attendance, recusal, votes, result) and 公示 objections."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

import factories as f
from app.services.workdays import local_today
from app.extensions import db
from app.models import (
    Application, AppState, MeetingRecusal, MeetingVote, Objection, ObjectionStatus, OrgKind, ReviewBatch, VoteChoice,
)
from app.scope import clause_for
from app.scope.resolve import resolve_scope
from app.security import roles as r
from app.workflow import engine, meeting, tick
from conftest import DEMO_PASSWORD

TODAY = local_today()


def batch_form(committee_id, **changes):
    data = {"committee": str(committee_id), "name": "2027年度电子信息高级职称评审", "series": "GC", "level": "4",
            "opens_on": (TODAY + dt.timedelta(days=100)).isoformat(),
            "closes_on": (TODAY + dt.timedelta(days=130)).isoformat(),
            "meeting_date": (TODAY + dt.timedelta(days=140)).isoformat()}
    data.update(changes)
    return data


def batch_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReviewBatch))


def test_the_office_keeps_its_batches_and_bad_input_is_refused_by_field(app, browser_factory):
    office = browser_factory(app, "demo_committee")
    with app.app_context():
        committee_id = f.org(f.COMMITTEE).id
    page = office.post("/review-batches/add", batch_form(committee_id, closes_on=(TODAY + dt.timedelta(days=90)).isoformat()),
                       follow_redirects=True).get_data(as_text=True)
    assert "受理截止日期不能早于开始日期" in page
    page = office.post("/review-batches/add", batch_form(committee_id, series="WSJS"), follow_redirects=True).get_data(as_text=True)
    assert "该评委会不评审此系列" in page
    with app.app_context():
        before = batch_count()
    office.post("/review-batches/add", batch_form(committee_id), follow_redirects=True)
    page = office.post("/review-batches/add", batch_form(committee_id, name="重复批次"), follow_redirects=True).get_data(as_text=True)
    assert "受理时间重叠" in page
    with app.app_context():
        assert batch_count() == before + 1
        batch_id = db.session.scalar(select(ReviewBatch.id).where(ReviewBatch.name == "2027年度电子信息高级职称评审"))
    listing = office.get("/review-batches/list/").get_data(as_text=True)
    assert "2027年度电子信息高级职称评审" in listing and "工程" in listing
    # The authority reads its region's batches but does not keep them; a unit reviewer has no such screen.
    authority = browser_factory(app, "demo_authority")
    assert "2027年度电子信息高级职称评审" in authority.get("/review-batches/list/").get_data(as_text=True)
    authority.post("/review-batches/add", batch_form(committee_id, name="越权批次"))
    assert authority.get(f"/review-batches/meeting/{batch_id}").status_code in (302, 403)
    assert browser_factory(app, "demo_unit").get("/review-batches/list/").status_code in (302, 403)
    with app.app_context():
        assert batch_count() == before + 1


def test_another_committees_office_reaches_none_of_it(app, browser_factory):
    with app.app_context():
        app_id, batch_id = f.evaluation_in_review()
        f.make_org("广东省工程系列机械专业高级职称评审委员会", OrgKind.committee, f.AUTHORITY)
        f.make_staff("other_office", r.COMMITTEE_OFFICE, ["广东省工程系列机械专业高级职称评审委员会"], DEMO_PASSWORD)
        expert_ids = [e.id for e in f.make_experts(17)]
        batch_name = db.session.get(ReviewBatch, batch_id).name
    other = browser_factory(app, "other_office")
    assert batch_name in browser_factory(app, "demo_committee").get("/review-batches/list/").get_data(as_text=True)
    assert batch_name not in other.get("/review-batches/list/").get_data(as_text=True)
    for url in (f"/review-batches/show/{batch_id}", f"/review-batches/meeting/{batch_id}"):
        assert other.get(url).status_code == 404
    assert other.post(f"/review-batches/meeting/{batch_id}/attendance",
                      {"expert_id": [str(i) for i in expert_ids]}).status_code == 404
    assert other.post(f"/review-batches/meeting/{batch_id}/result/{app_id}", {"event": "meeting_pass"}).status_code == 404
    assert other.post(f"/review-batches/delete/{batch_id}").status_code == 404
    with app.app_context():
        assert db.session.get(ReviewBatch, batch_id).attendees == []


def test_a_meeting_on_screen_from_attendance_to_result(app, browser_factory):
    with app.app_context():
        app_id, batch_id = f.evaluation_in_review()
        experts = f.make_experts(18)
        expert_ids = [e.id for e in experts]
    office = browser_factory(app, "demo_committee")
    assert f"/review-batches/meeting/{batch_id}#candidate-{app_id}" in office.get(
        f"/review/applications/{app_id}").get_data(as_text=True)
    # 16 of 25 members: no quorum, so no result can be recorded however the votes go.
    office.post(f"/review-batches/meeting/{batch_id}/attendance", {"expert_id": [str(i) for i in expert_ids[:16]]})
    office.post(f"/review-batches/meeting/{batch_id}/votes/{app_id}", {f"vote_{i}": "yes" for i in expert_ids[:16]})
    page = office.post(f"/review-batches/meeting/{batch_id}/result/{app_id}", {"event": "meeting_pass"},
                       follow_redirects=True).get_data(as_text=True)
    assert "不足三分之二" in page
    with app.app_context():
        assert db.session.get(Application, app_id).state == AppState.in_review
        # Attendance is fixed once votes are recorded.
        db.session.execute(MeetingVote.__table__.delete())
        db.session.commit()
    office.post(f"/review-batches/meeting/{batch_id}/attendance", {"expert_id": [str(i) for i in expert_ids[:17]]})
    # An absent expert's vote (a proxy) is refused and nothing of that form is recorded.
    proxy = {f"vote_{i}": "yes" for i in expert_ids[:3]} | {f"vote_{expert_ids[17]}": "yes"}
    page = office.post(f"/review-batches/meeting/{batch_id}/votes/{app_id}", proxy, follow_redirects=True).get_data(as_text=True)
    assert "代投" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MeetingVote)) == 0
    votes = {f"vote_{i}": "yes" for i in expert_ids[:12]} | {f"vote_{i}": "no" for i in expert_ids[12:15]} \
        | {f"vote_{i}": "abstain" for i in expert_ids[15:17]}
    office.post(f"/review-batches/meeting/{batch_id}/votes/{app_id}", votes)
    page = office.get(f"/review-batches/meeting/{batch_id}").get_data(as_text=True)
    assert "已达到" in page and "通过" in page
    page = office.post(f"/review-batches/meeting/{batch_id}/attendance", {"expert_id": [str(expert_ids[0])]},
                       follow_redirects=True).get_data(as_text=True)
    assert "出席情况不能再修改" in page
    page = office.post(f"/review-batches/meeting/{batch_id}/result/{app_id}", {"event": "meeting_fail"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已通过" in page
    office.post(f"/review-batches/meeting/{batch_id}/result/{app_id}", {"event": "meeting_pass"})
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.state == AppState.result_publicity and application.publicity_until > TODAY
        assert len(db.session.get(ReviewBatch, batch_id).attendees) == 17


def test_a_colleague_of_the_candidate_is_recused_and_cannot_see_or_vote(app, browser_factory):
    with app.app_context():
        app_id, batch_id = f.evaluation_in_review()
        colleague = f.make_staff("colleague_expert", r.EXPERT, [f.COMMITTEE, f.UNIT_A], DEMO_PASSWORD)
        others = f.make_experts(17)
        colleague_id, other_ids = colleague.id, [e.id for e in others]
    office = browser_factory(app, "demo_committee")
    office.post(f"/review-batches/meeting/{batch_id}/attendance",
                {"expert_id": [str(colleague_id)] + [str(i) for i in other_ids]})
    with app.app_context():
        recusal = db.session.scalar(select(MeetingRecusal).where(MeetingRecusal.expert_id == colleague_id))
        assert recusal is not None and recusal.application_id == app_id
        # Sat in the meeting, yet the candidate is outside the colleague's scope; another expert sees it.
        visible = select(Application.id).where(Application.id == app_id)
        assert db.session.scalar(visible.where(clause_for(Application, resolve_scope(f.user("colleague_expert"))))) is None
        assert db.session.scalar(visible.where(clause_for(Application, resolve_scope(f.user("expert_00"))))) == app_id
    page = office.post(f"/review-batches/meeting/{batch_id}/votes/{app_id}", {f"vote_{colleague_id}": "yes"},
                       follow_redirects=True).get_data(as_text=True)
    assert "回避" in page
    # The office recuses another member by hand, with a reason; the present count for the candidate drops.
    office.post(f"/review-batches/meeting/{batch_id}/recuse/{app_id}", {"expert_id": str(other_ids[0]), "reason": ""})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MeetingRecusal)) == 1
    office.post(f"/review-batches/meeting/{batch_id}/recuse/{app_id}",
                {"expert_id": str(other_ids[0]), "reason": "曾指导申报人论文"})
    page = office.get(f"/review-batches/meeting/{batch_id}").get_data(as_text=True)
    assert "回避：员测试、员专家00" in page
    with app.app_context():
        tally = meeting.tally(db.session.get(Application, app_id))
        assert (tally.members, tally.present) == (25, 16)
        # The meeting page's tallies of all candidates at once agree with each one's own.
        batch = db.session.get(ReviewBatch, batch_id)
        everyone = [candidate.id for candidate in meeting.candidates(batch)]
        assert meeting.tallies(batch, everyone) == {
            candidate: meeting.tally(db.session.get(Application, candidate)) for candidate in everyone}


def test_an_objection_pauses_the_unit_publicity_until_resolved(app, browser_factory):
    with app.app_context():
        app_id = f.evaluation_in_unit_publicity()
        f.make_staff("unit_b_reviewer", r.UNIT_REVIEWER, [f.UNIT_B], DEMO_PASSWORD)
    unit = browser_factory(app, "demo_unit")
    review_page = unit.get(f"/review/applications/{app_id}").get_data(as_text=True)
    assert f"/objections/add?application_id={app_id}" in review_page and "尚未收到异议" in review_page
    form = unit.get(f"/objections/add?application_id={app_id}").get_data(as_text=True)
    with app.app_context():
        candidate = f.user("demo_applicant").full_name
    assert f'<option selected value="{app_id}">{candidate} — 单位公示中' in form
    page = unit.post("/objections/add", {"application_id": str(app_id), "raised_by": "", "content": ""},
                     follow_redirects=True).get_data(as_text=True)
    assert page.count("该字段是必填字段") == 2
    unit.post("/objections/add", {"application_id": str(app_id), "raised_by": "匿名", "contact": "",
                                  "content": "申报材料中的获奖证书疑似伪造"})
    # Another unit's reviewer can neither record against it nor see the objection.
    other = browser_factory(app, "unit_b_reviewer")
    other.post("/objections/add", {"application_id": str(app_id), "raised_by": "某人", "content": "重复异议"})
    with app.app_context():
        objection = db.session.scalar(select(Objection))
        assert db.session.scalar(select(func.count()).select_from(Objection)) == 1
        objection_id = objection.id
        application = db.session.get(Application, app_id)
        application.publicity_until = TODAY - dt.timedelta(days=1)
        db.session.commit()
        assert tick.run() == 0
        assert db.session.get(Application, app_id).state == AppState.unit_publicity
    assert other.get(f"/objections/show/{objection_id}").status_code == 404
    review_page = unit.get(f"/review/applications/{app_id}").get_data(as_text=True)
    assert "申报材料中的获奖证书疑似伪造" in review_page and "核实中" in review_page
    assert other.post(f"/objections/resolve/{objection_id}", {"outcome": "dismissed", "finding": "x"}).status_code == 404
    # The applicant never sees objections about them.
    assert browser_factory(app, "demo_applicant").get("/objections/list/").status_code in (302, 403)
    page = unit.post(f"/objections/resolve/{objection_id}", {"outcome": "dismissed", "finding": ""},
                     follow_redirects=True).get_data(as_text=True)
    assert "核实结论" in page
    unit.post(f"/objections/resolve/{objection_id}", {"outcome": "dismissed", "finding": "经核实证书真实有效"})
    page = unit.post(f"/objections/resolve/{objection_id}", {"outcome": "upheld", "finding": "再次处理"},
                     follow_redirects=True).get_data(as_text=True)
    assert "已被他人处理" in page
    with app.app_context():
        assert db.session.get(Objection, objection_id).status == ObjectionStatus.dismissed
        assert tick.run() == 1
        assert db.session.get(Application, app_id).state == AppState.supervisor_review


def test_an_upheld_objection_in_the_result_publicity_lets_the_office_terminate(app, browser_factory):
    with app.app_context():
        app_id, batch_id = f.evaluation_in_review()
        batch = db.session.get(ReviewBatch, batch_id)
        present = f.make_experts(17)
        meeting.set_attendance(batch, present)
        meeting.record_votes(batch, db.session.get(Application, app_id), {e: VoteChoice.yes for e in present})
        engine.apply(app_id, "meeting_pass", f.user("demo_committee"))
    office = browser_factory(app, "demo_committee")
    office.post("/objections/add", {"application_id": str(app_id), "raised_by": "张某", "contact": "13800000000",
                                    "content": "论文存在抄袭"})
    with app.app_context():
        objection_id = db.session.scalar(select(Objection.id))
        assert db.session.get(Objection, objection_id).phase == "result_publicity"
    office.post(f"/objections/resolve/{objection_id}", {"outcome": "upheld", "finding": "经查论文重复率过高"})
    with app.app_context():
        engine.apply(app_id, "terminate", f.user("demo_committee"), reason="异议成立：论文抄袭")
        application = db.session.get(Application, app_id)
        assert application.state == AppState.terminated
        assert db.session.get(Objection, objection_id).status == ObjectionStatus.upheld
