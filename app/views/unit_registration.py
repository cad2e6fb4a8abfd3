"""单位用户注册 (public) and 单位注册审核 (the supervisor's or the authority's queue)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, no_cache
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import PasswordField, SelectField, StringField

from app.errors import DomainError
from app.extensions import db
from app.models import RegistrationStatus, UnitRegistration
from app.scope import clause_for
from app.security import roles as r
from app.services import captcha, dictionaries
from app.services import unit_registration as service
from app.views.base import flash_failure
from app.views.registration import submit_registration

PAGE_SIZE = 20


def _parents():
    return [("", _("Please choose"))] + [
        (str(org.id), f"{org.name}（{org.kind_label}）") for org in service.parent_choices()
    ]


class UnitRegistrationForm(FlaskForm):
    """单位信息, 单位账号, 验证码."""

    name = StringField(_l("Unit name"))
    uscc = StringField(_l("Unified social credit code"))
    parent_id = SelectField(_l("Supervising department"), choices=_parents)
    region_code = SelectField(
        _l("Region"), choices=lambda: [("", _("Please choose"))] + list(dictionaries.choices("region"))
    )
    address = StringField(_l("Address"))
    contact_person = StringField(_l("Contact person"))
    contact_phone = StringField(_l("Contact telephone"))
    contact_email = StringField(_l("Contact e-mail"))
    username = StringField(_l("Account name"))
    password = PasswordField(_l("Password"))
    confirm_password = PasswordField(_l("Confirm password"))
    account_name = StringField(_l("Name of the account holder"))
    mobile = StringField(_l("Mobile phone"))
    email = StringField(_l("E-mail"))
    captcha = StringField(_l("Verification code"))

    def to_input(self) -> service.UnitRegistrationInput:
        return service.UnitRegistrationInput(**{
            name: getattr(self, name).data or ""
            for name in service.UnitRegistrationInput.__dataclass_fields__
        })


class UnitRegisterView(BaseView):
    """Public: a unit registers itself and its first account; the account waits for approval."""

    route_base = "/unit-register"
    default_view = "register"

    @expose("/", methods=["GET", "POST"])
    @no_cache
    def register(self):
        form = UnitRegistrationForm()
        if form.is_submitted() and submit_registration(form, service.validate, service.create):
            return redirect(url_for("UnitRegisterView.done"))
        return self.render_template(
            "auth/unit_register.html", form=form, title=_("Unit account registration"),
            captcha_enabled=captcha.enabled(),
        )

    @expose("/done")
    def done(self):
        return self.render_template("auth/unit_register_done.html", title=_("Unit registration submitted"))


class UnitRegistrationView(BaseView):
    """单位注册审核: registrations of units below the reviewer's org; approve, or refuse with a reason."""

    route_base = "/unit-registrations"
    class_permission_name = r.UNIT_REGISTRATION
    method_permission_name = {"list": "list", "approve": "act", "reject": "act"}
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        tab = "done" if request.args.get("tab") == "done" else "todo"
        query = select(UnitRegistration).where(clause_for(UnitRegistration)).options(
            joinedload(UnitRegistration.org), joinedload(UnitRegistration.account),
            joinedload(UnitRegistration.decided_by),
        )
        if tab == "todo":
            query = query.where(UnitRegistration.status == RegistrationStatus.pending).order_by(
                UnitRegistration.submitted_at)
        else:
            query = query.where(UnitRegistration.status != RegistrationStatus.pending).order_by(
                UnitRegistration.decided_at.desc(), UnitRegistration.id.desc())
        count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        page = max(request.args.get("page", type=int) or 0, 0)
        rows = list(db.session.scalars(query.limit(PAGE_SIZE).offset(page * PAGE_SIZE)).unique())
        return self.render_template(
            "org/unit_registrations.html", title=_("Unit registration review"), tab=tab, rows=rows, count=count,
            page=page, pages=max((count + PAGE_SIZE - 1) // PAGE_SIZE, 1),
            regions=dict(dictionaries.choices("region", include_inactive=True)),
        )

    def _decide(self, registration_id: int, approve: bool):
        try:
            service.scoped(registration_id)
        except DomainError:
            abort(404)
        version = request.form.get("version", type=int)
        try:
            if approve:
                service.approve(registration_id, g.user, version)
            else:
                service.reject(registration_id, g.user, request.form.get("reason"), version)
        except service.AlreadyHandled:
            flash(_("This record has already been handled by someone else."), "warning")
        except DomainError as error:
            flash_failure(error)
        else:
            flash(_("The unit registration was approved; the unit and its account are active.") if approve
                  else _("The unit registration was refused."), "success")
        return redirect(url_for(".list"))

    @expose("/<int:registration_id>/approve", methods=["POST"])
    @has_access
    def approve(self, registration_id: int):
        return self._decide(registration_id, True)

    @expose("/<int:registration_id>/reject", methods=["POST"])
    @has_access
    def reject(self, registration_id: int):
        return self._decide(registration_id, False)
