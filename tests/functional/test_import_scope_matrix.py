"""The role × endpoint matrix of the Excel imports: every demo role and anonymous, every import endpoint.

Only the roles granted an import reach its pages; an uploaded file is reachable only by its uploader and kind;
GET on the POST-only routes is 405; no refused attempt changes any table.
"""
from __future__ import annotations

import io
import re

import openpyxl
import pytest

import factories as f

KINDS = ["orgs", "staff", "persons", "dict-items"]
ALLOWED = {
    "demo_admin": set(KINDS),
    "demo_authority": {"dict-items"},      # the authority keeps the dictionaries on the dictionary screens too
    "demo_supervisor": set(),
    "demo_unit": {"persons"},
    "demo_committee": set(),
    "demo_expert": set(),
    "demo_provider": set(),
    "demo_applicant": set(),
    None: set(),
}
ACTORS = list(ALLOWED)
WATCHED = ["org", "ab_user", "user_org", "ab_user_role", "dict_type", "dict_item", "profile_basic"]
# One header and one row with an error per kind: an upload is a dry run that reports it, a commit writes nothing.
BAD_FILES = {
    "orgs": (["名称", "简称", "机构类型", "统一社会信用代码", "上级机构", "所属地区", "地址", "联系人", "联系电话",
              "联系邮箱", "状态", "评委会全称", "评审系列", "评审级别", "评委人数", "核准备案号", "备案有效期起",
              "备案有效期止", "备注"], ["矩阵测试机构", "", "不存在的类型"]),
    "staff": (["用户名", "姓", "名", "电子邮箱", "手机号码", "角色", "所属机构", "是否启用"],
              ["matrix_staff", "矩", "阵", "bad-email", "", "不存在的角色", "不存在的机构"]),
    "persons": (["用户名", "姓名", "证件类型", "证件号码", "性别", "出生日期", "国家/地区", "手机号码", "电子邮箱",
                 "联系电话", "人事管理单位"], ["matrix_person", "矩阵", "居民身份证", "123", "男", "1990-01-01"]),
    "dict-items": (["字典类型代码", "代码", "名称", "英文名称", "上级代码", "排序", "是否启用"],
                   ["no_such_type", "X", "矩阵"]),
}


def bad_file(kind: str) -> bytes:
    headers, row = BAD_FILES[kind]
    workbook = openpyxl.Workbook()
    workbook.active.append(headers)
    workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(browser, kind: str):
    return browser.post(f"/imports/{kind}/upload", {"file": (io.BytesIO(bad_file(kind)), "matrix.xlsx")},
                        content_type="multipart/form-data")


@pytest.fixture(scope="module")
def admin_tokens(shared_app, browser_factory_module):
    """A staged upload of each kind, made by the administrator."""
    admin = browser_factory_module(shared_app, "demo_admin")
    tokens = {}
    for kind in KINDS:
        page = upload(admin, kind).get_data(as_text=True)
        tokens[kind] = re.search(r"/errors/([A-Za-z0-9_-]+)", page).group(1)
    return tokens


@pytest.fixture(scope="module")
def browser_factory_module():
    from conftest import Browser

    def make(app, username=None):
        browser = Browser(app)
        if username:
            assert browser.login(username).status_code in (302, 303)
        return browser

    return make


def refused(response, actor) -> bool:
    if actor is None:
        return response.status_code == 302 and "/login/" in response.headers["Location"]
    return response.status_code in (403, 404)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_import_endpoint_for_every_role(shared_app, browser_factory, admin_tokens, actor, kind):
    browser = browser_factory(shared_app, actor) if actor else browser_factory(shared_app)
    allowed = kind in ALLOWED[actor]
    before = f.table_digest(shared_app, WATCHED)

    for url in (f"/imports/{kind}/", f"/imports/{kind}/template"):
        response = browser.get(url)
        if allowed:
            assert response.status_code == 200, (actor, url)
        else:
            assert refused(response, actor), (actor, url, response.status_code)

    response = upload(browser, kind)
    if allowed:
        assert response.status_code == 200 and "zp-import-failed" in response.get_data(as_text=True), actor
    else:
        assert refused(response, actor), (actor, "upload", response.status_code)

    token = admin_tokens[kind]
    errors = browser.get(f"/imports/{kind}/errors/{token}")
    commit = browser.post(f"/imports/{kind}/commit", {"token": token})
    if actor == "demo_admin":
        assert errors.status_code == 200
        assert "zp-import-failed" in commit.get_data(as_text=True)
    elif allowed:
        # Granted the import, but the file is the administrator's: not theirs to read or commit.
        assert errors.status_code == 404
        assert commit.status_code == 302 and "/login/" not in commit.headers["Location"]
    else:
        assert refused(errors, actor), (actor, "errors", errors.status_code)
        assert refused(commit, actor), (actor, "commit", commit.status_code)

    for url in (f"/imports/{kind}/upload", f"/imports/{kind}/commit"):
        assert browser.get(url).status_code == 405, (actor, url)
    assert f.table_digest(shared_app, WATCHED) == before, f"{actor} changed data through the {kind} import"


@pytest.mark.parametrize("actor", [a for a in ACTORS if a])
def test_the_menu_offers_exactly_the_granted_imports(shared_app, browser_factory, actor):
    page = browser_factory(shared_app, actor).get("/").get_data(as_text=True)
    for kind in KINDS:
        assert (f'href="/imports/{kind}/"' in page) == (kind in ALLOWED[actor]), (actor, kind)
