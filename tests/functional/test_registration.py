"""个人用户注册: every bad input is a Chinese message on its field and creates nothing; a good one signs in."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

import factories as f
from app.extensions import db
from app.models import AppUser, Country, Gender, SecurityAnswer
from app.security.roles import APPLICANT
from app.services import captcha
from app.views.captcha import SESSION_KEY

ERROR_RE = re.compile(r'<div class="form-group has-error">.*?for="(\w+)".*?zp-field-error">([^<]+)<', re.S)


def form_data(**changes) -> dict:
    """The registration form as a person fills it in correctly."""
    data = f.registration_input()
    values = {
        "username": data.username, "password": data.password, "confirm_password": data.confirm_password,
        "id_type": data.id_type, "id_number": data.id_number, "name": data.name, "gender": data.gender,
        "birth_date": data.birth_date, "mobile": data.mobile, "email": data.email, "phone": "", "qq": data.qq,
        "country": data.country, "consent": "y",
        **{f"question_{i}": q for i, q in enumerate(data.questions, start=1)},
        **{f"answer_{i}": a for i, a in enumerate(data.answers, start=1)},
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def field_errors(page: str) -> dict[str, str]:
    """{field id: first message} of the fields shown in error."""
    return {field: message for field, message in ERROR_RE.findall(page)}


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AppUser))


def test_the_page_is_public_chinese_and_linked_from_login(shared_app, browser_factory):
    browser = browser_factory(shared_app)
    assert "/register/" in browser.get("/login/").get_data(as_text=True)
    page = browser.get("/register/").get_data(as_text=True)
    for text in ("个人用户注册", "居民身份证", "诚信承诺书", "您母亲的姓名是？", "安全问题1", "中国香港"):
        assert text in page


BAD_INPUTS = [
    ("wrong check digit", {"id_number": "210602190003180018", "birth_date": "1900-03-18"}, "id_number", "校验位"),
    ("birth date differs from the number", {"birth_date": "1980-01-02"}, "birth_date", "出生日期与证件号码不一致"),
    ("sex differs from the number", {"gender": "F"}, "gender", "性别与证件号码不一致"),
    ("weak password", {"password": "abcdefgh", "confirm_password": "abcdefgh"}, "password", "字母和数字混合"),
    ("short password", {"password": "ab12", "confirm_password": "ab12"}, "password", "8至16位"),
    ("mismatched confirmation", {"confirm_password": "Other2026pw"}, "confirm_password", "两次输入的密码不一致"),
    ("missing consent", {"consent": None}, "consent", "诚信承诺书"),
    ("bad account name", {"username": "张三"}, "username", "字母、数字、下划线"),
    ("bad mobile", {"mobile": "12345"}, "mobile", "手机号码"),
    ("missing e-mail", {"email": ""}, "email", "电子邮箱"),
    ("bad QQ", {"qq": "12ab"}, "qq", "QQ"),
    ("same question twice", {"question_2": "mother_name"}, "question_2", "不同的安全问题"),
    ("empty answer", {"answer_3": "  "}, "answer_3", "请填写答案"),
    ("country does not fit the ID type", {"country": "HK"}, "country", "国家/地区与证件类型不符"),
    ("too young", {"id_number": None, "birth_date": "2020-01-01", "id_type": "02"}, "birth_date", "16至100"),
    ("bad Hong Kong number", {"id_type": "02", "id_number": "12345", "country": "HK"}, "id_number", "A123456(7)"),
]


@pytest.mark.parametrize("case, changes, field, message", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused_on_its_field(shared_app, browser_factory, case, changes, field, message):
    before = user_count(shared_app)
    browser = browser_factory(shared_app)
    page = browser.post("/register/", form_data(**changes)).get_data(as_text=True)
    errors = field_errors(page)
    assert field in errors and message in errors[field], errors
    assert user_count(shared_app) == before


def test_all_problems_are_shown_at_once(shared_app, browser_factory):
    page = browser_factory(shared_app).post("/register/", form_data(
        username="x", mobile="1", consent=None, confirm_password="nope")).get_data(as_text=True)
    assert {"username", "mobile", "consent", "confirm_password"} <= set(field_errors(page))


def test_a_good_registration_creates_an_applicant_who_can_sign_in(app, browser_factory):
    browser = browser_factory(app)
    response = browser.post("/register/", form_data(id_number="11010119800101007x"))
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "注册成功" in page and "/login/" in page
    with app.app_context():
        user = f.user("ceshi_ren")
        assert [role.name for role in user.roles] == [APPLICANT]
        assert (user.id_number, user.gender, user.country, user.full_name) == (
            "11010119800101007X", Gender.male, Country.CN, "测试人")
        assert user.password_changed_at is not None and user.must_change_password is False
        answers = db.session.scalars(select(SecurityAnswer).where(SecurityAnswer.user_id == user.id)).all()
        assert [a.question for a in answers] == ["mother_name", "spouse_birthday", "student_number"]
        assert all(f.ANSWERS[0] not in a.answer_hash for a in answers)
    browser.login("ceshi_ren", f.APPLICANT_PASSWORD)
    assert "欢迎" in browser.get("/").get_data(as_text=True)


def test_one_account_per_id_number_and_unique_account_names(app, browser_factory):
    browser = browser_factory(app)
    assert browser.post("/register/", form_data()).status_code == 302
    before = user_count(app)
    page = browser.post("/register/", form_data(username="another_one", email="other@example.com")).get_data(as_text=True)
    assert "该证件号码已注册过账号" in field_errors(page)["id_number"]
    page = browser.post("/register/", form_data(username="CESHI_REN", id_number="11010519491231002X",
                                                birth_date="1949-12-31", gender="F")).get_data(as_text=True)
    errors = field_errors(page)
    assert "该账号已被注册" in errors["username"] and "该电子邮箱已被其他账号使用" in errors["email"]
    assert user_count(app) == before


def test_a_concurrent_duplicate_becomes_the_same_field_message(app):
    """Two registrations pass validation together; the database's unique index stops the second."""
    from app.errors import ValidationFailed
    from app.services import registration

    with app.test_request_context():
        first = registration.validate(f.registration_input())
        second = registration.validate(f.registration_input(username="racer_two", email="two@example.com"))
        registration.create(first)
        with pytest.raises(ValidationFailed) as failure:
            registration.create(second)
        assert any("该证件号码已注册过账号" in m for m in failure.value.errors["id_number"])
        assert db.session.scalar(select(func.count()).select_from(AppUser).where(AppUser.username == "racer_two")) == 0


def test_a_wrong_captcha_creates_nothing_and_the_right_one_works_once(app_with, browser_factory):
    app = app_with(CAPTCHA_ENABLED=True)
    browser = browser_factory(app)
    before = user_count(app)

    def with_challenge(answer):
        with app.app_context():
            challenge = captcha.issue("HJ79")
        with browser.client.session_transaction() as session:
            session[SESSION_KEY] = challenge.id
        return browser.post("/register/", form_data(captcha=answer))

    page = with_challenge("HJ77").get_data(as_text=True)
    assert "验证码错误" in field_errors(page)["captcha"]
    assert user_count(app) == before
    assert with_challenge("hj79").status_code == 302
    assert user_count(app) == before + 1
