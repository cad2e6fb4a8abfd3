"""The home page: anonymous visitors go to the login page; signed-in users see their roles and orgs."""
from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose

from app.security.roles import role_label


class HomeView(IndexView):
    """首页."""

    route_base = ""
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = g.get("user")
        if user is None or not user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.endpoint + ".login"))
        return self.render_template(
            self.index_template,
            appbuilder=self.appbuilder,
            role_names=[role_label(role.name) for role in user.roles],
            orgs=list(getattr(user, "orgs", []) or []),
        )
