"""The login log, read-only: every sign-in attempt through the web page or the REST API."""
from __future__ import annotations

from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.extensions import db
from app.models import LOGIN_CHANNEL_LABELS, LOGIN_OUTCOME_LABELS, LoginChannel, LoginLog, LoginOutcome
from app.security import roles as r
from app.views.base import SafeModelView
from app.views.fields import enum_formatter


def _enum_search_field(label, enum, labels) -> SelectField:
    """A search select showing Chinese labels for the stored enum names."""
    return SelectField(label, choices=lambda: [(m.name, str(labels[m])) for m in enum], widget=Select2Widget())


class LoginLogView(SafeModelView):
    """Who tried to sign in, when, from where, through which channel, and how it ended."""

    route_base = "/login-log"
    class_permission_name = r.LOGIN_LOG
    datamodel = SQLAInterface(LoginLog, db.session)
    base_permissions = ["can_list", "can_show"]
    list_title = _l("Login log")
    show_title = _l("Sign-in attempt")
    label_columns = {
        "at": _l("Time"),
        "login_name": _l("Account as typed"),
        "user": _l("Account"),
        "ip": _l("IP address"),
        "user_agent": _l("Browser"),
        "channel": _l("Channel"),
        "outcome": _l("Outcome"),
    }
    list_columns = ["at", "login_name", "user", "ip", "channel", "outcome"]
    show_columns = list_columns + ["user_agent"]
    formatters_columns = {
        "channel": enum_formatter(LOGIN_CHANNEL_LABELS),
        "outcome": enum_formatter(LOGIN_OUTCOME_LABELS),
    }
    search_columns = ["at", "login_name", "ip", "channel", "outcome"]
    search_form_extra_fields = {
        "channel": _enum_search_field(_l("Channel"), LoginChannel, LOGIN_CHANNEL_LABELS),
        "outcome": _enum_search_field(_l("Outcome"), LoginOutcome, LOGIN_OUTCOME_LABELS),
    }
    order_columns = ["at", "login_name", "ip", "outcome"]
    base_order = ("at", "desc")
