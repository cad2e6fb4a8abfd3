"""单位用户注册 and 单位注册审核: a unit registers itself; its supervisor (or the authority) approves or refuses."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

import factories as f
from app.extensions import db
from app.models import AppUser, OperationLog, Org, OrgKind, OrgStatus, RegistrationStatus, UnitRegistration
from app.security import roles as r
from app.services import dictionaries

ERROR_RE = re.compile(r'<div class="form-group has-error">.*?for="(\w+)".*?zp-field-error">([^<]+)<', re.S)
PASSWORD = "Unit2026ok"
USCC = "91440101MA5CXXXX08"
OTHER_USCC = "91440101MA5CYYYY11"
NAME = "广州测试新材料有限公司"


def form_data(app, **changes) -> dict:
    with app.app_context():
        parent_id = f.org(f.SUPERVISOR_1).id
        region = dictionaries.choices("region")[0][0]
    values = {
        "name": NAME, "uscc": USCC, "parent_id": str(parent_id), "region_code": region,
        "address": "广州市天河区测试路1号", "contact_person": "王联系", "contact_phone": "020-12345678",
        "contact_email": "hr@newunit.example", "username": "new_unit_hr", "password": PASSWORD,
        "confirm_password": PASSWORD, "account_name": "王小明", "mobile": "13812345678",
        "email": "wxm@newunit.example",
    }
    values.update(changes)
    return values


def field_errors(page: str) -> dict[str, str]:
    return {field: message for field, message in ERROR_RE.findall(page)}


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Org)),
                db.session.scalar(select(func.count()).select_from(AppUser)),
                db.session.scalar(select(func.count()).select_from(UnitRegistration)))


def _register(app, browser_factory, **changes):
    response = browser_factory(app).post("/unit-register/", form_data(app, **changes))
    assert response.status_code == 302, field_errors(response.get_data(as_text=True))
    with app.app_context():
        registration = db.session.scalar(select(UnitRegistration).join(Org).where(
            Org.name == changes.get("name", NAME)))
        return registration.id, registration.version


def test_the_page_is_public_and_linked(shared_app, browser_factory):
    browser = browser_factory(shared_app)
    assert "/unit-register/" in browser.get("/login/").get_data(as_text=True)
    assert "/unit-register/" in browser.get("/register/").get_data(as_text=True)
    page = browser.get("/unit-register/").get_data(as_text=True)
    for text in ("单位用户注册", "统一社会信用代码", "主管单位", f.SUPERVISOR_1, f.AUTHORITY, "联系人", "确认密码"):
        assert text in page, text
    assert f.UNIT_A not in page  # only supervisors and authorities may be chosen as parent


def test_happy_path_creates_a_pending_org_and_an_inactive_account(app, browser_factory):
    browser = browser_factory(app)
    response = browser.post("/unit-register/", form_data(app))
    assert response.status_code == 302
    assert "正在由主管单位审核" in browser.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        org = f.org(NAME)
        assert (org.kind, org.status, org.uscc, org.parent.name) == (
            OrgKind.unit, OrgStatus.pending, USCC, f.SUPERVISOR_1)
        assert org.path == f"{org.parent.path}{org.id}/"
        account = f.user("new_unit_hr")
        assert account.active is False and [role.name for role in account.roles] == [r.UNIT_REVIEWER]
        assert [o.id for o in account.orgs] == [org.id] and account.full_name == "王小明"
        registration = db.session.scalar(select(UnitRegistration).where(UnitRegistration.org_id == org.id))
        assert registration.status == RegistrationStatus.pending and registration.account_id == account.id
        assert db.session.scalar(select(OperationLog.action).where(
            OperationLog.target_type == "Org", OperationLog.target_id == org.id)) == "unit_register"
    # Signing in before the decision explains why it is refused.
    browser.login("new_unit_hr", PASSWORD)
    page = browser.get("/login/").get_data(as_text=True)
    assert "正在审核" in page
    # A wrong password does not learn anything about the registration.
    other = browser_factory(app)
    other.login("new_unit_hr", "Wrong2026pw")
    page = other.get("/login/").get_data(as_text=True)
    assert "正在审核" not in page and "账号或密码错误" in page


BAD_INPUTS = [
    ("bad USCC check digit", {"uscc": "91440101MA5CXXXX09"}, "uscc", "校验位"),
    ("bad USCC format", {"uscc": "1234"}, "uscc", "18位"),
    ("duplicate USCC", {"uscc": None}, "uscc", "统一社会信用代码"),
    ("duplicate name", {"name": f.UNIT_A}, "name", "已存在"),
    ("password mismatch", {"confirm_password": "Other2026pw"}, "confirm_password", "两次输入的密码不一致"),
    ("weak password", {"password": "abcdefgh", "confirm_password": "abcdefgh"}, "password", "字母和数字混合"),
    ("a unit as parent", {"parent_id": None}, "parent_id", "请选择主管单位"),
    ("taken account name", {"username": "demo_unit"}, "username", "该账号已被注册"),
    ("bad mobile", {"mobile": "123"}, "mobile", "手机号码"),
]


@pytest.mark.parametrize("case, changes, field, message", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused_and_creates_nothing(app, browser_factory, case, changes, field, message):
    with app.app_context():
        unit_a = f.org(f.UNIT_A)
        if changes.get("uscc", "") is None:
            changes = {"uscc": unit_a.uscc or ""}
            if not unit_a.uscc:
                unit_a.uscc = USCC
                db.session.commit()
                changes = {"uscc": USCC}
        if "parent_id" in changes:
            changes = {"parent_id": str(unit_a.id)}
    before = counts(app)
    page = browser_factory(app).post("/unit-register/", form_data(app, **changes)).get_data(as_text=True)
    errors = field_errors(page)
    assert field in errors and message in errors[field], errors
    assert counts(app) == before


def test_supervisor_approves_and_the_account_signs_in(app, browser_factory):
    registration_id, version = _register(app, browser_factory)
    supervisor = browser_factory(app, "demo_supervisor")
    page = supervisor.get("/unit-registrations/").get_data(as_text=True)
    assert "单位注册审核" in page and NAME in page and USCC in page
    response = supervisor.post(f"/unit-registrations/{registration_id}/approve", {"version": version})
    assert response.status_code == 302
    assert "单位注册审核通过" in supervisor.get("/unit-registrations/").get_data(as_text=True)
    with app.app_context():
        assert f.org(NAME).status == OrgStatus.active and f.user("new_unit_hr").active is True
        registration = db.session.get(UnitRegistration, registration_id)
        assert registration.status == RegistrationStatus.approved
        assert registration.decided_by_id == f.user("demo_supervisor").id
    # A second decision on the old version is a clean message.
    supervisor.post(f"/unit-registrations/{registration_id}/reject", {"version": version, "reason": "重复"})
    assert "该记录已被他人处理" in supervisor.get("/unit-registrations/").get_data(as_text=True)
    with app.app_context():
        assert f.org(NAME).status == OrgStatus.active
    unit = browser_factory(app)
    unit.login("new_unit_hr", PASSWORD)
    assert unit.get("/unit-bindings/").status_code == 200  # a working unit reviewer of its own unit
    # The new unit can now be chosen for a binding.
    from app.workflow import ce_binding

    with app.app_context():
        assert [unit.name for unit in ce_binding.bindable_units("测试新材料")] == [NAME]


def test_rejection_keeps_the_reason_and_login_shows_it(app, browser_factory):
    registration_id, version = _register(app, browser_factory)
    authority = browser_factory(app, "demo_authority")
    assert NAME in authority.get("/unit-registrations/").get_data(as_text=True)
    authority.post(f"/unit-registrations/{registration_id}/reject", {"version": version, "reason": ""})
    assert "请填写原因" in authority.get("/unit-registrations/").get_data(as_text=True)
    authority.post(f"/unit-registrations/{registration_id}/reject",
                   {"version": version, "reason": "营业执照信息不符"})
    with app.app_context():
        assert f.org(NAME).status == OrgStatus.disabled and f.user("new_unit_hr").active is False
        registration = db.session.get(UnitRegistration, registration_id)
        assert (registration.status, registration.reason) == (RegistrationStatus.rejected, "营业执照信息不符")
    assert "营业执照信息不符" in authority.get("/unit-registrations/?tab=done").get_data(as_text=True)
    browser = browser_factory(app)
    browser.login("new_unit_hr", PASSWORD)
    page = browser.get("/login/").get_data(as_text=True)
    assert "已被拒绝" in page and "营业执照信息不符" in page


def test_other_branches_and_roles_cannot_see_or_decide(app, browser_factory):
    registration_id, version = _register(app, browser_factory)
    with app.app_context():
        f.make_staff("sup_two", r.SUPERVISOR_REVIEWER, [f.SUPERVISOR_2], PASSWORD)
    other = browser_factory(app)
    other.login("sup_two", PASSWORD)
    assert NAME not in other.get("/unit-registrations/").get_data(as_text=True)
    for action in ("approve", "reject"):
        assert other.post(f"/unit-registrations/{registration_id}/{action}",
                          {"version": version, "reason": "x"}).status_code == 404
    for username in ("demo_unit", "demo_applicant", "demo_committee", "demo_expert"):
        browser = browser_factory(app, username)
        assert browser.get("/unit-registrations/").status_code in (302, 403), username
        assert browser.post(f"/unit-registrations/{registration_id}/approve",
                            {"version": version}).status_code in (302, 403, 404), username
    anonymous = browser_factory(app)
    response = anonymous.post(f"/unit-registrations/{registration_id}/approve", {"version": version})
    assert response.status_code in (302, 401)
    with app.app_context():
        assert db.session.get(UnitRegistration, registration_id).status == RegistrationStatus.pending
        assert f.org(NAME).status == OrgStatus.pending


def test_a_concurrent_duplicate_becomes_a_message_and_creates_nothing(app):
    """Two registrations of the same unit pass validation together; the unique name stops the second."""
    from app.errors import ValidationFailed
    from app.services import unit_registration as service

    with app.test_request_context():
        data = form_data(app)
        first = service.validate(service.UnitRegistrationInput(**data))
        second = service.validate(service.UnitRegistrationInput(**{
            **data, "uscc": OTHER_USCC, "username": "second_hr", "email": "second@newunit.example"}))
        service.create(first)
        before = counts(app)
        with pytest.raises(ValidationFailed) as failure:
            service.create(second)
        assert "刚刚已被他人注册" in failure.value.errors["name"][0]
        assert counts(app) == before
        assert db.session.scalar(select(func.count()).select_from(AppUser).where(AppUser.username == "second_hr")) == 0
