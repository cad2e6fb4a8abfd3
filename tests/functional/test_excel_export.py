"""导出Excel: the downloaded workbook read back with openpyxl — Chinese headers, labels, dates, frozen header,
formula-like text kept as text, exactly the user's scope with the page's filters and sort, refusals, the log row.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from urllib.parse import quote

import openpyxl
import pytest
from sqlalchemy import func, select

import factories as f
from app.extensions import db
from app.models import (
    Application, ApplicationEvent, AppState, BusinessType, DictItem, DictType, OperationLog, Org, ProfileReview, ReviewStage,
)
from app.models.mixins import utcnow
from app.security import roles as r
from app.services.workdays import local_time
from app.workflow import inbox
from conftest import DEMO_PASSWORD

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORG_HEADERS = ["名称", "简称", "机构类型", "统一社会信用代码", "上级机构", "所属地区", "状态", "地址", "联系人",
               "联系电话", "联系邮箱", "创建时间"]
TODO_HEADERS = ["申报人", "证件号码", "人事管理单位", "业务类型", "申报系列/资格", "状态", "到达时间", "办理时限",
                "公示至"]
# name → (owner, state, unit); owners' names are the markers in the workbooks.
APPLICATIONS = {
    "A1": ("demo_applicant", AppState.unit_review, f.UNIT_A),
    "A2": ("person_a2", AppState.unit_review, f.UNIT_A),
    "A3": ("person_a2", AppState.supervisor_review, f.UNIT_A),
    "B1": ("applicant_b", AppState.unit_review, f.UNIT_B),
}
PEOPLE = {"person_a2": (f.UNIT_A, "甲乙丙", "19880101"), "applicant_b": (f.UNIT_B, "乙丙丁", "19860101")}


def workbook(response):
    """The download's first sheet, after checking it is an .xlsx attachment."""
    assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return openpyxl.load_workbook(io.BytesIO(response.data)).active


def rows_of(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]


def column(sheet, header: str) -> list:
    headers = [cell.value for cell in sheet[1]]
    index = headers.index(header)
    return [row[index] for row in rows_of(sheet)]


@pytest.fixture(scope="module")
def world(shared_app):
    """People and applications in units A and B, open profile reviews in both; ids by name."""
    with shared_app.app_context():
        f.make_staff("unit_b_reviewer", r.UNIT_REVIEWER, [f.UNIT_B], DEMO_PASSWORD)
        for username, (unit, full_name, birth) in PEOPLE.items():
            person = f.make_person(username, DEMO_PASSWORD, unit, birth=birth)
            person.last_name, person.first_name = full_name[0], full_name[1:]
            db.session.add(ProfileReview(user_id=person.id, unit_id=f.org(unit).id, stage=ReviewStage.unit))
        ids = {}
        for name, (owner, state, unit) in APPLICATIONS.items():
            application = Application(
                # A3 is another business: one person has at most one open application of each (uq_application_open).
                business_type=BusinessType.out_of_province if name == "A3" else BusinessType.recognition,
                user_id=f.user(owner).id, state=state, series="GC",
                title="GC_4", level="4", form={}, unit_id=f.org(unit).id, supervisor_id=f.org(f.SUPERVISOR_1).id,
                authority_id=f.org(f.AUTHORITY).id, submitted_at=utcnow() - dt.timedelta(days=3),
                state_entered_at=utcnow() - dt.timedelta(days=2),
            )
            db.session.add(application)
            db.session.flush()
            ids[name] = application.id
        db.session.commit()
        ids.update({name: f.org(name).id for name in (f.UNIT_A, f.UNIT_B, f.SUPERVISOR_1, f.SUPERVISOR_2)})
        db.session.remove()
    return ids


def test_org_export_has_chinese_headers_labels_dates_a_frozen_header_and_no_formula(app, browser_factory):
    browser = browser_factory(app, "demo_unit")
    with app.app_context():
        unit_a = f.org(f.UNIT_A).id
    # The reviewer types a formula into the contact details of their own unit, through the edit form.
    response = browser.post(f"/orgs/edit/{unit_a}", {"address": "@SUM(A1:A9)", "contact_person": "=1+1",
                                                      "contact_phone": "+8620-1234", "contact_email": ""})
    assert response.status_code == 302
    with app.app_context():
        assert f.org(f.UNIT_A).contact_person == "=1+1"

    response = browser.get("/orgs/export/")
    assert "filename*=UTF-8''" + quote("本机构及下属机构") in response.headers["Content-Disposition"]
    sheet = workbook(response)
    assert [cell.value for cell in sheet[1]] == ORG_HEADERS
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 2 * len(f.UNIT_A)  # wide enough for the Chinese name
    row = dict(zip(ORG_HEADERS, next(sheet.iter_rows(min_row=2))))
    assert row["名称"].value == f.UNIT_A
    assert row["机构类型"].value == "用人单位" and row["状态"].value == "启用"  # labels, not codes
    assert row["所属地区"].value == "广州市"
    created = row["创建时间"]
    assert created.is_date and isinstance(created.value, dt.datetime) and "yyyy" in created.number_format
    for header, typed in (("联系人", "=1+1"), ("地址", "@SUM(A1:A9)"), ("联系电话", "+8620-1234")):
        assert row[header].value == typed and row[header].data_type == "s", header
    sheet_xml = zipfile.ZipFile(io.BytesIO(response.data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_a_dictionary_label_that_looks_like_a_formula_stays_text(app, browser_factory):
    with app.app_context():
        item = db.session.scalar(select(DictItem).join(DictType).where(DictType.code == "region").limit(1))
        item.label = "=HYPERLINK(\"http://evil.example\",\"点击\")"
        code = item.code
        db.session.commit()
    sheet = workbook(browser_factory(app, "demo_admin").get(f"/dictionary-items/export/?_flt_3_code={code}"))
    assert [cell.value for cell in sheet[1]] == ["数据字典", "编码", "名称", "上级字典值", "排序号", "启用"]
    labels = [row for row in sheet.iter_rows(min_row=2) if row[1].value == code]
    assert labels and labels[0][2].value.startswith("=HYPERLINK") and labels[0][2].data_type == "s"
    assert labels[0][5].value == "是"



def test_a_related_list_exports_the_rows_of_its_parent_only(app, browser_factory):
    with app.app_context():
        region = db.session.scalar(select(DictType).where(DictType.code == "region"))
        region_id, name = region.id, region.name
        count = db.session.scalar(select(func.count()).select_from(DictItem).where(DictItem.type_id == region_id))
    browser = browser_factory(app, "demo_admin")
    page = browser.get(f"/dictionaries/show/{region_id}").get_data(as_text=True)
    link = f"/dictionary-items/export/?_flt_0_dict_type={region_id}"
    assert link in page
    sheet = workbook(browser.get(link))
    assert len(rows_of(sheet)) == count and set(column(sheet, "数据字典")) == {name}


def test_unit_reviewer_exports_exactly_their_scope(shared_app, browser_factory, world):
    browser = browser_factory(shared_app, "demo_unit")
    with shared_app.app_context():
        reviewer = f.user("demo_unit")
        own_orgs = [o.id for o in reviewer.orgs]
        org_names = set(db.session.scalars(select(Org.name).where(Org.id.in_(own_orgs))))
        reviews = db.session.scalar(select(func.count()).select_from(ProfileReview)
                                    .where(ProfileReview.unit_id.in_(own_orgs)))
        todo = db.session.scalar(select(func.count()).select_from(Application).where(
            Application.state == AppState.unit_review, Application.unit_id.in_(own_orgs),
            Application.user_id != reviewer.id))
        db.session.remove()

    assert set(column(workbook(browser.get("/orgs/export/")), "名称")) == org_names == {f.UNIT_A}
    review_sheet = workbook(browser.get("/profile-reviews/export/"))
    assert len(rows_of(review_sheet)) == reviews >= 2
    assert set(column(review_sheet, "人事管理单位")) == {f.UNIT_A}
    todo_sheet = workbook(browser.get("/review/applications/todo/export"))
    assert [cell.value for cell in todo_sheet[1]] == TODO_HEADERS
    assert len(rows_of(todo_sheet)) == todo == 2  # A1 and A2; A3 waits for the supervisor, B1 is unit B's
    assert set(column(todo_sheet, "人事管理单位")) == {f.UNIT_A}
    assert "乙丙丁" not in str(rows_of(todo_sheet))
    assert set(column(todo_sheet, "业务类型")) == {"职称考核认定申请"}
    assert set(column(todo_sheet, "状态")) == {"待单位审核"}
    assert sorted(column(todo_sheet, "申报人")) == sorted(["测试人", "甲乙丙"])
    arrived = todo_sheet.cell(row=2, column=TODO_HEADERS.index("到达时间") + 1)
    assert arrived.is_date
    assert all("*" in number for number in column(todo_sheet, "证件号码"))  # masked as on the page

    # Hand-made filters naming another scope's rows add nothing.
    for url in (f"/orgs/export/?_flt_0_name={f.UNIT_B}", f"/orgs/export/?_flt_0_parent={world[f.SUPERVISOR_2]}",
                f"/profile-reviews/export/?_flt_0_unit={world[f.UNIT_B]}"):
        assert rows_of(workbook(browser.get(url))) == [], url
    by_parent = workbook(browser.get(f"/orgs/export/?_flt_0_parent={world[f.SUPERVISOR_1]}"))
    assert column(by_parent, "名称") == [f.UNIT_A]  # not its sibling unit B


def test_the_pages_filters_and_sort_are_honoured(shared_app, browser_factory, world):
    admin = browser_factory(shared_app, "demo_admin")
    with shared_app.app_context():
        expected = list(db.session.scalars(select(Org.name).where(Org.name.contains("广东")).order_by(Org.name.desc())))
        db.session.remove()
    sheet = workbook(admin.get("/admin/orgs/export/?_flt_2_name=广东&_oc_OrgAdminView=name&_od_OrgAdminView=desc"
                               "&psize_OrgAdminView=2&page_OrgAdminView=1"))
    assert column(sheet, "名称") == expected and len(expected) > 2  # every page, not the one shown
    ascending = workbook(admin.get("/admin/orgs/export/?_flt_2_name=广东&_oc_OrgAdminView=name&_od_OrgAdminView=asc"))
    assert column(ascending, "名称") == sorted(expected)

    unit_b = browser_factory(shared_app, "unit_b_reviewer")
    assert column(workbook(unit_b.get("/review/applications/todo/export?q=乙丙丁")), "申报人") == ["乙丙丁"]
    assert rows_of(workbook(unit_b.get("/review/applications/todo/export?q=甲乙丙"))) == []
    assert rows_of(workbook(unit_b.get("/review/applications/todo/export?type=evaluation"))) == []


def test_the_list_pages_offer_the_button_with_their_conditions(shared_app, browser_factory, world):
    browser = browser_factory(shared_app, "demo_unit")
    page = browser.get("/orgs/list/?_flt_0_name=广东").get_data(as_text=True)
    assert "导出Excel" in page and "/orgs/export/?_flt_0_name=" in page
    todo = browser.get("/review/applications/todo?type=recognition").get_data(as_text=True)
    assert "/review/applications/todo/export?" in todo and "type=recognition" in todo
    applicant = browser_factory(shared_app, "demo_applicant")
    assert "导出Excel" in applicant.get("/applications/").get_data(as_text=True)
    assert "导出Excel" not in applicant.get("/profile/").get_data(as_text=True)


def test_the_done_export_shows_each_applications_last_action_and_when(shared_app, browser_factory, world):
    """已办 rows are (application, the user's last review event); the export reads them as plain rows."""
    with shared_app.app_context():
        reviewer = f.user("unit_b_reviewer")
        handled = utcnow().replace(microsecond=0) - dt.timedelta(hours=5)
        for event, hours_before in (("return", 30), ("approve", 0)):
            db.session.add(ApplicationEvent(
                application_id=world["B1"], event=event, from_state=AppState.unit_review.value,
                to_state=AppState.supervisor_review.value, actor_id=reviewer.id, actor_role=r.UNIT_REVIEWER,
                at=handled - dt.timedelta(hours=hours_before)))
        db.session.commit()
        application = db.session.get(Application, world["B1"])
        last = db.session.scalars(select(ApplicationEvent).where(ApplicationEvent.application_id == world["B1"])
                                 .order_by(ApplicationEvent.id.desc())).first()
        expected_label = inbox.event_label(application, last)
        db.session.remove()

    sheet = workbook(browser_factory(shared_app, "unit_b_reviewer").get("/review/applications/done/export"))
    assert [cell.value for cell in sheet[1]] == ["申报人", "证件号码", "人事管理单位", "业务类型", "申报系列/资格",
                                                 "我的最后操作", "处理时间", "当前状态"]
    assert column(sheet, "申报人") == ["乙丙丁"]
    assert column(sheet, "我的最后操作") == [expected_label] and expected_label == "通过"
    assert column(sheet, "人事管理单位") == [f.UNIT_B]
    assert column(sheet, "当前状态") == ["待单位审核"]
    assert column(sheet, "处理时间")[0] == local_time(handled).replace(tzinfo=None)


STAFF_EXPORTS = ["/orgs/export/", "/org-staff/export/", "/profile-reviews/export/", "/review/applications/todo/export",
                 "/review/applications/done/export", "/operation-log/export/", "/login-log/export/",
                 "/admin/orgs/export/", "/dictionary-items/export/", "/objections/export/", "/review-batches/export/",
                 "/certificates/export/"]


@pytest.mark.parametrize("actor", ["demo_applicant", None])
def test_applicants_and_anonymous_cannot_export_staff_lists(shared_app, browser_factory, world, actor):
    browser = browser_factory(shared_app, actor) if actor else browser_factory(shared_app)
    for url in STAFF_EXPORTS:
        response = browser.get(url)
        if actor is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == 403, url
        assert response.mimetype != XLSX


def test_admin_only_lists_are_closed_to_reviewers(shared_app, browser_factory, world):
    browser = browser_factory(shared_app, "demo_unit")
    for url in ("/operation-log/export/", "/login-log/export/", "/admin/orgs/export/", "/users/export/",
                "/dictionary-items/export/", "/password-appeals/export/"):
        assert browser.get(url).status_code == 403, url


def test_the_applicant_exports_only_their_own_business_query(shared_app, browser_factory, world):
    sheet = workbook(browser_factory(shared_app, "person_a2").get("/applications/export"))
    assert [cell.value for cell in sheet[1]] == ["业务类型", "申报职称", "状态", "提交时间", "当前办理单位"]
    assert len(rows_of(sheet)) == 2
    assert sorted(column(sheet, "状态")) == ["待主管单位审核", "待单位审核"]
    assert set(column(sheet, "业务类型")) == {"职称考核认定申请", "省外来粤资格确认申请"}
    assert all(isinstance(value, dt.datetime) for value in column(sheet, "提交时间"))
    filtered = workbook(browser_factory(shared_app, "person_a2").get("/applications/export?state=unit_review"))
    assert len(rows_of(filtered)) == 1


def test_each_export_is_logged_with_its_list_filters_and_row_count(app, browser_factory):
    browser = browser_factory(app, "demo_unit")
    sheet = workbook(browser.get("/orgs/export/?_flt_0_name=广东&_oc_MyOrgView=name&_od_MyOrgView=desc"))
    with app.app_context():
        entry = db.session.scalar(select(OperationLog).where(OperationLog.action == "export")
                                  .order_by(OperationLog.id.desc()))
        assert entry is not None and entry.user_id == f.user("demo_unit").id
        assert entry.target_type == "MyOrgView"
        detail = json.loads(entry.detail)
    assert detail["rows"] == len(rows_of(sheet)) == 1
    assert detail["filters"] == {"_flt_0_name": "广东", "_oc_MyOrgView": "name", "_od_MyOrgView": "desc"}
    assert detail["list"] == "本机构及下属机构"
    assert detail["conditions"] == ["名称 开头是 广东", "排序：名称，降序"]


def test_an_export_over_the_cap_is_refused_with_a_message(app_with, browser_factory):
    app = app_with(EXPORT_MAX_ROWS=3)
    browser = browser_factory(app, "demo_admin")
    response = browser.get("/dictionary-items/export/?_flt_2_label=市")
    assert response.status_code == 302 and "/dictionary-items/list/" in response.headers["Location"]
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "超过导出上限" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OperationLog)
                                 .where(OperationLog.action == "export")) == 0
    assert workbook(browser.get("/dictionaries/export/?_flt_3_code=region"))  # within the cap it works


def test_bad_list_arguments_never_give_a_server_error(shared_app, browser_factory, world):
    admin = browser_factory(shared_app, "demo_admin")
    for url in ("/login-log/export/?_flt_0_at=不是日期", "/admin/orgs/export/?_oc_OrgAdminView=path&_od_OrgAdminView=x",
                "/profile-reviews/export/?_flt_0_unit=abc", "/review/applications/todo/export?type=nonsense&series=zz",
                "/operation-log/export/?_flt_0_target_id=x1"):
        response = admin.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
        if response.status_code == 302:
            assert "/export" not in response.headers["Location"]
