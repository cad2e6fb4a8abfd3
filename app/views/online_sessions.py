"""在线用户: the administrator's list of live signed-in sessions, with 强制下线."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.security import roles as r
from app.services import sessions


class OnlineSessionView(BaseView):
    """Who is signed in now (sessions seen within the idle timeout): user, org, IP, browser, login and last seen."""

    route_base = "/admin/online-sessions"
    class_permission_name = r.ONLINE_SESSION
    method_permission_name = {"index": "list", "end": "end"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        query = (request.args.get("q") or "").strip()[:64]
        page = sessions.online_page(request.args.get("page", 1, type=int) or 1, query=query)
        return self.render_template(
            "auth/online_sessions.html", title=_("Online users"), page=page, query=query,
            current_id=sessions.current_row_id(), filters={"q": query} if query else {},
        )

    @expose("/<int:session_id>/end", methods=["POST"])
    @has_access
    def end(self, session_id: int):
        row = sessions.force_end(session_id, g.user)
        if row is None:
            flash(_("This session has already ended."), "warning")
        else:
            flash(_("%(name)s has been signed out.", name=row.user.full_name), "success")
        query = (request.form.get("q") or "").strip()[:64]
        return redirect(url_for(".index", **({"q": query} if query else {})))
