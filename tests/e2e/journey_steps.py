"""The steps of the browser journeys (tests/e2e/test_*_journey_browser.py), each a function on a `Visit`.

Kept out of the test modules so a step can be replayed by hand against a running server while a screen is being
fixed. Every step acts through the page as a person would: it follows links and menus where they exist, types, picks,
uploads with set_input_files and clicks; it asserts what the page says after each submit.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"% scan of a certificate\ntrailer<</Root 1 0 R>>\n%%EOF\n")
UNIT = "广东省电子信息技术研究院"  # demo_unit's unit, under demo_supervisor's 广东省工业和信息化厅


def id_number(body: str) -> str:
    """A valid 居民身份证 number for the 17 digits given (GB 11643 check character)."""
    from stdnum.cn import ric

    return body + ric.calc_check_digit(body + "0")


@dataclass
class Person:
    username: str
    password: str
    name: str
    id_number: str
    birth_date: str


def pdf_file(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(PDF)
    return path


def flash_text(visit) -> str:
    """The flashed messages on the page (FAB's .alert boxes)."""
    alerts = visit.page.locator(".alert")
    return " ".join(alerts.all_inner_texts())


def type_date(page, selector: str, value: str) -> None:
    """Type a date as a person does: key by key (the datepicker reads keyups; `fill` alone would be wiped when the
    picker closes), then close the picker."""
    field = page.locator(selector)
    field.fill("")
    field.press_sequentially(value)
    field.press("Escape")
    assert field.input_value() == value, (selector, field.input_value())


def submit(visit, selector: str = "form [type=submit]") -> None:
    with visit.page.expect_navigation():
        visit.page.locator(selector).first.click()
    visit.page.wait_for_load_state()


# ----- the applicant: registration and profile -----

def patient(visit) -> None:
    """A journey's pages wait up to a minute: the suite shares slow CI machines."""
    visit.context.set_default_timeout(60_000)
    visit.context.set_default_navigation_timeout(60_000)


def register(visit, person: Person) -> None:
    page = visit.page
    patient(visit)
    visit.goto("/login/")
    page.locator("a[href*='/register/']").first.click()
    page.wait_for_load_state()
    page.fill("#username", person.username)
    page.fill("#password", person.password)
    page.fill("#confirm_password", person.password)
    page.select_option("#id_type", "01")
    page.fill("#id_number", person.id_number)
    page.fill("#name", person.name)
    page.select_option("#gender", "M")
    page.fill("#birth_date", person.birth_date)
    page.select_option("#country", "CN")
    page.fill("#mobile", "13912345678")
    page.fill("#email", f"{person.username}@example.com")
    page.fill("#qq", "123456789")
    for index, (question, answer) in enumerate(
            [("mother_name", "王秀英"), ("spouse_birthday", "1986-01-01"), ("student_number", "S2004017")], 1):
        page.select_option(f"#question_{index}", question)
        page.fill(f"#answer_{index}", answer)
    page.check("#consent")
    visit.shot("01-register-form")
    submit(visit, "form.form-horizontal [type=submit]")
    assert "/register/done" in page.url, flash_text(visit)
    assert "注册成功" in page.inner_text("body")
    visit.shot("02-registered")


def sign_in(visit, username: str, password: str) -> None:
    patient(visit)
    visit.login(username, password)
    assert "/login" not in visit.page.url, visit.page.inner_text("body")[:500]


def fill_basic_info(visit, tmp: Path) -> None:
    page = visit.page
    visit.goto("/profile/")
    visit.shot("03-profile-empty")
    page.locator(".panel-heading a[href$='/profile/basic']").click()
    page.wait_for_load_state()
    page.select_option("#ethnicity", "01")
    page.fill("#native_place", "广东广州")
    page.select_option("#political_status", "13")
    page.select_option("#highest_education", "21")
    page.select_option("#highest_degree", "4")
    page.fill("#major_studied", "计算机科学与技术")
    page.fill("#graduated_school", "华南理工大学")
    type_date(page, "#graduation_date", "2007-07-01")
    type_date(page, "#work_start_date", "2007-07-15")
    page.select_option("#title_series", "GC")
    page.select_option("#specialty", "GC_0101")
    page.fill("#specialty_years", "18")
    page.select_option("#current_title", "GC_3")
    type_date(page, "#current_title_date", "2015-12-01")
    page.fill("#archive_unit", "广东省人才交流服务中心")
    page.fill("#postcode", "510000")
    pick_unit(visit, "#unit_id", "电子信息技术研究院")
    visit.shot("04-basic-info-form")
    submit(visit, "form.form-horizontal [type=submit]")
    assert page.url.rstrip("/").endswith("/profile"), flash_text(visit) + page.inner_text("body")[:2000]
    assert "已保存" in flash_text(visit) or "保存" in flash_text(visit)


def pick_unit(visit, selector: str, text: str) -> None:
    """The select2 unit picker: open it, type part of the name, choose the first match."""
    page = visit.page
    container = page.locator(f"{selector} + .select2-container, #s2id_{selector.lstrip('#')}").first
    container.click()
    search = page.locator(".select2-drop-active input.select2-input, .select2-search__field").first
    search.fill(text)
    option = page.locator(".select2-results li.select2-result-selectable, .select2-results__option").first
    expect(option).to_contain_text(text)
    option.click()


def add_section_record(visit, section: str, values: dict, selects: dict | None = None,
                       upload: Path | None = None) -> None:
    page = visit.page
    visit.goto(f"/profile/{section}/add")
    for name, value in values.items():
        if name.endswith("_date"):
            type_date(page, f"#model_form [name={name}]", value)
        else:
            page.fill(f"#model_form [name={name}]", value)
    for name, value in (selects or {}).items():
        page.select_option(f"#model_form [name={name}]", value)
    if upload is not None:
        page.set_input_files("#model_form input[name=upload]", str(upload))
    visit.shot(f"05-{section}-form")
    submit(visit, "#model_form [type=submit]")
    assert "/add" not in page.url, flash_text(visit) + page.inner_text("body")[:1500]


def build_profile(visit, tmp: Path) -> None:
    fill_basic_info(visit, tmp)
    add_section_record(visit, "education", {
        "start_date": "2003-09-01", "end_date": "2007-07-01", "school": "华南理工大学", "major": "计算机科学与技术",
    }, {"education": "21", "degree": "4", "study_mode": "full_time"}, pdf_file(tmp, "毕业证书.pdf"))
    add_section_record(visit, "work", {
        "start_date": "2007-07-15", "employer": UNIT, "post": "系统架构师", "duty": "信息系统架构设计",
        "witness": "王建国",
    }, upload=pdf_file(tmp, "劳动合同.pdf"))
    add_section_record(visit, "achievement", {
        "start_date": "2019-03-01", "end_date": "2021-06-30", "project_name": "广东省政务云平台建设",
        "own_work": "主持总体架构设计", "completion_status": "已验收", "effect_evaluation": "支撑全省政务系统上云",
        "own_role": "项目负责人",
    }, {"completion_form": "lead", "project_level": "provincial"}, pdf_file(tmp, "验收证书.pdf"))
    visit.goto("/profile/")
    visit.shot("06-profile-complete")


def submit_profile(visit) -> None:
    visit.goto("/profile/")
    submit(visit, "form[action$='/profile/submit'] [type=submit]")
    assert "提交" in flash_text(visit), flash_text(visit)
    visit.shot("07-profile-submitted")


def approve_profile(visit, person: Person, step: str) -> None:
    """A reviewer (unit, then supervisor) opens the person's profile review from the list and approves it all."""
    page = visit.page
    visit.goto("/profile-reviews/list/")
    row = page.locator("table tr", has_text=person.name).first
    expect(row).to_be_visible()
    visit.shot(f"{step}-list")
    row.locator("a[href*='/profile-reviews/show/']").first.click()
    page.wait_for_load_state()
    assert person.name in page.inner_text("h2")
    visit.shot(f"{step}-show")
    submit(visit, "form[action*='/profile-reviews/decide/'] button[type=submit]")
    assert "alert-danger" not in page.content(), flash_text(visit)
    visit.shot(f"{step}-decided")


# ----- data from elsewhere -----

def seed_past_ce(server, username: str) -> None:
    """The person's recognised continuing education of the past five years, as the seeds say it arrives (records
    from the years before the platform, imported); the evaluation's automatic check requires it."""
    server.python(f"""
from sqlalchemy import select
from app.models import AppUser, BasicInfo, UnitBinding, BindingStatus
from app.models.mixins import utcnow
from app.services import demo_ce
person = db.session.scalar(select(AppUser).where(AppUser.username == {username!r}))
reviewer = db.session.scalar(select(AppUser).where(AppUser.username == "demo_unit"))
unit_id = db.session.scalar(select(BasicInfo.unit_id).where(BasicInfo.user_id == person.id))
db.session.add(UnitBinding(user_id=person.id, unit_id=unit_id, status=BindingStatus.confirmed, requested_at=utcnow(),
                           decided_at=utcnow(), decided_by_id=reviewer.id))
demo_ce.add_recognised_years(person, reviewer, unit_id)
""")


# ----- the evaluation (职称评审) -----

def declare_evaluation(visit) -> None:
    """网上业务办理 → 职称评审 → the declaration with its cascading choices → 同意此协议并报名."""
    page = visit.page
    visit.goto("/applications/new")
    visit.shot("10-new-application")
    page.locator("a[href*='/applications/declare?type=evaluation']").click()
    page.wait_for_load_state()
    page.select_option("#series", "GC")
    page.select_option("#title", "GC_4")
    page.select_option("#category", "GC_01")
    expect(page.locator("#specialty option[value='GC_0101']")).to_have_count(1)
    page.select_option("#specialty", "GC_0101")
    visit.shot("11-declaration")
    submit(visit, "button[name=agree]")
    assert re.search(r"/applications/\d+/edit", page.url), flash_text(visit)


EVALUATION_FORM = {
    "field_current_work": "信息系统架构设计", "field_years_in_field": "18",
    "field_experience_detail": "主持广东省政务云平台总体架构设计", "field_achievement_reason": "主持完成省部级项目",
    "field_work_summary": "近五年主持省级政务云平台建设，负责总体架构与安全设计。",
}


def fill_evaluation(visit) -> None:
    """申请信息 → 专业技术工作成果 (选定) → 纸质材料 → 确认 → 提交."""
    page = visit.page
    page.select_option("#field_person_type", "enterprise")
    for name, value in EVALUATION_FORM.items():
        page.fill(f"[name={name}]", value)
    page.select_option("#field_fulltime_education", "21")
    page.select_option("#field_fulltime_degree", "4")
    for name in ("field_experience_met", "field_achievement_met", "field_commitment"):
        page.check(f"[name={name}]")
    visit.shot("12-application-info")
    submit(visit, "button[name=action][value=next]")
    assert "/achievements" in page.url, flash_text(visit)
    row = page.locator("tr", has_text="广东省政务云平台建设")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    expect(page.locator("tr", has_text="广东省政务云平台建设").locator("button")).to_contain_text("取消")
    visit.shot("13-achievement-chosen")
    page.locator(".zp-form-buttons a.btn-info").click()
    page.wait_for_load_state()
    if "/publications" in page.url:
        page.locator(".zp-form-buttons a.btn-info").click()
        page.wait_for_load_state()
    assert "/materials" in page.url, page.url
    page.locator("[name=material_name]").first.fill("职称评审表")
    page.locator("[name=material_copies]").first.fill("2")
    visit.shot("14-materials")
    submit(visit, "button[name=action][value=next]")
    assert "/confirm" in page.url, flash_text(visit)
    visit.shot("15-confirm")


def submit_application(visit, step: str) -> int:
    page = visit.page
    submit(visit, "form.zp-form-buttons button[type=submit]")
    match = re.search(r"/applications/(\d+)$", page.url)
    assert match, flash_text(visit) + page.inner_text("body")[:1500]
    assert "alert-danger" not in page.content(), flash_text(visit)
    visit.shot(step)
    return int(match.group(1))


# ----- reviewers -----

def accept_dialogs(visit) -> None:
    """The reviewers' buttons ask "确认……？" (window.confirm); the person clicks OK."""
    visit.page.on("dialog", lambda dialog: dialog.accept())


def open_from_todo(visit, person: Person, step: str) -> None:
    """待办 → search the applicant's name → 办理."""
    page = visit.page
    visit.goto("/review/applications/todo")
    page.fill("#filter-q", person.name)
    submit(visit, ".zp-review-filters [type=submit]")
    row = page.locator("table tr", has_text=person.name).first
    expect(row).to_be_visible()
    visit.shot(f"{step}-todo")
    with page.expect_navigation():
        row.locator("a[href*='/review/applications/']").first.click()
    assert person.name in page.inner_text("body")
    visit.shot(f"{step}-detail")


def click_action(visit, event: str, step: str, expect_text: str | None = None) -> None:
    """One of the detail page's buttons (通过, 受理 …), confirmed in the dialog."""
    page = visit.page
    submit(visit, f".zp-action-buttons button[data-event={event}]")
    assert "alert-danger" not in page.content(), flash_text(visit)
    if expect_text:
        assert expect_text in flash_text(visit) + page.inner_text("body"), flash_text(visit)
    visit.shot(step)


def return_with_comment(visit, reason: str, comments: dict[str, str], step: str) -> None:
    """退回修改 (一次性告知): the reason and a comment on each section concerned."""
    page = visit.page
    form = page.locator("form.zp-action-form", has=page.locator("button[data-event=return]"))
    form.locator("textarea[name=reason]").fill(reason)
    for code, text in comments.items():
        form.locator(f"textarea[name=comment_{code}]").fill(text)
    visit.shot(f"{step}-form")
    with page.expect_navigation():
        form.locator("button[data-event=return]").click()
    assert "alert-danger" not in page.content(), flash_text(visit)
    visit.shot(step)


def fix_and_resubmit(visit, app_id: int, comment: str) -> None:
    """The applicant reads the 退回修改 notice with the section comment, corrects that section and resubmits."""
    page = visit.page
    visit.goto(f"/applications/{app_id}")
    assert comment in page.inner_text("body")
    visit.shot("21-returned-detail")
    visit.goto(f"/applications/{app_id}/edit")
    assert comment in page.inner_text("body")  # the comment sits on the section it is about
    page.fill("[name=field_work_summary]", EVALUATION_FORM["field_work_summary"]
              + "补充：项目于2021年通过省级验收，获省政务服务数据管理局好评。")
    visit.shot("22-fixing")
    submit(visit, "button[name=action][value=next]")
    page.locator(".zp-form-buttons a.btn-info").click()
    page.wait_for_load_state()
    if "/publications" in page.url:
        page.locator(".zp-form-buttons a.btn-info").click()
        page.wait_for_load_state()
    submit(visit, "button[name=action][value=next]")
    assert "/confirm" in page.url, flash_text(visit)
    submit_application(visit, "23-resubmitted")


def end_publicity(server, app_id: int) -> None:
    """The clock: the running 公示 ended yesterday (the Beijing day); the tick moves the application on."""
    yesterday = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() - dt.timedelta(days=1)
    server.sql("UPDATE application SET publicity_until = :day WHERE id = :id", day=yesterday.isoformat(), id=app_id)
    server.flask("workflow", "tick")


def application_state(server, app_id: int) -> str:
    return server.sql("SELECT state FROM application WHERE id = :id", id=app_id)[0][0]


def hold_meeting(visit, app_id: int, person: Person) -> None:
    """评审批次 → the batch → 评审会: 17 of 25 members present (two thirds), 12 yes / 3 no / 2 abstain (over two
    thirds of those present), then the result 通过."""
    page = visit.page
    visit.goto("/review-batches/list/")
    visit.shot("27-batches")
    page.locator("table a[href*='/review-batches/show/']").first.click()
    page.wait_for_load_state()
    page.locator("a[href*='/review-batches/meeting/']").click()
    page.wait_for_load_state()
    boxes = page.locator("input[name=expert_id]")
    assert boxes.count() == 25
    for index in range(17):
        boxes.nth(index).check()
    visit.shot("28-attendance")
    submit(visit, "form[action$='/attendance'] [type=submit]")
    assert "17" in flash_text(visit), flash_text(visit)
    candidate = page.locator(f"#candidate-{app_id}")
    assert person.name in candidate.inner_text()
    rows = candidate.locator("form.zp-votes tbody tr")
    assert rows.count() == 17  # only those present vote
    choices = ["yes"] * 12 + ["no"] * 3 + ["abstain"] * 2
    for index, choice in enumerate(choices):
        rows.nth(index).locator(f"input[type=radio][value={choice}]").check()
    visit.shot("29-votes")
    submit(visit, f"#candidate-{app_id} form.zp-votes [type=submit]")
    assert "17" in flash_text(visit), flash_text(visit)
    visit.shot("30-tally")
    submit(visit, f"#candidate-{app_id} form.zp-inline-form:has(input[value=meeting_pass]) [type=submit]")
    assert "alert-danger" not in page.content(), flash_text(visit)
    visit.shot("31-result-recorded")


# ----- certificate and forms -----

def shown_value(page, label: str) -> str:
    """The value beside a label in a FAB show table."""
    return page.locator(f"table tr:has(th:text-is('{label}')) td").first.inner_text().strip()


def download(visit, link, folder: Path) -> Path:
    """Click a download link and keep the file the browser received."""
    with visit.page.expect_download() as waiting:
        link.click()
    received = waiting.value
    assert received.failure() is None, received.failure()
    target = folder / received.suggested_filename
    received.save_as(target)
    return target


def docx_text(path: Path) -> str:
    """Every paragraph and table cell of a Word file (opening it proves it is one)."""
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def my_certificate(visit, folder: Path) -> tuple[str, str, Path]:
    """我的证书 → 查看 → number and verification code; the certificate's Word file downloaded."""
    page = visit.page
    visit.goto("/my-certificates/list/")
    visit.shot("33-my-certificates")
    page.locator("table a[href*='/my-certificates/show/']").first.click()
    page.wait_for_load_state()
    number, code = shown_value(page, "证书编号"), shown_value(page, "验证码")
    assert number and code, page.inner_text("body")[:1000]
    visit.shot("34-certificate")
    saved = download(visit, page.locator("a[href*='/my-certificates/document/']").first, folder)
    return number, code, saved


def verify_certificate(visit, number: str, code: str, masked_name: str) -> None:
    """The public 证书查验 page, from the portal, without signing in."""
    page = visit.page
    visit.goto("/verify/")
    page.fill("#number", number)
    page.fill("#code", code)
    submit(visit, "form.form-horizontal [type=submit]")
    body = page.inner_text("body")
    assert number in body and masked_name in body and "有效" in body, body[:1500]
    assert "高级工程师" in page.locator("table tr", has_text="职称").first.inner_text()
    visit.shot("35-verified")


def download_forms(visit, app_id: int, folder: Path) -> list[Path]:
    """The application's 生成文书 (评审表 …): each Word file downloaded from the detail page."""
    page = visit.page
    visit.goto(f"/applications/{app_id}")
    page.locator(".zp-tabs a[href='#tab-documents']").click()
    links = page.locator(".zp-documents a[href*='/documents/']:not([href*='format=pdf'])")
    assert links.count() >= 1, page.inner_text("body")[:1500]
    visit.shot("36-forms")
    return [download(visit, links.nth(index), folder) for index in range(links.count())]


# ----- continuing education -----

def seed_this_years_other_hours(server, username: str, year: int) -> None:
    """公需课 30 and 选修课 18 hours of the year, recognised, as the records of the online academy arrive (from
    elsewhere); the training class of the journey brings the 专业课 hours that complete the year."""
    server.python(f"""
import datetime as dt
from decimal import Decimal
from sqlalchemy import select
from app.models import AppUser, UnitBinding
from app.services import demo_ce
person = db.session.scalar(select(AppUser).where(AppUser.username == {username!r}))
reviewer = db.session.scalar(select(AppUser).where(AppUser.username == "demo_unit"))
unit_id = db.session.scalar(select(UnitBinding.unit_id).where(UnitBinding.user_id == person.id))
for course_type, name, hours in (("public", "专业技术人员职业道德与诚信建设", 30), ("elective", "项目管理实务", 18)):
    demo_ce._approved_claim(person, reviewer, unit_id, {year}, course_type, name, "online",
                            "广东省专业技术人员继续教育网络学院", dt.date({year}, 1, 2), 1, Decimal(hours))
""")


def create_and_publish_class(visit, name: str, start: str) -> None:
    """The provider: 新增培训班 → save → 接受报名 (publish)."""
    page = visit.page
    visit.goto("/training-classes/")
    page.locator("a[href$='/training-classes/add']").click()
    page.wait_for_load_state()
    page.fill("#f-name", name)
    page.fill("#f-course_name", "信息系统架构设计前沿")
    page.select_option("#f-course_type", "professional")
    page.select_option("#f-learning_form", "face_to_face")
    page.fill("#f-days", "6")
    page.fill("#f-start_date", start)
    page.fill("#f-hours", "42")
    page.fill("#f-capacity", "30")
    page.fill("#f-head_teacher", "陈立新")
    page.fill("#f-teachers", "陈立新、周海燕")
    page.fill("#f-exam_type", "结业考试")
    page.fill("#f-schedule", "第1-3天：架构设计方法；第4-6天：案例研讨")
    page.fill("#f-location", "华南理工大学五山校区")
    page.locator("input[name=subject]").nth(0).fill("云原生架构")
    page.locator("input[name=subject]").nth(1).fill("安全架构")
    visit.shot("01-class-form")
    submit(visit, "form.zp-class-form [type=submit]")
    assert "alert-danger" not in page.content(), flash_text(visit) + page.inner_text("body")[:1500]
    assert name in page.inner_text("h2"), page.url
    class_event(visit, "publish", "02-class-published")


def class_event(visit, event: str, step: str) -> None:
    submit(visit, f"form[action$='/act'] button[name=event][value={event}]")
    assert "alert-danger" not in visit.page.content(), flash_text(visit)
    visit.shot(step)


def enrol(visit, class_name: str) -> None:
    """The applicant: 培训班 catalogue → the class → 报名."""
    page = visit.page
    visit.goto("/classes/")
    row = page.locator("table tr", has_text=class_name)
    with page.expect_navigation():
        row.locator("a[href*='/classes/']").first.click()
    visit.shot("03-class-detail")
    submit(visit, "button.zp-enrol")
    assert "alert-danger" not in page.content(), flash_text(visit)
    visit.shot("04-enrolled")


def open_own_class(visit, class_name: str) -> None:
    page = visit.page
    visit.goto("/training-classes/")
    with page.expect_navigation():
        page.locator("table tr", has_text=class_name).locator("a[href*='/training-classes/']").first.click()


def confirm_and_complete(visit, class_name: str, learner: str) -> None:
    """The provider confirms the enrolment, starts the class and marks the learner completed (结业)."""
    page = visit.page
    open_own_class(visit, class_name)
    row = page.locator("table tr", has_text=learner)
    with page.expect_navigation():
        row.locator("button[name=action][value=confirm]").click()
    assert "已确认" in flash_text(visit) or "确认" in flash_text(visit), flash_text(visit)
    visit.shot("05-enrolment-confirmed")
    class_event(visit, "start", "06-class-started")
    row = page.locator("table tr", has_text=learner)
    with page.expect_navigation():
        row.locator("button[name=action][value=complete]").click()
    assert "alert-danger" not in page.content(), flash_text(visit)
    visit.shot("07-completed")


def ce_record_listed(visit, course: str) -> None:
    page = visit.page
    visit.goto("/ce-records/")
    assert course in page.inner_text("body"), page.inner_text("body")[:1500]
    visit.shot("08-ce-records")


def print_ce_certificate(visit, year: int, folder: Path) -> Path:
    """继续教育证书: the year is 达标; 打印证书 downloads the Word certificate."""
    page = visit.page
    visit.goto("/my-ce-certificates/")
    row = page.locator(f"tr[data-year='{year}']")
    expect(row.locator(".label-success")).to_have_text("达标")
    visit.shot("09-ce-certificates")
    return download(visit, row.locator("form button[type=submit]:not([name=format])"), folder)
