"""The 站内信 screens: the navbar's unread count, the messages page (own messages only, opened and marked read by
POST), and the administrator's mail queue."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

import factories as f
from app.extensions import db
from app.models import MailStatus, Message, MessageKind, OutboundMail
from app.services import notifications

BADGE = re.compile(r'id="zp-unread-count">(\d+)<')


def unread(username: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Message).where(
        Message.recipient_id == f.user(username).id, Message.read_at.is_(None)))


def send(username: str, subject: str, link: str | None = "/applications/tracking", **kwargs) -> int:
    [message] = notifications.notify([f.user(username)], subject, f"{subject}的正文", link=link, **kwargs)
    db.session.commit()
    return message.id


def badge(page: str) -> int | None:
    found = BADGE.search(page)
    return int(found.group(1)) if found else None


def test_the_navbar_shows_the_unread_count_read_with_the_user(app, browser_factory):
    with app.app_context():
        expected = unread("demo_applicant") + 1
        send("demo_applicant", "测试消息")
    browser = browser_factory(app, "demo_applicant")
    statements = []

    def keep(conn, cursor, statement, *args):
        if re.search(r"\bmessage\b", statement):
            statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            page = browser.get("/profile/").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
    assert badge(page) == expected and "站内信" in page
    # No statement of its own: the count comes in the statement that loads the signed-in user.
    assert len(statements) == 1 and "count(" in statements[0].lower() and "FROM ab_user" in statements[0]
    # The 首页's 站内信 panel shares the navbar's count: one COUNT and the five newest.
    statements.clear()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            home = browser.get("/").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
    assert badge(home) == expected and f"{expected} 条未读" in home
    assert len(statements) == 2 and sum("count(" in statement.lower() for statement in statements) == 1
    assert browser.get("/messages/").get_data(as_text=True).count(f"{expected} 条未读") >= 1
    assert browser.post("/messages/read-all").status_code == 302
    assert badge(browser.get("/").get_data(as_text=True)) is None
    with app.app_context():
        assert unread("demo_applicant") == 0


def test_a_message_read_or_received_during_a_request_is_counted_again(app):
    with app.app_context():
        user = f.user("demo_applicant")
        with app.test_request_context("/"):
            notifications.note_unread(user.id, 0)
            assert notifications.noted_unread(user.id) == 0
            assert notifications.noted_unread(user.id + 1) is None  # another user's count is never theirs
            message_id = send("demo_applicant", "请求中收到")
            assert notifications.noted_unread(user.id) is None
            notifications.note_unread(user.id, 1)
            notifications.mark_read(user.id, message_id)
            assert notifications.noted_unread(user.id) is None


def test_anonymous_pages_have_no_envelope(app, browser_factory):
    page = browser_factory(app).get("/login/")
    assert page.status_code == 200 and "zp-unread-count" not in page.get_data(as_text=True)
    assert "/messages/" not in page.get_data(as_text=True)
    assert browser_factory(app).get("/messages/").status_code == 302


def test_the_list_shows_own_messages_newest_first_unread_in_bold_and_filters(app, browser_factory):
    with app.app_context():
        first = send("demo_applicant", "第一条消息")
        second = send("demo_applicant", "第二条消息", kind=MessageKind.reminder)
        send("demo_unit", "别人的消息")
        notifications.mark_read(f.user("demo_applicant").id, first)
    browser = browser_factory(app, "demo_applicant")
    page = browser.get("/messages/").get_data(as_text=True)
    assert "别人的消息" not in page
    assert page.index("第二条消息") < page.index("第一条消息")
    assert "<strong>第二条消息</strong>" in page and "<strong>第一条消息</strong>" not in page
    assert "到期提醒" in page and "全部标为已读" in page
    unread_page = browser.get("/messages/?filter=unread").get_data(as_text=True)
    assert "第二条消息" in unread_page and "第一条消息" not in unread_page
    show = browser.get(f"/messages/{second}").get_data(as_text=True)
    assert "第二条消息的正文" in show
    with app.app_context():
        assert db.session.get(Message, second).read_at is None  # reading the page is not marking it read


def test_opening_marks_read_and_follows_the_link_by_post_only(app, browser_factory):
    with app.app_context():
        linked = send("demo_applicant", "有链接的消息", link="/applications/tracking")
        plain = send("demo_applicant", "无链接的消息", link=None)
        outside = send("demo_applicant", "外部链接的消息", link="//evil.example/x")
    browser = browser_factory(app, "demo_applicant")
    assert browser.get(f"/messages/{linked}/open").status_code == 405
    assert browser.get("/messages/read-all").status_code == 405
    assert browser.post(f"/messages/{linked}/open", csrf=False).status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.get(Message, linked).read_at is None
    response = browser.post(f"/messages/{linked}/open")
    assert response.status_code == 302 and response.headers["Location"].endswith("/applications/tracking")
    response = browser.post(f"/messages/{plain}/open")
    assert response.headers["Location"].endswith(f"/messages/{plain}")
    response = browser.post(f"/messages/{outside}/open")
    assert response.headers["Location"].endswith(f"/messages/{outside}")  # never to another site
    with app.app_context():
        assert all(db.session.get(Message, i).read_at is not None for i in (linked, plain, outside))


def test_another_users_message_is_not_found(app, browser_factory):
    with app.app_context():
        theirs = send("demo_unit", "审核员的消息")
    browser = browser_factory(app, "demo_applicant")
    assert browser.get(f"/messages/{theirs}").status_code == 404
    assert browser.post(f"/messages/{theirs}/open").status_code == 404
    assert browser.get("/messages/999999").status_code == 404
    browser.post("/messages/read-all")
    with app.app_context():
        assert db.session.get(Message, theirs).read_at is None  # 全部标为已读 is the user's own only


def test_twenty_a_page(app, browser_factory):
    with app.app_context():
        db.session.query(Message).delete()
        db.session.commit()
        for number in range(25):
            notifications.notify([f.user("demo_applicant")], f"分页消息{number:02d}", "正文")
        db.session.commit()
    browser = browser_factory(app, "demo_applicant")
    first = browser.get("/messages/").get_data(as_text=True)
    second = browser.get("/messages/?page=2").get_data(as_text=True)
    assert len(re.findall(r"分页消息\d\d", first)) == 20 and "分页消息24" in first and "分页消息04" not in first
    assert len(re.findall(r"分页消息\d\d", second)) == 5 and "分页消息00" in second
    assert browser.get("/messages/?page=abc").status_code == 200


ACTORS = ["demo_applicant", "demo_unit", "demo_supervisor", "demo_authority", "demo_committee", "demo_expert",
          "demo_provider", "demo_admin"]


@pytest.mark.parametrize("actor", ACTORS + [None])
def test_every_signed_in_role_has_the_messages_page_and_only_the_admin_the_mail_queue(shared_app, browser_factory,
                                                                                      actor):
    browser = browser_factory(shared_app, actor) if actor else browser_factory(shared_app)
    messages = browser.get("/messages/")
    queue = browser.get("/admin/mail-queue/")
    if actor is None:
        assert messages.status_code == 302 and "/login/" in messages.headers["Location"]
        assert queue.status_code == 302 and "/login/" in queue.headers["Location"]
        return
    assert messages.status_code == 200 and "站内信" in messages.get_data(as_text=True)
    if actor == "demo_admin":
        assert queue.status_code == 200 and "邮件发送队列" in queue.get_data(as_text=True)
    else:
        assert queue.status_code in (302, 403)


def test_only_the_admin_resends_and_only_a_failed_mail(app, browser_factory):
    with app.app_context():
        message_id = send("demo_applicant", "将失败的邮件")
        mail = db.session.scalar(select(OutboundMail).where(OutboundMail.message_id == message_id))
        mail.status, mail.attempts, mail.last_error = MailStatus.failed, 6, "SMTPDataError: (554, b'refused')"
        queued = db.session.scalar(select(OutboundMail.id).where(OutboundMail.status == MailStatus.queued))
        db.session.commit()
        mail_id = mail.id
    for actor in ("demo_applicant", "demo_authority"):
        browser_factory(app, actor).post(f"/admin/mail-queue/{mail_id}/resend")
    with app.app_context():
        assert db.session.get(OutboundMail, mail_id).status == MailStatus.failed
    admin = browser_factory(app, "demo_admin")
    assert admin.get(f"/admin/mail-queue/{mail_id}/resend").status_code == 405
    page = admin.post(f"/admin/mail-queue/{queued}/resend", follow_redirects=True).get_data(as_text=True)
    assert "只有发送失败的邮件才能重新发送" in page
    page = admin.get("/admin/mail-queue/?status=nonsense").get_data(as_text=True)  # an unknown filter: all
    assert "SMTPDataError" in page and "将失败的邮件" in page
    page = admin.post(f"/admin/mail-queue/{mail_id}/resend", follow_redirects=True).get_data(as_text=True)
    assert "该邮件已重新排队" in page
    with app.app_context():
        mail = db.session.get(OutboundMail, mail_id)
        assert (mail.status, mail.attempts) == (MailStatus.queued, 0)
