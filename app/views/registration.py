"""个人用户注册: the public registration page."""
from __future__ import annotations

from flask import redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import no_cache
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField

from app.errors import ErrorCollector, ValidationFailed
from app.models import COUNTRY_LABELS, GENDER_LABELS, Country, Gender
from app.services import captcha, dictionaries, registration, security_questions
from app.views.base import attach_errors
from app.views.captcha import check_submitted


def _blank(options):
    return [("", _("Please choose"))] + list(options)


class RegistrationForm(FlaskForm):
    """账户信息, 详细信息, 账号安全, 诚信承诺书, 验证码."""

    username = StringField(_l("Account name"))
    password = PasswordField(_l("Password"))
    confirm_password = PasswordField(_l("Confirm password"))
    id_type = SelectField(_l("ID type"), choices=lambda: _blank(dictionaries.choices("id_type")))
    id_number = StringField(_l("ID number"))
    name = StringField(_l("Name"))
    gender = SelectField(_l("Sex"), choices=lambda: _blank((s.value, str(GENDER_LABELS[s])) for s in Gender))
    birth_date = StringField(_l("Birth date"), render_kw={"type": "date"})
    mobile = StringField(_l("Mobile phone"))
    email = StringField(_l("E-mail"))
    phone = StringField(_l("Telephone"))
    qq = StringField(_l("QQ number"))
    country = SelectField(
        _l("Country or region"), choices=lambda: _blank((c.value, str(COUNTRY_LABELS[c])) for c in Country)
    )
    question_1 = SelectField(_l("Security question 1"), choices=lambda: _blank(security_questions.choices()))
    answer_1 = StringField(_l("Answer 1"))
    question_2 = SelectField(_l("Security question 2"), choices=lambda: _blank(security_questions.choices()))
    answer_2 = StringField(_l("Answer 2"))
    question_3 = SelectField(_l("Security question 3"), choices=lambda: _blank(security_questions.choices()))
    answer_3 = StringField(_l("Answer 3"))
    consent = BooleanField(_l("Integrity commitment"))
    captcha = StringField(_l("Verification code"))

    def to_input(self) -> registration.RegistrationInput:
        """The typed values for the registration service."""
        return registration.RegistrationInput(
            username=self.username.data, password=self.password.data,
            confirm_password=self.confirm_password.data, id_type=self.id_type.data,
            id_number=self.id_number.data, name=self.name.data, gender=self.gender.data,
            birth_date=self.birth_date.data, mobile=self.mobile.data, email=self.email.data,
            phone=self.phone.data, qq=self.qq.data, country=self.country.data,
            questions=[self.question_1.data, self.question_2.data, self.question_3.data],
            answers=[self.answer_1.data, self.answer_2.data, self.answer_3.data],
            consent=bool(self.consent.data),
        )


def submit_registration(form, validate, create) -> bool:
    """Check the captcha and the service's rules together, so every wrong field is shown at once; on success
    create the account (True). Errors are attached to the form's fields."""
    errors = ErrorCollector()
    if not check_submitted(form.captcha.data):
        errors.add("captcha", _("The verification code is wrong or has expired; please enter the new one."))
    clean = None
    try:
        clean = validate(form.to_input())
    except ValidationFailed as failure:
        for field, messages in failure.errors.items():
            for message in messages:
                errors.add(field, message)
    try:
        errors.raise_if_any()
        create(clean)
    except ValidationFailed as failure:
        attach_errors(form, failure)
        return False
    return True


class RegistrationView(BaseView):
    """Public: anyone may register a personal account."""

    route_base = "/register"
    default_view = "register"

    @expose("/", methods=["GET", "POST"])
    @no_cache
    def register(self):
        form = RegistrationForm()
        # CSRFProtect has checked the token; every field is checked by the service, with Chinese messages.
        if form.is_submitted() and submit_registration(form, registration.validate, registration.create):
            return redirect(url_for("RegistrationView.done"))
        return self.render_template(
            "auth/register.html", form=form, title=_("Personal account registration"),
            captcha_enabled=captcha.enabled(),
        )

    @expose("/done")
    def done(self):
        return self.render_template("auth/register_done.html", title=_("Registration successful"))
