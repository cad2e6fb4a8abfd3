"""找回用户名 / 找回密码 (security questions, appeal, e-mail through a real SMTP server), and rate limiting."""
from __future__ import annotations

import email
import email.policy
import re
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

import factories as f
from app.extensions import db
from app.models import AppealStatus, OperationLog, PasswordAppeal
from app.services import passwords

NEW = "Renewed2026pw"
TOKEN_RE = re.compile(r'name="token" type="hidden" value="([^"]+)"')
FAILED = "安全问题回答有误，或该账号不能通过密保问题找回密码。非个人用户请联系信息中心更改密码。"
SENT = "如果信息无误，重置链接已发送到您的注册邮箱"


def password_is(app, username, password) -> bool:
    with app.app_context():
        return passwords.matches(f.user(username).password, password)


def audit_actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(row.action, row.outcome) for row in db.session.scalars(select(OperationLog).order_by(OperationLog.id))]


@pytest.fixture
def applicant(app):
    with app.app_context():
        f.make_applicant()
    return "ceshi_ren"


# ----- 找回用户名 -----
USERNAME_FACTS = {"id_type": "01", "id_number": "11010119800101007x", "name": "测试人", "gender": "M",
                  "mobile": "13823047801", "email": "CESHI@example.com"}


def test_username_is_shown_when_every_fact_matches(app, applicant, browser_factory):
    browser = browser_factory(app)
    assert "/recover/username" in browser.get("/login/").get_data(as_text=True)
    page = browser.post("/recover/username", USERNAME_FACTS).get_data(as_text=True)
    assert "您的账号为" in page and "ceshi_ren" in page


@pytest.mark.parametrize("field, value", [("name", "测试仁"), ("gender", "F"), ("mobile", "13900000000"),
                                          ("email", "x@example.com"), ("id_type", "04"),
                                          ("id_number", "11010519491231002X")])
def test_username_stays_hidden_when_one_fact_differs(app, applicant, browser_factory, field, value):
    page = browser_factory(app).post("/recover/username", {**USERNAME_FACTS, field: value}).get_data(as_text=True)
    assert "ceshi_ren" not in page and "没有与所填信息完全一致的账号" in page
    assert ("recover_username", "refused") in audit_actions(app)


# ----- 方式一: security questions -----
def start_questions(browser, account):
    return browser.post("/recover/password", {"account": account, "method": "questions"}).get_data(as_text=True)


def answer(browser, account, answers):
    data = {"account": account, **{f"answer_{i}": a for i, a in enumerate(answers, start=1)}}
    return browser.post("/recover/password/questions", data).get_data(as_text=True)


def test_security_questions_lead_to_a_new_password_once(app, applicant, browser_factory):
    browser = browser_factory(app)
    page = browser.get("/recover/password").get_data(as_text=True)
    assert "非个人用户请联系信息中心更改密码" in page
    page = start_questions(browser, "ceshi_ren")
    for question in ("您母亲的姓名是？", "您配偶的生日是？", "您的学号(或者工号)是？"):
        assert question in page
    # Answers are compared trimmed and case-insensitively.
    page = answer(browser, "ceshi_ren", [" 王秀英 ", "1985-06-01", "s2004017"])
    assert "设置新密码" in page
    token = TOKEN_RE.search(page).group(1)
    page = browser.post("/recover/password/new", {"token": token, "new_password": NEW,
                                                  "confirm_password": "Other2026pw"}).get_data(as_text=True)
    assert "两次输入的密码不一致" in page and password_is(app, applicant, f.APPLICANT_PASSWORD)
    page = browser.post("/recover/password/new", {"token": token, "new_password": NEW,
                                                  "confirm_password": NEW}).get_data(as_text=True)
    assert "密码修改成功" in page and password_is(app, applicant, NEW)
    # The proof is bound to the old password: it cannot be used again.
    page = browser.post("/recover/password/new", {"token": token, "new_password": "Again2026pw",
                                                  "confirm_password": "Again2026pw"}).get_data(as_text=True)
    assert "已失效" in page and password_is(app, applicant, NEW)
    assert ("recover_password_questions", "success") in audit_actions(app)
    assert ("recover_password_questions_reset", "success") in audit_actions(app)


def test_a_wrong_answer_gives_no_token(app, applicant, browser_factory):
    browser = browser_factory(app)
    page = answer(browser, "ceshi_ren", ["王秀英", "1985-06-01", "wrong"])
    assert FAILED in page and not TOKEN_RE.search(page)
    page = browser.post("/recover/password/new", {"token": "forged.token.value", "new_password": NEW,
                                                  "confirm_password": NEW}).get_data(as_text=True)
    assert "已失效" in page and password_is(app, applicant, f.APPLICANT_PASSWORD)


def _shape(page: str, account: str) -> str:
    """A page without what legitimately differs: the account typed, the questions, CSRF tokens."""
    page = page.replace(account, "ACCOUNT")
    page = re.sub(r'<p class="form-control-static zp-question">[^<]*</p>', "QUESTION", page)
    return re.sub(r'value="[^"]{40,}"', 'value="TOKEN"', page)


def test_unknown_staff_and_wrong_answers_look_the_same(app, applicant, browser_factory):
    browser = browser_factory(app)
    pages = {}
    for account in ("ceshi_ren", "demo_unit", "ghost_account"):
        first = start_questions(browser, account)
        assert _shape(first, account) == _shape(start_questions(browser, account), account), "repeated tries differ"
        assert re.findall("zp-question\">([^<]*)<", first) == re.findall("zp-question\">([^<]*)<", start_questions(browser, account))
        assert first.count("zp-question") == 3
        pages[account] = (_shape(first, account), _shape(answer(browser, account, ["a", "b", "c"]), account))
    assert pages["ceshi_ren"] == pages["demo_unit"] == pages["ghost_account"]
    assert FAILED in pages["demo_unit"][1]
    # Even the right answers of a staff account cannot open a reset (staff have no questions at all).
    assert password_is(app, "demo_unit", "Demo@2026zp")


def test_the_appeal_choice_leads_to_the_appeal_form(app, browser_factory):
    response = browser_factory(app).post("/recover/password", {"account": "ceshi_ren", "method": "appeal"})
    assert response.status_code == 302 and "/recover/appeal?account=ceshi_ren" in response.headers["Location"]


# ----- 方式二: appeal -----
def appeal_form(**changes):
    data = {"account": "ceshi_ren", "name": "测试人", "id_number": "11010119800101007X",
            "contact_phone": "020-83330001", "reason": "忘记密码，也忘记了密保问题的答案。",
            "expected_password": NEW, "confirm_password": NEW}
    data.update(changes)
    return data


def appeals(app) -> list[PasswordAppeal]:
    with app.app_context():
        rows = db.session.scalars(select(PasswordAppeal).order_by(PasswordAppeal.id)).all()
        db.session.expunge_all()
        return rows


def test_an_appeal_with_matching_facts_is_filed(app, applicant, browser_factory):
    page = browser_factory(app).post("/recover/appeal", appeal_form()).get_data(as_text=True)
    assert "您为账号 ceshi_ren 的申诉已经提交成功" in page
    assert "如果申诉受理并审核通过，密码将自动更改为您所填写的期待密码" in page
    [appeal] = appeals(app)
    assert appeal.status == AppealStatus.pending and appeal.contact_phone == "020-83330001"
    assert passwords.matches(appeal.expected_password_hash, NEW)
    assert password_is(app, applicant, f.APPLICANT_PASSWORD)


def test_badly_filled_appeals_are_refused_on_their_fields(app, applicant, browser_factory):
    page = browser_factory(app).post("/recover/appeal", appeal_form(
        reason="", expected_password="abcdefgh", confirm_password="abcdefgh")).get_data(as_text=True)
    assert "请填写申诉理由" in page and "字母和数字混合" in page
    assert appeals(app) == []


@pytest.mark.parametrize("changes", [{"name": "别人"}, {"id_number": "11010519491231002X"},
                                     {"account": "ghost_account"}, {"account": "demo_unit", "name": "张敏"}],
                         ids=["wrong name", "wrong ID", "unknown account", "staff account"])
def test_an_appeal_that_matches_no_applicant_stores_nothing_but_looks_the_same(app, applicant, browser_factory, changes):
    browser = browser_factory(app)
    account = changes.get("account", "ceshi_ren")
    page = browser.post("/recover/appeal", appeal_form(**changes)).get_data(as_text=True)
    assert appeals(app) == []
    filed = browser_factory(app).post("/recover/appeal", appeal_form(account=account)).get_data(as_text=True)
    assert _shape(page, account) == _shape(filed, account)


# ----- 找回密码 by e-mail, through a real SMTP server on loopback -----
class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 for the duration of one test."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def mail_app(app_with, smtp):
    controller, _inbox = smtp
    app = app_with(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_DEFAULT_SENDER="noreply@zhiping.test")
    with app.app_context():
        f.make_applicant()
    return app


def _link(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://localhost(/recover/email/\S+)", body).group(1)


def test_an_emailed_link_sets_a_new_password_once(mail_app, smtp, browser_factory):
    _controller, inbox = smtp
    browser = browser_factory(mail_app)
    page = browser.post("/recover/email", {"id_number": "11010119800101007x", "email": "Ceshi@Example.com"})
    assert SENT in page.get_data(as_text=True)
    [message] = inbox.messages
    assert message["To"] == "ceshi@example.com" and message["Subject"] == "【职评】重置密码"
    assert "ceshi_ren" in message.get_body().get_content()
    link = _link(message)
    assert "设置新密码" in browser.get(link).get_data(as_text=True)
    page = browser.post(link, {"new_password": NEW, "confirm_password": NEW}).get_data(as_text=True)
    assert "密码修改成功" in page and password_is(mail_app, "ceshi_ren", NEW)
    assert "已失效" in browser.get(link).get_data(as_text=True)
    browser.post(link, {"new_password": "Again2026pw", "confirm_password": "Again2026pw"})
    assert password_is(mail_app, "ceshi_ren", NEW)
    browser.login("ceshi_ren", NEW)
    assert browser.get("/").status_code == 200
    assert ("recover_password_email", "success") in audit_actions(mail_app)


class _ThirtyOneMinutesAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 31 * 60


def test_an_emailed_link_expires(mail_app, smtp, browser_factory):
    _controller, inbox = smtp
    browser = browser_factory(mail_app)
    browser.post("/recover/email", {"id_number": "11010119800101007X", "email": "ceshi@example.com"})
    link = _link(inbox.messages[0])
    # The same link as the server would have signed it 31 minutes ago.
    token = link.rsplit("/", 1)[1]
    salt = "zhiping-password-reset-email"
    payload = URLSafeTimedSerializer(mail_app.secret_key, salt=salt).loads(token)
    old = URLSafeTimedSerializer(mail_app.secret_key, salt=salt, signer=_ThirtyOneMinutesAgo).dumps(payload)
    assert "已失效" in browser.get(f"/recover/email/{old}").get_data(as_text=True)
    browser.post(f"/recover/email/{old}", {"new_password": NEW, "confirm_password": NEW})
    assert password_is(mail_app, "ceshi_ren", f.APPLICANT_PASSWORD)
    assert "设置新密码" in browser.get(link).get_data(as_text=True)


@pytest.mark.parametrize("id_number, address", [("11010119800101007X", "other@example.com"),
                                                ("11010519491231002X", "ceshi@example.com"),
                                                ("", "demo_unit@zhiping.example")],
                         ids=["wrong e-mail", "unknown ID", "staff e-mail"])
def test_no_mail_for_wrong_details_and_the_same_answer(mail_app, smtp, browser_factory, id_number, address):
    _controller, inbox = smtp
    page = browser_factory(mail_app).post("/recover/email", {"id_number": id_number, "email": address})
    assert SENT in page.get_data(as_text=True)
    assert inbox.messages == []


# ----- rate limiting -----
def test_recovery_posts_are_rate_limited_per_address(app_with, browser_factory):
    app = app_with(RATELIMIT_ENABLED=True, RECOVERY_RATE_LIMIT="3 per minute")
    browser = browser_factory(app)
    for url in ("/recover/username", "/recover/email", "/recover/password"):
        assert browser.post(url, {"account": "x", "id_number": "x"}).status_code in (200, 302)
    response = browser.post("/recover/appeal", appeal_form())
    assert response.status_code == 429
    assert "请求过于频繁" in response.get_data(as_text=True) or "尝试次数过多" in response.get_data(as_text=True)
    assert browser.post("/recover/username", USERNAME_FACTS).status_code == 429
    assert browser.get("/recover/username").status_code == 200
    other = browser.client.post("/recover/username", data={**USERNAME_FACTS, "csrf_token": browser.token()},
                                environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PasswordAppeal)) == 0
