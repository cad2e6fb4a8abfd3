"""密码修改, the forced change at first login of staff-made accounts, and the idle session timeout."""
from __future__ import annotations

import time

import factories as f
from app.extensions import db
from app.security import roles as r
from app.session_policy import LAST_SEEN_KEY
from conftest import DEMO_PASSWORD

NEW = "Fresh2026pw"


def change(browser, old, new, confirm=None):
    return browser.post("/account/password", {
        "old_password": old, "new_password": new, "confirm_password": new if confirm is None else confirm,
    })


def test_change_needs_the_current_password(app, browser_factory):
    browser = browser_factory(app, "demo_unit")
    page = change(browser, "Wrong2026pw", NEW).get_data(as_text=True)
    assert "旧密码错误" in page
    page = change(browser, DEMO_PASSWORD, DEMO_PASSWORD).get_data(as_text=True)
    assert "新密码不能与旧密码相同" in page
    page = change(browser, DEMO_PASSWORD, NEW, "Other2026pw").get_data(as_text=True)
    assert "两次输入的密码不一致" in page
    page = change(browser, DEMO_PASSWORD, "short1").get_data(as_text=True)
    assert "8至16位" in page
    assert browser_factory(app).login("demo_unit").status_code == 302  # unchanged so far
    response = change(browser, DEMO_PASSWORD, NEW)
    assert response.status_code == 302
    assert "密码修改成功" in browser.get("/").get_data(as_text=True)
    with app.app_context():
        user = f.user("demo_unit")
        assert user.password_changed_at is not None
    fresh = browser_factory(app)
    fresh.login("demo_unit", DEMO_PASSWORD)
    assert "zp-portal-login" in fresh.get("/").get_data(as_text=True)  # still the anonymous portal
    fresh.login("demo_unit", NEW)
    assert "欢迎" in fresh.get("/").get_data(as_text=True)


def test_the_menu_and_profile_link_to_the_change_page_and_fab_reset_redirects(app, browser_factory):
    browser = browser_factory(app, "demo_applicant")
    assert "/account/password" in browser.get("/").get_data(as_text=True)
    assert "/account/password" in browser.get("/users/userinfo/").get_data(as_text=True)
    for url in ("/users/resetmypassword/", "/resetmypassword/form"):
        response = browser.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    # FAB's form, which needs no current password, cannot be used by a hand-made POST either.
    browser.post("/resetmypassword/form", {"password": NEW, "conf_password": NEW})
    assert browser_factory(app).login("demo_applicant").status_code == 302
    assert browser_factory(app, "demo_applicant").get("/").status_code == 200


def test_anonymous_users_are_sent_to_login(app, browser_factory):
    response = browser_factory(app).get("/account/password")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]


def _admin_adds_staff(app, admin, username, password):
    with app.app_context():
        role_id = app.appbuilder.sm.find_role(r.UNIT_REVIEWER).id
        org_id = f.org(f.UNIT_A).id
    return admin.post("/users/add", {
        "last_name": "新", "first_name": "同事", "username": username, "active": "y",
        "email": f"{username}@test.example", "roles": [str(role_id)], "orgs": [str(org_id)],
        "password": password, "conf_password": password,
    })


def test_a_staff_made_account_must_change_its_password_first(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    response = _admin_adds_staff(app, admin, "new_staff", "Start2026pw")
    assert response.status_code == 302
    with app.app_context():
        assert f.user("new_staff").must_change_password is True
    staff = browser_factory(app)
    staff.login("new_staff", "Start2026pw")
    for url in ("/", "/orgs/list/", "/users/userinfo/"):
        response = staff.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/password"), url
    page = staff.get("/account/password").get_data(as_text=True)
    assert "首次登录须先修改密码" in page and "由管理员设置" in page
    token = app.test_client().post(
        "/api/v1/security/login", json={"username": "new_staff", "password": "Start2026pw", "provider": "db"}
    ).json["access_token"]
    api = app.test_client().get("/api/v1/menu/", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 403 and "修改密码" in api.json["message"]
    assert change(staff, "Start2026pw", NEW).status_code == 302
    assert staff.get("/orgs/list/").status_code == 200
    with app.app_context():
        user = f.user("new_staff")
        assert user.must_change_password is False and user.password_changed_at is not None
    after = app.test_client().get("/api/v1/menu/", headers={"Authorization": f"Bearer {token}"})
    assert "修改密码" not in (after.json or {}).get("message", "")  # what remains is the endpoint's own permission check


def test_the_admin_form_applies_the_password_policy(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    page = _admin_adds_staff(app, admin, "weak_staff", "12345678").get_data(as_text=True)
    assert "字母和数字混合" in page
    with app.app_context():
        assert db.session.query(f.AppUser).filter_by(username="weak_staff").first() is None


def test_an_idle_session_is_signed_out(app, browser_factory):
    browser = browser_factory(app, "demo_unit")
    assert browser.get("/").status_code == 200
    with browser.client.session_transaction() as session:
        session[LAST_SEEN_KEY] = time.time() - app.config["PERMANENT_SESSION_LIFETIME"] - 5
    response = browser.get("/orgs/list/")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    assert "会话已超时，请重新登录" in browser.get("/login/").get_data(as_text=True)
    assert "zp-portal-login" in browser.get("/").get_data(as_text=True)  # signed out: the anonymous portal


def test_an_active_session_stays(app, browser_factory):
    browser = browser_factory(app, "demo_unit")
    with browser.client.session_transaction() as session:
        session[LAST_SEEN_KEY] = time.time() - app.config["PERMANENT_SESSION_LIFETIME"] + 60
    assert browser.get("/").status_code == 200
    response = browser.get("/login/")
    assert "remember_token" not in response.headers.get("Set-Cookie", "")


def test_a_password_reset_by_the_admin_must_be_changed_at_next_login(app, browser_factory):
    with app.app_context():
        victim = f.user("demo_unit").id
    admin = browser_factory(app, "demo_admin")
    response = admin.post(f"/resetpassword/form?pk={victim}", {"password": "Reset2026pw", "conf_password": "Reset2026pw"})
    assert response.status_code == 302
    staff = browser_factory(app)
    staff.login("demo_unit", "Reset2026pw")
    response = staff.get("/orgs/list/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
