"""Excel imports: template, dry run with per-row errors, error workbook, all-or-nothing commit, bad files, the log,
and the first-login password change of imported persons.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc as stdnum_uscc

import factories as f
from app.extensions import db
from app.models import AppUser, BasicInfo, DictItem, DictType, OperationLog, Org, OrgKind
from app.security import roles as r
from conftest import DEMO_PASSWORD

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORG_HEADERS = ["名称", "简称", "机构类型", "统一社会信用代码", "上级机构", "所属地区", "地址", "联系人", "联系电话",
               "联系邮箱", "状态", "评委会全称", "评审系列", "评审级别", "评委人数", "核准备案号", "备案有效期起",
               "备案有效期止", "备注"]
STAFF_HEADERS = ["用户名", "姓", "名", "电子邮箱", "手机号码", "角色", "所属机构", "是否启用"]
PERSON_HEADERS = ["用户名", "姓名", "证件类型", "证件号码", "性别", "出生日期", "国家/地区", "手机号码", "电子邮箱",
                  "联系电话", "人事管理单位"]
DICT_HEADERS = ["字典类型代码", "代码", "名称", "英文名称", "上级代码", "排序", "是否启用"]


def uscc(body: str) -> str:
    """A valid 统一社会信用代码 from its first 17 characters."""
    return body + stdnum_uscc.calc_check_digit(body)


def xlsx(headers: list[str], rows: list[list], title: str = "Sheet1") -> bytes:
    """A workbook with a header row and data rows, as a user would save it (text starting with = stays text)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def validations(sheet) -> dict[str, str]:
    """Column letter → list formula of the sheet's drop-downs (each covers one column from row 2)."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        area = str(validation.sqref)
        assert re.fullmatch(r"([A-Z]+)2:\1\d+", area), area
        assert validation.type == "list"
        found[re.match(r"[A-Z]+", area).group(0)] = validation.formula1
    return found


def upload(browser, kind: str, data: bytes, filename: str = "data.xlsx"):
    return browser.post(f"/imports/{kind}/upload", {"file": (io.BytesIO(data), filename)},
                        content_type="multipart/form-data")


def token_of(page: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', page) or re.search(r"/errors/([A-Za-z0-9_-]+)", page)
    assert match, page
    return match.group(1)


def count(app, model, *where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        value = db.session.scalar(query)
        db.session.remove()
    return value


def import_logs(app, action: str) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(OperationLog).where(OperationLog.action == action)
                                  .order_by(OperationLog.id)).all()
        found = [{"outcome": row.outcome, "user_id": row.user_id, "target": row.target_type,
                  **json.loads(row.detail)} for row in rows]
        db.session.remove()
    return found


def error_rows(page: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for number, message in re.findall(r'<tr data-row="(\d+)"><td>[^<]*</td><td>(.*?)</td></tr>', page):
        found[int(number)] = found.get(int(number), "") + message
    return found


def dry_run_and_commit(browser, kind: str, data: bytes):
    response = upload(browser, kind, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "zp-import-ok" in page, error_rows(page)
    return browser.post(f"/imports/{kind}/commit", {"token": token_of(page)})


# ----- organisations -----
GOOD_UNIT_USCC = uscc("91440101MA5C11110")
SUPERVISOR_USCC = uscc("11440000MB1234560")
SECOND_USCC = uscc("91440101MA5C22220")


def org_rows():
    return [
        ["广东导入测试主管局", "", "主管单位", SUPERVISOR_USCC, f.AUTHORITY, "", "", "", "", "", "", "", "", "", None, "", None, None, ""],
        ["广东导入测试一号公司", "导入一号", "人事管理单位/法人单位", GOOD_UNIT_USCC, "广东导入测试主管局", "", "广州市天河区",
         "张三", "020-12345678", "hr@one.example", "", "", "", "", None, "", None, None, "上级来自本文件前一行"],
        ["广东导入测试二号公司", "", "人事管理单位/法人单位", SECOND_USCC, SUPERVISOR_USCC, "", "", "", "", "", "停用",
         "", "", "", None, "", None, None, ""],
        ["广东导入测试评委会", "", "评审委员会", "", f.AUTHORITY, "广东省", "", "", "", "", "", "广东省导入测试高级职称评审委员会",
         "工程、经济", "副高级、正高级", 25, "粤职评备2026001", dt.date(2026, 1, 1), "2028-12-31", ""],
    ]


@pytest.fixture
def admin(app, browser_factory):
    return browser_factory(app, "demo_admin")


def kind_labels(app):
    from app.models.org import ORG_KIND_LABELS

    with app.test_request_context():
        return {kind: str(label) for kind, label in ORG_KIND_LABELS.items()}


def test_org_import_mixed_rows_imports_nothing_then_the_corrected_file_imports_all(app, admin):
    labels = kind_labels(app)
    good = org_rows()
    for row in good:
        row[2] = {"主管单位": labels[OrgKind.supervisor], "人事管理单位/法人单位": labels[OrgKind.unit],
                  "评审委员会": labels[OrgKind.committee]}[row[2]]
    bad = [list(row) for row in good] + [
        # duplicate name inside the file, an unknown parent, a wrong check character, a unit without a code
        ["广东导入测试一号公司", "", labels[OrgKind.unit], uscc("91440101MA5C33330"), f.SUPERVISOR_1] + [""] * 14,
        ["广东导入测试三号公司", "", labels[OrgKind.unit], uscc("91440101MA5C44440"), "不存在的上级"] + [""] * 14,
        ["广东导入测试四号公司", "", labels[OrgKind.unit], GOOD_UNIT_USCC[:-1] + ("0" if GOOD_UNIT_USCC[-1] != "0" else "1"),
         f.SUPERVISOR_1] + [""] * 14,
        ["广东导入测试五号公司", "", labels[OrgKind.unit], "", f.SUPERVISOR_1] + [""] * 14,
        ["广东导入测试六号公司", "", "不是类型", "", f.SUPERVISOR_1] + [""] * 14,
        ["广东导入测试二号评委会", "", labels[OrgKind.committee], "", f.AUTHORITY, "", "", "", "", "", "", "",
         "工程", "中级", 9, "粤职评备2026002", "2026-01-01", "2030-01-01", ""],
    ]
    before = count(app, Org)
    response = upload(admin, "orgs", xlsx(ORG_HEADERS, bad))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    errors = error_rows(page)
    assert set(errors) == {6, 7, 8, 9, 10, 11}, errors
    assert "「名称」" in errors[6] and "第 3 行" in errors[6], errors[6]
    assert "「上级机构」" in errors[7] and "不存在的上级" in errors[7]
    assert "「统一社会信用代码」" in errors[8] and "校验" in errors[8]
    assert "「统一社会信用代码」" in errors[9]
    assert "「机构类型」" in errors[10]
    assert "「备案有效期止」" in errors[11] and "3" in errors[11]
    assert count(app, Org) == before
    # A commit of the same file is refused and writes nothing either.
    response = admin.post("/imports/orgs/commit", {"token": token_of(page)})
    assert "zp-import-failed" in response.get_data(as_text=True)
    assert count(app, Org) == before

    response = dry_run_and_commit(admin, "orgs", xlsx(ORG_HEADERS, good))
    assert response.status_code == 200
    assert "已导入 4 行" in response.get_data(as_text=True)
    assert count(app, Org) == before + 4
    with app.app_context():
        supervisor = f.org("广东导入测试主管局")
        one, two = f.org("广东导入测试一号公司"), f.org("广东导入测试二号公司")
        assert supervisor.parent.name == f.AUTHORITY and supervisor.kind == OrgKind.supervisor
        assert one.parent_id == supervisor.id and one.path == f"{supervisor.path}{one.id}/"
        assert one.uscc == GOOD_UNIT_USCC and one.short_name == "导入一号" and one.contact_phone == "020-12345678"
        assert two.parent_id == supervisor.id
        assert two.status.value == "disabled"
        committee = f.org("广东导入测试评委会")
        assert committee.kind == OrgKind.committee and committee.member_count == 25
        assert sorted(item.code for item in committee.series) == ["GC", "JJ"]
        assert sorted(item.code for item in committee.levels) == ["4", "5"]
        assert committee.filing_valid_until == dt.date(2028, 12, 31) and committee.region_code == "440000"
        db.session.remove()
    logs = import_logs(app, "import_commit")
    assert [(log["outcome"], log["rows"]) for log in logs] == [("failure", 10), ("success", 4)]
    assert logs[-1]["target"] == "import:orgs"


def test_org_template_has_headers_frozen_row_validations_and_notes(app, admin):
    response = admin.get("/imports/orgs/template")
    assert response.status_code == 200 and response.mimetype == XLSX
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook["机构"]
    assert [cell.value for cell in sheet[1]] == ORG_HEADERS
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 20
    formulas = validations(sheet)
    assert "C" in formulas and kind_labels(app)[OrgKind.unit] in formulas["C"]      # 机构类型: inline list
    assert formulas["F"].startswith("lists!$") or formulas["F"].startswith("'lists'!$")  # 所属地区: long list
    lists = workbook["lists"]
    assert lists.sheet_state == "hidden"
    assert "广州市" in [cell.value for cell in lists[formulas["F"].split("$")[1]]]
    notes = workbook["说明"]
    assert any("上级机构" == row[0] for row in notes.iter_rows(values_only=True))


def test_error_workbook_holds_the_bad_rows_with_an_error_column(app, admin):
    labels = kind_labels(app)
    rows = [["广东导入错误表公司", "", labels[OrgKind.unit], "", f.SUPERVISOR_1] + [""] * 14,
            ["广东导入正确公司", "", labels[OrgKind.unit], uscc("91440101MA5C55550"), f.SUPERVISOR_1] + [""] * 14,
            ["=HYPERLINK(\"x\")", "", "错类型", "", ""] + [""] * 14]
    page = upload(admin, "orgs", xlsx(ORG_HEADERS, rows)).get_data(as_text=True)
    token = token_of(page)
    response = admin.get(f"/imports/orgs/errors/{token}")
    assert response.status_code == 200 and response.mimetype == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == ORG_HEADERS + ["错误说明"]
    assert len(values) == 3
    assert values[1][0] == "广东导入错误表公司" and "第 2 行" in values[1][-1] and "统一社会信用代码" in values[1][-1]
    assert values[2][0] == '=HYPERLINK("x")' and "机构类型" in values[2][-1]
    raw = openpyxl.load_workbook(io.BytesIO(response.data)).active["A3"]
    assert raw.data_type == "s" and raw.quotePrefix
    # An unknown token, or the token under another kind, is 404.
    assert admin.get("/imports/orgs/errors/" + "x" * 40).status_code == 404
    assert admin.get(f"/imports/staff/errors/{token}").status_code == 404


# ----- bad files -----
def corrupt_zip() -> bytes:
    data = bytearray(xlsx(ORG_HEADERS, [["x"] * 3]))
    middle = len(data) // 2
    data[middle:middle + 200] = b"\x00" * 200
    return bytes(data)


def zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize("data, message", [
    (b"name,kind\nA,unit\n", "不是Excel"),
    (b"%PDF-1.4 fake", "不是Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, ".xls"),
    (b"", "空"),
    ("corrupt", "损坏"),
    ("nowb", "不是Excel"),
    ("wrong_headers", "缺少列"),
    ("unknown_header", "未知列"),
    ("no_rows", "没有数据行"),
    ("too_many", "超过 3 行"),
])
def test_bad_files_are_refused_with_a_message_and_change_nothing(app_with, browser_factory, data, message):
    app = app_with(IMPORT_MAX_ROWS=3)
    admin = browser_factory(app, "demo_admin")
    made = {
        "corrupt": corrupt_zip,
        "nowb": zip_without_workbook,
        "wrong_headers": lambda: xlsx(ORG_HEADERS[:3], [["a", "b", "c"]]),
        "unknown_header": lambda: xlsx(ORG_HEADERS + ["多余"], [["a"]]),
        "no_rows": lambda: xlsx(ORG_HEADERS, [[None] * 5, ["  "]]),
        "too_many": lambda: xlsx(ORG_HEADERS, [[f"公司{i}"] for i in range(4)]),
    }
    if isinstance(data, str):
        data = made[data]()
    before = f.table_digest(app, ["org", "ab_user", "dict_item"])
    response = upload(admin, "orgs", data, filename="orgs.xlsx")
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page, page[page.find("alert"):][:400]
    assert f.table_digest(app, ["org", "ab_user", "dict_item"]) == before
    assert import_logs(app, "import_dry_run")[-1]["outcome"] == "failure"


def test_a_file_larger_than_the_byte_limit_is_refused(app_with, browser_factory):
    app = app_with(IMPORT_MAX_BYTES=2000)
    admin = browser_factory(app, "demo_admin")
    response = upload(admin, "orgs", xlsx(ORG_HEADERS, [[f"公司{i}", "x" * 100] for i in range(50)]))
    assert response.status_code == 302
    assert "KB" in admin.get(response.headers["Location"]).get_data(as_text=True)


def test_no_file_and_an_expired_or_foreign_token(app, admin, browser_factory):
    response = admin.post("/imports/orgs/upload", {}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert "请选择" in admin.get(response.headers["Location"]).get_data(as_text=True)
    response = admin.post("/imports/orgs/commit", {"token": "../../etc/passwd"})
    assert response.status_code == 302
    assert "已过期" in admin.get(response.headers["Location"]).get_data(as_text=True)


# ----- staff accounts -----
def test_staff_import_mixed_then_corrected(app, admin):
    with app.test_request_context():
        unit_label = r.role_label(r.UNIT_REVIEWER)
        supervisor_label = r.role_label(r.SUPERVISOR_REVIEWER)
    good = [
        ["staff_imp1", "王", "一", "imp1@hr.example", "13800000001", unit_label, f.UNIT_A, "是"],
        ["staff_imp2", "李", "二", "imp2@hr.example", "", f"{unit_label}、{supervisor_label}",
         f"{f.UNIT_B}、{f.SUPERVISOR_1}", ""],
    ]
    bad = good + [
        ["demo_unit", "重", "名", "dup@hr.example", "", unit_label, f.UNIT_A, ""],        # existing account
        ["staff_imp3", "错", "配", "imp3@hr.example", "", supervisor_label, f.UNIT_A, ""],  # role needs a supervisor
        ["staff_imp4", "无", "机构", "imp4@hr.example", "", unit_label, "不存在单位", ""],
        ["staff_imp5", "坏", "邮箱", "not-an-email", "", unit_label, f.UNIT_A, ""],
        ["staff_imp1", "重", "复", "imp6@hr.example", "", unit_label, f.UNIT_A, ""],        # repeats row 2
        ["staff_imp7", "管", "理", "imp7@hr.example", "", "系统管理员", f.UNIT_A, ""],     # not importable
    ]
    before = count(app, AppUser)
    page = upload(admin, "staff", xlsx(STAFF_HEADERS, bad)).get_data(as_text=True)
    errors = error_rows(page)
    assert set(errors) == {4, 5, 6, 7, 8, 9}, errors
    assert "「用户名」" in errors[4]
    assert "「所属机构」" in errors[5] and "主管" in errors[5]
    assert "不存在单位" in errors[6]
    assert "「电子邮箱」" in errors[7]
    assert "第 2 行" in errors[8]
    assert "「角色」" in errors[9]
    assert count(app, AppUser) == before

    response = dry_run_and_commit(admin, "staff", xlsx(STAFF_HEADERS, good))
    page = response.get_data(as_text=True)
    assert count(app, AppUser) == before + 2
    passwords = dict(re.findall(r"<tr><td>(staff_imp\d)</td>.*?<code>([^<]+)</code>", page, re.S))
    assert set(passwords) == {"staff_imp1", "staff_imp2"}
    with app.app_context():
        two = f.user("staff_imp2")
        assert {role.name for role in two.roles} == {r.UNIT_REVIEWER, r.SUPERVISOR_REVIEWER}
        assert {org.name for org in two.orgs} == {f.UNIT_B, f.SUPERVISOR_1}
        assert two.must_change_password and two.email == "imp2@hr.example"
        one = f.user("staff_imp1")
        assert one.mobile == "13800000001" and one.active
        assert passwords["staff_imp1"] not in (one.password or "")
        db.session.remove()


# ----- persons -----
def resident_id(birth: str, sequence: str, area: str = "440106") -> str:
    """A 居民身份证 number with a correct GB 11643 check character (stdnum computes it from the first 17)."""
    from stdnum.cn import ric

    body = f"{area}{birth}{sequence}"
    return body + ric.calc_check_digit(body + "0")


def person_row(username, name, birth, sequence="123", **changes):
    number = resident_id(birth, sequence)
    sex = "男" if int(sequence[-1]) % 2 else "女"
    values = {"用户名": username, "姓名": name, "证件类型": "居民身份证", "证件号码": number, "性别": sex,
              "出生日期": dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:])), "国家/地区": "",
              "手机号码": "13912345678", "电子邮箱": f"{username}@people.example", "联系电话": "", "人事管理单位": ""}
    values.update(changes)
    return [values[header] for header in PERSON_HEADERS]


def test_person_import_mixed_then_corrected_and_first_login_forces_a_change(app, browser_factory):
    unit = browser_factory(app, "demo_unit")
    good = [person_row("imp_person1", "赵一", "19880101", "135"),
            person_row("imp_person2", "钱二", "19900202", "246", 人事管理单位=f.UNIT_A)]
    wrong_sex = person_row("imp_person3", "孙三", "19910303", "357")
    wrong_sex[4] = "女"
    bad_check = person_row("imp_person4", "李四", "19920404", "468")
    bad_check[3] = bad_check[3][:-1] + ("0" if bad_check[3][-1] != "0" else "1")
    other_unit = person_row("imp_person5", "周五", "19930505", "579", 人事管理单位=f.UNIT_B)
    same_id = person_row("imp_person6", "吴六", "19880101", "135")
    rows = good + [wrong_sex, bad_check, other_unit, same_id]
    before_users, before_basic = count(app, AppUser), count(app, BasicInfo)
    page = upload(unit, "persons", xlsx(PERSON_HEADERS, rows)).get_data(as_text=True)
    errors = error_rows(page)
    assert set(errors) == {4, 5, 6, 7}, errors
    assert "「性别」" in errors[4]
    assert "「证件号码」" in errors[5] and "校验" in errors[5]
    assert "「人事管理单位」" in errors[6] and "本单位" in errors[6]
    assert "第 2 行" in errors[7]
    assert (count(app, AppUser), count(app, BasicInfo)) == (before_users, before_basic)

    response = dry_run_and_commit(unit, "persons", xlsx(PERSON_HEADERS, good))
    page = response.get_data(as_text=True)
    assert (count(app, AppUser), count(app, BasicInfo)) == (before_users + 2, before_basic + 2)
    passwords = dict(re.findall(r"<tr><td>(imp_person\d)</td>.*?<code>([^<]+)</code>", page, re.S))
    assert set(passwords) == {"imp_person1", "imp_person2"} and "zp-print-passwords" in page
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        person = f.user("imp_person1")
        assert person.full_name == "赵一" and person.birth_date == dt.date(1988, 1, 1)
        assert person.id_number == resident_id("19880101", "135") and person.country.value == "CN"
        assert person.must_change_password and [role.name for role in person.roles] == [r.APPLICANT]
        basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == person.id))
        assert basic.unit.name == f.UNIT_A
        stored = db.session.execute(select(AppUser.password, AppUser.email)).all()
        assert all(passwords["imp_person1"] not in (value or "") for row in stored for value in row)
        db.session.remove()
    # The staged file is gone: the same token cannot import twice.
    assert "zp-import-done" not in unit.post("/imports/persons/commit", {"token": "a" * 43}).get_data(as_text=True)

    person = browser_factory(app)
    response = person.login("imp_person1", passwords["imp_person1"])
    assert response.status_code == 302
    response = person.get("/profile/")
    assert response.status_code == 302 and "/account/password" in response.headers["Location"]


def test_a_unit_cannot_import_into_another_unit(app, browser_factory):
    with app.app_context():
        f.make_staff("unit_b_importer", r.UNIT_REVIEWER, [f.UNIT_B], DEMO_PASSWORD)
    other = browser_factory(app, "unit_b_importer")
    rows = [person_row("imp_cross1", "郑七", "19870707", "791", 人事管理单位=f.UNIT_A),
            person_row("imp_cross2", "王八", "19860808", "802")]
    before = count(app, AppUser)
    page = upload(other, "persons", xlsx(PERSON_HEADERS, rows)).get_data(as_text=True)
    errors = error_rows(page)
    assert set(errors) == {2} and "本单位" in errors[2]
    assert count(app, AppUser) == before
    # The same file with the right unit goes through, into unit B.
    rows[0] = person_row("imp_cross1", "郑七", "19870707", "791", 人事管理单位=f.UNIT_B)
    dry_run_and_commit(other, "persons", xlsx(PERSON_HEADERS, rows))
    with app.app_context():
        units = db.session.scalars(select(Org.name).join(BasicInfo, BasicInfo.unit_id == Org.id).join(
            AppUser, AppUser.id == BasicInfo.user_id).where(AppUser.username.like("imp_cross%"))).all()
        assert units == [f.UNIT_B, f.UNIT_B]
        db.session.remove()


def test_a_staged_file_belongs_to_its_uploader(app, browser_factory):
    unit = browser_factory(app, "demo_unit")
    page = upload(unit, "persons", xlsx(PERSON_HEADERS, [person_row("imp_owner1", "冯九", "19850909", "913")]))
    token = token_of(page.get_data(as_text=True))
    admin = browser_factory(app, "demo_admin")
    before = count(app, AppUser)
    response = admin.post("/imports/persons/commit", {"token": token})
    assert response.status_code == 302
    assert count(app, AppUser) == before
    assert admin.get(f"/imports/persons/errors/{token}").status_code == 404


# ----- dictionary values -----
def test_dictionary_import_mixed_then_corrected(app, admin):
    with app.app_context():
        db.session.add(DictType(code="imp_demo", name="导入测试字典", hierarchical=True))
        db.session.add(DictType(code="imp_flat", name="导入平面字典", hierarchical=False))
        db.session.commit()
    good = [["imp_demo", "A", "甲类", "Class A", "", 10, "是"],
            ["imp_demo", "A1", "甲类一", "", "A", None, ""],
            ["imp_flat", "X", "平面值", "", "", None, "否"]]
    bad = good + [["imp_demo", "A", "重复", "", "", None, ""],
                  ["imp_flat", "Y", "有上级", "", "X", None, ""],
                  ["imp_demo", "bad code!", "坏代码", "", "", None, ""],
                  ["no_such_type", "Z", "无类型", "", "", None, ""],
                  ["imp_demo", "B", "", "", "", "abc", ""]]
    before = count(app, DictItem)
    errors = error_rows(upload(admin, "dict-items", xlsx(DICT_HEADERS, bad)).get_data(as_text=True))
    assert set(errors) == {5, 6, 7, 8, 9}, errors
    assert "第 2 行" in errors[5]
    assert "「上级代码」" in errors[6]
    assert "「代码」" in errors[7]
    assert "「字典类型代码」" in errors[8]
    assert "「名称」" in errors[9] and "「排序」" in errors[9]
    assert count(app, DictItem) == before

    dry_run_and_commit(admin, "dict-items", xlsx(DICT_HEADERS, good))
    assert count(app, DictItem) == before + 3
    with app.app_context():
        items = {item.code: item for item in db.session.scalars(
            select(DictItem).join(DictType).where(DictType.code.in_(["imp_demo", "imp_flat"])))}
        assert items["A"].label_en == "Class A" and items["A"].sort_order == 10
        assert items["A1"].parent.code == "A" and items["A1"].sort_order == 20
        assert items["X"].active is False
        from app.services import dictionaries

        assert ("A1", "甲类一") in dictionaries.choices("imp_demo")
        db.session.remove()


def test_templates_of_every_kind_open_with_their_validations(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    unit = browser_factory(app, "demo_unit")
    for browser, kind, sheet_title, headers, validated in (
        (admin, "staff", "工作人员账号", STAFF_HEADERS, {"F", "H"}),
        (unit, "persons", "个人账号", PERSON_HEADERS, {"C", "E", "G"}),
        (admin, "dict-items", "字典值", DICT_HEADERS, {"A", "G"}),
    ):
        response = browser.get(f"/imports/{kind}/template")
        assert response.status_code == 200, kind
        workbook = openpyxl.load_workbook(io.BytesIO(response.data))
        sheet = workbook[sheet_title]
        assert [cell.value for cell in sheet[1]] == headers
        assert sheet.freeze_panes == "A2"
        columns = set(validations(sheet))
        assert validated <= columns, (kind, columns)
        assert "说明" in workbook.sheetnames
    person_sheet = openpyxl.load_workbook(io.BytesIO(unit.get("/imports/persons/template").data))["个人账号"]
    assert person_sheet.column_dimensions["D"].number_format == "@"
    formula = validations(person_sheet)["C"]
    assert "居民身份证" in formula


def test_index_pages_render_in_chinese(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    for kind, title in (("orgs", "机构导入"), ("staff", "工作人员账号导入"), ("dict-items", "字典值导入")):
        page = admin.get(f"/imports/{kind}/").get_data(as_text=True)
        assert title in page and "下载导入模板" in page
    page = browser_factory(app, "demo_unit").get("/imports/persons/").get_data(as_text=True)
    assert "个人账号导入" in page
