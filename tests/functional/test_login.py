"""Signing in by account or ID number, the captcha, lockout (web and REST) and the login log."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

import factories as f
from app.extensions import db
from app.models import LoginChannel, LoginLog, LoginOutcome, append_only
from app.models.mixins import utcnow
from app.services import captcha
from app.views.captcha import SESSION_KEY
from conftest import DEMO_PASSWORD

WRONG = "Wrong2026pw"
GENERIC = "账号或密码错误"
LOCKED = "登录失败次数过多，账户已锁定，请 10 分钟后再试"


def signed_in(browser) -> bool:
    """Signed in: the 首页 is the user's own, not the public portal with its login box."""
    response = browser.get("/")
    return response.status_code == 200 and "zp-portal-login" not in response.get_data(as_text=True)


def flashed(browser) -> str:
    """The login page after a refused attempt, with its flashed message."""
    return browser.get("/login/").get_data(as_text=True)


def logs(app, username: str) -> list[LoginLog]:
    with app.app_context():
        rows = db.session.scalars(
            select(LoginLog).where(LoginLog.login_name == username).order_by(LoginLog.id)
        ).all()
        db.session.expunge_all()
        return rows


def api_login(app, username, password):
    return app.test_client().post(
        "/api/v1/security/login", json={"username": username, "password": password, "provider": "db"}
    )


def test_sign_in_by_account_name_in_any_case(app, browser_factory):
    browser = browser_factory(app)
    browser.login("DEMO_Unit")
    assert signed_in(browser)


def test_sign_in_by_id_number(app, browser_factory):
    with app.app_context():
        f.make_applicant()
    browser = browser_factory(app)
    browser.login("11010119800101007x", f.APPLICANT_PASSWORD)
    assert signed_in(browser)
    assert [row.outcome for row in logs(app, "11010119800101007x")] == [LoginOutcome.success]


def test_unknown_account_and_wrong_password_get_the_same_message(app, browser_factory):
    browser = browser_factory(app)
    browser.login("nobody_here", WRONG)
    unknown = flashed(browser)
    browser.login("demo_unit", WRONG)
    wrong = flashed(browser)
    assert GENERIC in unknown and GENERIC in wrong
    assert not signed_in(browser)
    assert logs(app, "nobody_here")[0].outcome == LoginOutcome.unknown_account
    assert logs(app, "demo_unit")[0].outcome == LoginOutcome.bad_password


def test_five_failures_lock_the_account_until_the_lock_expires(app, browser_factory):
    browser = browser_factory(app)
    for _ in range(4):
        browser.login("demo_unit", WRONG)
        assert GENERIC in flashed(browser)
    browser.login("demo_unit", WRONG)
    assert LOCKED in flashed(browser)
    # While locked even the right password is refused, with the lock message.
    browser.login("demo_unit")
    assert LOCKED in flashed(browser) and not signed_in(browser)
    outcomes = [row.outcome for row in logs(app, "demo_unit")]
    assert outcomes == [LoginOutcome.bad_password] * 5 + [LoginOutcome.locked]
    with app.app_context():
        user = f.user("demo_unit")
        assert user.locked_until > utcnow() + dt.timedelta(minutes=9)
        # Ten minutes later: the attempts moved into the past, the lock just over.
        with append_only.lifted(db.session, "login_log"):  # the clock: the log is append-only otherwise
            db.session.execute(update(LoginLog).values(at=LoginLog.at - dt.timedelta(minutes=10)))
        user.locked_until = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    # After the lock, one more failure does not lock again: the earlier ones no longer count.
    browser.login("demo_unit", WRONG)
    assert GENERIC in flashed(browser)
    browser.login("demo_unit")
    assert signed_in(browser)


def test_failures_older_than_the_window_do_not_count(app, browser_factory):
    browser = browser_factory(app)
    for _ in range(4):
        browser.login("demo_unit", WRONG)
    with app.app_context():
        with append_only.lifted(db.session, "login_log"):  # the clock: the log is append-only otherwise
            db.session.execute(update(LoginLog).values(at=LoginLog.at - dt.timedelta(minutes=11)))
        db.session.commit()
    browser.login("demo_unit", WRONG)
    assert GENERIC in flashed(browser)
    browser.login("demo_unit")
    assert signed_in(browser)


def test_a_success_resets_the_failure_count(app, browser_factory):
    browser = browser_factory(app)
    for _ in range(4):
        browser.login("demo_unit", WRONG)
    browser.login("demo_unit")
    browser.get("/logout/")
    for _ in range(4):
        browser.login("demo_unit", WRONG)
        assert GENERIC in flashed(browser)


def test_rest_login_goes_through_the_same_lockout(app):
    response = api_login(app, "demo_unit", DEMO_PASSWORD)
    assert response.status_code == 200 and response.json["access_token"]
    for _ in range(5):
        response = api_login(app, "demo_unit", WRONG)
        assert response.status_code == 401
    assert response.json["message"] == LOCKED
    response = api_login(app, "demo_unit", DEMO_PASSWORD)
    assert response.status_code == 401 and response.json["message"] == LOCKED
    rows = logs(app, "demo_unit")
    assert {row.channel for row in rows} == {LoginChannel.api}
    assert [row.outcome for row in rows] == [LoginOutcome.success] + [LoginOutcome.bad_password] * 5 + [LoginOutcome.locked]
    # The web page refuses too: one account, one lock.
    from conftest import Browser

    browser = Browser(app)
    browser.login("demo_unit")
    assert LOCKED in flashed(browser)


def test_rest_login_refusal_is_chinese_and_needs_no_csrf(app):
    response = api_login(app, "nobody_here", WRONG)
    assert response.status_code == 401 and GENERIC in response.json["message"]


def test_the_login_log_records_address_browser_and_channel(app, browser_factory):
    browser = browser_factory(app)
    long_agent = "ZhipingTestBrowser/" + "x" * 400
    browser.client.post(
        "/login/", data={"username": "demo_unit", "password": DEMO_PASSWORD, "csrf_token": browser.token()},
        headers={"User-Agent": long_agent}, environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    row = logs(app, "demo_unit")[-1]
    assert row.outcome == LoginOutcome.success and row.channel == LoginChannel.web
    assert row.ip == "10.1.2.3" and row.user_agent == long_agent[:255] and row.user_id is not None
    browser_factory(app).login("x" * 300, WRONG)
    assert logs(app, "x" * 128)[0].outcome == LoginOutcome.unknown_account


def _set_challenge(app, browser, answer: str) -> None:
    with app.app_context():
        challenge = captcha.issue(answer)
    with browser.client.session_transaction() as session:
        session[SESSION_KEY] = challenge.id


def test_with_captcha_on_the_right_answer_signs_in_once(app_with, browser_factory):
    app = app_with(CAPTCHA_ENABLED=True)
    browser = browser_factory(app)
    page = browser.get("/login/").get_data(as_text=True)
    assert "验证码" in page and "/captcha/image.png" in page
    image = browser.get("/captcha/image.png")
    assert image.content_type == "image/png" and image.data[:4] == b"\x89PNG"
    _set_challenge(app, browser, "AC34")
    browser.post("/login/", {"username": "demo_unit", "password": DEMO_PASSWORD, "captcha": "ac34"})
    assert signed_in(browser)


def test_a_wrong_captcha_is_logged_and_does_not_lock(app_with, browser_factory):
    app = app_with(CAPTCHA_ENABLED=True)
    browser = browser_factory(app)
    for _ in range(6):
        _set_challenge(app, browser, "AC34")
        browser.post("/login/", {"username": "demo_unit", "password": DEMO_PASSWORD, "captcha": "XXXX"})
        assert "验证码错误" in flashed(browser)
    assert not signed_in(browser)
    assert [row.outcome for row in logs(app, "demo_unit")] == [LoginOutcome.bad_captcha] * 6
    # A captcha already used cannot be answered again, even rightly.
    _set_challenge(app, browser, "AC34")
    with browser.client.session_transaction() as session:
        used = session[SESSION_KEY]
    browser.post("/login/", {"username": "demo_unit", "password": DEMO_PASSWORD, "captcha": "AC34"})
    assert signed_in(browser)
    browser.get("/logout/")
    with browser.client.session_transaction() as session:
        session[SESSION_KEY] = used
    browser.post("/login/", {"username": "demo_unit", "password": DEMO_PASSWORD, "captcha": "AC34"})
    assert not signed_in(browser)


def test_admin_sees_and_lifts_a_lock(app, browser_factory):
    with app.app_context():
        victim = f.user("demo_unit")
        victim.locked_until = utcnow() + dt.timedelta(minutes=8)
        db.session.commit()
        victim_id = victim.id
    admin = browser_factory(app, "demo_admin")
    assert "锁定至" in admin.get("/users/list/?_flt_0_username=demo_unit").get_data(as_text=True)
    response = admin.post("/users/action_post", {"action": "unlock", "rowid": [str(victim_id)]})
    assert response.status_code == 302
    assert "已解除 1 个账号的锁定" in admin.get("/users/list/").get_data(as_text=True)
    browser = browser_factory(app)
    browser.login("demo_unit")
    assert signed_in(browser)


def test_login_log_screen_lists_newest_first_with_chinese_labels_and_searches(app, browser_factory):
    browser = browser_factory(app)
    browser.login("demo_unit", WRONG)
    browser.login("demo_unit")
    admin = browser_factory(app, "demo_admin")
    page = admin.get("/login-log/list/").get_data(as_text=True)
    assert "登录日志" in page and "密码错误" in page and "登录成功" in page and "网页" in page
    # Newest first: the admin's own sign-in is above demo_unit's failure.
    assert page.index("demo_admin") < page.index("密码错误")
    failures = admin.get("/login-log/list/?_flt_0_outcome=bad_password").get_data(as_text=True)
    assert "密码错误" in failures and "登录成功" not in failures
    by_name = admin.get("/login-log/list/?_flt_2_login_name=demo_un").get_data(as_text=True)
    assert "demo_admin" not in by_name and "demo_unit" in by_name
    future = (dt.datetime.now() + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    later = admin.get(f"/login-log/list/?_flt_1_at={future}").get_data(as_text=True)
    assert "demo_unit" not in later
    assert admin.get("/login-log/list/?_flt_0_channel=api").status_code == 200
    assert "/login-log/add" not in page and "/login-log/edit" not in page
    assert admin.get("/login-log/add").status_code == 403
    assert admin.post(f"/login-log/delete/1").status_code == 403
