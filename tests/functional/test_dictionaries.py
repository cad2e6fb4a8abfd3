"""Dictionary screens and rules."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import DictItem, DictType


def _type_id(app, code):
    with app.app_context():
        return db.session.scalar(select(DictType.id).where(DictType.code == code))


def _item_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DictItem))


def test_admin_adds_a_value_and_bad_codes_are_refused(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    type_id = _type_id(app, "learning_form")
    before = _item_count(app)
    response = admin.post("/dictionary-items/add", {"dict_type": type_id, "code": "坏 代码", "label": "在线直播", "sort_order": "5"})
    assert response.status_code == 200 and "字母" in response.get_data(as_text=True)
    assert _item_count(app) == before
    response = admin.post("/dictionary-items/add", {"dict_type": type_id, "code": "live", "label": "在线直播", "sort_order": "5", "active": "y"})
    assert response.status_code == 302
    assert _item_count(app) == before + 1


def test_a_parent_must_be_in_the_same_hierarchical_dictionary(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    with app.app_context():
        region_parent = db.session.scalar(select(DictItem.id).where(DictItem.code == "440000"))
    before = _item_count(app)
    response = admin.post("/dictionary-items/add", {
        "dict_type": _type_id(app, "ethnicity"), "code": "99", "label": "测试", "parent": region_parent, "sort_order": "1",
    })
    assert response.status_code == 200 and _item_count(app) == before


def test_shipped_values_cannot_be_deleted(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    with app.app_context():
        han = db.session.scalar(select(DictItem.id).where(DictItem.label == "汉族"))
    admin.post(f"/dictionary-items/delete/{han}")
    with app.app_context():
        assert db.session.get(DictItem, han) is not None


def test_the_authority_may_edit_dictionaries_but_a_unit_may_not(app, browser_factory):
    authority = browser_factory(app, "demo_authority")
    assert authority.get("/dictionaries/list/").status_code == 200
    unit = browser_factory(app, "demo_unit")
    assert unit.get("/dictionaries/list/").status_code == 403
    assert unit.post("/dictionary-items/add", {"dict_type": 1, "code": "x", "label": "x"}).status_code == 403


def test_org_lists_show_dictionary_labels(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    page = admin.get("/admin/orgs/list/").get_data(as_text=True)
    assert "广州市" in page and "440100" not in page
