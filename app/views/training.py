"""Training class screens (seed 002): the provider's 培训班管理, the person's 培训班报名申请 and 培训班情况查看,
the authority's read-only overview, and the provider's 结业 import for one class.

The rules live in app/workflow/training.py; every lookup by id goes through the scope clause (and, for the
provider's screens, the actor's own provider orgs), so a hand-made id of someone else's row gives 404.
"""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, has_request_context, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.errors import DomainError
from app.extensions import db
from app.models import (
    CLASS_STATUS_LABELS, ENROLMENT_STATUS_LABELS, LEARNING_FORMS, ClassStatus, Enrolment, EnrolmentStatus, Org,
    OrgKind, TrainingClass,
)
from app.scope import clause_for
from app.security import roles as r
from app.services import dictionaries, paging
from app.views.base import flash_failure
from app.views.imports import ImportView
from app.workflow import ce_compliance, training

PAGE_SIZE = 20
ENROLMENT_PAGE_SIZE = 200
FORM_FIELDS = ("name", "course_name", "course_type", "learning_form", "days", "start_date", "hours", "capacity",
               "head_teacher", "teachers", "exam_type", "schedule", "location")
EVENT_LABELS = {
    "publish": lambda: _("Publish the class (accept enrolments)"),
    "close": lambda: _("Close enrolment"),
    "start": lambda: _("Start the class"),
    "finish": lambda: _("Finish the class"),
}


def _page_of(query, order):
    """(rows, total, page, pages) of the requested page of the query."""
    found = paging.page_of(query.order_by(*order), request.args.get("page", 1, type=int), PAGE_SIZE, unique=True)
    return found.rows, found.count, found.page, found.pages


def _parse_date(name: str) -> dt.date | None:
    raw = (request.args.get(name) or "").strip()
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        flash(_("The date filter must be a date like 2026-03-01."), "warning")
        return None


def _labels() -> dict:
    return {
        "course_type": lambda code: dictionaries.label("course_type", code),
        "learning_form": lambda code: dictionaries.label("learning_form", code),
        "class_status": lambda status: str(CLASS_STATUS_LABELS[status]),
        "enrolment_status": lambda status: str(ENROLMENT_STATUS_LABELS[status]),
    }


_hours = ce_compliance.hours_text


def _course_types():
    return dictionaries.choices("course_type")


def _learning_forms():
    return [(code, dictionaries.label("learning_form", code)) for code in LEARNING_FORMS]


# ----- the provider's 培训班管理 -----
def _managed_query():
    return select(TrainingClass).where(
        clause_for(TrainingClass),
        TrainingClass.provider_org_id.in_(sorted(training.provider_org_ids(g.user)) or [0]))


def _managed_class(class_id: int) -> TrainingClass:
    found = db.session.scalar(_managed_query().where(TrainingClass.id == class_id)
                              .options(selectinload(TrainingClass.subjects)))
    if found is None:
        abort(404)
    return found


def _managed_enrolment(enrolment_id: int) -> Enrolment:
    found = db.session.scalar(
        select(Enrolment).join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .where(Enrolment.id == enrolment_id, clause_for(Enrolment),
               TrainingClass.provider_org_id.in_(sorted(training.provider_org_ids(g.user)) or [0])))
    if found is None:
        abort(404)
    return found


class TrainingClassView(BaseView):
    """/training-classes/: the provider's own classes, their subjects, state and enrolments."""

    route_base = "/training-classes"
    class_permission_name = r.TRAINING_CLASS
    method_permission_name = {"index": "list", "show": "show", "add": "add", "edit": "edit", "act": "act",
                              "decide": "decide", "complete_selected": "decide"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        rows, total, page, pages = _page_of(_managed_query(), (TrainingClass.start_date.desc(),
                                                               TrainingClass.id.desc()))
        counts = training.enrolment_counts([row.id for row in rows])
        return self.render_template("training/provider_list.html", title=_("Training class management"),
                                    rows=rows, counts=counts, total=total, page=page, pages=pages,
                                    labels=_labels(), hours=_hours)

    def _form_page(self, training_class, values, subjects, errors=None):
        return self.render_template(
            "training/provider_form.html", title=_("Edit training class") if training_class else _("Add training class"),
            training_class=training_class, values=values, subjects=subjects, errors=errors or {},
            course_types=_course_types(), learning_forms=_learning_forms())

    def _save(self, training_class):
        data = training.ClassInput(
            **{name: request.form.get(name, "") for name in FORM_FIELDS},
            subjects=tuple(request.form.getlist("subject")))
        try:
            saved = training.save_class(training_class.id if training_class else None, g.user, data,
                                        seen_version=request.form.get("version", type=int))
        except training.AlreadyHandled as stale:
            flash(str(stale), "warning")
            return redirect(url_for(".show", class_id=training_class.id))
        except DomainError as error:
            db.session.rollback()
            flash_failure(error)
            errors = getattr(error, "errors", {})
            values = {name: request.form.get(name, "") for name in FORM_FIELDS}
            return self._form_page(training_class, values, list(data.subjects), errors), 400
        flash(_("The training class was saved."), "success")
        return redirect(url_for(".show", class_id=saved.id))

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        if not training.provider_org_ids(g.user):
            abort(404)
        if request.method == "POST":
            return self._save(None)
        return self._form_page(None, {"learning_form": "face_to_face"}, [""])

    @expose("/<int:class_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, class_id):
        training_class = _managed_class(class_id)
        if training_class.status != ClassStatus.draft:
            flash(_("A training class can be edited only while it is unpublished."), "warning")
            return redirect(url_for(".show", class_id=class_id))
        if request.method == "POST":
            return self._save(training_class)
        values = {name: getattr(training_class, name) for name in FORM_FIELDS}
        values["hours"] = _hours(training_class.hours)
        values["start_date"] = training_class.start_date.isoformat()
        return self._form_page(training_class, values, [s.name for s in training_class.subjects] or [""])

    @expose("/<int:class_id>")
    @has_access
    def show(self, class_id):
        training_class = _managed_class(class_id)
        status = request.args.get("status", "")
        query = (select(Enrolment).where(Enrolment.class_id == class_id, clause_for(Enrolment))
                 .options(joinedload(Enrolment.user)).order_by(Enrolment.enrolled_at, Enrolment.id))
        if status in EnrolmentStatus.__members__:
            query = query.where(Enrolment.status == EnrolmentStatus[status])
        enrolments = list(db.session.scalars(query.limit(ENROLMENT_PAGE_SIZE)).unique())
        return self.render_template(
            "training/provider_show.html", title=training_class.name, c=training_class, enrolments=enrolments,
            events=[(event, EVENT_LABELS[event]()) for event in training.class_events(training_class)],
            labels=_labels(), hours=_hours, status_filter=status, enrolment_statuses=ENROLMENT_STATUS_LABELS,
            can_complete=training_class.status in (ClassStatus.started, ClassStatus.finished),
            can_decide=training_class.status in (ClassStatus.open, ClassStatus.closed),
            limit=ENROLMENT_PAGE_SIZE)

    @expose("/<int:class_id>/act", methods=["POST"])
    @has_access
    def act(self, class_id):
        training_class = _managed_class(class_id)
        event = request.form.get("event", "")
        try:
            training.change_class(training_class.id, event, g.user, request.form.get("version", type=int))
        except DomainError as error:
            db.session.rollback()
            flash_failure(error)
        else:
            flash(_("The class is now %(status)s.", status=training_class.status_label), "success")
        return redirect(url_for(".show", class_id=class_id))

    @expose("/enrolments/<int:enrolment_id>/decide", methods=["POST"])
    @has_access
    def decide(self, enrolment_id):
        enrolment = _managed_enrolment(enrolment_id)
        class_id = enrolment.class_id
        action = request.form.get("action", "")
        version = request.form.get("version", type=int)
        try:
            if action == "confirm":
                training.confirm(enrolment.id, g.user, version)
                flash(_("The enrolment was confirmed."), "success")
            elif action == "reject":
                training.reject(enrolment.id, g.user, request.form.get("reason", ""), version)
                flash(_("The enrolment was refused."), "success")
            elif action == "complete":
                training.complete(enrolment.id, g.user, version)
                flash(_("The learner completed the class; the hours were recorded."), "success")
            else:
                flash(_("Unknown operation."), "danger")
        except DomainError as error:
            db.session.rollback()
            flash_failure(error)
        return redirect(url_for(".show", class_id=class_id))

    @expose("/<int:class_id>/complete", methods=["POST"])
    @has_access
    def complete_selected(self, class_id):
        training_class = _managed_class(class_id)
        ids = [int(value) for value in request.form.getlist("enrolment") if value.isdigit()]
        allowed = set(db.session.scalars(select(Enrolment.id).where(
            Enrolment.class_id == training_class.id, Enrolment.id.in_(ids or [0]), clause_for(Enrolment))))
        try:
            if set(ids) - allowed:
                raise DomainError(_("The enrolment does not exist."))
            count = training.complete_many(ids, g.user)
        except DomainError as error:
            db.session.rollback()
            flash_failure(error)
        else:
            flash(_("%(count)d learners completed the class; their hours were recorded.", count=count), "success")
        return redirect(url_for(".show", class_id=class_id))


# ----- the person's 培训班报名申请 and 培训班情况查看 -----
def _catalogue_query():
    query = (select(TrainingClass).where(clause_for(TrainingClass), TrainingClass.status != ClassStatus.draft)
             .options(joinedload(TrainingClass.provider)))
    course_type = request.args.get("course_type", "")
    if course_type:
        query = query.where(TrainingClass.course_type == course_type)
    provider = request.args.get("provider", type=int)
    if provider:
        query = query.where(TrainingClass.provider_org_id == provider)
    status = request.args.get("status", "")
    if status in ClassStatus.__members__:
        query = query.where(TrainingClass.status == ClassStatus[status])
    date_from, date_to = _parse_date("date_from"), _parse_date("date_to")
    if date_from:
        query = query.where(TrainingClass.start_date >= date_from)
    if date_to:
        query = query.where(TrainingClass.start_date <= date_to)
    return query


def _providers():
    return list(db.session.execute(select(Org.id, Org.name).where(Org.kind == OrgKind.provider).order_by(Org.name)
                                   .limit(500)))


class ClassCatalogueView(BaseView):
    """/classes/: published classes, newest first; 查看/报名."""

    route_base = "/classes"
    class_permission_name = r.CLASS_CATALOGUE
    method_permission_name = {"index": "list", "show": "show", "enrol": "enrol"}
    default_view = "index"
    list_template = "training/catalogue_list.html"
    show_endpoint = ".show"

    def _query(self):
        return _catalogue_query()

    @expose("/")
    @has_access
    def index(self):
        order = (TrainingClass.status, TrainingClass.start_date.desc(), TrainingClass.id.desc())
        rows, total, page, pages = _page_of(self._query(), order)
        counts = training.enrolment_counts([row.id for row in rows])
        filters = {name: request.args.get(name, "") for name in ("course_type", "provider", "status", "date_from",
                                                                 "date_to")}
        return self.render_template(
            self.list_template, title=self._title(), rows=rows, counts=counts, total=total, page=page, pages=pages,
            filters=filters, course_types=_course_types(), providers=_providers(), labels=_labels(), hours=_hours,
            statuses=[(s.name, CLASS_STATUS_LABELS[s]) for s in ClassStatus if s != ClassStatus.draft],
            mine=self._mine([row.id for row in rows]), can_enrol=self.can_enrol)

    def _title(self):
        return _("Training class enrolment")

    def _mine(self, class_ids):
        if not class_ids:
            return {}
        return {row.class_id: row for row in db.session.scalars(select(Enrolment).where(
            Enrolment.user_id == g.user.id, Enrolment.class_id.in_(class_ids),
            Enrolment.status.in_((EnrolmentStatus.pending, EnrolmentStatus.confirmed))))}

    def _class(self, class_id):
        found = db.session.scalar(self._query().where(TrainingClass.id == class_id)
                                  .options(selectinload(TrainingClass.subjects)))
        if found is None:
            abort(404)
        return found

    @expose("/<int:class_id>")
    @has_access
    def show(self, class_id):
        training_class = self._class(class_id)
        mine = training.live_enrolment(class_id, g.user.id)
        counts = training.enrolment_counts([class_id])
        return self.render_template(
            "training/catalogue_show.html", title=training_class.name, c=training_class, mine=mine,
            enrolled=counts.get(class_id, 0), labels=_labels(), hours=_hours, can_enrol=self.can_enrol)

    can_enrol = True

    @expose("/<int:class_id>/enrol", methods=["POST"])
    @has_access
    def enrol(self, class_id):
        training_class = self._class(class_id)
        try:
            training.enrol(training_class.id, g.user)
        except DomainError as error:
            db.session.rollback()
            flash_failure(error)
            return redirect(url_for(".show", class_id=class_id))
        flash(_("You have enrolled; the provider will confirm the enrolment."), "success")
        return redirect(url_for("MyEnrolmentView.index"))


class ClassOverviewView(ClassCatalogueView):
    """/class-overview/: the authority's read-only list of the classes of providers in its region."""

    route_base = "/class-overview"
    class_permission_name = r.CLASS_OVERVIEW
    method_permission_name = {"index": "list", "show": "show"}
    exclude_route_methods = {"enrol"}  # the overview never enrols
    can_enrol = False

    def _query(self):
        return _catalogue_query().where(TrainingClass.provider_org_id.in_(
            select(Org.id).where(clause_for(Org))))

    def _title(self):
        return _("Training class overview")

    def _mine(self, class_ids):
        return {}


class MyEnrolmentView(BaseView):
    """/my-enrolments/: 培训班情况查看, the person's enrolments with 取消报名."""

    route_base = "/my-enrolments"
    class_permission_name = r.MY_ENROLMENT
    method_permission_name = {"index": "list", "cancel": "cancel"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        query = (select(Enrolment).where(Enrolment.user_id == g.user.id, clause_for(Enrolment))
                 .options(joinedload(Enrolment.training_class).joinedload(TrainingClass.provider)))
        rows, total, page, pages = _page_of(query, (Enrolment.enrolled_at.desc(), Enrolment.id.desc()))
        return self.render_template("training/my_enrolments.html", title=_("My training classes"), rows=rows,
                                    total=total, page=page, pages=pages, labels=_labels(), hours=_hours,
                                    started=(ClassStatus.started, ClassStatus.finished))

    @expose("/<int:enrolment_id>/cancel", methods=["POST"])
    @has_access
    def cancel(self, enrolment_id):
        enrolment = db.session.scalar(select(Enrolment).where(
            Enrolment.id == enrolment_id, Enrolment.user_id == g.user.id, clause_for(Enrolment)))
        if enrolment is None:
            abort(404)
        try:
            training.cancel(enrolment.id, g.user, request.form.get("version", type=int))
        except DomainError as error:
            db.session.rollback()
            flash_failure(error)
        else:
            flash(_("The enrolment was cancelled."), "success")
        return redirect(url_for(".index"))


# ----- the provider's 结业 import of one class -----
class ClassCompletionImportView(ImportView):
    """/training-classes/<id>/completions/: the Excel list (证件号码, 姓名) of the learners who completed."""

    route_base = "/training-classes/<int:class_id>/completions"
    class_permission_name = r.CLASS_COMPLETION_IMPORT
    kind_code = "class-completions"

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint=endpoint, static_folder=static_folder)

        @blueprint.url_value_preprocessor
        def _take_class_id(_endpoint, values):
            g.completion_class_id = (values or {}).pop("class_id", None)

        @blueprint.url_defaults
        def _give_class_id(_endpoint, values):
            if "class_id" not in values and getattr(g, "completion_class_id", None) is not None:
                values["class_id"] = g.completion_class_id

        return blueprint

    @property
    def kind(self):
        from app.services.imports.completions import CompletionImport

        if not has_request_context():
            return None  # FAB inspects the view's attributes when it registers it
        cached = getattr(g, "completion_kind", None)
        if cached is None:
            training_class = _managed_class(getattr(g, "completion_class_id", None) or 0)
            cached = g.completion_kind = CompletionImport(training_class)
        return cached
