"""The applicant's title businesses: 业务办理查询, 办理事项跟踪, the detail page and its actions (seed 001 §3.4.7, §4.1)."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import (
    APP_STATE_LABELS, BUSINESS_TYPE_LABELS, FINAL_STATES, AppState, Application, BusinessType,
)
from app.scope import clause_for
from app.security import roles as r
from app.services import applicant_home, dictionaries, excel_export
from app.services.excel_export import Column
from app.services.audit import client_ip
from app.services.workdays import local_today
from app.views import application_display as shown
from app.views import application_documents
from app.views.application_fields import handling_org, wizard_steps
from app.views.export import request_filters_record
from app.views.flow_chart import chart_markup
from app.workflow import engine, tick
from app.workflow.forms import WITH_MATERIALS, WITH_RECORDS

PAGE_SIZE = 20
TRACKING_LIMIT = 100
EDITABLE = (AppState.draft, AppState.returned)


def owned(pk: int) -> Application:
    """One of the current user's own applications, through the scope clause; 404 for anything else."""
    application = db.session.scalar(
        select(Application).where(Application.id == pk, Application.user_id == g.user.id, clause_for(Application))
    )
    if application is None:
        abort(404)
    tick.catch_up(application)  # time-driven transitions are applied when an application is read
    return application


def passed_message() -> str:
    return _("Your application passed the automatic check; please wait for the manual review.")


def apply_event(application: Application, event: str, version: int | None) -> list[str] | None:
    """Fire an applicant's event; None when it ran, else the messages refusing it (nothing changed)."""
    try:
        engine.apply(application.id, event, g.user, seen_version=version if version is not None else -1,
                     ip=client_ip())
    except engine.AlreadyHandled as error:
        db.session.rollback()
        return [str(error)]
    except ValidationFailed as failure:
        db.session.rollback()
        return [message for messages in failure.errors.values() for message in messages]
    except DomainError as error:
        db.session.rollback()
        return [str(error)]
    return None


def return_notice(application: Application) -> dict | None:
    """The reason, per-section comments and deadline of the return the applicant is answering."""
    event = shown.last_return(application)
    if event is None:
        return None
    labels = dict(shown.sections(application))
    return {
        "reason": event.reason or "", "comments": dict(event.section_comments or {}),
        "listed": [(labels.get(code, code), text) for code, text in (event.section_comments or {}).items()],
        "deadline": application.correction_deadline, "at": event.at,
        "by": event.actor_org.name if event.actor_org else "",
    }


def _title_label(code: str | None) -> str:
    return dictionaries.label("title", code)


def _date_arg(name: str, problems: list[str]) -> dt.date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(_("%(field)s: not a valid date (use YYYY-MM-DD); this condition was ignored.",
                          field=_("Submitted from") if name == "date_from" else _("Submitted until")))
        return None


def _enum_arg(name: str, enum, problems: list[str]):
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return enum(raw)
    except ValueError:
        problems.append(_("%(field)s: not a valid choice; this condition was ignored.",
                          field=_("Business") if name == "type" else _("State")))
        return None


def _query_of_request():
    """业务办理查询's query from the request's conditions (own rows, through the scope), and the ignored ones."""
    problems: list[str] = []
    kind = _enum_arg("type", BusinessType, problems)
    state = _enum_arg("state", AppState, problems)
    date_from, date_to = _date_arg("date_from", problems), _date_arg("date_to", problems)
    if date_from and date_to and date_from > date_to:
        problems.append(_("The start date is after the end date; the dates were ignored."))
        date_from = date_to = None
    query = applicant_home.own(select(Application).where(Application.user_id == g.user.id, clause_for(Application)))
    if kind is not None:
        query = query.where(Application.business_type == kind)
    if state is not None:
        query = query.where(Application.state == state)
    if date_from is not None:
        query = query.where(Application.submitted_at >= dt.datetime.combine(date_from, dt.time.min))
    if date_to is not None:
        query = query.where(Application.submitted_at < dt.datetime.combine(date_to + dt.timedelta(days=1),
                                                                              dt.time.min))
    return query, problems


QUERY_COLUMNS = (
    (_l("Business"), lambda a: BUSINESS_TYPE_LABELS[a.business_type]),
    (_l("Title applied for"), lambda a: _title_label(a.title)),
    (_l("State"), lambda a: APP_STATE_LABELS[a.state]),
    (_l("Submitted at"), lambda a: a.submitted_at),
    (_l("Handled now by"), handling_org),
)


class ApplicationView(BaseView):
    """/applications/: the applicant's own applications — query, tracking, detail and actions."""

    route_base = "/applications"
    class_permission_name = r.APPLICATION
    method_permission_name = {"index": "read", "tracking": "read", "show": "read", "document": "read",
                              "archived_document": "read", "act": "write", "export": "export"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        """业务办理查询: every application of the user, filtered by type, state and submitted dates."""
        query, problems = _query_of_request()
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
        rows = list(db.session.scalars(query.order_by(Application.id.desc()).offset((page - 1) * PAGE_SIZE)
                                       .limit(PAGE_SIZE)))
        filters = {name: request.args.get(name, "") for name in ("type", "state", "date_from", "date_to")}
        return self.render_template(
            "applications/query.html", title=_("Business query"), rows=rows, total=total, page=page, pages=pages,
            problems=problems, filters=filters, kinds=BUSINESS_TYPE_LABELS, states=APP_STATE_LABELS,
            handling_org=handling_org, title_label=_title_label, page_size=PAGE_SIZE,
        )

    @expose("/export")
    @has_access
    def export(self):
        """导出Excel of 业务办理查询: the same conditions as the page, every page, newest first."""
        query, problems = _query_of_request()
        for message in problems:
            flash(message, "warning")
        try:
            excel_export.check_size(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
        except excel_export.TooManyRows as error:
            flash(error.message(), "warning")
            return redirect(url_for(".index", **request.args))
        rows = db.session.scalars(query.order_by(Application.id.desc())
                                  .options(selectinload(Application.unit), selectinload(Application.supervisor),
                                           selectinload(Application.committee), selectinload(Application.authority))
                                  .execution_options(yield_per=excel_export.BATCH))
        return excel_export.export(
            title=_("Business query"), list_name="Application.query",
            columns=[Column(str(label), value) for label, value in QUERY_COLUMNS], rows=rows,
            filters=request_filters_record(), actor=g.user)

    @expose("/tracking")
    @has_access
    def tracking(self):
        """办理事项跟踪: the user's open applications and drafts, the returned ones first."""
        rows = list(db.session.scalars(applicant_home.own(
            select(Application).where(Application.user_id == g.user.id, clause_for(Application),
                                      Application.state.not_in(FINAL_STATES))
            .order_by(case((Application.state == AppState.returned, 0), else_=1), Application.id.desc())
            .limit(TRACKING_LIMIT)
        )))
        today = local_today()
        for application in rows:
            due = application.correction_deadline if application.state == AppState.returned \
                else application.publicity_until
            if due is not None and due < today:
                tick.catch_up(application)  # a passed deadline or 公示 moves it on before it is shown
        return self.render_template(
            "applications/tracking.html", title=_("Business tracking"), rows=rows, states=APP_STATE_LABELS,
            kinds=BUSINESS_TYPE_LABELS, handling_org=handling_org, final_states=FINAL_STATES,
            title_label=_title_label,
        )

    @expose("/<int:pk>")
    @has_access
    def show(self, pk: int):
        """查看详情: tabs by business type, the return notice, and the applicant's actions."""
        application = owned(pk)
        kind = application.business_type
        return self.render_template(
            "applications/show.html", title=shown.type_label(application), application=application,
            facts=shown.info_facts(application), history=shown.history(application),
            records=shown.record_tables(application) if kind in WITH_RECORDS else None,
            with_materials=kind in WITH_MATERIALS, notice=return_notice(application),
            actions=engine.available(application, g.user), chart=chart_markup(kind),
            state_label=shown.state_label(application.state), handling=handling_org(application),
            wizard=bool(wizard_steps(application)), editable=application.state in EDITABLE,
            documents=application_documents.applicant_panel(application),
        )

    @expose("/<int:pk>/documents/<code>")
    @has_access
    def document(self, pk: int, code: str):
        """生成文书: the draft's preview, or the submitted copy once approved, as a Word file."""
        return application_documents.send_for_applicant(owned(pk), code)

    @expose("/<int:pk>/archive/<int:document_id>")
    @has_access
    def archived_document(self, pk: int, document_id: int):
        """One archived document of an earlier or the latest submission."""
        return application_documents.send_archived(owned(pk), document_id, applicant=True)

    @expose("/<int:pk>/act", methods=["POST"])
    @has_access
    def act(self, pk: int):
        """Fire one of the applicant's transitions (撤回, 结束申请 ...) on the version the page showed."""
        application = owned(pk)
        event = (request.form.get("event") or "").strip()
        problems = apply_event(application, event, request.form.get("version", type=int))
        if problems:
            for message in problems:
                flash(message, "danger")
        else:
            flash({
                "withdraw": _("The application was withdrawn to draft; you may change it and submit it again."),
                "end": _("The application was ended."),
                "submit": passed_message(), "resubmit": passed_message(),
            }.get(event, _("The action was carried out.")), "success")
        return redirect(url_for(".show", pk=application.id))
