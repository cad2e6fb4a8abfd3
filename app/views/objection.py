"""异议登记与核实: objections raised during a 公示, recorded and resolved by the office running it."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import and_, false, or_, select
from wtforms import SelectField, StringField, TextAreaField, validators

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import APP_STATE_LABELS, OBJECTION_STATUS_LABELS, Application, AppState, Objection, ObjectionStatus
from app.scope import clause_for
from app.scope.resolve import current_scope
from app.security import roles as r
from app.views.base import ScopedModelView, attach_errors
from app.views.fields import enum_formatter
from app.workflow import objections

PICK_LIMIT = 200


class ObjectionForm(FlaskForm):
    application_id = SelectField(_l("Candidate in publicity"), coerce=int, validators=[validators.InputRequired()])
    raised_by = StringField(_l("Raised by (name, or 匿名)"), validators=[validators.InputRequired(),
                                                                       validators.Length(max=60)])
    contact = StringField(_l("Contact of the objector"), validators=[validators.Optional(), validators.Length(max=60)])
    content = TextAreaField(_l("Content of the objection"), validators=[
        validators.InputRequired(), validators.Length(max=objections.CONTENT_MAX)])


def publicised_in_reach():
    """Applications in a 公示 the current user runs: the unit's own, or the committee's result 公示."""
    scope = current_scope()
    ids = sorted(scope.org_ids)
    terms = []
    if r.UNIT_REVIEWER in scope.role_names:
        terms.append(and_(Application.state == AppState.unit_publicity, Application.unit_id.in_(ids)))
    if r.COMMITTEE_OFFICE in scope.role_names:
        terms.append(and_(Application.state == AppState.result_publicity, Application.committee_id.in_(ids)))
    return select(Application).where(or_(*terms) if terms else false(), clause_for(Application),
                                     Application.user_id != scope.user_id)


def _phase_label(value) -> str:
    return str(APP_STATE_LABELS[AppState(value)]) if value else ""


class ObjectionView(ScopedModelView):
    """The objections of the publicity periods in scope; open ones pause their application."""

    route_base = "/objections"
    class_permission_name = r.OBJECTION
    datamodel = SQLAInterface(Objection, db.session)
    base_permissions = ["can_list", "can_show", "can_add", "can_resolve"]
    method_permission_name = {"list": "list", "show": "show", "add": "add", "resolve": "resolve"}
    list_title = _l("Publicity objections")
    show_title = _l("Publicity objection")
    label_columns = {
        "application.user": _l("Candidate"),
        "application.unit": _l("Personnel management unit"),
        "phase": _l("Publicity"),
        "raised_by": _l("Raised by"),
        "contact": _l("Contact of the objector"),
        "content": _l("Content of the objection"),
        "status": _l("Verification status"),
        "recorded_at": _l("Recorded at"),
        "recorded_by": _l("Recorded by"),
        "finding": _l("Finding of the verification"),
        "resolved_by": _l("Resolved by"),
        "resolved_at": _l("Resolved at"),
    }
    list_columns = ["application.user", "application.unit", "phase", "raised_by", "status", "recorded_at",
                    "resolved_at"]
    show_columns = ["application.user", "application.unit", "phase", "raised_by", "contact", "content", "status",
                    "recorded_by", "recorded_at", "finding", "resolved_by", "resolved_at"]
    search_columns = ["status", "recorded_at", "raised_by"]
    order_columns = ["recorded_at", "resolved_at", "status"]
    base_order = ("recorded_at", "desc")
    formatters_columns = {"status": enum_formatter(OBJECTION_STATUS_LABELS), "phase": _phase_label}
    show_template = "committee/objection_show.html"

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        objection = self._scoped_item(pk)
        widgets = self._get_show_widget(pk, objection)
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets, related_views=[],
            objection=objection, may_resolve=objection.status == ObjectionStatus.open
            and self.appbuilder.sm.has_access("can_resolve", r.OBJECTION),
        )

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        form = ObjectionForm()
        candidates = list(db.session.scalars(publicised_in_reach().order_by(Application.id).limit(PICK_LIMIT)))
        form.application_id.choices = [
            (a.id, f"{a.user.full_name} — {APP_STATE_LABELS[a.state]}（{a.publicity_until or ''}）")
            for a in candidates
        ]
        if request.method == "GET" and request.args.get("application_id", type=int):
            form.application_id.data = request.args.get("application_id", type=int)
        if form.validate_on_submit():
            try:
                objection = objections.record(form.application_id.data, g.user, form.raised_by.data,
                                              form.contact.data, form.content.data)
            except ValidationFailed as failure:
                db.session.rollback()
                attach_errors(form, failure)
            except DomainError as error:
                db.session.rollback()
                flash(str(error), "danger")
            else:
                flash(_("The objection was recorded; the application is paused until it is resolved."), "success")
                return redirect(url_for(".show", pk=objection.id))
        return self.render_template("committee/objection_add.html", title=_("Record an objection"), form=form,
                                    empty=not candidates)

    @expose("/resolve/<int:pk>", methods=["POST"])
    @has_access
    def resolve(self, pk):
        objection = self._scoped_item(pk)
        outcome = request.form.get("outcome")
        if outcome not in ("upheld", "dismissed"):
            flash(_("Please choose whether the objection is upheld."), "danger")
            return redirect(url_for(".show", pk=pk))
        try:
            objections.resolve(objection.id, g.user, outcome == "upheld", request.form.get("finding", ""))
        except DomainError as error:
            db.session.rollback()
            for message in (sum(error.errors.values(), []) if isinstance(error, ValidationFailed) else [str(error)]):
                flash(message, "danger")
            return redirect(url_for(".show", pk=pk))
        if outcome == "upheld":
            flash(_("The objection is upheld: return or terminate the application from its review page."), "warning")
        else:
            flash(_("The objection is not upheld; the publicity continues."), "success")
        return redirect(url_for(".show", pk=pk))
