"""The home page: anonymous visitors go to the login page; signed-in users see their roles and orgs, and an
applicant also sees the current title, the latest evaluation and what waits for them."""
from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import APP_STATE_LABELS, AppState, Application, BasicInfo, BusinessType
from app.security import roles as r
from app.security.roles import role_label
from app.services import dictionaries

EVALUATIONS = (BusinessType.evaluation, BusinessType.entrusted)


def applicant_summary(user) -> dict:
    """当前职称, 当前评审职称 and its state (the latest evaluation), and the returned applications to handle."""
    current = db.session.scalar(select(BasicInfo.current_title).where(BasicInfo.user_id == user.id))
    latest = db.session.scalar(
        select(Application).where(Application.user_id == user.id, Application.business_type.in_(EVALUATIONS))
        .order_by(Application.id.desc()).limit(1)
    )
    returned = db.session.scalar(
        select(func.count()).select_from(Application)
        .where(Application.user_id == user.id, Application.state == AppState.returned)
    )
    return {
        "current_title": dictionaries.label("title", current) or _("None"),
        "evaluation_title": (dictionaries.label("title", latest.title) if latest else "") or _("None"),
        "evaluation_state": str(APP_STATE_LABELS[latest.state]) if latest else _("None"),
        "evaluation_id": latest.id if latest else None,
        "returned": returned or 0,
    }


class HomeView(IndexView):
    """首页."""

    route_base = ""
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = g.get("user")
        if user is None or not user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.endpoint + ".login"))
        is_applicant = any(role.name == r.APPLICANT for role in user.roles)
        return self.render_template(
            self.index_template,
            appbuilder=self.appbuilder,
            role_names=[role_label(role.name) for role in user.roles],
            orgs=list(getattr(user, "orgs", []) or []),
            applicant=applicant_summary(user) if is_applicant else None,
        )
