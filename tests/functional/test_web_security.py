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


@pytest.mark.parametrize("username", ["demo_admin", "demo_authority", "demo_unit", "demo_applicant", None])
def test_permission_answers_are_fabs_own_for_every_grant(app, username):
    """The per-request grants behind has_access (app/security/manager.py) answer every (permission, view) pair
    exactly as FAB's own path through the user's roles does, for staff, applicants and anonymous visitors."""
    from flask_appbuilder.security.manager import BaseSecurityManager
    from flask import g
    from flask_login import current_user, login_user
    from sqlalchemy import select

    from app.extensions import db

    security = app.appbuilder.sm
    with app.test_request_context("/"):
        if username:
            login_user(f.user(username))
        g.user = current_user  # as FAB's before_request sets it
        pairs = db.session.execute(
            select(security.permission_model.name, security.viewmenu_model.name)
            .select_from(security.permissionview_model).join(security.permission_model)
            .join(security.viewmenu_model)).all()
        answers = [security.has_access(permission, view) for permission, view in pairs]
        assert answers == [BaseSecurityManager.has_access(security, permission, view) for permission, view in pairs]
        assert (any(answers) if username else not any(answers)) and len(pairs) > 100
        assert not all(answers) or username == "demo_admin"
