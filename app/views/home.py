"""The home page: anonymous visitors get the portal (articles, the login box, certificate verification);
signed-in users see their roles and orgs, and an applicant also sees the current title, the latest evaluation,
the profile's review status, open and returned applications and the continuing-education verdicts."""
from __future__ import annotations

from flask import g
from flask_appbuilder import IndexView, expose
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import APP_STATE_LABELS, BUSINESS_TYPE_LABELS, Application, BasicInfo, BusinessType
from app.security import roles as r
from app.security.roles import role_label
from app.workflow.ce_compliance import hours_text
from app.services import applicant_home, captcha, dictionaries, notifications, portal
from app.views.messages import unread_badge
from app.views.portal import portal_context

EVALUATIONS = (BusinessType.evaluation, BusinessType.entrusted)


def applicant_summary(user, returned: int) -> dict:
    """当前职称, 当前评审职称 and its state (the latest evaluation), and how many returned applications to handle."""
    current = db.session.scalar(select(BasicInfo.current_title).where(BasicInfo.user_id == user.id))
    latest = db.session.scalar(applicant_home.own(
        select(Application).where(Application.user_id == user.id, Application.business_type.in_(EVALUATIONS))
        .order_by(Application.id.desc()).limit(1)
    ))
    return {
        "current_title": dictionaries.label("title", current) or _("None"),
        "evaluation_title": (dictionaries.label("title", latest.title) if latest else "") or _("None"),
        "evaluation_state": str(APP_STATE_LABELS[latest.state]) if latest else _("None"),
        "evaluation_id": latest.id if latest else None,
        "returned": returned,
    }


def title_labels():
    """Code → label of every title, read once (the page lists up to ten applications)."""
    english = str(get_locale() or "") == "en"
    names = {entry.code: entry.display(english) for entry in dictionaries.entries("title")}
    return lambda code: names.get(code, code or "")


def applicant_facts(user) -> dict:
    """The rest of the applicant's 首页 (app/services/applicant_home.py)."""
    open_ones = applicant_home.open_applications(user.id)
    return {
        "profile": applicant_home.profile_status(user.id),
        "open": open_ones,
        # At most one open application per business: all of them are there, and the returned ones among them.
        "returned": applicant_home.returned_applications(user.id, open_ones),
        "returned_ce": applicant_home.returned_ce_claims(user.id),
        "ce_years": applicant_home.ce_years(user.id),
    }


HOME_MESSAGES = 5


def home_messages(user) -> dict:
    """The unread count and the newest messages for the 首页's 站内信 panel (two indexed queries)."""
    # unread_badge() counts once per request, for this panel and the navbar's envelope alike.
    return {"unread": unread_badge() or 0, "latest": notifications.latest(user.id, HOME_MESSAGES)}


class HomeView(IndexView):
    """首页."""

    route_base = ""
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = g.get("user")
        if user is None or not user.is_authenticated:
            return self.render_template(
                "portal/home.html", appbuilder=self.appbuilder, latest=portal.latest(),
                captcha_enabled=captcha.enabled(), **portal_context(),
            )
        is_applicant = any(role.name == r.APPLICANT for role in user.roles)
        facts = applicant_facts(user) if is_applicant else None
        return self.render_template(
            self.index_template,
            appbuilder=self.appbuilder,
            role_names=[role_label(role.name) for role in user.roles],
            orgs=list(getattr(user, "orgs", []) or []),
            applicant=applicant_summary(user, len(facts["returned"])) if is_applicant else None,
            facts=facts,
            state_labels=APP_STATE_LABELS, type_labels=BUSINESS_TYPE_LABELS,
            title_label=title_labels(),
            hours=hours_text,
            home_messages=home_messages(user),
        )
