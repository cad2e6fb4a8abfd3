"""The navbar's menu is kept per (grants, language): each user sees their own entries, a changed grant shows on the
next page, and the second page of the same user renders no menu again."""
from __future__ import annotations

from sqlalchemy import delete, select

from app.extensions import db
from app.models import AppUser
from app.security import roles as r

TODO = 'href="/review/applications/todo"'
ORGS_ADMIN = 'href="/admin/orgs/list/"'


def menu(page: str) -> str:
    """The menu's part of a page: from the navbar's list to its right-hand side."""
    start = page.index('<ul class="nav navbar-nav">')
    return page[start:page.index("navbar-right", start)]


def kept(app) -> int:
    return len(app.extensions["zp_menus"]._html)


def test_each_role_sees_its_own_menu_and_it_is_rendered_once(app, browser_factory):
    reviewer, admin = browser_factory(app, "demo_unit"), browser_factory(app, "demo_admin")
    reviewer_menu = menu(reviewer.get("/messages/").get_data(as_text=True))
    admin_menu = menu(admin.get("/messages/").get_data(as_text=True))
    assert TODO in reviewer_menu and ORGS_ADMIN not in reviewer_menu
    assert ORGS_ADMIN in admin_menu and admin_menu != reviewer_menu
    assert "待办" in reviewer_menu
    entries = kept(app)
    assert entries >= 2
    # The same users on other pages: the kept menus serve them, identical.
    assert menu(reviewer.get("/review/applications/done").get_data(as_text=True)) == reviewer_menu
    assert menu(admin.get("/").get_data(as_text=True)) == admin_menu
    assert kept(app) == entries


def test_the_menu_follows_the_language(app, browser_factory):
    reviewer = browser_factory(app, "demo_unit")
    chinese = menu(reviewer.get("/messages/").get_data(as_text=True))
    reviewer.get("/lang/en")
    english = menu(reviewer.get("/messages/").get_data(as_text=True))
    assert "待办" in chinese and "待办" not in english and TODO in english


def test_a_withdrawn_grant_leaves_the_menu_on_the_next_page(app, browser_factory):
    reviewer = browser_factory(app, "demo_unit")
    assert TODO in menu(reviewer.get("/messages/").get_data(as_text=True))
    with app.app_context():
        sm = app.appbuilder.sm
        grant = sm.find_permission_view_menu("menu_access", r.MENU_TODO)
        roles = db.session.scalar(select(AppUser).where(AppUser.username == "demo_unit")).roles
        table = sm.permissionview_model.role.property.secondary
        db.session.execute(delete(table).where(table.c.permission_view_id == grant.id,
                                               table.c.role_id.in_([role.id for role in roles])))
        db.session.commit()
    assert TODO not in menu(reviewer.get("/messages/").get_data(as_text=True))
