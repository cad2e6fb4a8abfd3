"""Staff accounts: the admin's user management with organisations, and each org's staff list."""
from __future__ import annotations

from flask import g
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.views import UserDBModelView
from flask_appbuilder.security.sqla.models import Role
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import AppUser, Org
from app.security import roles as r
from app.services import accounts
from app.scope.filters import SCOPED
from app.views.base import SafeCrudMixin, ScopedModelView


def roles_text(roles) -> str:
    """Roles as their Chinese names, joined."""
    return "、".join(r.role_label(role.name) for role in roles or [])


def orgs_text(orgs) -> str:
    """Organisation names, joined."""
    return "、".join(org.name for org in orgs or [])


ACCOUNT_LABELS = {
    "orgs": _l("Organisations"),
    "roles": _l("Role"),
    "last_name": _l("Family name"),
    "first_name": _l("Given name"),
}


def _roles_field():
    return QuerySelectMultipleField(
        _l("Role"),
        query_func=lambda: db.session.query(Role).filter(Role.name != "Public").order_by(Role.id),
        get_pk_func=lambda role: role.id,
        get_label=lambda role: r.role_label(role.name),
        widget=Select2ManyWidget(),
    )


def _orgs_field():
    return QuerySelectMultipleField(
        _l("Organisations"),
        query_func=lambda: db.session.query(Org).order_by(Org.path),
        get_pk_func=lambda org: org.id,
        get_label=lambda org: f"{'　' * org.depth}{org.name}",
        widget=Select2ManyWidget(),
    )


class StaffUserAdminView(SafeCrudMixin, UserDBModelView):
    """FAB's user management, with each staff user's organisations and Chinese role names."""

    class_permission_name = "UserDBModelView"

    datamodel = SQLAInterface(AppUser, db.session)
    label_columns = {**UserDBModelView.label_columns, **ACCOUNT_LABELS}
    list_columns = ["last_name", "first_name", "username", "email", "active", "roles", "orgs"]
    formatters_columns = {"roles": roles_text, "orgs": orgs_text}
    search_columns = ["username", "last_name", "first_name", "email", "active", "roles", "orgs"]
    add_columns = ["last_name", "first_name", "username", "active", "email", "roles", "orgs", "password", "conf_password"]
    edit_columns = ["last_name", "first_name", "username", "active", "email", "roles", "orgs"]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "orgs", "login_count"]}),
        (_l("Personal Info"), {"fields": ["last_name", "first_name", "email"], "expanded": True}),
        (
            _l("Audit Info"),
            {"fields": ["last_login", "fail_login_count", "created_on", "changed_on"], "expanded": False},
        ),
    ]
    user_show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "orgs"]}),
        (_l("Personal Info"), {"fields": ["last_name", "first_name", "email"], "expanded": True}),
    ]
    validators_columns = {}
    add_form_extra_fields = {
        **UserDBModelView.add_form_extra_fields,
        "roles": _roles_field(),
        "orgs": _orgs_field(),
    }
    edit_form_extra_fields = {"roles": _roles_field(), "orgs": _orgs_field()}

    def validate_item(self, item, is_new):
        accounts.check_staff_account(item)


class OrgStaffView(ScopedModelView):
    """Staff accounts of the organisations in the user's scope, read-only."""

    route_base = "/org-staff"
    class_permission_name = r.ORG_STAFF
    datamodel = SQLAInterface(AppUser, db.session)
    base_permissions = ["can_list", "can_show"]
    list_title = _l("Organisation staff")
    show_title = _l("Staff member")
    label_columns = {
        "username": _l("User Name"),
        "email": _l("Email"),
        "active": _l("Is Active?"),
        "last_login": _l("Last login"),
        **ACCOUNT_LABELS,
    }
    list_columns = ["last_name", "first_name", "username", "roles", "orgs", "active"]
    show_columns = ["last_name", "first_name", "username", "email", "roles", "orgs", "active", "last_login"]
    formatters_columns = {"roles": roles_text, "orgs": orgs_text}
    search_columns = ["username", "last_name", "first_name", "orgs"]
    search_form_query_rel_fields = {"orgs": SCOPED}
    order_columns = ["username", "last_name"]
    base_order = ("username", "asc")
