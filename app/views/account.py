"""Staff accounts: the admin's user management with organisations, and each org's staff list."""
from __future__ import annotations

from flask import flash, g, redirect, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.views import UserDBModelView
from flask_appbuilder.security.sqla.models import Role
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.display import display
from app.errors import ErrorCollector
from app.extensions import db
from app.models import AppUser, Org
from app.models.mixins import utcnow
from app.security import roles as r
from app.services import accounts, login, passwords
from app.scope.filters import SCOPED
from app.views.base import SafeCrudMixin, ScopedModelView


def roles_text(roles) -> str:
    """Roles as their Chinese names, joined."""
    return "、".join(r.role_label(role.name) for role in roles or [])


def orgs_text(orgs) -> str:
    """Organisation names, joined."""
    return "、".join(org.name for org in orgs or [])


def lock_text(locked_until) -> str:
    """"Locked until …" while a lock lasts, nothing otherwise."""
    if locked_until is None or locked_until <= utcnow():
        return ""
    return _("Locked until %(time)s (UTC)", time=display(locked_until))


ACCOUNT_LABELS = {
    "orgs": _l("Organisations"),
    "roles": _l("Role"),
    "last_name": _l("Family name"),
    "first_name": _l("Given name"),
    "locked_until": _l("Lock"),
    "must_change_password": _l("Must change password"),
    "password_changed_at": _l("Password changed at"),
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

    show_template = "change_log/model_show.html"
    extra_args = {"change_owner_type": "AppUser"}

    class_permission_name = "UserDBModelView"

    datamodel = SQLAInterface(AppUser, db.session)
    label_columns = {**UserDBModelView.label_columns, **ACCOUNT_LABELS}
    list_columns = ["last_name", "first_name", "username", "email", "active", "roles", "orgs", "locked_until"]
    formatters_columns = {"roles": roles_text, "orgs": orgs_text, "locked_until": lock_text}
    search_columns = ["username", "last_name", "first_name", "email", "active", "roles", "orgs"]
    add_columns = ["last_name", "first_name", "username", "active", "email", "roles", "orgs", "password", "conf_password"]
    edit_columns = ["last_name", "first_name", "username", "active", "email", "roles", "orgs"]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "orgs", "login_count"]}),
        (_l("Personal Info"), {"fields": ["last_name", "first_name", "email"], "expanded": True}),
        (
            _l("Audit Info"),
            {
                "fields": [
                    "last_login", "fail_login_count", "locked_until", "must_change_password",
                    "password_changed_at", "created_on", "changed_on",
                ],
                "expanded": False,
            },
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
        if is_new:
            errors = ErrorCollector()
            for problem in passwords.policy_problems(item.password):
                errors.add("password", problem)
            errors.raise_if_any()

    def pre_add(self, item):
        super().pre_add(item)
        # A password chosen by an administrator is only a first-login password (S2).
        item.must_change_password = True
        item.password_changed_at = None
        passwords.remember(item)

    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts?"), "fa-unlock")
    def unlock(self, items):
        """Lift the sign-in lock of the selected accounts."""
        items = items if isinstance(items, list) else [items]
        unlocked = sum(login.unlock(user, g.user) for user in items)
        db.session.commit()
        flash(_("%(count)d account(s) unlocked.", count=unlocked), "success")
        return redirect(self.get_redirect())

    @expose("/resetmypassword/")
    def resetmypassword(self):
        """FAB's "reset my password" needs no current password; ours does."""
        return redirect(url_for("PasswordView.change"))

    @expose("/userinfo/")
    @has_access
    def userinfo(self):
        """The user's own account page, with the change-password button instead of FAB's reset."""
        actions = {"userinfoedit": self.actions.get("userinfoedit")}
        item = self.datamodel.get(g.user.id, self._base_filters)
        widgets = self._get_show_widget(g.user.id, item, actions=actions, show_fieldsets=self.user_show_fieldsets)
        self.update_redirect()
        return self.render_template(
            "auth/userinfo.html", title=self.user_info_title, widgets=widgets, appbuilder=self.appbuilder
        )


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
