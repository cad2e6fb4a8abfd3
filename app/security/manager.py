"""The project's security manager: its user model and views (FAB_NOTES 7–10)."""
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import RoleModelView, UserGroupModelView, ViewMenuModelView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import AppUser
from app.security.roles import role_label
from app.views.account import StaffUserAdminView


def _view_menu_name(name: str) -> str:
    """A permission target shown by its translated label, with the identifier the code uses."""
    label = _(name)
    return f"{label}（{name}）" if label != name else name


class NamedViewMenuModelView(ViewMenuModelView):
    """FAB's views/menus list, with each identifier's Chinese label beside it."""

    formatters_columns = {"name": _view_menu_name}


SECURITY_LABELS = {
    "name": _l("Name"),
    "label": _l("Label"),
    "description": _l("Description"),
    "users": _l("Users"),
    "user": _l("Users"),
    "roles": _l("Roles"),
    "groups": _l("Groups"),
    "permissions": _l("Permissions"),
}


class LabeledRoleModelView(RoleModelView):
    """FAB's role list with labelled columns and each role's Chinese name."""

    label_columns = SECURITY_LABELS
    formatters_columns = {"name": lambda name: f"{role_label(name)}（{name}）" if role_label(name) != name else name}


class LabeledGroupModelView(UserGroupModelView):
    """FAB's group list with labelled columns."""

    label_columns = SECURITY_LABELS


class ZhipingSecurityManager(SecurityManager):
    """FAB's security manager with the platform's user model and user views."""

    user_model = AppUser
    userdbmodelview = StaffUserAdminView
    viewmenumodelview = NamedViewMenuModelView
    rolemodelview = LabeledRoleModelView
    groupmodelview = LabeledGroupModelView
    # FAB's statistics chart loads Google Charts from the internet (FAB_NOTES 17).
    userstatschartview = None
