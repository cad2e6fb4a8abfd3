"""Signing in: the login page (account or ID number, password, captcha) and FAB's JSON login."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, validators

from app.models import LoginChannel, SessionEndReason
from app.services import captcha, login
from app.session_policy import sign_in, sign_out
from app.views.captcha import check_submitted


class LoginForm(FlaskForm):
    """账号或证件号码, 密码, 验证码."""

    username = StringField(
        _l("Account or ID number"),
        validators=[validators.InputRequired(message=_l("Please enter your account name or ID number."))],
    )
    password = PasswordField(
        _l("Password"), validators=[validators.InputRequired(message=_l("Please enter the password."))]
    )
    captcha = StringField(_l("Verification code"))


class LoginView(AuthDBView):
    """The login page; every attempt goes through the login service and lands in the login log."""

    login_template = "auth/login.html"
    title = _l("Sign in")

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm()
        if form.validate_on_submit():
            next_url = get_safe_redirect(request.args.get("next", ""))
            if not check_submitted(form.captcha.data):
                result = login.record_bad_captcha(
                    form.username.data, ip=request.remote_addr, user_agent=request.user_agent.string
                )
            else:
                result = self.appbuilder.sm.authenticate(form.username.data, form.password.data, LoginChannel.web)
            if result.user is None:
                flash(result.message, "danger")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            sign_in(result.user)
            return redirect(next_url)
        return self.render_template(
            self.login_template, title=self.title, form=form, appbuilder=self.appbuilder,
            captcha_enabled=captcha.enabled(),
        )


    @expose("/logout/")
    def logout(self):
        """Sign out: the session row ends too, so a copy of the cookie no longer reaches the account."""
        user = self._get_authenticated_user()
        sign_out(SessionEndReason.logout, user)
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
        return redirect(current_app.config.get("LOGOUT_REDIRECT_URL", self.appbuilder.get_url_for_index))


class LoginApi(SecurityApi):
    """FAB's JSON login (/api/v1/security/login), refusing with the login page's Chinese message."""

    def response_401(self):
        # auth_user_db (ZhipingSecurityManager) leaves the attempt's result on g for this answer.
        result = g.get("login_result")
        return self.response(401, message=result.message if result is not None else _("Wrong account or password."))
