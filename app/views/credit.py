"""信用管理: the authority's 失信记录 (record, read, end early, export) and the person's 失信信息查看."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, validators

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import CREDIT_SUBJECT_LABELS, CreditRecord, OrgKind
from app.scope.filters import OwnCreditFilter
from app.security import roles as r
from app.services import audit, credit
from app.views.base import ScopedModelView, flash_failure
from app.views.fields import enum_formatter

LABELS = {
    "subject_type": _l("Type of subject"), "subject_name": _l("Name of the subject"),
    "subject_number": _l("ID number or unified social credit code"), "content": _l("Breach of trust"),
    "decision": _l("Decision taken"), "valid_from": _l("In force from"), "valid_until": _l("In force until"),
    "recorder_org": _l("Recorded by (organisation)"), "recorded_by": _l("Recorded by"), "recorded_at": _l("Recorded at"),
    "status_label": _l("Status"), "ended_at": _l("Ended at"), "ended_by": _l("Ended by"),
    "end_reason": _l("Reason for ending"), "certificate": _l("Revoked certificate"),
}


def authority_org(user):
    """The HRSS authority the staff member records for (their first authority org), or None."""
    return next((org for org in user.orgs if org.kind == OrgKind.authority), None)


class CreditRecordView(ScopedModelView):
    """失信记录: the authority records, reads, ends early and exports; nobody edits or deletes a record."""

    route_base = "/credit-records"
    class_permission_name = r.CREDIT_RECORD
    datamodel = SQLAInterface(CreditRecord, db.session)
    base_permissions = ["can_list", "can_show", "can_add", "can_end", "can_export"]
    method_permission_name = {"list": "list", "show": "show", "add": "add", "end": "end", "export": "export"}
    list_title = show_title = _l("Breach-of-trust records")
    add_title = _l("Record a breach of trust")
    label_columns = LABELS
    list_columns = ["subject_type", "subject_name", "subject_number", "content", "valid_from", "valid_until",
                    "status_label", "recorder_org", "recorded_at"]
    show_columns = ["subject_type", "subject_name", "subject_number", "content", "decision", "valid_from",
                    "valid_until", "status_label", "recorder_org", "recorded_by", "recorded_at", "certificate",
                    "ended_at", "ended_by", "end_reason"]
    add_columns = ["subject_type", "subject_name", "subject_number", "content", "decision", "valid_from",
                   "valid_until"]
    search_columns = ["subject_type", "subject_name", "subject_number", "valid_until", "recorded_at"]
    order_columns = ["subject_name", "valid_from", "valid_until", "recorded_at"]
    base_order = ("recorded_at", "desc")
    formatters_columns = {"subject_type": enum_formatter(CREDIT_SUBJECT_LABELS)}
    description_columns = {
        "valid_until": _l("Leave empty for the standard period (three years for fraud)."),
        "subject_number": _l("证件号码 of a person or expert; 统一社会信用代码 of an organisation."),
    }
    add_form_extra_fields = {
        "valid_from": DateField(_l("In force from"), validators=[validators.Optional()]),
        "valid_until": DateField(_l("In force until"), validators=[validators.Optional()]),
    }
    show_template = "credit/show.html"

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return self._show_with(pk)

    def validate_item(self, item, is_new):
        credit.prepare(item, g.user, authority_org(g.user))

    def pre_add(self, item):
        db.session.add(item)
        db.session.flush()  # the log row names the record's id, in the same transaction
        audit.record("credit.add", item)

    @expose("/end/<int:pk>", methods=["POST"])
    @has_access
    def end(self, pk):
        """结束: the record stops applying now, with the reason (kept with the record)."""
        record = self._scoped_item(pk)
        try:
            credit.end(record.id, request.form.get("version", type=int), request.form.get("end_reason", ""), g.user)
            db.session.commit()
        except (DomainError, ValidationFailed) as error:
            db.session.rollback()
            flash_failure(error)
        else:
            flash(_("The record has been ended."), "success")
        return redirect(url_for(".show", pk=pk))


class MyCreditView(ScopedModelView):
    """失信信息查看: the records about the signed-in person, in force or not."""

    route_base = "/my-credit-records"
    class_permission_name = r.MY_CREDIT_RECORD
    datamodel = SQLAInterface(CreditRecord, db.session)
    base_permissions = ["can_list", "can_show"]
    method_permission_name = {"list": "list", "show": "show"}
    base_filters = [["id", OwnCreditFilter, None]]
    exclude_route_methods = {"export"}
    list_title = show_title = _l("My breach-of-trust records")
    label_columns = LABELS
    list_columns = ["content", "decision", "valid_from", "valid_until", "status_label"]
    show_columns = ["subject_name", "subject_number", "content", "decision", "valid_from", "valid_until",
                    "status_label", "recorder_org", "recorded_at", "ended_at", "end_reason"]
    search_columns = ["valid_until"]
    order_columns = ["valid_from", "valid_until"]
    base_order = ("valid_from", "desc")
