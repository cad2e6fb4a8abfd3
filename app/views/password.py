"""密码修改: every signed-in user changes their own password, giving the current one."""
from __future__ import annotations

import functools

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.views import ResetMyPasswordView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField

from app.errors import ValidationFailed
from app.extensions import db
from app.models import SessionEndReason
from app.services import audit, passwords, sessions
from app.views.base import attach_errors


def signed_in(view):
    """Let signed-in users through; send anyone else to the login page and back."""

    @functools.wraps(view)
    def wrapper(self, *args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("LoginView.login", next=request.full_path))
        return view(self, *args, **kwargs)

    return wrapper


class ChangePasswordForm(FlaskForm):
    """旧密码, 新密码, 确认密码."""

    old_password = PasswordField(_l("Current password"))
    new_password = PasswordField(_l("New password"))
    confirm_password = PasswordField(_l("Confirm the new password"))


class PasswordView(BaseView):
    """The change-password page (the only page a user with a forced change can open)."""

    route_base = "/account"
    default_view = "change"

    @expose("/password", methods=["GET", "POST"])
    @no_cache
    @signed_in
    def change(self):
        form = ChangePasswordForm()
        user = self.appbuilder.sm.get_user_by_id(g.user.id)
        if form.validate_on_submit():
            try:
                passwords.change_password(
                    user, form.old_password.data, form.new_password.data, form.confirm_password.data
                )
            except ValidationFailed as failure:
                db.session.rollback()
                attach_errors(form, failure)
            else:
                audit.record("password_change", user, user)
                sessions.end_all(user, SessionEndReason.password, user, keep_current=True)
                db.session.commit()
                flash(_("Your password has been changed."), "success")
                return redirect(self.appbuilder.get_url_for_index)
        return self.render_template(
            "auth/change_password.html", form=form, title=_("Change password"),
            forced=bool(user.must_change_password),
        )


class RedirectingResetMyPasswordView(ResetMyPasswordView):
    """FAB's own "reset my password" form needs no current password: send everyone to ours instead."""

    @expose("/form", methods=["GET"])
    def this_form_get(self):
        return redirect(url_for("PasswordView.change"))

    @expose("/form", methods=["POST"])
    def this_form_post(self):
        return redirect(url_for("PasswordView.change"))
