"""Notifications of the title businesses: who gets which 站内信, the e-mail a real SMTP server on loopback receives,
a failing server that leaves the transition done and the e-mail queued for retry, two senders at once, a refused
transition that leaves nothing, and deadline reminders made once by the tick."""
from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

import factories as f
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import (
    AppState, Application, ApplicationMaterial, BusinessType, MailStatus, Message, MessageKind, OperationLog,
    OutboundMail,
)
from app.models.mixins import utcnow
from app.security import roles as r
from app.services import notifications
from app.services.workdays import local_today
from app.workflow import engine, notify, tick
from conftest import DEMO_PASSWORD

RECOGNITION_FORM = {"education_basis": "21", "graduation_date": "2002-07-01", "work_years": "20",
                    "current_work": "信息系统架构设计", "commitment": True}


# ----- a real SMTP server on 127.0.0.1 -----
class Inbox:
    """An aiosmtpd handler that keeps what it accepts, or answers every message with `refusal` (e.g. 451)."""

    def __init__(self, refusal: str | None = None, delay: float = 0.0) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refusal = refusal
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refusal:
            return self.refusal
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(handler: Inbox) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = serve(inbox)
    yield controller, inbox
    controller.stop()


def mail_settings(port: int, **extra) -> dict:
    return dict(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DEFAULT_SENDER="noreply@zhiping.test",
                MAIL_TIMEOUT_SECONDS=5, **extra)


# ----- helpers -----
def draft(title: str = "GC_4", materials: bool = True) -> int:
    """A recognition draft of demo_applicant (unit A under supervisor 1)."""
    application = Application(business_type=BusinessType.recognition, user_id=f.user("demo_applicant").id,
                              series="GC", title=title, form=dict(RECOGNITION_FORM))
    if materials:
        application.materials.append(ApplicationMaterial(name="学历证书复印件", copies=1))
    db.session.add(application)
    db.session.commit()
    return application.id


def fire(app_id: int, event: str, username: str | None = None, **kwargs):
    return engine.apply(app_id, event, f.user(username) if username else None, **kwargs)


def last_id(model) -> int:
    return db.session.scalar(select(func.max(model.id))) or 0


def new_messages(since: int) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.id > since).order_by(Message.id)))


def recipients(messages) -> set[str]:
    return {m.recipient.username for m in messages}


def staff_world() -> None:
    """A second reviewer of unit A, a reviewer of unit B, one of the other supervisor, and an inactive one of A."""
    f.make_staff("unit_a_second", r.UNIT_REVIEWER, [f.UNIT_A], DEMO_PASSWORD)
    f.make_staff("unit_b_reviewer", r.UNIT_REVIEWER, [f.UNIT_B], DEMO_PASSWORD)
    f.make_staff("sup2_reviewer", r.SUPERVISOR_REVIEWER, [f.SUPERVISOR_2], DEMO_PASSWORD)
    gone = f.make_staff("unit_a_gone", r.UNIT_REVIEWER, [f.UNIT_A], DEMO_PASSWORD)
    gone.active = False
    db.session.commit()


# ----- who is told -----
def test_each_transition_tells_the_next_actors_in_reach_and_the_applicant_never_the_actor(app):
    with app.app_context():
        staff_world()
        app_id = draft()
        mark = last_id(Message)
        fire(app_id, "submit", "demo_applicant")
        told = new_messages(mark)
        # The reviewers of THIS unit only: not unit B's, not the inactive one, not the applicant who acted.
        assert recipients(told) == {"demo_unit", "unit_a_second"}
        message = told[0]
        assert message.kind == MessageKind.application and message.link == f"/review/applications/{app_id}"
        assert message.subject == "待办：测试人的职称考核认定申请（待单位审核）"
        assert f"编号 {app_id}" in message.body and "请及时办理" in message.body
        mails = db.session.scalars(select(OutboundMail).where(OutboundMail.message_id.in_([m.id for m in told])))
        assert {(m.to_address, m.status, m.attempts) for m in mails} == {
            ("demo_unit@zhiping.example", MailStatus.queued, 0), ("unit_a_second@test.example", MailStatus.queued, 0)}

        mark = last_id(Message)
        fire(app_id, "return", "demo_unit", reason="学历证书不清晰", section_comments={"materials": "请重新扫描"})
        [told] = new_messages(mark)  # only the applicant: nobody reviews a returned application
        deadline = db.session.get(Application, app_id).correction_deadline
        assert told.recipient.username == "demo_applicant" and told.link == f"/applications/{app_id}"
        assert told.subject == "您的职称考核认定申请：退回修改"
        assert "原因：学历证书不清晰" in told.body and "【材料清单】意见：请重新扫描" in told.body
        assert f"请于 {deadline.isoformat()} 前完善后重新提交，逾期视为放弃" in told.body

        mark = last_id(Message)
        fire(app_id, "resubmit", "demo_applicant")
        assert recipients(new_messages(mark)) == {"demo_unit", "unit_a_second"}

        mark = last_id(Message)
        fire(app_id, "approve", "demo_unit")
        told = new_messages(mark)
        # The supervisor above unit A, not the other supervisor's reviewer; the other unit A reviewer neither.
        assert recipients(told) == {"demo_supervisor", "demo_applicant"}
        to_applicant = next(m for m in told if m.recipient.username == "demo_applicant")
        assert "已办理：通过，当前状态：待主管单位审核" in to_applicant.body

        mark = last_id(Message)
        fire(app_id, "approve", "demo_supervisor")
        assert recipients(new_messages(mark)) == {"demo_authority", "demo_applicant"}
        mark = last_id(Message)
        fire(app_id, "approve", "demo_authority")
        [told] = new_messages(mark)
        assert told.recipient.username == "demo_applicant" and told.subject == "您的职称考核认定申请：已办结"


def test_the_evaluation_chain_reaches_the_committee_office_and_a_refusal_gives_its_reason(app):
    with app.app_context():
        app_id = f.evaluation_in_unit_publicity()
        f.open_batch_for()
        mark = last_id(Message)
        f.end_publicity(app_id)  # the system's transition: the applicant and the supervisor are told
        told = new_messages(mark)
        assert recipients(told) == {"demo_supervisor", "demo_applicant"}
        assert any("公示期满" in m.body for m in told if m.recipient.username == "demo_applicant")
        fire(app_id, "approve", "demo_supervisor")
        mark = last_id(Message)
        fire(app_id, "terminate", "demo_committee", reason="不符合申报条件")
        [told] = new_messages(mark)
        assert told.recipient.username == "demo_applicant" and "原因：不符合申报条件" in told.body
        assert told.subject == "您的职称评审申请：已终止"


def test_the_supervisor_message_goes_to_the_committee_office(app):
    with app.app_context():
        app_id = f.evaluation_in_unit_publicity()
        f.open_batch_for()
        f.end_publicity(app_id)
        mark = last_id(Message)
        fire(app_id, "approve", "demo_supervisor")
        told = new_messages(mark)
        assert recipients(told) == {"demo_committee", "demo_applicant"}  # the expert does not act here


def test_a_refused_or_rolled_back_transition_leaves_no_message(app):
    with app.app_context():
        before = (last_id(Message), last_id(OutboundMail))
        app_id = draft(title="GC_5", materials=False)
        with pytest.raises(ValidationFailed):  # the automatic check refuses it
            fire(app_id, "submit", "demo_applicant")
        with pytest.raises(DomainError):  # outside the unit reviewer's reach: refused before anything
            fire(app_id, "approve", "demo_unit")
        assert (last_id(Message), last_id(OutboundMail)) == before

        app_id = draft()
        fire(app_id, "submit", "demo_applicant", commit=False)  # e.g. a batch that fails later on
        assert db.session.scalar(select(func.count()).select_from(Message).where(Message.id > before[0])) == 1  # demo_unit
        db.session.rollback()
        assert (last_id(Message), last_id(OutboundMail)) == before
        assert db.session.get(Application, app_id).state == AppState.draft

        fire(app_id, "submit", "demo_applicant")
        mark = last_id(Message)
        stale = db.session.get(Application, app_id).version - 1
        with pytest.raises(engine.AlreadyHandled):
            fire(app_id, "return", "demo_unit", reason="x", seen_version=stale)
        assert last_id(Message) == mark


def test_a_message_is_chinese_when_the_reviewer_uses_english(app, browser_factory):
    with app.app_context():
        app_id = draft()
        fire(app_id, "submit", "demo_applicant")
        version = db.session.get(Application, app_id).version
        mark = last_id(Message)
    reviewer = browser_factory(app, "demo_unit")
    reviewer.get("/lang/en")
    page = reviewer.post(f"/review/applications/{app_id}/act",
                         {"event": "return", "reason": "请补充材料", "version": str(version)}, follow_redirects=True)
    assert "Done:" in page.get_data(as_text=True)  # the reviewer's page is in English
    with app.app_context():
        [told] = new_messages(mark)
        assert told.subject == "您的职称考核认定申请：退回修改" and "原因：请补充材料" in told.body
        mail = db.session.scalar(select(OutboundMail).where(OutboundMail.message_id == told.id))
        assert mail.subject == "【职评】您的职称考核认定申请：退回修改" and "请登录平台" in mail.body


# ----- delivery -----
def test_the_tick_sends_the_queued_mail_to_a_real_smtp_server(app_with, smtp):
    controller, inbox = smtp
    app = app_with(**mail_settings(controller.port))
    with app.app_context():
        app_id = draft()
        fire(app_id, "submit", "demo_applicant")
        fire(app_id, "return", "demo_unit", reason="学历证书不清晰")
        queued = db.session.scalar(select(func.count()).select_from(OutboundMail)
                                   .where(OutboundMail.status == MailStatus.queued))
        assert inbox.messages == []  # nothing is sent during the transition
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["workflow", "tick"])
    assert result.exit_code == 0 and f"e-mails: {queued} sent, 0 to retry, 0 failed" in result.output
    assert len(inbox.messages) == queued
    [to_applicant] = [m for m in inbox.to("demo_applicant@zhiping.example") if "退回修改" in m["Subject"]]
    assert to_applicant["Subject"] == "【职评】您的职称考核认定申请：退回修改"
    assert to_applicant["From"] == "noreply@zhiping.test"
    body = to_applicant.get_body(preferencelist=("plain",)).get_content()
    assert "测试人，您好" in body and "当前状态：退回修改" in body and "原因：学历证书不清晰" in body
    assert [m["Subject"] for m in inbox.to("demo_unit@zhiping.example") if "待办" in m["Subject"]] == [
        "【职评】待办：测试人的职称考核认定申请（待单位审核）"]
    with app.app_context():
        mails = list(db.session.scalars(select(OutboundMail)))
        assert {(m.status, m.attempts, m.last_error) for m in mails} == {(MailStatus.sent, 1, None)}
        assert all(m.sent_at is not None for m in mails)
        logged = db.session.scalar(select(func.count()).select_from(OperationLog)
                                   .where(OperationLog.action == "mail.sent"))
        assert logged == queued
    again = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "mail send: 0 sent" in again.output and len(inbox.messages) == queued


@pytest.mark.parametrize("refusal", [None, "451 4.3.0 Mailbox busy, try again later", "554 5.7.1 Message refused"],
                         ids=["nothing listening", "451", "554"])
def test_a_failing_server_leaves_the_transition_done_and_the_mail_queued_for_retry(app_with, refusal):
    failing = serve(Inbox(refusal=refusal)) if refusal else None
    app = app_with(**mail_settings(failing.port if failing else free_port()))
    try:
        with app.app_context():
            app_id = draft()
            fire(app_id, "submit", "demo_applicant")
            assert db.session.get(Application, app_id).state == AppState.unit_review
            unit_mail = db.session.scalar(select(OutboundMail.id).where(
                OutboundMail.to_address == "demo_unit@zhiping.example", OutboundMail.status == MailStatus.queued))
            result = notifications.deliver()
            assert result.sent == 0 and result.failed == 0 and result.retrying >= 1
            db.session.expire_all()
            mail = db.session.get(OutboundMail, unit_mail)
            assert mail.status == MailStatus.queued and mail.attempts == 1
            assert mail.last_error and (refusal[:3] in mail.last_error if refusal else "Connection" in mail.last_error)
            assert utcnow() + dt.timedelta(seconds=30) < mail.next_attempt_at < utcnow() + dt.timedelta(minutes=2)
            assert db.session.get(Application, app_id).state == AppState.unit_review  # the transition stands
            assert notifications.deliver().retrying == 0  # not due again before its back-off
            assert db.session.scalar(select(OperationLog.detail).where(
                OperationLog.action == "mail.retry", OperationLog.target_id == unit_mail)) == mail.last_error
    finally:
        if failing:
            failing.stop()
    working = Inbox()
    controller = serve(working)
    try:
        app.config["MAIL_PORT"] = controller.port  # the server is back
        with app.app_context():
            db.session.execute(update(OutboundMail).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
            db.session.commit()
            assert notifications.deliver().sent >= 1
            mail = db.session.get(OutboundMail, unit_mail)
            assert (mail.status, mail.attempts) == (MailStatus.sent, 2)
        assert [m["Subject"] for m in working.to("demo_unit@zhiping.example") if "待办" in m["Subject"]] == [
            "【职评】待办：测试人的职称考核认定申请（待单位审核）"]
    finally:
        controller.stop()


def test_after_the_last_attempt_the_mail_is_marked_failed_and_can_be_sent_again(app_with, browser_factory):
    app = app_with(**mail_settings(free_port(), MAIL_MAX_ATTEMPTS=2, MAIL_RETRY_MINUTES=(1,)))
    with app.app_context():
        fire(draft(), "submit", "demo_applicant")
        mail_id = db.session.scalar(select(OutboundMail.id).where(
            OutboundMail.to_address == "demo_unit@zhiping.example"))
        notifications.deliver()
        db.session.execute(update(OutboundMail).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
        assert notifications.deliver().failed >= 1
        mail = db.session.get(OutboundMail, mail_id)
        assert (mail.status, mail.attempts) == (MailStatus.failed, 2) and mail.last_error
        assert notifications.deliver().failed == 0  # a failed e-mail is not tried again by itself
        assert db.session.scalar(select(func.count()).select_from(OperationLog).where(
            OperationLog.action == "mail.failed", OperationLog.target_id == mail_id)) == 1
    admin = browser_factory(app, "demo_admin")
    page = admin.get("/admin/mail-queue/?status=failed").get_data(as_text=True)
    assert "demo_unit@zhiping.example" in page and "发送失败" in page and "ConnectionRefusedError" in page
    assert "重新发送" in page
    admin.post(f"/admin/mail-queue/{mail_id}/resend", {"status": "failed"})
    with app.app_context():
        mail = db.session.get(OutboundMail, mail_id)
        assert (mail.status, mail.attempts) == (MailStatus.queued, 0)
        assert db.session.scalar(select(OperationLog.user_id).where(
            OperationLog.action == "mail.requeue", OperationLog.target_id == mail_id)) == f.user("demo_admin").id


def test_two_senders_at_once_send_each_mail_once(app_with):
    slow = Inbox(delay=0.05)
    controller = serve(slow)
    app = app_with(**mail_settings(controller.port))
    try:
        with app.app_context():
            everyone = select(f.AppUser.id)
            for number in range(3):
                notifications.notify(everyone, f"通知 {number}", "测试正文")
            db.session.commit()
            queued = db.session.scalar(select(func.count()).select_from(OutboundMail))
            assert queued >= 20
            db.session.remove()
        results = []

        def sender():
            def send():
                results.append(notifications.deliver())
            return send

        assert f.race(app, [sender, sender], Exception) == ["ok", "ok"]
        # each e-mail was claimed by exactly one of them: sent, or queued again when the loaded server refused it
        assert sum(result.sent + result.retrying + result.failed for result in results) == queued, \
            [str(result) for result in results]
        assert all(result.sent > 0 for result in results)  # both really ran
        retried = sum(result.retrying for result in results)
        with app.app_context():
            if retried:  # such a retry goes once, whenever it falls due
                db.session.execute(update(OutboundMail).where(OutboundMail.status == MailStatus.queued)
                                   .values(next_attempt_at=utcnow()))
                db.session.commit()
                assert notifications.deliver().sent == retried
            assert sorted(db.session.execute(select(OutboundMail.status, OutboundMail.attempts)).all()) == sorted(
                [(MailStatus.sent, 1)] * (queued - retried) + [(MailStatus.sent, 2)] * retried)
        assert len(slow.messages) == queued
        ids = [m["Message-ID"] for m in slow.messages]
        assert len(set(ids)) == queued
    finally:
        controller.stop()


# ----- reminders from the tick -----
def test_reminders_before_a_correction_deadline_and_a_publicity_end_are_made_once(app):
    with app.app_context():
        today = local_today()
        returned = draft()
        fire(returned, "submit", "demo_applicant")
        fire(returned, "return", "demo_unit", reason="请补充")
        publicised = f.evaluation_in_unit_publicity()
        db.session.get(Application, returned).correction_deadline = today + dt.timedelta(days=10)
        db.session.get(Application, publicised).publicity_until = today + dt.timedelta(days=5)
        db.session.commit()
        mark = last_id(Message)
        assert notify.send_reminders(today) == 0  # both further away than NOTIFY_REMINDER_DAYS (3)

        db.session.get(Application, returned).correction_deadline = today + dt.timedelta(days=2)
        db.session.get(Application, publicised).publicity_until = today + dt.timedelta(days=1)
        db.session.commit()

        assert notify.send_reminders(today) == 3
        told = new_messages(mark)
        assert {(m.recipient.username, m.link) for m in told} == {
            ("demo_applicant", f"/applications/{returned}"), ("demo_applicant", f"/applications/{publicised}"),
            ("demo_supervisor", f"/review/applications/{publicised}")}
        assert all(m.kind == MessageKind.reminder for m in told)
        deadline = (today + dt.timedelta(days=2)).isoformat()
        correction = next(m for m in told if m.link == f"/applications/{returned}")
        assert correction.subject == f"提醒：您的职称考核认定申请补正期限为 {deadline}"
        end = (today + dt.timedelta(days=1)).isoformat()
        supervisor = next(m for m in told if m.recipient.username == "demo_supervisor")
        assert supervisor.subject == f"提醒：测试人的职称评审申请公示将于 {end} 结束"
        assert "待主管单位审核" in supervisor.body
        assert db.session.scalar(select(func.count()).select_from(OutboundMail)
                                 .where(OutboundMail.message_id.in_([m.id for m in told]))) == 3

        assert notify.send_reminders(today) == 0  # once each
        assert tick.scheduled(today).reminders == 0
        # A new deadline (returned again after a resubmission) is a new reminder.
        db.session.get(Application, returned).correction_deadline = today + dt.timedelta(days=3)
        db.session.commit()
        assert notify.send_reminders(today) == 1


def test_a_passed_deadline_ends_the_application_through_the_tick_and_tells_the_applicant(app):
    with app.app_context():
        app_id = draft()
        fire(app_id, "submit", "demo_applicant")
        fire(app_id, "return", "demo_unit", reason="请补充")
        db.session.get(Application, app_id).correction_deadline = local_today() - dt.timedelta(days=1)
        db.session.commit()
        mark = last_id(Message)
        assert tick.run() == 1
        [told] = new_messages(mark)
        assert told.recipient.username == "demo_applicant" and told.subject == "您的职称考核认定申请：已结束"
        assert "超过补正期限（视为放弃）" in told.body
