"""Baseline web security: CSRF on every form and action, no state change on GET, cookies, headers, secrets."""
from __future__ import annotations

import pytest

import factories as f
from app import create_app
from app.models import OrgStatus


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    with app.app_context():
        unit = f.org(f.UNIT_A).id
    response = admin.post("/admin/orgs/action_post", {"action": "disable", "rowid": [str(unit)]}, csrf=False)
    assert response.status_code == 400
    assert "表单" in response.get_data(as_text=True)
    response = admin.post(f"/admin/orgs/delete/{unit}", csrf=False)
    assert response.status_code == 400
    with app.app_context():
        assert f.org(f.UNIT_A).status == OrgStatus.active


def test_the_login_form_needs_its_csrf_token(app, browser_factory):
    browser = browser_factory(app)
    response = browser.post("/login/", {"username": "demo_admin", "password": "Demo@2026zp"}, csrf=False)
    assert response.status_code == 400


def test_get_never_changes_state(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    with app.app_context():
        unit = f.org(f.UNIT_A).id
    for url in (f"/admin/orgs/delete/{unit}", f"/admin/orgs/action/disable/{unit}"):
        admin.get(url)
    with app.app_context():
        assert f.org(f.UNIT_A).status == OrgStatus.active


def test_security_headers_and_cookie_flags(app, browser_factory):
    browser = browser_factory(app)
    response = browser.get("/login/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_load_nothing_from_the_internet(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    for url in ("/", "/admin/orgs/list/", "/login/"):
        page = admin.get(url).get_data(as_text=True)
        assert "http://" not in page.replace("http://localhost", "") and "https://" not in page


def test_production_refuses_the_development_secret(tmp_path):
    with pytest.raises(RuntimeError):
        create_app({"PRODUCTION": True, "SECRET_KEY": "dev-only-secret-key-change-me",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    with pytest.raises(RuntimeError):
        create_app({"PRODUCTION": True, "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_errors_are_chinese_pages(app, browser_factory):
    unit = browser_factory(app, "demo_unit")
    response = unit.get("/orgs/show/999999")
    assert response.status_code == 404 and "不存在" in response.get_data(as_text=True)
    response = unit.get("/admin/orgs/list/")
    assert response.status_code == 403 and "权限" in response.get_data(as_text=True)
