"""The operation log, read-only."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import OperationLog
from app.security import roles as r
from app.views.base import SafeModelView


class OperationLogView(SafeModelView):
    """Who did what to which record, from where, with what outcome."""

    route_base = "/operation-log"
    class_permission_name = r.OPERATION_LOG
    datamodel = SQLAInterface(OperationLog, db.session)
    base_permissions = ["can_list", "can_show"]
    list_title = _l("Operation log")
    show_title = _l("Operation")
    label_columns = {
        "at": _l("Time"),
        "user": _l("Operator"),
        "action": _l("Operation"),
        "target_type": _l("Record type"),
        "target_id": _l("Record number"),
        "outcome": _l("Outcome"),
        "ip": _l("IP address"),
        "detail": _l("Detail"),
    }
    list_columns = ["at", "user", "action", "target_type", "target_id", "outcome", "ip"]
    show_columns = list_columns + ["detail"]
    search_columns = ["action", "target_type", "target_id", "outcome", "ip"]
    order_columns = ["at", "action"]
    base_order = ("at", "desc")
