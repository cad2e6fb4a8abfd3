"""个人用户注册: check every field of a registration, then create the applicant account."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.errors import ErrorCollector, ValidationFailed
from app.extensions import db
from app.models import AppUser, BasicInfo, Country, Gender, SecurityAnswer
from app.security.roles import APPLICANT
from app.services import audit, dictionaries, identity, passwords, security_questions

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{4,30}$")
NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z·.•\s]{2,30}$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{5,30}$")
QQ_RE = re.compile(r"^\d{5,12}$")
MIN_AGE, MAX_AGE = 16, 100


@dataclass
class RegistrationInput:
    """What a person typed on the registration form (strings as typed)."""

    username: str = ""
    password: str = ""
    confirm_password: str = ""
    id_type: str = ""
    id_number: str = ""
    name: str = ""
    gender: str = ""
    birth_date: str | dt.date | None = None
    mobile: str = ""
    email: str = ""
    phone: str = ""
    qq: str = ""
    country: str = ""
    questions: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    consent: bool = False


@dataclass(frozen=True)
class CleanPerson:
    """A person's facts that passed every rule, with normalised values."""

    id_type: str
    id_number: str
    last_name: str
    first_name: str
    gender: Gender
    birth_date: dt.date
    mobile: str
    email: str
    phone: str | None
    qq: str | None
    country: Country


@dataclass(frozen=True)
class CleanRegistration:
    """A registration that passed every rule, with normalised values."""

    username: str
    password: str
    id_type: str
    id_number: str
    last_name: str
    first_name: str
    gender: Gender
    birth_date: dt.date
    mobile: str
    email: str
    phone: str | None
    qq: str | None
    country: Country
    questions: tuple[tuple[str, str], ...]


def validate(data: RegistrationInput, today: dt.date | None = None) -> CleanRegistration:
    """Check every field; raise ValidationFailed listing all problems by field name."""
    today = today or dt.date.today()
    errors = ErrorCollector()
    username = check_username(errors, data.username)
    passwords.check_new_password(errors, data.password, data.confirm_password)

    person = check_person(errors, data, today)
    questions = _check_questions(errors, data.questions, data.answers)
    if not data.consent:
        errors.add("consent", _("Please read and accept the integrity commitment."))
    errors.raise_if_any()
    return CleanRegistration(username=username, password=data.password, questions=questions, **vars(person))


def check_username(errors: ErrorCollector, username: str | None) -> str:
    """An account name's format and uniqueness (any letter case); returns it trimmed."""
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        errors.add("username", _("The account name must be 4 to 30 letters, digits or underscores."))
    elif username_taken(username):
        errors.add("username", _("This account name is already registered."))
    return username


def check_person(errors: ErrorCollector, data: RegistrationInput, today: dt.date) -> CleanPerson | None:
    """The person's facts (证件, name, sex, birth date, country, contact): add each problem to `errors`.

    Shared by the registration form and the bulk import of persons; None when any of them fails.
    """
    before = sum(len(messages) for messages in errors.errors.values())
    gender = _enum(Gender, data.gender)
    if gender is None:
        errors.add("gender", _("Please choose the sex."))
    birth_date = _date(data.birth_date)
    if birth_date is None:
        errors.add("birth_date", _("Please enter the birth date as YYYY-MM-DD."))
    elif birth_date > today:
        errors.add("birth_date", _("The birth date cannot be in the future."))
    elif not MIN_AGE <= _age(birth_date, today) <= MAX_AGE:
        errors.add("birth_date", _("Registration is open to people aged 16 to 100."))
    country = _enum(Country, data.country)
    if country is None:
        errors.add("country", _("Please choose the country or region."))

    id_type = (data.id_type or "").strip()
    id_check = None
    if not dictionaries.is_valid_code("id_type", id_type):
        errors.add("id_type", _("Please choose the ID type."))
    else:
        id_check = identity.check(id_type, data.id_number, today)
        _check_id_facts(errors, id_check, id_type, birth_date, gender, country)

    name = re.sub(r"\s+", " ", (data.name or "").strip())
    if not NAME_RE.match(name):
        errors.add("name", _("Please enter the real name on the ID document (2 to 30 characters; join special names with a dot)."))
    mobile, email = check_mobile_and_email(errors, data.mobile, data.email)
    phone = (data.phone or "").strip() or None
    if phone and not PHONE_RE.match(phone):
        errors.add("phone", _("The telephone number may contain only digits, spaces and + - ( )."))
    qq = (data.qq or "").strip() or None
    if qq and not QQ_RE.match(qq):
        errors.add("qq", _("A QQ number has 5 to 12 digits."))
    if sum(len(messages) for messages in errors.errors.values()) > before:
        return None
    return CleanPerson(
        id_type=id_type, id_number=id_check.number, last_name=name[:1], first_name=name[1:], gender=gender,
        birth_date=birth_date, mobile=mobile, email=email, phone=phone, qq=qq, country=country,
    )


def create(clean: CleanRegistration) -> AppUser:
    """Create the applicant account and commit; a concurrent duplicate becomes a field message."""
    role = current_app.appbuilder.sm.find_role(APPLICANT)
    user = AppUser(
        username=clean.username, first_name=clean.first_name, last_name=clean.last_name, email=clean.email,
        active=True, roles=[role], id_type=clean.id_type, id_number=clean.id_number, gender=clean.gender,
        birth_date=clean.birth_date, mobile=clean.mobile, phone=clean.phone, qq=clean.qq, country=clean.country,
        must_change_password=False,
    )
    passwords.set_password(user, clean.password)
    user.security_answers = [
        SecurityAnswer(position=position, question=key, answer_hash=security_questions.hash_answer(answer))
        for position, (key, answer) in enumerate(clean.questions, start=1)
    ]
    db.session.add(user)
    try:
        db.session.flush()
        audit.record("register", user, user)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _duplicate_failure(clean) from None
    return user


def create_for_unit(username: str, person: CleanPerson, unit_id: int, password: str | None) -> AppUser:
    """An applicant account made by a unit's staff (bulk import), bound to the unit through its 基本信息.

    The password is a first-login password (changed at the first sign-in); None leaves the account without a
    usable password (a dry run). Flushed, not committed: the caller's transaction decides.
    """
    role = current_app.appbuilder.sm.find_role(APPLICANT)
    user = AppUser(
        username=username, first_name=person.first_name, last_name=person.last_name, email=person.email,
        active=True, roles=[role], id_type=person.id_type, id_number=person.id_number, gender=person.gender,
        birth_date=person.birth_date, mobile=person.mobile, phone=person.phone, qq=person.qq,
        country=person.country, must_change_password=True, password="!",
    )
    if password is not None:
        passwords.set_initial_password(user, password, generated=True)
    db.session.add(user)
    db.session.flush()
    db.session.add(BasicInfo(user_id=user.id, unit_id=unit_id))
    db.session.flush()
    return user


def register(data: RegistrationInput) -> AppUser:
    """Validate, then create (for imports and the command line; the web form adds its captcha)."""
    return create(validate(data))


def check_mobile_and_email(errors: ErrorCollector, mobile: str | None, email: str | None) -> tuple[str, str]:
    """An account's 手机号码 and 邮箱 (needed for recovery, unique); the trimmed values."""
    mobile = (mobile or "").strip()
    if not MOBILE_RE.match(mobile):
        errors.add("mobile", _("Please enter an 11-digit mainland mobile number."))
    email = (email or "").strip()
    if not EMAIL_RE.match(email) or len(email) > 320:
        errors.add("email", _("Please enter a valid e-mail address; it is needed to recover the password."))
    elif email_taken(email):
        errors.add("email", _("This e-mail address is already used by another account."))
    return mobile, email


def username_taken(username: str) -> bool:
    """Whether an account name exists in any letter case."""
    return _exists(func.lower(AppUser.username) == username.lower())


def email_taken(email: str) -> bool:
    """Whether an e-mail address is used by an account, in any letter case."""
    return _exists(func.lower(AppUser.email) == email.lower())


def id_number_taken(number: str) -> bool:
    """Whether an account was already registered with this ID number."""
    return _exists(AppUser.id_number == number)


def _exists(condition) -> bool:
    with db.session.no_autoflush:
        return db.session.scalar(select(func.count()).select_from(AppUser).where(condition)) > 0


def _check_id_facts(errors, id_check, id_type, birth_date, gender, country) -> None:
    if not id_check.ok:
        errors.add("id_number", id_check.problem)
        return
    if id_check.birth_date is not None and birth_date is not None and id_check.birth_date != birth_date:
        errors.add("birth_date", _("The birth date does not match the one in the ID number."))
    if id_check.gender is not None and gender is not None and id_check.gender != gender:
        errors.add("gender", _("The sex does not match the ID number."))
    if country is not None:
        if country not in identity.COUNTRIES_FOR_TYPE.get(id_type, set()):
            errors.add("country", _("The country or region does not fit the ID type."))
        elif id_check.country is not None and id_check.country != country:
            errors.add("country", _("The country or region does not match the ID number."))
    if id_number_taken(id_check.number):
        errors.add("id_number", _("An account has already been registered with this ID number."))


def _check_questions(errors, keys, answers) -> tuple[tuple[str, str], ...]:
    keys = list(keys or [])[: security_questions.QUESTION_COUNT]
    answers = list(answers or [])[: security_questions.QUESTION_COUNT]
    keys += [""] * (security_questions.QUESTION_COUNT - len(keys))
    answers += [""] * (security_questions.QUESTION_COUNT - len(answers))
    seen = set()
    for position, (key, answer) in enumerate(zip(keys, answers), start=1):
        if key not in security_questions.QUESTIONS:
            errors.add(f"question_{position}", _("Please choose a security question."))
        elif key in seen:
            errors.add(f"question_{position}", _("Please choose three different security questions."))
        seen.add(key)
        if not security_questions.normalise_answer(answer):
            errors.add(f"answer_{position}", _("Please enter the answer."))
        elif len(answer.strip()) > 50:
            errors.add(f"answer_{position}", _("An answer may have at most 50 characters."))
    return tuple(zip(keys, (a.strip() for a in answers)))


def _duplicate_failure(clean: CleanRegistration) -> ValidationFailed:
    """Explain which unique value a concurrent registration took first."""
    errors = ErrorCollector()
    if id_number_taken(clean.id_number):
        errors.add("id_number", _("An account has already been registered with this ID number."))
    if username_taken(clean.username):
        errors.add("username", _("This account name is already registered."))
    if email_taken(clean.email):
        errors.add("email", _("This e-mail address is already used by another account."))
    if not errors.errors:
        errors.add("id_number", _("An account has already been registered with this ID number."))
    return ValidationFailed(errors.errors)


def _enum(enum, value):
    if isinstance(value, enum):
        return value
    for member in enum:
        if value in (member.value, member.name):
            return member
    return None


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _age(birth_date: dt.date, today: dt.date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
