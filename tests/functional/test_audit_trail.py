"""The audit trail: field-level change history with timelines, the operation log's coverage and scope, and the
append-only logs (the database refuses UPDATE and DELETE on both SQLite and PostgreSQL)."""
from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

import factories as f
from app.extensions import db
from app.models import (
    Application, ApplicationEvent, ChangeLog, DictItem, DictType, Education, OperationLog,
)
from app.models.append_only import APPEND_ONLY_TABLES
from app.services import audit
from conftest import DEMO_PASSWORD
from factories import UNIT_A, make_person, pdf_bytes

EDUCATION = {
    "start_date": "2004-09-01", "end_date": "2008-07-01", "school": "华南理工大学", "major": "机械工程",
    "education": "21", "degree": "4", "study_mode": "full_time",
}


def _changes(**where) -> list[ChangeLog]:
    query = select(ChangeLog).order_by(ChangeLog.id)
    for name, value in where.items():
        query = query.where(getattr(ChangeLog, name) == value)
    return list(db.session.scalars(query))


def _type_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(DictType.id).where(DictType.code == code))


# ----- field-level change history -----

def test_an_admin_add_writes_field_rows_and_an_operation_row_with_roles_and_ip(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    response = admin.post("/dictionary-items/add", {"dict_type": _type_id(app, "learning_form"), "code": "live",
                                                   "label": "在线直播", "sort_order": "5", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(DictItem).where(DictItem.code == "live"))
        rows = _changes(record_type="DictItem", record_id=item.id)
        fields = {row.field: row for row in rows}
        assert fields["label"].operation == "insert" and fields["label"].new_value == "在线直播"
        assert fields["label"].old_value is None
        assert all(row.user_id == f.user("demo_admin").id and row.roles == "Admin" for row in rows)
        assert all(row.ip == "127.0.0.1" for row in rows)
        assert len({row.change_id for row in rows}) == 1  # one save, one change id
        logged = db.session.scalar(select(OperationLog).where(
            OperationLog.action == "add", OperationLog.target_type == "DictItem", OperationLog.target_id == item.id))
        assert logged is not None and logged.roles == "Admin" and logged.ip == "127.0.0.1"
        item_id = item.id
    page = admin.get(f"/dictionary-items/show/{item_id}").get_data(as_text=True)
    assert "变更记录" in page and "在线直播" in page and "新增" in page


def test_a_profile_edit_records_old_and_new_and_shows_on_the_profile(app, browser_factory):
    with app.app_context():
        person_id = make_person("audit_applicant", DEMO_PASSWORD, UNIT_A).id
    browser = browser_factory(app, "audit_applicant")
    data = dict(EDUCATION, upload=(io.BytesIO(pdf_bytes()), "毕业证.pdf"))
    assert browser.post("/profile/education/add", data=data, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        record = db.session.scalar(select(Education).where(Education.user_id == person_id))
        record_id, version = record.id, record.version
    response = browser.post(f"/profile/education/edit/{record_id}",
                            data=dict(EDUCATION, school="中山大学", version=str(version)))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Education, record_id).school == "中山大学"
        updates = _changes(record_type="Education", record_id=record_id, operation="update")
        school = [row for row in updates if row.field == "school"]
        assert len(school) == 1 and (school[0].old_value, school[0].new_value) == ("华南理工大学", "中山大学")
        assert school[0].owner_type == "profile" and school[0].owner_id == person_id
        assert school[0].roles == "Applicant" or "Applicant" in (school[0].roles or "")
    page = browser.get("/profile/").get_data(as_text=True)
    timeline = page[page.index("change-timeline"):]
    assert "华南理工大学" in timeline and "中山大学" in timeline and "学历信息" in timeline
    # The applicant holds no permission on the full log: no link to it.
    assert "/change-log/list/" not in timeline


def test_a_password_hash_is_never_stored_and_shows_as_changed(app, browser_factory):
    from app.services import passwords

    with app.app_context():
        person = f.user("demo_unit")
        new_hash = passwords.hash_password("Another@2026zp")
        person.password = new_hash
        db.session.commit()
        rows = _changes(record_type="AppUser", record_id=person.id, field="password", operation="update")
        assert len(rows) == 1 and rows[0].new_value == "[changed]" and rows[0].old_value is None
        everything = db.session.execute(select(ChangeLog.old_value, ChangeLog.new_value)).all()
        assert not any(new_hash in (value or "") for pair in everything for value in pair)
        user_id = person.id
    page = browser_factory(app, "demo_admin").get(f"/users/show/{user_id}").get_data(as_text=True)
    assert "变更记录" in page and "已修改" in page and new_hash not in page


def test_an_application_change_shows_on_its_detail_page_for_those_who_see_it(app, browser_factory):
    with app.app_context():
        application = db.session.get(Application, f.evaluation_in_unit_publicity())
        application.exceptional_reason = "审计测试理由"
        db.session.commit()
        app_id = application.id
        rows = _changes(owner_type="Application", owner_id=app_id, field="exceptional_reason")
        assert rows and rows[-1].new_value == "审计测试理由" and rows[-1].user_id is None  # no request: 系统
    page = browser_factory(app, "demo_applicant").get(f"/applications/{app_id}").get_data(as_text=True)
    assert "变更记录" in page and "审计测试理由" in page and "破格理由" in page
    # The unit's reviewer sees it on the review page; a unit of another branch gets no page at all.
    review = browser_factory(app, "demo_unit").get(f"/review/applications/{app_id}")
    assert review.status_code == 200 and "审计测试理由" in review.get_data(as_text=True)
    with app.app_context():
        f.make_staff("audit_unit_c", "UnitReviewer", [f.UNIT_C], DEMO_PASSWORD)
    other = browser_factory(app, "audit_unit_c").get(f"/review/applications/{app_id}")
    assert other.status_code == 404 and "审计测试理由" not in other.get_data(as_text=True)


def test_the_change_log_list_filters_on_a_record(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    with app.app_context():
        item = db.session.scalar(select(DictItem).order_by(DictItem.id))
        item.label = "审计过滤测试"
        db.session.commit()
        item_id = item.id
    page = admin.get(f"/change-log/list/?_flt_0_record_type=DictItem&_flt_0_record_id={item_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "审计过滤测试" in body and "变更记录" in body


# ----- operation log coverage -----

def test_sign_in_sign_out_and_a_failed_sign_in_are_in_the_operation_log(app, browser_factory):
    browser = browser_factory(app)
    browser.login("demo_unit", "wrong-Password1")
    browser = browser_factory(app, "demo_unit")
    browser.get("/logout/")
    with app.app_context():
        unit_id = f.user("demo_unit").id
        rows = db.session.execute(select(OperationLog.action, OperationLog.outcome, OperationLog.user_id).where(
            OperationLog.action.in_(("login", "logout")), OperationLog.target_id == unit_id)
            .order_by(OperationLog.id)).all()
    assert [(action, outcome) for action, outcome, _ in rows] == [
        ("login", "failure"), ("login", "success"), ("logout", "success")]
    assert rows[0].user_id is None and rows[1].user_id == unit_id and rows[2].user_id == unit_id


def test_a_download_and_an_admin_role_change_are_in_the_operation_log(app, browser_factory):
    with app.app_context():
        make_person("audit_downloader", DEMO_PASSWORD, UNIT_A)
    browser = browser_factory(app, "audit_downloader")
    data = dict(EDUCATION, upload=(io.BytesIO(pdf_bytes()), "学位证.pdf"))
    browser.post("/profile/education/add", data=data, content_type="multipart/form-data")
    with app.app_context():
        attachment_id = db.session.scalar(select(Education.attachment_id).where(
            Education.user_id == f.user("audit_downloader").id))
    assert browser.get(f"/profile-files/{attachment_id}").status_code == 200
    admin = browser_factory(app, "demo_admin")
    assert admin.post("/roles/add", {"name": "AuditProbe"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OperationLog).where(
            OperationLog.action == "download", OperationLog.target_type == "Attachment",
            OperationLog.target_id == attachment_id)) == 1
        role_log = db.session.scalar(select(OperationLog).where(
            OperationLog.action == "add", OperationLog.target_type == "Role"))
        assert role_log is not None and role_log.detail == "AuditProbe" and role_log.roles == "Admin"


# ----- who reads the logs -----

def _mark_entries(app) -> None:
    with app.app_context():
        audit.record("probe", "MarkByAdmin", f.user("demo_admin"))
        audit.record("probe", "MarkByUnitStaff", f.user("demo_unit"))
        audit.record("probe", "MarkByNobody", None)
        db.session.commit()


def test_the_authority_reads_its_reach_and_the_admin_everything(app, browser_factory):
    _mark_entries(app)
    authority = browser_factory(app, "demo_authority").get("/operation-log/list/?psize_OperationLogView=100"
                                                            "&_flt_0_action=probe").get_data(as_text=True)
    assert "MarkByUnitStaff" in authority
    assert "MarkByAdmin" not in authority and "MarkByNobody" not in authority
    admin = browser_factory(app, "demo_admin").get("/operation-log/list/?_flt_0_action=probe").get_data(as_text=True)
    assert "MarkByUnitStaff" in admin and "MarkByAdmin" in admin and "MarkByNobody" in admin


def test_the_authority_exports_only_its_reach(app, browser_factory):
    _mark_entries(app)
    response = browser_factory(app, "demo_authority").get("/operation-log/export/?_flt_0_action=probe")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = {str(cell.value) for row in book.active.iter_rows() for cell in row if cell.value is not None}
    assert "MarkByUnitStaff" in cells and "MarkByAdmin" not in cells


@pytest.mark.parametrize("username", ["demo_unit", "demo_supervisor", "demo_applicant", "demo_committee"])
def test_nobody_else_reads_the_logs(app, browser_factory, username):
    browser = browser_factory(app, username)
    for url in ("/operation-log/list/", "/change-log/list/", "/operation-log/export/", "/change-log/export/"):
        assert browser.get(url).status_code in (302, 403), url


def test_the_logs_have_no_edit_or_delete_anywhere(app, browser_factory):
    with app.app_context():
        names = set(db.session.scalars(text(
            "SELECT p.name FROM ab_permission_view pv JOIN ab_permission p ON p.id = pv.permission_id "
            "JOIN ab_view_menu v ON v.id = pv.view_menu_id "
            "WHERE v.name IN ('OperationLog', 'ChangeLog', 'LoginLog')")))
        entry_id = db.session.scalar(select(func.max(OperationLog.id)))
    assert names <= {"can_list", "can_show", "can_export"}
    admin = browser_factory(app, "demo_admin")
    digest = f.table_digest(app, ["operation_log", "change_log"])
    for url in (f"/operation-log/edit/{entry_id}", f"/operation-log/delete/{entry_id}", "/operation-log/add"):
        assert admin.get(url).status_code in (403, 404, 405), url
        assert admin.post(url, {"action": "x"}).status_code in (403, 404, 405), url
    assert f.table_digest(app, ["operation_log", "change_log"]) == digest


# ----- append-only in the database -----

@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_the_database_refuses_update_and_delete(app, browser_factory, table):
    browser_factory(app, "demo_unit")  # a login_log row
    with app.app_context():
        f.evaluation_in_unit_publicity()  # application_event rows
        audit.record("probe", "AppendOnlyProbe")
        db.session.commit()
        assert db.session.scalar(text(f"SELECT COUNT(*) FROM {table}")) > 0
        before = db.session.scalar(text(f"SELECT COUNT(*) FROM {table}"))
        for statement in (f"UPDATE {table} SET ip = ip", f"DELETE FROM {table}") if table != "change_log" else (
                f"UPDATE {table} SET field = field", f"DELETE FROM {table}"):
            with pytest.raises(DBAPIError):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.scalar(text(f"SELECT COUNT(*) FROM {table}")) == before


def test_the_orm_cannot_change_a_log_row_either(app):
    with app.app_context():
        f.evaluation_in_unit_publicity()
        entry = db.session.scalar(select(ApplicationEvent).order_by(ApplicationEvent.id))
        entry.reason = "rewritten"
        with pytest.raises(DBAPIError):
            db.session.commit()
        db.session.rollback()
