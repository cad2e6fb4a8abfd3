"""Reviewers' screens: the queue of submitted profiles in scope, the profile by section, the decision."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import REVIEW_STAGE_LABELS, BasicInfo, ProfileReview, RecordStatus, ReviewStage
from app.security import roles as r
from app.services.audit import client_ip
from app.views.base import ScopedModelView
from app.views.fields import enum_formatter
from app.views.profile import history_of
from app.views.profile_display import basic_facts, basic_status, section_tables
from app.workflow import profile_review
from app.workflow.profile import SECTIONS

_STATUS_AT_STAGE = {ReviewStage.unit: RecordStatus.unit_review, ReviewStage.supervisor: RecordStatus.supervisor_review}


def _id_number(user) -> str:
    return user.id_number or "" if user else ""


class ProfileReviewView(ScopedModelView):
    """Submitted profiles of the reviewer's units; a round is decided record by record."""

    route_base = "/profile-reviews"
    class_permission_name = r.PROFILE_REVIEW
    datamodel = SQLAInterface(ProfileReview, db.session)
    base_permissions = ["can_list", "can_show", "can_decide"]
    list_title = _l("Profile reviews")
    show_title = _l("Profile review")
    label_columns = {
        "user": _l("Applicant name"),
        "user.id_number": _l("ID number"),
        "unit": _l("Personnel management unit"),
        "supervisor": _l("Supervising department"),
        "stage": _l("Stage"),
        "submitted_at": _l("Submitted at"),
        "closed_at": _l("Closed at"),
    }
    list_columns = ["user", "user.id_number", "unit", "supervisor", "stage", "submitted_at", "closed_at"]
    search_columns = ["stage", "submitted_at", "unit"]
    order_columns = ["submitted_at", "stage"]
    base_order = ("submitted_at", "desc")
    formatters_columns = {"stage": enum_formatter(REVIEW_STAGE_LABELS)}
    search_form_query_rel_fields = {"unit": ScopedModelView.base_filters}

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        review = self._scoped_item(pk)
        role = profile_review.acting_role(review, g.user)
        basic = db.session.query(BasicInfo).filter(BasicInfo.user_id == review.user_id).one_or_none()
        pending_status = _STATUS_AT_STAGE.get(review.stage)
        return self.render_template(
            "profile/review_show.html",
            title=_("Profile review"),
            review=review,
            stage_label=str(REVIEW_STAGE_LABELS[review.stage]),
            role=role,
            basic=basic,
            basic_status=basic_status(basic),
            facts=basic_facts(review.user, basic),
            tables=section_tables(review.user_id),
            pending_status=pending_status,
            basic_pending=basic is not None and basic.status == pending_status,
            history=history_of(review.user_id),
            sections={section.code: str(section.label) for section in SECTIONS},
        )

    @expose("/decide/<pk>", methods=["POST"])
    @has_access
    def decide(self, pk):
        review = self._scoped_item(pk)
        seen_version = request.form.get("version", type=int)
        decisions = []
        for name, verdict in request.form.items():
            if not name.startswith("verdict_"):
                continue
            section, _sep, record_id = name[len("verdict_"):].rpartition("_")
            if not record_id.isdigit():
                continue
            comment = request.form.get(f"comment_{section}_{record_id}", "")
            decisions.append(profile_review.Decision(section, int(record_id), verdict, comment))
        try:
            profile_review.decide(review.id, seen_version or 0, g.user, decisions, ip=client_ip())
        except ValidationFailed as failure:
            for messages in failure.errors.values():
                for message in messages:
                    flash(message, "danger")
            return redirect(url_for(".show", pk=review.id))
        except DomainError as error:
            flash(str(error), "danger")
            return redirect(url_for(".show", pk=review.id))
        flash(_("Your decision was recorded."), "success")
        return redirect(url_for(".list"))
