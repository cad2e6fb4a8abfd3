"""Schema set-up: migrations build exactly the models' schema; set-up steps are idempotent."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder.models.sqla import Model
from sqlalchemy import func, select

import app.models  # noqa: F401  - every table in Model.metadata
from app.extensions import db
from app.models import AppUser, DictItem, DictType, Org
from app.security.sync import sync_roles
from app.services import dictionaries
from app.services.demo import DEMO_ACCOUNTS, load_demo
from conftest import DEMO_PASSWORD

REQUIRED_TYPES = {
    "title_series", "title", "title_level", "specialty", "education", "degree", "study_mode", "ethnicity",
    "political_status", "id_type", "completion_form", "course_type", "learning_form", "exam_category",
    "dishonesty_type", "person_type", "region",
}


def test_migrations_produce_exactly_the_models_schema(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Model.metadata)
    assert differences == []


def test_migrations_load_the_shipped_dictionaries(app):
    with app.app_context():
        codes = set(db.session.scalars(select(DictType.code)))
        assert REQUIRED_TYPES <= codes
        assert len(dictionaries.choices("ethnicity")) == 58
        ladder = [label for _, label in dictionaries.choices("title", series="GC")]
        assert ladder == ["技术员", "助理工程师", "工程师", "高级工程师", "正高级工程师"]
        assert dictionaries.label("region", "440100") == "广州市"
        # Loading again adds nothing and keeps an administrator's edit.
        item = db.session.scalar(select(DictItem).where(DictItem.code == "01", DictItem.label == "汉族"))
        item.label = "汉族（已编辑）"
        db.session.commit()
        with db.engine.begin() as connection:
            assert dictionaries.load_builtin(connection) == 0
        dictionaries.invalidate()
        assert dictionaries.label("ethnicity", "01") == "汉族（已编辑）"


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Org, AppUser, DictItem))


def test_demo_load_and_security_sync_twice_change_nothing(app):
    with app.app_context():
        before = _counts()
        assert load_demo(DEMO_PASSWORD) == 0
        assert _counts() == before
        assert all(change == (0, 0) for change in sync_roles(app.appbuilder).values())
        usernames = set(db.session.scalars(select(AppUser.username)))
        assert {a.username for a in DEMO_ACCOUNTS} <= usernames


def test_each_demo_staff_account_belongs_to_an_org_of_its_kind(app):
    from app.scope.resolve import ROLE_REACH

    with app.app_context():
        for account in DEMO_ACCOUNTS:
            user = db.session.scalar(select(AppUser).where(AppUser.username == account.username))
            reach = ROLE_REACH.get(account.role)
            if reach:
                assert reach[0] in {org.kind for org in user.orgs}, account.username


def test_a_role_granted_an_unknown_permission_is_refused(app, monkeypatch):
    from app.security import roles

    bad = roles.RoleSpec("UnitReviewer", "x", grants=(("can_fly", "Nowhere"),))
    monkeypatch.setitem(roles.ROLES, "UnitReviewer", bad)
    with app.app_context():
        try:
            sync_roles(app.appbuilder)
        except RuntimeError as error:
            assert "can_fly" in str(error)
        else:
            raise AssertionError("sync accepted a permission no view defines")
