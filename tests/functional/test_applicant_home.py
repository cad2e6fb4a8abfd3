"""The applicant's 首页 after login: profile status, open applications, returned items needing action, the
CE verdicts of the last three years — from real data, in a fixed number of queries."""
from __future__ import annotations

import re

from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Achievement, Application, ApplicationMaterial, BusinessType, Message
from app.workflow import engine
from conftest import DEMO_PASSWORD
from factories import EVALUATION_FORM, UNIT_A, make_person, user


def text_of(response) -> str:
    return response.get_data(as_text=True)


def _draft(username: str = "demo_applicant") -> int:
    application = Application(business_type=BusinessType.evaluation, user_id=user(username).id, series="GC",
                              title="GC_4", form=dict(EVALUATION_FORM))
    application.materials.append(ApplicationMaterial(name="职称评审表", copies=2))
    application.achievements = list(db.session.scalars(select(Achievement).where(
        Achievement.user_id == application.user_id)))
    db.session.add(application)
    db.session.commit()
    return application.id


def test_the_home_lists_open_business_and_a_return_needing_action(app, browser_factory):
    with app.app_context():
        draft = _draft()
        returned = _draft()
        engine.apply(returned, "submit", user("demo_applicant"))
        engine.apply(returned, "return", user("demo_unit"), reason="请补充学历证明",
                     section_comments={"profile": "请更新"})
        deadline = db.session.get(Application, returned).correction_deadline
    assert deadline is not None
    home = text_of(browser_factory(app, "demo_applicant").get("/"))
    # 个人信息 审核状态 of the demo applicant: approved.
    assert re.search(r'zp-profile-status">已审核<', home)
    opened = home[home.index("zp-home-open"):home.index("zp-home-ce")]
    rows = re.findall(r'data-application="(\d+)"', opened)
    assert rows == [str(returned), str(draft)]  # newest first
    assert "退回修改" in opened and "草稿" in opened and f'href="/applications/{returned}"' in opened
    assert "查看详情" in opened
    todo = home[home.index("zp-home-todo"):home.index("zp-home-open")]
    assert f'data-application="{returned}"' in todo and f'data-application="{draft}"' not in todo
    assert f"请于 {deadline.isoformat()} 前完成修改" in todo and f"/applications/{returned}/edit" in todo
    # The 站内信 panel: the return's message to the applicant, unread, on top, with the unread count.
    with app.app_context():
        applicant_id = user("demo_applicant").id
        unread = db.session.scalar(select(func.count()).select_from(Message).where(
            Message.recipient_id == applicant_id, Message.read_at.is_(None)))
        newest = db.session.scalars(select(Message).where(Message.recipient_id == applicant_id)
                                    .order_by(Message.id.desc())).first()
    panel = home[home.index("zp-home-messages"):]
    assert f"{unread} 条未读" in panel and unread >= 2
    assert "退回" in newest.subject
    items = re.findall(r'zp-unread" data-message="(\d+)"', panel)
    assert items[0] == str(newest.id) and len(items) <= 5
    assert newest.subject in panel


def test_the_home_shows_ce_years_met_and_not_met(app, browser_factory):
    with app.app_context():
        make_person("home_peer", DEMO_PASSWORD, UNIT_A)
    met = text_of(browser_factory(app, "demo_applicant").get("/"))
    verdicts = re.findall(r'zp-ce-verdict[^"]*">([^<]+)<', met)
    assert verdicts == ["达标", "达标", "达标"]
    peer = text_of(browser_factory(app, "home_peer").get("/"))
    ce = peer[peer.index("zp-home-ce"):]
    assert re.findall(r'zp-ce-verdict[^"]*">([^<]+)<', ce) == ["未达标"] * 3
    assert "总学时" in ce and "少于" in ce  # the shortfall is spelled out
    # The peer's profile has nothing approved: the status and the missing sections say so.
    assert re.search(r'zp-profile-status">待提交<', peer) and "尚未审核通过的栏目" in peer


def test_the_home_needs_the_same_queries_for_one_or_many_applications(app, browser_factory):
    browser = browser_factory(app, "demo_applicant")

    def count_queries() -> int:
        seen = []
        with app.app_context():
            engine_ = db.engine
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine_, "before_cursor_execute", listener)
        try:
            assert browser.get("/").status_code == 200
        finally:
            event.remove(engine_, "before_cursor_execute", listener)
        return len(seen)

    with app.app_context():
        _draft()
    count_queries()  # the first page of a process reads the roles' grants, which it then keeps
    one = count_queries()
    with app.app_context():
        for _ in range(12):
            _draft()
    # Past OPEN_LIMIT open applications the returned ones need a query of their own; then no more, however many.
    many = count_queries()
    assert many == one + 1
    with app.app_context():
        for _ in range(20):
            _draft()
    assert count_queries() == many


def test_staff_keep_their_home_without_the_applicant_facts(app, browser_factory):
    page = text_of(browser_factory(app, "demo_unit").get("/"))
    assert "zp-home-open" not in page and "zp-home-ce" not in page and "demo_unit" in page


def test_the_returned_applications_taken_from_the_open_ones_are_those_of_the_query(app):
    import datetime as dt

    from app.services import applicant_home

    with app.app_context():
        applicant = user("demo_applicant")
        ids = []
        for kind, deadline in ((BusinessType.evaluation, dt.date(2026, 12, 9)),
                               (BusinessType.recognition, dt.date(2026, 12, 2)),
                               (BusinessType.reissue, None)):
            application = Application(business_type=kind, user_id=applicant.id, series="GC", title="GC_4",
                                      form={}, state="returned", correction_deadline=deadline)
            db.session.add(application)
            db.session.flush()
            ids.append(application.id)
        db.session.commit()
        _draft()
        open_ones = applicant_home.open_applications(applicant.id)
        assert len(open_ones) < applicant_home.OPEN_LIMIT
        from_open = applicant_home.returned_applications(applicant.id, open_ones)
        assert [a.id for a in from_open] == [a.id for a in applicant_home.returned_applications(applicant.id)]
        assert [a.id for a in from_open] == [ids[1], ids[0], ids[2]]  # nearest deadline first, none last
