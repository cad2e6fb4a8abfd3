"""The administrator's queue of 密码申诉: newest pending first, accept or reject each one."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case

from app.errors import DomainError
from app.extensions import db
from app.models import APPEAL_STATUS_LABELS, AppealStatus, PasswordAppeal
from app.security import roles as r
from app.services import appeals, dictionaries
from app.views.base import SafeModelView
from app.views.fields import enum_formatter


class PendingFirstInterface(SQLAInterface):
    """Without an explicit sort, pending appeals come first, newest first within each status."""

    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if order_column:
            return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)
        pending_first = case((PasswordAppeal.status == AppealStatus.pending, 0), else_=1)
        return query.order_by(pending_first, PasswordAppeal.created_at.desc(), PasswordAppeal.id.desc())


class PasswordAppealView(SafeModelView):
    """Appeals with the account's registration facts beside what the appellant wrote."""

    route_base = "/password-appeals"
    class_permission_name = r.PASSWORD_APPEAL
    datamodel = PendingFirstInterface(PasswordAppeal, db.session)
    base_permissions = ["can_list", "can_show", "can_decide"]
    list_title = _l("Password appeals")
    show_title = _l("Password appeal")
    show_template = "auth/appeal_show.html"
    label_columns = {
        "created_at": _l("Submitted at"),
        "user": _l("Account"),
        "contact_phone": _l("Contact telephone"),
        "reason": _l("Reason for the appeal"),
        "ip": _l("IP address"),
        "status": _l("Status"),
        "handled_by": _l("Handled by"),
        "handled_at": _l("Handled at"),
        "handling_note": _l("Handling note"),
    }
    list_columns = ["created_at", "user", "contact_phone", "status", "handled_by", "handled_at"]
    show_columns = ["created_at", "user", "contact_phone", "reason", "ip", "status", "handled_by", "handled_at",
                    "handling_note"]
    formatters_columns = {"status": enum_formatter(APPEAL_STATUS_LABELS)}
    search_columns = ["created_at", "status", "contact_phone"]
    order_columns = ["created_at", "status", "handled_at"]

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        """The appeal, the account's registration facts, and the decision form while it is pending."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        widgets = self._get_show_widget(pk, item)
        self.update_redirect()
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets, appeal=item,
            id_type_label=dictionaries.label("id_type", item.user.id_type),
            pending=item.status == AppealStatus.pending,
        )

    @expose("/decide/<int:pk>", methods=["POST"])
    @has_access
    def decide(self, pk):
        """受理通过 or 驳回 a pending appeal; the loser of two concurrent decisions is told so."""
        if self.datamodel.get(pk, self._base_filters) is None:
            abort(404)
        decision = request.form.get("decision")
        note = request.form.get("note")
        try:
            if decision == "accept":
                appeals.accept(pk, g.user, note)
                flash(_("The appeal was accepted; the password is now the expected password."), "success")
            elif decision == "reject":
                appeals.reject(pk, g.user, note)
                flash(_("The appeal was rejected."), "success")
            else:
                abort(400)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))
