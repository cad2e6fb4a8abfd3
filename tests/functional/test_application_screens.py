"""The applicant's business screens, driven through the pages: declaration, edit pages of the six types, the
evaluation wizard, submit/withdraw/resubmit, returns with per-section comments, tracking, query and the home page.
Reviewer steps go through engine.apply directly (their screens are tested elsewhere)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Achievement, AppState, Application, BusinessType, Publication
from app.workflow import drafts, engine
from app.workflow.forms import FORMS, TITLED
from conftest import DEMO_PASSWORD
from factories import UNIT_C, make_person, user

PASSED = "您的申请已通过自动审核，请等待人工审核"
DECLARED = {"series": "GC", "title": "GC_4", "category": "GC_01", "specialty": "GC_0101"}
RECOGNITION = {
    **DECLARED, "field_education_basis": "21", "field_graduation_date": "2002-07-01", "field_work_years": "20",
    "field_current_work": "信息系统架构设计", "field_commitment": "1",
    "material_name": ["学历证书复印件", ""], "material_copies": ["1", ""],
}
EVALUATION = {
    **DECLARED, "field_person_type": "institution", "field_current_work": "信息系统架构设计", "field_years_in_field": "18",
    "field_fulltime_education": "21", "field_experience_met": "1", "field_experience_detail": "主持省级平台建设",
    "field_achievement_met": "1", "field_achievement_reason": "主持完成省部级项目",
    "field_work_summary": "近五年主要从事政务信息系统的架构设计。", "field_commitment": "1",
}


def text_of(response) -> str:
    return response.get_data(as_text=True)


def comment_beside(html: str, code: str) -> str:
    """The reviewer's comment shown inside the section panel id="section-<code>" ('' when there is none)."""
    found = re.search(rf'id="section-{code}".{{0,600}}?data-section="{code}">\s*<strong>[^<]*</strong>\s*：?([^<]*)<',
                      html, re.S)
    return found.group(1).strip() if found else ""


def version_on(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def new_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/applications/(\d+)/edit", response.headers["Location"]).group(1))


def start(browser, kind: str) -> int:
    """A new draft of the type, started from 业务申请 (through the declaration for evaluations)."""
    if kind in ("evaluation", "entrusted"):
        return new_id(browser.post("/applications/declare", {"type": kind, **DECLARED, "agree": "1"}))
    return new_id(browser.post("/applications/start", {"business_type": kind}))


def edit(browser, app_id: int, data: dict, action: str):
    page = text_of(browser.get(f"/applications/{app_id}/edit"))
    return browser.post(f"/applications/{app_id}/edit", {**data, "version": version_on(page), "action": action})


def stored(app_id: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, app_id)


def labels(app, kind: BusinessType) -> list[str]:
    with app.test_request_context():
        return [str(spec.label) for spec in FORMS[kind]]


@pytest.fixture
def applicant(app, browser_factory):
    return browser_factory(app, "demo_applicant")


def test_declaration_path_creates_the_draft_and_refuses_a_specialty_of_another_series(app, applicant):
    page = text_of(applicant.get("/applications/declare?type=evaluation"))
    assert "职称申报平台免责声明" in page and "同意此协议并报名" in page and "1：选择申报门类" in page
    assert "您的当前职称" in page and "工程师" in page
    # The profile's series is the starting choice, with the next title on the ladder pre-selected.
    assert '<option value="GC" selected>' in page
    assert re.search(r'<option value="GC_4" selected data-next="1">高级工程师（可逐级申报）', page)
    options = applicant.get("/applications/options?dict=title&series=GC").get_json()["results"]
    assert {o["code"] for o in options if o["next"]} == {"GC_4"} and "GC_5" in {o["code"] for o in options}
    categories = applicant.get("/applications/options?dict=specialty_category&series=GC").get_json()["results"]
    assert "GC_01" in {o["code"] for o in categories} and "GXJS_01" not in {o["code"] for o in categories}
    children = applicant.get("/applications/options?dict=specialty&parent=GC_01").get_json()["results"]
    assert "GC_0101" in {o["code"] for o in children}
    assert applicant.get("/applications/options?dict=ab_user").status_code == 400
    # Without JavaScript the page fills the next select itself, pre-selecting the next title on the ladder.
    refreshed = text_of(applicant.post("/applications/declare", {"type": "evaluation", "series": "GC", "refresh": "1"}))
    assert re.search(r'<option value="GC_4" selected data-next="1">高级工程师（可逐级申报）', refreshed)
    foreign = applicant.post("/applications/declare", {"type": "evaluation", **DECLARED, "specialty": "GXJS_0101",
                                                        "agree": "1"})
    assert foreign.status_code == 200 and "所选专业不属于所选专业类别" in text_of(foreign)
    foreign_category = applicant.post("/applications/declare", {"type": "evaluation", **DECLARED,
                                                                 "category": "GXJS_01", "agree": "1"})
    assert "所选专业类别不属于所选申报门类" in text_of(foreign_category)
    missing = text_of(applicant.post("/applications/declare", {"type": "evaluation", "series": "GC", "agree": "1"}))
    assert "请选择申报职称" in missing and "请选择专业" in missing
    with app.app_context():
        assert db.session.scalar(select(Application.id)) is None
    app_id = start(applicant, "evaluation")
    with app.app_context():
        application = stored(app_id)
        assert (application.business_type, application.state) == (BusinessType.evaluation, AppState.draft)
        assert (application.series, application.title, application.specialty) == ("GC", "GC_4", "GC_0101")
        assert application.user_id == user("demo_applicant").id
    # A second start offers the draft instead of making another.
    assert "继续填写" in text_of(applicant.get("/applications/new"))
    again = applicant.post("/applications/declare", {"type": "evaluation", **DECLARED, "agree": "1"})
    assert again.headers["Location"].endswith(f"/applications/{app_id}/edit")
    with app.app_context():
        assert db.session.query(Application).count() == 1


@pytest.mark.parametrize("kind", list(BusinessType))
def test_each_type_edit_page_shows_its_chinese_labels_and_saves(app, applicant, kind):
    app_id = start(applicant, kind.value)
    page = text_of(applicant.get(f"/applications/{app_id}/edit"))
    for label in labels(app, kind):
        assert label in page, label
        assert re.search(r"[\u4e00-\u9fff]", label), f"untranslated label {label}"
    assert "暂存" in page and "提交" in page
    if kind in TITLED:
        assert "申报门类" in page and "专业类别" in page
    spec = next(s for s in FORMS[kind] if s.kind in ("text", "textarea"))
    data = {f"field_{spec.key}": "暂存的内容"}
    if kind in TITLED:
        data.update(DECLARED)
    saved = edit(applicant, app_id, data, "save")
    assert saved.status_code == 302
    assert "已暂存" in text_of(applicant.get(saved.headers["Location"]))
    with app.app_context():
        application = stored(app_id)
        assert application.form[spec.key] == "暂存的内容" and application.state == AppState.draft


def test_submit_lists_every_failing_rule_then_submit_withdraw_and_submit_again(app, applicant):
    app_id = start(applicant, "recognition")
    bad = edit(applicant, app_id, {**DECLARED, "field_work_years": "many", "material_name": ["学历证书"],
                                   "material_copies": ["0"]}, "save")
    problems = text_of(bad)
    work_years, = [label for label in labels(app, BusinessType.recognition) if "年限" in label]
    assert f"{work_years}：" in problems and "纸质材料清单第 1 行" in problems
    refused = edit(applicant, app_id, {**DECLARED, "title": "GC_5", "field_current_work": "架构设计"}, "submit")
    page = text_of(refused)
    listed = re.search(r'class="alert alert-danger zp-problems">(.*?)</div>', page, re.S).group(1)
    assert listed.count("<li>") >= 4
    assert "请填写" in listed and "逐级申报" in listed and "纸质材料" in listed and "暂存" in listed
    with app.app_context():
        application = stored(app_id)
        assert application.state == AppState.draft and application.form["current_work"] == "架构设计"
        assert application.title == "GC_5"
    submitted = edit(applicant, app_id, RECOGNITION, "submit")
    assert submitted.headers["Location"].endswith(f"/applications/{app_id}")
    assert PASSED in text_of(applicant.get(submitted.headers["Location"]))
    with app.app_context():
        application = stored(app_id)
        assert application.state == AppState.unit_review and [m.name for m in application.materials] == ["学历证书复印件"]
    detail = text_of(applicant.get(f"/applications/{app_id}"))
    withdrawn = applicant.post(f"/applications/{app_id}/act", {"event": "withdraw", "version": version_on(detail)})
    assert "申请已撤回为草稿" in text_of(applicant.get(withdrawn.headers["Location"]))
    with app.app_context():
        assert stored(app_id).state == AppState.draft
    assert edit(applicant, app_id, RECOGNITION, "submit").status_code == 302
    with app.app_context():
        application = stored(app_id)
        assert application.state == AppState.unit_review
        engine.open_for_review(application, user("demo_unit"))
        version = application.version
    detail = text_of(applicant.get(f"/applications/{app_id}"))
    assert 'value="withdraw"' not in detail and "申请已锁定，不能再撤回" in detail
    # A hand-made withdrawal is refused with the reason, and nothing changes.
    refusal = applicant.post(f"/applications/{app_id}/act", {"event": "withdraw", "version": version},
                             follow_redirects=True)
    assert "审核人员已开始审核该申请，不能再撤回" in text_of(refusal)
    with app.app_context():
        assert stored(app_id).state == AppState.unit_review
    # An edit page of an application under review says so and changes nothing.
    locked = applicant.get(f"/applications/{app_id}/edit", follow_redirects=True)
    assert "该申请正在审核中，暂不能修改" in text_of(locked)


def _wizard_to_unit_review(app, applicant) -> int:
    """An evaluation filled and submitted through the five steps of the wizard."""
    app_id = start(applicant, "evaluation")
    page = text_of(applicant.get(f"/applications/{app_id}/edit"))
    assert "选择专技工作及业绩成果" in page and "选择学术成果" in page
    nxt = edit(applicant, app_id, EVALUATION, "next")
    assert nxt.status_code == 302, re.findall(r"<li>(.*?)</li>", text_of(nxt))
    assert nxt.headers["Location"].endswith(f"/applications/{app_id}/achievements")
    with app.app_context():
        owner = user("demo_applicant").id
        achievement = db.session.scalar(
            select(Achievement.id).where(Achievement.user_id == owner).order_by(Achievement.id))
        publication = db.session.scalar(select(Publication.id).where(Publication.user_id == owner))
    step = text_of(applicant.get(f"/applications/{app_id}/achievements"))
    assert "全省政务数据共享交换平台" in step and "选定" in step and "未选定" in step
    applicant.post(f"/applications/{app_id}/achievements", {"record_id": achievement, "op": "select"})
    step = text_of(applicant.get(f"/applications/{app_id}/achievements"))
    assert "取消选定" in step and "本申请已选定的信息（1 条）" in step
    applicant.post(f"/applications/{app_id}/publications", {"record_id": publication, "op": "select"})
    moved = applicant.post(f"/applications/{app_id}/materials", {"material_name": ["职称评审表", "论文原件"],
                                                                 "material_copies": ["2", "1"], "action": "next"})
    assert moved.headers["Location"].endswith(f"/applications/{app_id}/confirm")
    confirm = text_of(applicant.get(f"/applications/{app_id}/confirm"))
    assert "已符合全部自动审核规则" in confirm and "职称评审表" in confirm and "基于微服务的政务数据共享架构研究" in confirm
    done = applicant.post(f"/applications/{app_id}/confirm", {"version": version_on(confirm)})
    assert done.headers["Location"].endswith(f"/applications/{app_id}")
    with app.app_context():
        application = stored(app_id)
        assert application.state == AppState.unit_review
        assert [a.id for a in application.achievements] == [achievement]
        assert [p.id for p in application.publications] == [publication]
        assert [(m.name, m.copies) for m in application.materials] == [("职称评审表", 2), ("论文原件", 1)]
    return app_id


def test_wizard_precheck_lists_what_is_missing(app, applicant):
    app_id = start(applicant, "evaluation")
    confirm = text_of(applicant.get(f"/applications/{app_id}/confirm"))
    assert "该申请目前尚未通过自动审核" in confirm and "请至少选定一项" in confirm
    refused = applicant.post(f"/applications/{app_id}/confirm", {"version": version_on(confirm)})
    assert refused.status_code == 200 and "zp-problems" in text_of(refused)
    with app.app_context():
        assert stored(app_id).state == AppState.draft


def test_return_shows_every_comment_beside_its_section_and_resubmission_goes_back(app, applicant):
    app_id = _wizard_to_unit_review(app, applicant)
    with app.app_context():
        engine.apply(app_id, "return", user("demo_unit"), reason="请补充业绩证明",
                     section_comments={"achievements": "业绩证明不足", "materials": "缺少单位推荐表"})
    detail = text_of(applicant.get(f"/applications/{app_id}"))
    assert "请补充业绩证明" in detail and "退回修改" in detail
    assert comment_beside(detail, "achievements") == "业绩证明不足"
    assert comment_beside(detail, "materials") == "缺少单位推荐表" and comment_beside(detail, "info") == ""
    assert "完善后重新提交" in detail and "结束申请" in detail
    edit_page = text_of(applicant.get(f"/applications/{app_id}/edit"))
    assert "请补充业绩证明" in edit_page and comment_beside(edit_page, "achievements") == "业绩证明不足"
    assert comment_beside(edit_page, "materials") == "缺少单位推荐表" and "逾期视为放弃" in edit_page
    assert 'value="submit" class="btn btn-primary">完善后重新提交' in edit_page
    materials = text_of(applicant.get(f"/applications/{app_id}/materials"))
    assert comment_beside(materials, "materials") == "缺少单位推荐表"
    assert comment_beside(text_of(applicant.get(f"/applications/{app_id}/achievements")), "achievements") == "业绩证明不足"
    applicant.post(f"/applications/{app_id}/materials", {"material_name": ["职称评审表", "单位推荐表"],
                                                         "material_copies": ["2", "1"], "action": "next"})
    confirm = text_of(applicant.get(f"/applications/{app_id}/confirm"))
    assert ">完善后重新提交</button>" in confirm
    applicant.post(f"/applications/{app_id}/confirm", {"version": version_on(confirm)})
    with app.app_context():
        application = stored(app_id)
        assert application.state == AppState.unit_review and application.returned_from is None


def test_resubmission_returns_to_the_supervisor_that_returned_it(app, applicant):
    app_id = start(applicant, "recognition")
    edit(applicant, app_id, RECOGNITION, "submit")
    with app.app_context():
        engine.apply(app_id, "approve", user("demo_unit"))
        engine.apply(app_id, "return", user("demo_supervisor"), reason="学历依据不清",
                     section_comments={"info": "请核对毕业时间"})
    page = text_of(applicant.get(f"/applications/{app_id}/edit"))
    assert comment_beside(page, "info") == "请核对毕业时间" and "学历依据不清" in page
    resubmitted = edit(applicant, app_id, {**RECOGNITION, "field_graduation_date": "2002-06-30"}, "submit")
    assert PASSED in text_of(applicant.get(resubmitted.headers["Location"]))
    with app.app_context():
        application = stored(app_id)
        assert application.state == AppState.supervisor_review and application.form["graduation_date"] == "2002-06-30"


def test_end_from_tracking_where_returned_ones_come_first(app, applicant):
    returned_id = start(applicant, "recognition")
    edit(applicant, returned_id, RECOGNITION, "submit")
    with app.app_context():
        engine.apply(returned_id, "return", user("demo_unit"), reason="材料不全")
    draft_id = start(applicant, "reissue")  # newer, but not waiting for the applicant
    tracking = text_of(applicant.get("/applications/tracking"))
    order = [int(i) for i in re.findall(r'data-application="(\d+)"', tracking)]
    assert order == [returned_id, draft_id]
    row = tracking[tracking.index(f'data-application="{returned_id}"'):tracking.index(f'data-application="{draft_id}"')]
    assert "【结束申请】" in row and "【完善后重新提交】" in row
    with app.app_context():
        deadline = stored(returned_id).correction_deadline
    assert deadline.isoformat() in row
    ended = applicant.post(f"/applications/{returned_id}/act",
                           {"event": "end", "version": re.search(r'name="version" value="(\d+)"', row).group(1)})
    assert "申请已结束" in text_of(applicant.get(ended.headers["Location"]))
    with app.app_context():
        assert stored(returned_id).state == AppState.ended
    tracking = text_of(applicant.get("/applications/tracking"))
    assert [int(i) for i in re.findall(r'data-application="(\d+)"', tracking)] == [draft_id]
    assert "已结束" in text_of(applicant.get(f"/applications/{returned_id}"))
    closed = text_of(applicant.get(f"/applications/{returned_id}/edit", follow_redirects=True))
    assert "该申请已办理终结（已结束），不能再修改" in closed


def test_query_filters_by_type_state_and_date_and_rejects_a_bad_date(app, applicant):
    early = start(applicant, "recognition")
    edit(applicant, early, RECOGNITION, "submit")
    late = start(applicant, "reissue")
    draft = start(applicant, "unit_change")
    with app.app_context():
        db.session.get(Application, early).submitted_at = dt.datetime(2026, 3, 10, 9, 0)
        application = db.session.get(Application, late)
        application.state, application.submitted_at = AppState.unit_review, dt.datetime(2026, 6, 1, 9, 0)
        db.session.commit()

    def listed(query: str) -> list[int]:
        page = text_of(applicant.get(f"/applications/?{query}"))
        return [int(i) for i in re.findall(r'data-application="(\d+)"', page)]

    assert listed("") == [draft, late, early]  # newest first
    assert listed("type=recognition") == [early]
    assert listed("state=draft") == [draft]
    assert listed("state=unit_review") == [late, early]
    assert listed("date_from=2026-03-01&date_to=2026-03-31") == [early]
    assert listed("date_from=2026-05-01") == [late]
    bad = applicant.get("/applications/?date_from=2026-13-45&type=nonsense")
    assert bad.status_code == 200
    page = text_of(bad)
    assert "日期格式不正确" in page and "选项无效" in page
    assert [int(i) for i in re.findall(r'data-application="(\d+)"', page)] == [draft, late, early]
    assert "【查看详情】" in page
    assert applicant.get("/applications/?page=999").status_code == 200


def test_query_pages_are_bounded(app, applicant):
    with app.app_context():
        owner = user("demo_applicant")
        for _n in range(23):
            db.session.add(Application(business_type=BusinessType.reissue, user_id=owner.id, form={}))
        db.session.commit()
    first = text_of(applicant.get("/applications/"))
    assert len(re.findall(r'data-application="', first)) == 20 and "第 1 页，共 2 页" in first
    second = text_of(applicant.get("/applications/?page=2"))
    assert len(re.findall(r'data-application="', second)) == 3


def test_another_applicants_application_is_not_found(app, applicant, browser_factory):
    with app.app_context():
        other = make_person("applicant_c", DEMO_PASSWORD, UNIT_C, birth="19920202")
        foreign = drafts.save_draft(None, other, {"business_type": "evaluation", "series": "GC"}).id
        mine = drafts.save_draft(None, user("demo_applicant"), {"business_type": "evaluation"}).id
        own_achievement = db.session.scalar(
            select(Achievement.id).where(Achievement.user_id == user("demo_applicant").id))
    for url in (f"/applications/{foreign}", f"/applications/{foreign}/edit", f"/applications/{foreign}/achievements",
                f"/applications/{foreign}/confirm", "/applications/99999"):
        assert applicant.get(url).status_code == 404, url
    assert applicant.post(f"/applications/{foreign}/act", {"event": "submit", "version": 1}).status_code == 404
    assert applicant.post(f"/applications/{foreign}/edit", {"action": "save"}).status_code == 404
    assert foreign not in [int(i) for i in re.findall(r'data-application="(\d+)"',
                                                       text_of(applicant.get("/applications/")))]
    # The other person cannot pick demo_applicant's records into their own draft either.
    outsider = browser_factory(app, "applicant_c")
    assert outsider.get(f"/applications/{mine}").status_code == 404
    refused = outsider.post(f"/applications/{foreign}/achievements", {"record_id": own_achievement, "op": "select"},
                            follow_redirects=True)
    assert "只能选择本人" in text_of(refused)
    with app.app_context():
        assert stored(foreign).achievements == [] and stored(foreign).series == "GC"


def test_home_shows_the_current_title_and_the_evaluation_in_progress(app, applicant):
    home = text_of(applicant.get("/"))
    block = home[home.index("zp-home-applicant"):]
    assert "当前职称" in block and re.search(r'zp-current-title">工程师<', block)
    assert re.search(r'zp-evaluation-title">无<', block) and re.search(r'zp-evaluation-state">无', block)
    assert "待您处理的退回业务：0 件" in block
    app_id = start(applicant, "evaluation")
    block = text_of(applicant.get("/"))
    assert re.search(r'zp-evaluation-title">高级工程师<', block) and re.search(r'zp-evaluation-state">草稿', block)
    edit(applicant, app_id, EVALUATION, "save")
    with app.app_context():
        application = stored(app_id)
        application.state = AppState.returned
        db.session.commit()
    block = text_of(applicant.get("/"))
    assert re.search(r'zp-evaluation-state">退回修改', block) and "待您处理的退回业务：1 件" in block
    assert 'href="/applications/tracking"' in block


def test_staff_home_has_no_applicant_block(app, browser_factory):
    page = text_of(browser_factory(app, "demo_unit").get("/"))
    assert "zp-home-applicant" not in page and "当前评审职称" not in page and "demo_unit" in page


def test_menu_of_the_applicant_names_the_three_screens(app, applicant):
    home = text_of(applicant.get("/"))
    for href, label in (("/applications/new", "业务申请"), ("/applications/tracking", "办理事项跟踪"),
                        ("/applications/", "业务办理查询")):
        assert f'href="{href}"' in home and label in home


def test_the_applicants_pages_show_no_english_source_string(app, applicant):
    from test_i18n_pages import SOURCE, visible_text

    evaluation = _wizard_to_unit_review(app, applicant)
    with app.app_context():
        engine.apply(evaluation, "return", user("demo_unit"), reason="请补充", section_comments={"profile": "请更新"})
    draft = start(applicant, "unit_change")
    urls = ["/", "/applications/new", "/applications/", "/applications/tracking",
            "/applications/declare?type=entrusted", "/applications/?date_from=bad",
            f"/applications/{draft}", f"/applications/{draft}/edit", f"/applications/{evaluation}"] + [
        f"/applications/{evaluation}/{step}"
        for step in ("edit", "achievements", "publications", "materials", "confirm")]
    shown = set()
    for url in urls:
        response = applicant.get(url)
        assert response.status_code == 200, url
        shown |= {(url, line) for line in visible_text(text_of(response)) if line in SOURCE and line != "English"}
    assert not shown
