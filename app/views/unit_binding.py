"""单位绑定 (the person's request to a 法人单位) and 人员绑定确认 (the unit confirms, refuses or ends it)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.errors import DomainError
from app.extensions import db
from app.models import BindingStatus, UnitBinding
from app.scope import clause_for
from app.security import roles as r
from app.views.application_review import masked_id
from app.views.base import flash_failure
from app.workflow import ce_binding
from app.workflow.profile import unit_locked

PAGE_SIZE = 20


def _page() -> int:
    return max(request.args.get("page", type=int) or 0, 0)


class MyUnitBindingView(BaseView):
    """单位绑定: the current binding, the history of requests, a new request and withdrawing a pending one."""

    route_base = "/my-unit-binding"
    class_permission_name = r.MY_UNIT_BINDING
    method_permission_name = {"index": "read", "request_binding": "write", "cancel": "write"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        user = g.user
        search = (request.args.get("q") or "").strip()[:50]
        live = ce_binding.live_binding(user.id)
        return self.render_template(
            "ce/my_unit_binding.html",
            title=_("Unit binding"),
            live=live,
            history=ce_binding.history(user.id),
            units=ce_binding.bindable_units(search) if live is None else [],
            search=search,
            unit_locked=unit_locked(user.id),
        )

    @expose("/request", methods=["POST"])
    @has_access
    def request_binding(self):
        try:
            ce_binding.request_binding(g.user, request.form.get("unit_id"))
        except DomainError as error:
            flash_failure(error)
        else:
            flash(_("Your binding request was sent to the unit for confirmation."), "success")
        return redirect(url_for(".index"))

    @expose("/cancel/<int:binding_id>", methods=["POST"])
    @has_access
    def cancel(self, binding_id: int):
        try:
            ce_binding.cancel_request(g.user, binding_id, request.form.get("version", type=int))
        except DomainError as error:
            flash_failure(error)
        else:
            flash(_("Your binding request was withdrawn."), "success")
        return redirect(url_for(".index"))


class UnitBindingView(BaseView):
    """人员绑定确认: requests addressed to the reviewer's units (待确认 / 已处理); supervisors and the authority read."""

    route_base = "/unit-bindings"
    class_permission_name = r.UNIT_BINDING
    method_permission_name = {"list": "list", "confirm": "act", "reject": "act", "end": "act"}
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        tab = "done" if request.args.get("tab") == "done" else "todo"
        query = (
            select(UnitBinding).where(clause_for(UnitBinding), UnitBinding.user_id != g.user.id)
            .options(joinedload(UnitBinding.user), joinedload(UnitBinding.decided_by))
        )
        if tab == "todo":
            query = query.where(UnitBinding.status == BindingStatus.pending).order_by(UnitBinding.requested_at)
        else:
            query = query.where(UnitBinding.status != BindingStatus.pending).order_by(
                UnitBinding.decided_at.desc(), UnitBinding.id.desc())
        count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        page = _page()
        rows = list(db.session.scalars(query.limit(PAGE_SIZE).offset(page * PAGE_SIZE)).unique())
        own_units = {org.id for org in g.user.orgs}
        return self.render_template(
            "ce/unit_bindings.html",
            title=_("Binding confirmation"),
            tab=tab, rows=rows, count=count, page=page, pages=max((count + PAGE_SIZE - 1) // PAGE_SIZE, 1),
            may_act=self.appbuilder.sm.has_access("can_act", r.UNIT_BINDING),
            own_units=own_units, masked_id=masked_id,
        )

    def _decide(self, action, binding_id: int, message: str):
        version = request.form.get("version", type=int)
        in_scope = db.session.scalar(select(UnitBinding.user_id).where(
            UnitBinding.id == binding_id, clause_for(UnitBinding)))
        if in_scope is None or in_scope == g.user.id:
            abort(404)
        try:
            if action is ce_binding.confirm:
                action(binding_id, g.user, version)
            else:
                action(binding_id, g.user, request.form.get("reason"), version)
        except ce_binding.AlreadyHandled:
            flash(_("This record has already been handled by someone else."), "warning")
        except DomainError as error:
            flash_failure(error)
        else:
            flash(message, "success")
        return redirect(request.form.get("next_tab") == "done" and url_for(".list", tab="done") or url_for(".list"))

    @expose("/<int:binding_id>/confirm", methods=["POST"])
    @has_access
    def confirm(self, binding_id: int):
        return self._decide(ce_binding.confirm, binding_id, _("The binding was confirmed."))

    @expose("/<int:binding_id>/reject", methods=["POST"])
    @has_access
    def reject(self, binding_id: int):
        return self._decide(ce_binding.reject, binding_id, _("The binding request was refused."))

    @expose("/<int:binding_id>/end", methods=["POST"])
    @has_access
    def end(self, binding_id: int):
        return self._decide(ce_binding.end, binding_id, _("The binding was ended."))
