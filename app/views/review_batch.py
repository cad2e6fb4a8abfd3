"""评审批次 and the review meeting: the committee office's batches, attendance, recusals, votes and results."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.documents import registry
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import (
    APP_STATE_LABELS, VOTE_CHOICE_LABELS, Application, AppState, AppUser, OrgKind, ReviewBatch, VoteChoice,
)
from app.scope import clause_for
from app.scope.filters import SCOPED, ScopeFilter
from app.scope.resolve import current_scope
from app.security import roles as r
from app.services import dictionaries
from app.services.audit import client_ip
from app.views.base import ScopedModelView, flash_failure
from app.views.documents import send_docx
from app.views.fields import DictSelectField, dict_formatter
from app.workflow import batches, engine, meeting

MEETING_EVENTS = ("meeting_pass", "meeting_fail")


class ReviewBatchView(ScopedModelView):
    """The office's batches (the authority reads those of its region); each batch leads to its meeting page."""

    route_base = "/review-batches"
    class_permission_name = r.REVIEW_BATCH
    datamodel = SQLAInterface(ReviewBatch, db.session)
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_meeting"]
    method_permission_name = {
        "list": "list", "show": "show", "add": "add", "edit": "edit", "delete": "delete",
        "meeting": "meeting", "attendance": "meeting", "votes": "meeting", "recuse": "meeting", "result": "meeting",
        "publicity_list": "show",
    }
    list_title = _l("Review batches")
    show_title = _l("Review batch")
    add_title = _l("Add review batch")
    edit_title = _l("Edit review batch")
    label_columns = {
        "committee": _l("Review committee"),
        "name": _l("Batch name"),
        "series": _l("Professional series"),
        "level": _l("Title level"),
        "opens_on": _l("Applications accepted from"),
        "closes_on": _l("Applications accepted until"),
        "meeting_date": _l("Meeting date"),
        "member_count": _l("Committee members at the meeting"),
    }
    list_columns = ["name", "committee", "series", "level", "opens_on", "closes_on", "meeting_date"]
    show_columns = list_columns + ["member_count"]
    add_columns = ["committee", "name", "series", "level", "opens_on", "closes_on", "meeting_date"]
    edit_columns = add_columns
    search_columns = ["name", "committee", "opens_on", "meeting_date"]
    order_columns = ["name", "opens_on", "closes_on", "meeting_date"]
    base_order = ("opens_on", "desc")
    formatters_columns = {
        "series": dict_formatter("title_series"),
        "level": dict_formatter("title_level"),
    }
    add_form_extra_fields = {
        "series": DictSelectField(_l("Professional series"), type_code="title_series", required=True),
        "level": DictSelectField(_l("Title level"), type_code="title_level", required=True),
    }
    edit_form_extra_fields = add_form_extra_fields
    _committees = SCOPED + [["kind", FilterEqual, OrgKind.committee]]
    add_form_query_rel_fields = {"committee": _committees}
    edit_form_query_rel_fields = add_form_query_rel_fields
    search_form_query_rel_fields = {"committee": [["id", ScopeFilter, None], ["kind", FilterEqual, OrgKind.committee]]}
    show_template = "committee/batch_show.html"

    def validate_item(self, item, is_new):
        batches.validate(item, current_scope(), is_new)

    def pre_delete(self, item):
        batches.check_deletable(item)

    @expose("/publicity-list/<int:pk>")
    @has_access
    def publicity_list(self, pk):
        """评审结果公示名单 of the batch as a Word document."""
        batch = self._scoped_item(pk)
        return send_docx(registry.PUBLICITY_LIST, registry.publicity_list_document(batch), batch)

    # ----- the meeting -----

    def _candidate(self, batch: ReviewBatch, application_id: int) -> Application:
        application = db.session.scalar(select(Application).where(
            Application.id == application_id, Application.batch_id == batch.id, clause_for(Application)))
        if application is None:
            abort(404)
        return application

    @expose("/meeting/<int:pk>")
    @has_access
    def meeting(self, pk):
        batch = self._scoped_item(pk)
        candidates = meeting.candidates(batch)
        recused = meeting.recused_ids(batch)
        votes = meeting.votes_cast(batch)
        tallies = meeting.tallies(batch, [application.id for application in candidates])
        rows = []
        for application in candidates:
            rows.append({
                "application": application,
                "state": str(APP_STATE_LABELS[application.state]),
                "title": dictionaries.label("title", application.title),
                "tally": tallies[application.id],
                "voters": [e for e in batch.attendees
                           if (application.id, e.id) not in recused and (application.id, e.id) not in votes],
                "recused": [e for e in batch.attendees if (application.id, e.id) in recused],
                "events": [t for t in engine.available(application, g.user) if t.event in MEETING_EVENTS],
            })
        return self.render_template(
            "committee/meeting.html", title=_("Review meeting"), batch=batch, rows=rows,
            experts=meeting.committee_experts(batch), attendee_ids={e.id for e in batch.attendees},
            votes_started=bool(votes), choices=[(c.value, str(VOTE_CHOICE_LABELS[c])) for c in VoteChoice],
            series=dictionaries.label("title_series", batch.series),
            level=dictionaries.label("title_level", batch.level),
            in_review=AppState.in_review,
        )

    @expose("/meeting/<int:pk>/attendance", methods=["POST"])
    @has_access
    def attendance(self, pk):
        batch = self._scoped_item(pk)
        wanted = {int(i) for i in request.form.getlist("expert_id") if i.isdigit()}
        experts = [e for e in meeting.committee_experts(batch) if e.id in wanted]
        if len(experts) != len(wanted):
            flash(_("Only experts of this committee can attend its meeting."), "danger")
            return redirect(url_for(".meeting", pk=pk))
        try:
            meeting.set_attendance(batch, experts)
        except DomainError as error:
            db.session.rollback()
            flash_failure(error)
        else:
            flash(_("The attendance was recorded: %(present)d of %(members)d members present.",
                    present=len(experts), members=batch.member_count or 0), "success")
        return redirect(url_for(".meeting", pk=pk))

    @expose("/meeting/<int:pk>/votes/<int:application_id>", methods=["POST"])
    @has_access
    def votes(self, pk, application_id):
        batch = self._scoped_item(pk)
        application = self._candidate(batch, application_id)
        by_id = {e.id: e for e in batch.attendees}
        entered: dict[AppUser, VoteChoice] = {}
        for name, value in request.form.items():
            if not name.startswith("vote_") or not value:
                continue
            expert = by_id.get(int(name[5:])) if name[5:].isdigit() else None
            try:
                choice = VoteChoice(value)
            except ValueError:
                expert = None
            if expert is None:
                flash(_("Only members present at the meeting vote; there are no proxy votes."), "danger")
                return redirect(url_for(".meeting", pk=pk))
            entered[expert] = choice
        try:
            meeting.record_votes(batch, application, entered)
        except DomainError as error:
            db.session.rollback()
            flash_failure(error)
        else:
            flash(_("%(count)d vote(s) recorded.", count=len(entered)), "success")
        return redirect(url_for(".meeting", pk=pk, _anchor=f"candidate-{application.id}"))

    @expose("/meeting/<int:pk>/recuse/<int:application_id>", methods=["POST"])
    @has_access
    def recuse(self, pk, application_id):
        batch = self._scoped_item(pk)
        application = self._candidate(batch, application_id)
        expert_id = request.form.get("expert_id", type=int)
        expert = next((e for e in batch.attendees if e.id == expert_id), None)
        if expert is None:
            flash(_("Please choose a member present at the meeting."), "danger")
            return redirect(url_for(".meeting", pk=pk))
        try:
            meeting.recuse(batch, application, expert, request.form.get("reason", ""))
        except DomainError as error:
            db.session.rollback()
            flash_failure(error)
        else:
            flash(_("The recusal was recorded."), "success")
        return redirect(url_for(".meeting", pk=pk, _anchor=f"candidate-{application.id}"))

    @expose("/meeting/<int:pk>/result/<int:application_id>", methods=["POST"])
    @has_access
    def result(self, pk, application_id):
        batch = self._scoped_item(pk)
        application = self._candidate(batch, application_id)
        event = request.form.get("event", "")
        if event not in MEETING_EVENTS:
            abort(400)
        try:
            engine.apply(application.id, event, g.user, seen_version=request.form.get("version", type=int),
                         reason=request.form.get("reason", ""), ip=client_ip())
        except (DomainError, ValidationFailed) as error:
            db.session.rollback()
            flash_failure(error)
        else:
            flash(_("The meeting result was recorded."), "success")
        return redirect(url_for(".meeting", pk=pk, _anchor=f"candidate-{application.id}"))
