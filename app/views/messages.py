"""站内信 (every signed-in user's own messages), the navbar's unread badge, and the administrator's mail queue."""
from __future__ import annotations

from flask import Flask, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from app.models import MAIL_STATUS_LABELS, MailStatus
from app.security import roles as r
from app.services import notifications


def unread_badge() -> int | None:
    """The signed-in user's unread count for the navbar (read with the user, else one indexed COUNT); None when
    anonymous."""
    user = g.get("user")
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_anonymous", True):
        return None
    count = notifications.noted_unread(user.id)
    if count is None:
        try:
            count = notifications.unread_count(user.id)
        except SQLAlchemyError:
            # An error page after a failed transaction: no badge rather than a second error.
            return None
        notifications.note_unread(user.id, count)
    return count


def install(app: Flask) -> None:
    """Make the badge available to the navbar template."""
    app.jinja_env.globals["zp_unread_messages"] = unread_badge


class MessageView(BaseView):
    """站内信: the list (未读 / 全部), one message, opening it (read, then its page) and 全部标为已读."""

    route_base = "/messages"
    class_permission_name = r.MESSAGE
    method_permission_name = {"index": "read", "show": "read", "open": "write", "read_all": "write"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        unread_only = request.args.get("filter") == "unread"
        page = notifications.messages_page(g.user.id, unread_only, request.args.get("page", 1, type=int) or 1)
        return self.render_template(
            "messages/index.html", title=_("Messages"), page=page, unread_only=unread_only,
            unread=unread_badge() or 0, filters={"filter": "unread"} if unread_only else {},
        )

    @expose("/<int:message_id>")
    @has_access
    def show(self, message_id: int):
        message = notifications.own_message(g.user.id, message_id)
        if message is None:
            abort(404)
        return self.render_template("messages/show.html", title=message.subject, message=message)

    @expose("/<int:message_id>/open", methods=["POST"])
    @has_access
    def open(self, message_id: int):
        """Mark the message read and go where it points (its own page when it points nowhere)."""
        message = notifications.mark_read(g.user.id, message_id)
        if message is None:
            abort(404)
        return redirect(notifications.safe_link(message.link) or url_for(".show", message_id=message.id))

    @expose("/read-all", methods=["POST"])
    @has_access
    def read_all(self):
        count = notifications.mark_all_read(g.user.id)
        flash(_("%(count)d message(s) marked as read.", count=count), "success")
        return redirect(url_for(".index"))


class MailQueueView(BaseView):
    """邮件发送队列 (administrators): every e-mail with its status, attempts and last error; 重新发送 a failed one."""

    route_base = "/admin/mail-queue"
    class_permission_name = r.MAIL_QUEUE
    method_permission_name = {"index": "list", "resend": "resend"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        status = _status(request.args.get("status"))
        page = notifications.queue_page(status, request.args.get("page", 1, type=int) or 1)
        return self.render_template(
            "messages/mail_queue.html", title=_("Mail queue"), page=page, status=status,
            counts=notifications.status_counts(), labels=MAIL_STATUS_LABELS, statuses=list(MailStatus),
            filters={"status": status.value} if status else {},
        )

    @expose("/<int:mail_id>/resend", methods=["POST"])
    @has_access
    def resend(self, mail_id: int):
        if notifications.requeue(mail_id, g.user):
            flash(_("The e-mail is queued again; the next scheduled run sends it."), "success")
        else:
            flash(_("Only an e-mail whose sending failed can be sent again."), "warning")
        status = _status(request.form.get("status"))
        return redirect(url_for(".index", **({"status": status.value} if status else {})))


def _status(value: str | None) -> MailStatus | None:
    try:
        return MailStatus(value) if value else None
    except ValueError:
        return None
