"""Session and account security: modern hashes re-hashed at sign-in, password history, optional expiry,
server-side sessions (fixation, sign-out, idle timeout) and the administrator's 在线用户 with 强制下线."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import g
from sqlalchemy import func, select, update
from werkzeug.security import generate_password_hash

import factories as f
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import OperationLog, PasswordAppeal, PasswordHistory, SessionEndReason, UserSession
from app.models.mixins import utcnow
from app.services import appeals, passwords, recovery, sessions
from conftest import DEMO_PASSWORD

P1, P2, P3 = "Fresh2026pw", "Second2026pw", "Third2026pw"
REUSED = "不能与最近"
PROTECTED = "/orgs/list/"


def change(browser, old, new):
    return browser.post("/account/password", {"old_password": old, "new_password": new, "confirm_password": new})


def password_hash(app, username):
    with app.app_context():
        return f.user(username).password


def session_rows(app, username):
    with app.app_context():
        rows = db.session.scalars(
            select(UserSession).where(UserSession.user_id == f.user(username).id).order_by(UserSession.id)
        ).all()
        db.session.expunge_all()
        return rows


def signed_in(browser) -> bool:
    response = browser.get(PROTECTED)
    return response.status_code == 200


def copy_cookie(app, source, name="session"):
    """A second client holding a copy of `source`'s session cookie (as a thief would replay it)."""
    cookie = source.client.get_cookie(name)
    other = app.test_client()
    if cookie is not None:
        other.set_cookie(name, cookie.value)
    return other


# ----- hashing -----

def test_new_hashes_are_scrypt_and_an_old_hash_is_rehashed_at_sign_in(app, browser_factory):
    with app.app_context():
        assert app.config["FAB_PASSWORD_HASH_METHOD"] == "scrypt"
        user = f.user("demo_unit")
        assert passwords.hash_password("Any2026pw").startswith("scrypt:")
        user.password = generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:600000")
        changed_at = user.password_changed_at
        db.session.commit()
    assert password_hash(app, "demo_unit").startswith("pbkdf2:")
    browser = browser_factory(app, "demo_unit")
    assert signed_in(browser)
    stored = password_hash(app, "demo_unit")
    assert stored.startswith("scrypt:") and passwords.matches(stored, DEMO_PASSWORD)
    with app.app_context():
        assert f.user("demo_unit").password_changed_at == changed_at  # the password itself did not change
    # A wrong password never rewrites the hash.
    with app.app_context():
        f.user("demo_unit").password = generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:600000")
        db.session.commit()
    browser_factory(app).login("demo_unit", "Wrong2026pw")
    assert password_hash(app, "demo_unit").startswith("pbkdf2:")


# ----- password history -----

def test_a_change_to_one_of_the_last_passwords_is_refused(app_with, browser_factory):
    app = app_with(PASSWORD_HISTORY_COUNT=2)
    browser = browser_factory(app, "demo_unit")
    change(browser, DEMO_PASSWORD, P1)
    assert passwords.matches(password_hash(app, "demo_unit"), P1)
    change(browser, P1, P2)
    before = password_hash(app, "demo_unit")
    page = change(browser, P2, P1).get_data(as_text=True)
    assert "新密码不能与最近 2 次使用过的密码相同" in page
    assert password_hash(app, "demo_unit") == before
    # Older than the last two: allowed again.
    assert change(browser, P2, DEMO_PASSWORD).status_code == 302
    assert passwords.matches(password_hash(app, "demo_unit"), DEMO_PASSWORD)
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(PasswordHistory)
                                  .where(PasswordHistory.user_id == f.user("demo_unit").id))
        assert count == 4  # the demo password (recorded before the first change), P1, P2, and it again


def test_the_default_history_keeps_five_and_the_current_password_counts(app, browser_factory):
    assert app.config["PASSWORD_HISTORY_COUNT"] == 5
    browser = browser_factory(app, "demo_unit")
    # The demo account has no history row yet: its current password still counts (via the old-password rule).
    for old, new in ((DEMO_PASSWORD, P1), (P1, P2), (P2, P3)):
        assert change(browser, old, new).status_code == 302
    for reused in (DEMO_PASSWORD, P1, P2):
        page = change(browser, P3, reused).get_data(as_text=True)
        assert "新密码不能与最近 5 次使用过的密码相同" in page
        assert passwords.matches(password_hash(app, "demo_unit"), P3)


def test_recovery_and_forced_change_refuse_a_recent_password(app, browser_factory):
    with app.app_context():
        user = f.user("demo_applicant")
        with pytest.raises(ValidationFailed) as refused:
            recovery.reset_password(user, DEMO_PASSWORD, DEMO_PASSWORD, recovery.QUESTIONS_PURPOSE)
        assert list(refused.value.errors) == ["new_password"] and REUSED in refused.value.errors["new_password"][0]
        db.session.rollback()
        assert passwords.matches(f.user("demo_applicant").password, DEMO_PASSWORD)
        recovery.reset_password(f.user("demo_applicant"), P1, P1, recovery.QUESTIONS_PURPOSE)
        assert passwords.matches(f.user("demo_applicant").password, P1)
        # An administrator's reset is recorded; the first change after it may not go back to it.
        with app.test_request_context():
            g.user = f.user("demo_admin")
            app.appbuilder.sm.reset_password(f.user("demo_unit").id, P2)
        db.session.commit()
        assert f.user("demo_unit").must_change_password
    browser = browser_factory(app, "demo_unit")
    browser.login("demo_unit", P2)
    page = change(browser, P2, DEMO_PASSWORD).get_data(as_text=True)
    assert "新密码不能与最近 5 次使用过的密码相同" in page
    assert passwords.matches(password_hash(app, "demo_unit"), P2)


def test_an_appeal_expecting_a_recent_password_cannot_be_accepted(app, browser_factory):
    with app.app_context():
        user = f.user("demo_applicant")
        data = dict(account="demo_applicant", name=user.full_name, id_number=user.id_number,
                    contact_phone="13800000000", reason="忘记密码")
        recovery.submit_appeal(recovery.AppealInput(**data, expected_password=DEMO_PASSWORD,
                                                    confirm_password=DEMO_PASSWORD), ip=None)
        recovery.submit_appeal(recovery.AppealInput(**data, expected_password=P1, confirm_password=P1), ip=None)
        reused, fresh = db.session.scalars(select(PasswordAppeal).order_by(PasswordAppeal.id)).all()[-2:]
        assert reused.expected_password_reused and not fresh.expected_password_reused
        reused_id, fresh_id = reused.id, fresh.id
    admin = browser_factory(app, "demo_admin")
    page = admin.get(f"/password-appeals/show/{reused_id}").get_data(as_text=True)
    assert "期望密码与该账号最近使用过的密码重复" in page
    with app.app_context():
        with pytest.raises(DomainError):
            appeals.accept(reused_id, f.user("demo_admin"))
        db.session.rollback()
        assert db.session.get(PasswordAppeal, reused_id).status.value == "pending"
        appeals.accept(fresh_id, f.user("demo_admin"))
        assert passwords.matches(f.user("demo_applicant").password, P1)
        assert passwords.was_used_recently(f.user("demo_applicant"), P1)


# ----- expiry -----

def test_an_expired_password_must_be_changed_when_expiry_is_on(app_with, browser_factory):
    app = app_with(PASSWORD_MAX_AGE_DAYS=90)
    with app.app_context():
        f.user("demo_unit").password_changed_at = utcnow() - dt.timedelta(days=91)
        f.user("demo_supervisor").password_changed_at = utcnow() - dt.timedelta(days=80)
        db.session.commit()
    browser = browser_factory(app, "demo_unit")
    response = browser.get(PROTECTED)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    page = browser.get("/account/password").get_data(as_text=True)
    assert "密码已超过 90 天未修改" in page
    assert change(browser, DEMO_PASSWORD, P1).status_code == 302
    assert browser.get(PROTECTED).status_code == 200
    assert signed_in(browser_factory(app, "demo_supervisor"))


def test_expiry_is_off_by_default(app, browser_factory):
    assert not app.config["PASSWORD_MAX_AGE_DAYS"]
    with app.app_context():
        f.user("demo_unit").password_changed_at = utcnow() - dt.timedelta(days=3000)
        db.session.commit()
    assert signed_in(browser_factory(app, "demo_unit"))


# ----- server-side sessions -----

def test_sign_in_issues_a_new_session_and_the_pre_login_cookie_reaches_nothing(app, browser_factory):
    browser = browser_factory(app)
    browser.get("/login/")
    with browser.client.session_transaction() as session:
        session["planted"] = "by-an-attacker"
    planted = browser.client.get_cookie("session").value
    browser.login("demo_unit")
    assert signed_in(browser)
    after = browser.client.get_cookie("session").value
    assert after != planted
    with browser.client.session_transaction() as session:
        assert "planted" not in session and sessions.SID_KEY in session
        sid = session[sessions.SID_KEY]
    rows = session_rows(app, "demo_unit")
    assert len(rows) == 1 and rows[0].ended_at is None and rows[0].sid_hash != sid and len(rows[0].sid_hash) == 64
    # The attacker's copy of the pre-login cookie is still anonymous.
    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    response = attacker.get(PROTECTED)
    assert response.status_code == 302 and "/login/" in response.headers["Location"]


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(app, browser_factory):
    browser = browser_factory(app, "demo_unit")
    thief = copy_cookie(app, browser)
    assert thief.get(PROTECTED).status_code == 200  # the copy works while the session lives
    browser.get("/logout/")
    assert not signed_in(browser)
    response = thief.get(PROTECTED)
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    assert "登录已失效" in thief.get("/login/").get_data(as_text=True)
    assert thief.get(PROTECTED).status_code == 302
    (row,) = session_rows(app, "demo_unit")
    assert row.end_reason == SessionEndReason.logout and row.ended_at is not None


def test_a_cookie_without_a_live_session_row_is_signed_out(app, browser_factory):
    browser = browser_factory(app, "demo_unit")
    with browser.client.session_transaction() as session:
        session[sessions.SID_KEY] = "forged-session-id"
    response = browser.get(PROTECTED)
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    # Another user's id with a live session id does not switch accounts either.
    victim = browser_factory(app, "demo_admin")
    attacker = browser_factory(app, "demo_unit")
    with victim.client.session_transaction() as session:
        victim_sid = session[sessions.SID_KEY]
    with attacker.client.session_transaction() as session:
        session[sessions.SID_KEY] = victim_sid
    assert attacker.get(PROTECTED).status_code == 302
    assert victim.get("/users/list/").status_code == 200


def test_last_seen_is_written_at_most_once_a_minute_and_an_idle_row_ends(app, browser_factory):
    browser = browser_factory(app, "demo_unit")
    (row,) = session_rows(app, "demo_unit")
    browser.get(PROTECTED)
    assert session_rows(app, "demo_unit")[0].last_seen_at == row.last_seen_at
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=row.last_seen_at - dt.timedelta(minutes=2)))
        db.session.commit()
    browser.get(PROTECTED)
    assert session_rows(app, "demo_unit")[0].last_seen_at > row.last_seen_at - dt.timedelta(seconds=5)
    idle = dt.timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"]) + dt.timedelta(minutes=2)
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - idle))
        db.session.commit()
    response = browser.get(PROTECTED)
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    assert "会话已超时，请重新登录" in browser.get("/login/").get_data(as_text=True)
    assert session_rows(app, "demo_unit")[0].end_reason == SessionEndReason.idle


def test_the_cookie_idle_timeout_ends_the_row(app, browser_factory):
    import time

    from app.session_policy import LAST_SEEN_KEY

    browser = browser_factory(app, "demo_unit")
    with browser.client.session_transaction() as session:
        session[LAST_SEEN_KEY] = time.time() - app.config["PERMANENT_SESSION_LIFETIME"] - 5
    assert browser.get(PROTECTED).status_code == 302
    assert session_rows(app, "demo_unit")[0].end_reason == SessionEndReason.idle


def test_api_tokens_keep_working_without_a_session(app):
    client = app.test_client()
    headers = f.api_token(client, "demo_applicant", DEMO_PASSWORD)
    assert client.get("/api/v1/applications/", headers=headers).status_code == 200
    assert client.get("/api/v1/applications/").status_code == 401
    assert session_rows(app, "demo_applicant") == []


# ----- 在线用户 and 强制下线 -----

def test_admin_sees_online_users_and_forces_a_sign_out(app, browser_factory):
    unit = browser_factory(app, "demo_unit")
    unit.client.post("/logout/")  # nothing: logout is a GET link; the session lives on
    admin = browser_factory(app, "demo_admin")
    page = admin.get("/admin/online-sessions/").get_data(as_text=True)
    assert "在线用户" in page and "demo_unit" in page and "强制下线" in page and "demo_admin" in page
    (row,) = [r for r in session_rows(app, "demo_unit") if r.ended_at is None]
    assert f'data-session="{row.id}"' in page
    # Searching narrows the list.
    page = admin.get("/admin/online-sessions/?q=demo_unit").get_data(as_text=True)
    assert "demo_unit" in page and "<small class=\"text-muted\">demo_admin</small>" not in page
    # Without the CSRF token, or by GET, nothing ends.
    assert admin.post(f"/admin/online-sessions/{row.id}/end", csrf=False).status_code == 400
    assert admin.get(f"/admin/online-sessions/{row.id}/end").status_code == 405
    assert signed_in(unit)
    response = admin.post(f"/admin/online-sessions/{row.id}/end")
    assert response.status_code == 302
    assert "已被强制下线" in admin.get("/admin/online-sessions/").get_data(as_text=True)
    ended = session_rows(app, "demo_unit")[0]
    assert ended.end_reason == SessionEndReason.forced and ended.ended_by_id is not None
    response = unit.get(PROTECTED)
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    assert "您已被管理员强制下线，请重新登录" in unit.get("/login/").get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(OperationLog).where(OperationLog.action == "session_forced_end"))
        assert entry is not None and entry.user_id == f.user("demo_admin").id
        assert entry.target_id == f.user("demo_unit").id
    # Ending it again changes nothing and says so.
    admin.post(f"/admin/online-sessions/{row.id}/end")
    assert "该会话已结束" in admin.get("/admin/online-sessions/").get_data(as_text=True)
    # The user signs in again normally.
    assert unit.login("demo_unit").status_code == 302 and signed_in(unit)


@pytest.mark.parametrize("username", ["demo_authority", "demo_unit", "demo_applicant"])
def test_only_admins_reach_online_users(app, browser_factory, username):
    target = browser_factory(app, "demo_supervisor")
    (row,) = session_rows(app, "demo_supervisor")
    other = browser_factory(app, username)
    assert other.get("/admin/online-sessions/").status_code in (302, 403)
    other.post(f"/admin/online-sessions/{row.id}/end")
    assert session_rows(app, "demo_supervisor")[0].ended_at is None
    assert signed_in(target)
    anonymous = app.test_client()
    response = anonymous.get("/admin/online-sessions/")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]


def test_a_password_change_ends_the_other_sessions(app, browser_factory):
    here = browser_factory(app, "demo_unit")
    elsewhere = browser_factory(app, "demo_unit")
    assert signed_in(elsewhere)
    assert change(here, DEMO_PASSWORD, P1).status_code == 302
    assert signed_in(here)
    response = elsewhere.get(PROTECTED)
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    assert "密码已修改，请使用新密码重新登录" in elsewhere.get("/login/").get_data(as_text=True)
    reasons = sorted((r.end_reason.value if r.end_reason else "live") for r in session_rows(app, "demo_unit"))
    assert reasons == ["live", "password"]
