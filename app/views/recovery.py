"""找回用户名 / 找回密码: the public recovery pages (rate-limited per address)."""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import no_cache
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, RadioField, SelectField, StringField, TextAreaField

from app.errors import ValidationFailed
from app.models import GENDER_LABELS, Gender
from app.services import dictionaries, recovery, security_questions
from app.views.base import attach_errors


class UsernameForm(FlaskForm):
    """证件类型, 证件号码, 姓名, 性别, 手机, 邮箱."""

    id_type = SelectField(_l("ID type"), choices=lambda: dictionaries.choices("id_type"))
    id_number = StringField(_l("ID number"))
    name = StringField(_l("Name"))
    gender = SelectField(_l("Sex"), choices=lambda: [(s.value, str(GENDER_LABELS[s])) for s in Gender])
    mobile = StringField(_l("Mobile phone"))
    email = StringField(_l("E-mail"))


class AccountForm(FlaskForm):
    """Step 1: the account and the way to recover."""

    account = StringField(_l("Account name or ID number"))
    method = RadioField(
        _l("How to recover"), default="questions",
        choices=[("questions", _l("Security questions")), ("appeal", _l("Appeal"))],
    )


class AnswersForm(FlaskForm):
    """Step 2: the answers to the three questions shown."""

    account = HiddenField()
    answer_1 = StringField(_l("Answer 1"))
    answer_2 = StringField(_l("Answer 2"))
    answer_3 = StringField(_l("Answer 3"))


class NewPasswordForm(FlaskForm):
    """Step 3: the new password, with the proof of the earlier steps."""

    token = HiddenField()
    new_password = PasswordField(_l("New password"))
    confirm_password = PasswordField(_l("Confirm the new password"))


class AppealForm(FlaskForm):
    """方式二: 申诉."""

    account = StringField(_l("Account name"))
    name = StringField(_l("Name"))
    id_number = StringField(_l("ID number"))
    contact_phone = StringField(_l("Contact telephone"))
    reason = TextAreaField(_l("Reason for the appeal"))
    expected_password = PasswordField(_l("Expected password"))
    confirm_password = PasswordField(_l("Confirm the expected password"))


class EmailForm(FlaskForm):
    """找回密码 by e-mail: 证件号码 and the registered e-mail."""

    id_number = StringField(_l("ID number"))
    email = StringField(_l("E-mail"))


class RecoveryView(BaseView):
    """Public pages; every POST counts towards RECOVERY_RATE_LIMIT for the client's address."""

    route_base = "/recover"
    default_view = "password"

    def _page(self, template: str, title, **context):
        return self.render_template(f"auth/{template}", title=title, **context)

    @expose("/username", methods=["GET", "POST"])
    @no_cache
    def username(self):
        form = UsernameForm()
        found = missing = None
        if form.is_submitted():
            found = recovery.find_username(
                form.id_type.data, form.id_number.data, form.name.data, form.gender.data,
                form.mobile.data, form.email.data,
            )
            missing = found is None
        return self._page("recover_username.html", _("Recover your account name"), form=form, found=found,
                          missing=missing)

    @expose("/password", methods=["GET", "POST"])
    @no_cache
    def password(self):
        form = AccountForm()
        if form.is_submitted():
            account = (form.account.data or "").strip()
            if not account:
                form.account.errors = [_("Please enter the account name or ID number.")]
            elif form.method.data == "appeal":
                return redirect(url_for("RecoveryView.appeal", account=account))
            else:
                return self._questions_page(AnswersForm(formdata=None, account=account), account)
        return self._page("recover_password.html", _("Recover your password"), form=form)

    def _questions_page(self, form: AnswersForm, account: str, failed: bool = False):
        questions = [security_questions.label(key) for key in recovery.questions_for(account)]
        return self._page("recover_questions.html", _("Recover your password"), form=form, account=account,
                          questions=questions, failed=failed)

    @expose("/password/questions", methods=["POST"])
    @no_cache
    def questions(self):
        form = AnswersForm()
        account = (form.account.data or "").strip()
        token = recovery.verify_answers(account, [form.answer_1.data, form.answer_2.data, form.answer_3.data])
        if token is None:
            return self._questions_page(AnswersForm(formdata=None, account=account), account, failed=True)
        return self._new_password_page(NewPasswordForm(formdata=None, token=token), account,
                                       url_for("RecoveryView.new_password"))

    def _new_password_page(self, form, account, action):
        return self._page("recover_new_password.html", _("Set a new password"), form=form, account=account,
                          action=action)

    @expose("/password/new", methods=["POST"])
    @no_cache
    def new_password(self):
        form = NewPasswordForm()
        return self._set_password(form, form.token.data, recovery.QUESTIONS_PURPOSE, url_for("RecoveryView.new_password"))

    def _set_password(self, form, token, purpose, action):
        user = recovery.user_for_token(token, purpose)
        if user is None:
            return self._page("recover_invalid.html", _("Recover your password"))
        try:
            recovery.reset_password(user, form.new_password.data, form.confirm_password.data, purpose)
        except ValidationFailed as failure:
            attach_errors(form, failure)
            return self._new_password_page(form, user.username, action)
        return self._page("recover_password_done.html", _("Password changed"), account=user.username)

    @expose("/appeal", methods=["GET", "POST"])
    @no_cache
    def appeal(self):
        form = AppealForm()
        if not form.is_submitted():
            form.account.data = request.args.get("account", "")[:64]
        else:
            data = recovery.AppealInput(**{name: form[name].data or "" for name in (
                "account", "name", "id_number", "contact_phone", "reason", "expected_password", "confirm_password")})
            try:
                recovery.submit_appeal(data, request.remote_addr)
            except ValidationFailed as failure:
                attach_errors(form, failure)
            else:
                return self._page("recover_appeal_done.html", _("Appeal submitted"), account=data.account.strip())
        return self._page("recover_appeal.html", _("Appeal for a new password"), form=form)

    @expose("/email", methods=["GET", "POST"])
    @no_cache
    def email(self):
        form = EmailForm()
        sent = False
        if form.is_submitted():
            recovery.send_reset_link(
                form.id_number.data, form.email.data,
                lambda token: url_for("RecoveryView.email_reset", token=token, _external=True),
            )
            sent = True
        return self._page("recover_email.html", _("Recover your password by e-mail"), form=form, sent=sent)

    @expose("/email/<token>", methods=["GET", "POST"])
    @no_cache
    def email_reset(self, token):
        form = NewPasswordForm()
        action = url_for("RecoveryView.email_reset", token=token)
        if form.is_submitted():
            return self._set_password(form, token, recovery.EMAIL_PURPOSE, action)
        user = recovery.user_for_token(token, recovery.EMAIL_PURPOSE)
        if user is None:
            return self._page("recover_invalid.html", _("Recover your password"))
        return self._new_password_page(form, user.username, action)
