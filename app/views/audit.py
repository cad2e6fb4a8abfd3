"""The operation log and the change log (变更记录), read-only, searchable and exportable.

The admin reads everything; the authority reads the entries of its reach (app/scope/policy.py `_logs`): those whose
operator belongs to an organisation in its reach (staff of those orgs, and persons whose 人事管理单位 is there), and
change-log entries about a record in its reach (profiles of those persons, applications in its scope, its orgs).
"""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import ChangeLog, OperationLog
from app.scope.filters import SCOPED
from app.security import roles as r
from app.views.base import SafeModelView
from app.views.change_history import OPERATION_LABELS, field_label, record_type_label, roles_text, value_text

LOG_LABELS = {
    "at": _l("Time"),
    "user": _l("Operator"),
    "roles": _l("Operator's roles"),
    "action": _l("Operation"),
    "target_type": _l("Record type"),
    "target_id": _l("Record number"),
    "outcome": _l("Outcome"),
    "ip": _l("IP address"),
    "detail": _l("Detail"),
}


class OperationLogView(SafeModelView):
    """Who did what to which record, from where, with what outcome."""

    route_base = "/operation-log"
    class_permission_name = r.OPERATION_LOG
    datamodel = SQLAInterface(OperationLog, db.session)
    base_permissions = ["can_list", "can_show"]
    base_filters = SCOPED
    list_title = _l("Operation log")
    show_title = _l("Operation")
    label_columns = LOG_LABELS
    list_columns = ["at", "user", "roles", "action", "target_type", "target_id", "outcome", "ip"]
    show_columns = list_columns + ["detail"]
    formatters_columns = {"roles": roles_text}
    search_columns = ["at", "user", "action", "target_type", "target_id", "outcome", "ip"]
    search_form_query_rel_fields = {"user": SCOPED}
    order_columns = ["at", "action"]
    base_order = ("at", "desc")
    page_size = 30


CHANGE_LABELS = {
    "at": _l("Time"),
    "user": _l("Operator"),
    "roles": _l("Operator's roles"),
    "ip": _l("IP address"),
    "change_id": _l("Save number"),
    "operation": _l("Kind of change"),
    "record_type": _l("Record type"),
    "record_id": _l("Record number"),
    "owner_type": _l("Shown on"),
    "owner_id": _l("Shown on record number"),
    "field": _l("Changed field"),
    "old_value": _l("Value before"),
    "new_value": _l("Value after"),
}


class ChangeLogView(SafeModelView):
    """变更记录: every field change of profiles, applications, organisations, dictionaries and users."""

    route_base = "/change-log"
    class_permission_name = r.CHANGE_LOG
    datamodel = SQLAInterface(ChangeLog, db.session)
    base_permissions = ["can_list", "can_show"]
    base_filters = SCOPED
    list_title = _l("Change log")
    show_title = _l("Field change")
    label_columns = CHANGE_LABELS
    list_columns = ["at", "user", "roles", "record_type", "record_id", "operation", "field", "old_value", "new_value",
                    "ip"]
    show_columns = ["at", "user", "roles", "ip", "change_id", "record_type", "record_id", "owner_type", "owner_id",
                    "operation", "field", "old_value", "new_value"]
    formatters_columns = {
        "roles": roles_text,
        "record_type": record_type_label,
        "owner_type": record_type_label,
        "operation": lambda value: str(OPERATION_LABELS.get(value, value)),
        "field": field_label,
        "old_value": lambda value: value_text("", value),
        "new_value": lambda value: value_text("", value),
    }
    search_columns = ["at", "user", "record_type", "record_id", "owner_type", "owner_id", "field", "operation", "ip",
                      "change_id"]
    search_form_query_rel_fields = {"user": SCOPED}
    order_columns = ["at", "record_type", "field"]
    base_order = ("at", "desc")
    page_size = 30
