"""The administrator's appeal queue: accept, reject, concurrent handling, and who may see it at all."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

import factories as f
from app.errors import DomainError
from app.extensions import db
from app.models import AppealStatus, LoginLog, OperationLog, PasswordAppeal
from app.security import roles as r
from app.services import appeals, passwords
from conftest import DEMO_PASSWORD

EXPECTED = "Expected2026"


def file_appeal(app, minutes_ago=0) -> int:
    """A pending appeal of the applicant 测试人 (ceshi_ren) for the password EXPECTED."""
    with app.app_context():
        user = f.make_applicant()
        appeal = PasswordAppeal(
            user_id=user.id, contact_phone="020-83330001", reason="忘记密码",
            expected_password_hash=passwords.hash_password(EXPECTED),
            created_at=dt.datetime.now() - dt.timedelta(minutes=minutes_ago),
        )
        db.session.add(appeal)
        db.session.commit()
        return appeal.id


def status_of(app, appeal_id) -> AppealStatus:
    with app.app_context():
        return db.session.get(PasswordAppeal, appeal_id).status


def test_the_queue_shows_pending_first_and_the_registration_facts(app, browser_factory):
    older = file_appeal(app, minutes_ago=30)
    with app.app_context():
        handled = db.session.get(PasswordAppeal, older)
        handled.status = AppealStatus.rejected
        db.session.commit()
    with app.app_context():
        second = f.make_applicant(username="li_si", id_number="11010519491231002X", birth_date="1949-12-31",
                                  gender="F", name="李四", email="lisi@example.com")
        appeal = PasswordAppeal(user_id=second.id, contact_phone="13900000000", reason="换了手机",
                                expected_password_hash=passwords.hash_password(EXPECTED))
        db.session.add(appeal)
        db.session.commit()
        pending = appeal.id
    admin = browser_factory(app, "demo_admin")
    page = admin.get("/password-appeals/list/").get_data(as_text=True)
    assert "密码申诉" in page and "待处理" in page and "已驳回" in page
    assert page.index("李四") < page.index("测试人")  # the pending one on top although it is not the oldest row
    page = admin.get(f"/password-appeals/show/{pending}").get_data(as_text=True)
    for text in ("注册信息", "申诉填写", "11010519491231002X", "13900000000", "换了手机", "受理通过", "驳回"):
        assert text in page
    assert "受理通过" not in admin.get(f"/password-appeals/show/{older}").get_data(as_text=True)


def test_accepting_sets_the_expected_password_and_ends_a_lock(app, browser_factory):
    appeal_id = file_appeal(app)
    with app.app_context():
        user = f.user("ceshi_ren")
        user.locked_until = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(minutes=9)
        db.session.commit()
    admin = browser_factory(app, "demo_admin")
    response = admin.post(f"/password-appeals/decide/{appeal_id}", {"decision": "accept"})
    assert response.status_code == 302
    assert "申诉已受理通过" in admin.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        appeal = db.session.get(PasswordAppeal, appeal_id)
        assert appeal.status == AppealStatus.accepted and appeal.handled_by.username == "demo_admin"
        assert appeal.handled_at is not None
        actions = db.session.scalars(select(OperationLog.action)).all()
        assert "password_appeal_accept" in actions
    browser = browser_factory(app)
    browser.login("ceshi_ren", EXPECTED)
    assert browser.get("/").status_code == 200


def test_rejecting_needs_a_note_and_keeps_the_password(app, browser_factory):
    appeal_id = file_appeal(app)
    admin = browser_factory(app, "demo_admin")
    response = admin.post(f"/password-appeals/decide/{appeal_id}", {"decision": "reject", "note": " "})
    assert "请填写驳回申诉的理由" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert status_of(app, appeal_id) == AppealStatus.pending
    admin.post(f"/password-appeals/decide/{appeal_id}", {"decision": "reject", "note": "证件信息与档案不符"})
    with app.app_context():
        appeal = db.session.get(PasswordAppeal, appeal_id)
        assert appeal.status == AppealStatus.rejected and appeal.handling_note == "证件信息与档案不符"
        assert passwords.matches(appeal.user.password, f.APPLICANT_PASSWORD)


def test_the_second_of_two_admins_is_told_it_was_handled(app, browser_factory):
    appeal_id = file_appeal(app)
    with app.app_context():
        f.make_staff("second_admin", r.ADMIN, [], DEMO_PASSWORD)
    first, second = browser_factory(app, "demo_admin"), browser_factory(app, "second_admin")
    # Both have the pending appeal open with its buttons.
    assert "受理通过" in first.get(f"/password-appeals/show/{appeal_id}").get_data(as_text=True)
    assert "受理通过" in second.get(f"/password-appeals/show/{appeal_id}").get_data(as_text=True)
    first.post(f"/password-appeals/decide/{appeal_id}", {"decision": "accept"})
    response = second.post(f"/password-appeals/decide/{appeal_id}", {"decision": "reject", "note": "不符"})
    assert "该申诉已被他人处理" in second.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        appeal = db.session.get(PasswordAppeal, appeal_id)
        assert appeal.status == AppealStatus.accepted and appeal.handled_by.username == "demo_admin"
        assert appeal.handling_note is None


def test_concurrent_decisions_let_exactly_one_win(app):
    appeal_id = file_appeal(app)
    with app.app_context():
        admin_id = f.user("demo_admin").id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(kind: str) -> None:
        with app.app_context():
            actor = db.session.get(f.AppUser, admin_id)
            barrier.wait()
            try:
                if kind == "accept":
                    appeals.accept(appeal_id, actor)
                else:
                    appeals.reject(appeal_id, actor, "重复")
                outcomes.append(kind)
            except DomainError:
                outcomes.append("lost")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(kind,)) for kind in ("accept", "reject")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) in (["accept", "lost"], ["lost", "reject"])
    winner = next(kind for kind in outcomes if kind != "lost")
    assert status_of(app, appeal_id) == (AppealStatus.accepted if winner == "accept" else AppealStatus.rejected)


ACTORS = [None, "demo_authority", "demo_supervisor", "demo_unit", "demo_committee", "demo_expert",
          "demo_provider", "demo_applicant"]


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a or "anonymous")
def test_only_admins_see_the_logs_and_the_appeal_queue(app, browser_factory, actor):
    appeal_id = file_appeal(app)
    with app.app_context():
        log_id = db.session.scalar(select(LoginLog.id).limit(1)) or 1
    browser = browser_factory(app, actor) if actor else browser_factory(app)
    attempts = [
        browser.get("/login-log/list/"),
        browser.get(f"/login-log/show/{log_id}"),
        browser.get("/password-appeals/list/"),
        browser.get(f"/password-appeals/show/{appeal_id}"),
        browser.post(f"/password-appeals/decide/{appeal_id}", {"decision": "accept"}),
        browser.post(f"/password-appeals/decide/{appeal_id}", {"decision": "reject", "note": "x"}),
    ]
    for response in attempts:
        if actor is None:
            assert response.status_code == 302 and "/login/" in response.headers["Location"]
        else:
            assert response.status_code == 403
    assert status_of(app, appeal_id) == AppealStatus.pending
    with app.app_context():
        assert passwords.matches(f.user("ceshi_ren").password, f.APPLICANT_PASSWORD)
    if actor:
        page = browser.get("/").get_data(as_text=True)
        assert "登录日志" not in page and "/password-appeals/" not in page
