"""Reviewers' back office of the title businesses: 待办 and 已办, the detail page with its actions, 批量通过."""
from __future__ import annotations

from typing import Callable

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import BUSINESS_TYPE_LABELS, AppState, Application, ApplicationEvent, AppUser, BasicInfo, BusinessType, Org
from app.scope import clause_for, current_scope
from app.security import roles as r
from app.services import dictionaries, excel_export
from app.services.excel_export import Column
from app.services.audit import client_ip
from app.services.workdays import local_today
from app.views import application_display as shown
from app.views import application_documents
from app.views.export import request_filters_record
from app.views.flow_chart import chart_markup
from app.views.profile_display import basic_facts
from app.workflow import engine, inbox, objections, snapshots, tick
from app.workflow.forms import WITH_MATERIALS, WITH_RECORDS

MAX_BULK = 100
PUBLICITY_STATES = (AppState.unit_publicity, AppState.result_publicity)


def masked_id(number: str | None) -> str:
    """An ID number with its middle hidden, as lists show it."""
    if not number:
        return ""
    if len(number) > 10:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    return number[:1] + "*" * max(len(number) - 2, 1) + number[-1:]


def applied_for(application: Application) -> str:
    """Series and title applied for, in words."""
    parts = [dictionaries.label("title_series", application.series), dictionaries.label("title", application.title)]
    return " / ".join(part for part in parts if part)


def _choice(name: str, parse):
    """The request argument `name` parsed by `parse`: (value or None, whether it was given but invalid)."""
    raw = request.args.get(name) or ""
    if not raw:
        return None, False
    try:
        return parse(raw), False
    except ValueError:
        return None, True


def _series(raw: str) -> str:
    if not dictionaries.is_valid_code("title_series", raw):
        raise ValueError(raw)
    return raw


def _filters() -> inbox.Filters:
    """The list filters of the request; a value that is not a valid choice is ignored with a warning."""
    (kind, bad_type), (series, bad_series), (state, bad_state) = (
        _choice("type", BusinessType), _choice("series", _series), _choice("state", AppState))
    if bad_type or bad_series or bad_state:
        flash(_("The search conditions are invalid and were ignored."), "warning")
    return inbox.Filters(business_type=kind, series=series, search=(request.args.get("q") or "")[:inbox.MAX_SEARCH],
                         state=state)


# An export reads plain rows, not mapped objects: building an application, its person and its unit for each of
# 100,000 rows cost a third of the export's time. These are the fields its columns show.
EXPORT_FIELDS = (
    Application.business_type, Application.series, Application.title, Application.state, Application.submitted_at,
    Application.state_entered_at, Application.publicity_until,
)


def export_rows(query: Select, *fields) -> Select:
    """`query` (rows of Application, filters and order kept) giving EXPORT_FIELDS, the person's name and ID number,
    the unit's name and `fields`, for the columns below."""
    person, unit = aliased(AppUser), aliased(Org)  # aliases: the filters' own subqueries on ab_user stay apart
    return (query.with_only_columns(*EXPORT_FIELDS, person.last_name, person.first_name, person.id_number,
                                    unit.name.label("unit_name"), *fields)
            .join(person, person.id == Application.user_id).outerjoin(unit, unit.id == Application.unit_id))


def _publicity_until(row):
    return row.publicity_until if row.state in PUBLICITY_STATES else None


def _remembered(label_of: Callable, key_of: Callable) -> Callable:
    """`label_of(row)` worked out once per distinct `key_of(row)`: an export of 100,000 rows holds a handful of
    states, businesses and titles, and each label is a translation or dictionary lookup."""
    known: dict = {}

    def label(row):
        key = key_of(row)
        if key not in known:
            known[key] = label_of(row)
        return known[key]

    return label


def _state_column(header) -> Column:
    return Column(header, _remembered(lambda row: shown.state_label(row.state), lambda row: row.state))


def _applicant_columns() -> list[Column]:
    """The columns every export starts with, as the pages show them (the ID number masked)."""
    return [
        Column(_("Applicant name"), lambda row: f"{row.last_name}{row.first_name}"),
        Column(_("ID number"), lambda row: masked_id(row.id_number)),
        Column(_("Personnel management unit"), lambda row: row.unit_name or ""),
        Column(_("Business type"), _remembered(shown.type_label, lambda row: row.business_type)),
        Column(_("Series and title applied for"), _remembered(applied_for, lambda row: (row.series, row.title))),
    ]


def todo_columns() -> list[Column]:
    """The 待办 page's columns (translated when the export runs), over `export_rows`."""
    return _applicant_columns() + [
        _state_column(_("State")),
        Column(_("Arrived at"), lambda row: row.state_entered_at),
        Column(_("Due date"), inbox.due_date),
        Column(_("Publicity until"), _publicity_until),
    ]


def search_columns() -> list[Column]:
    """The 业务查询 page's columns, over `export_rows`."""
    return _applicant_columns() + [
        Column(_("Submitted at"), lambda row: row.submitted_at),
        _state_column(_("Current state")),
    ]


def done_columns() -> list[Column]:
    """The 已办 page's columns, over `export_rows` with the user's last event (DONE_EVENT_FIELDS)."""
    return _applicant_columns() + [
        Column(_("My last action"), lambda row: inbox.event_label(row, row)),
        Column(_("Handled at"), lambda row: row.at),
        _state_column(_("Current state")),
    ]


DONE_EVENT_FIELDS = (ApplicationEvent.event, ApplicationEvent.from_state, ApplicationEvent.at)


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _version(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


class ApplicationReviewView(BaseView):
    """/review/applications/: the reviewers' screens; every state change goes through engine.apply."""

    route_base = "/review/applications"
    class_permission_name = r.APPLICATION_REVIEW
    base_permissions = ["can_list", "can_show", "can_act", "can_export"]
    method_permission_name = {"todo": "list", "done": "list", "search": "list", "show": "show", "document": "show",
                              "archived_document": "show", "act": "act", "bulk": "act", "export_todo": "export",
                              "export_done": "export", "export_search": "export"}
    default_view = "todo"

    def _can_act(self) -> bool:
        return self.appbuilder.sm.has_access("can_act", self.class_permission_name)

    def _scoped(self, pk: int) -> Application:
        """The application if the user's scope reaches it (404 otherwise), with due time-driven steps applied."""
        application = db.session.scalar(select(Application).where(Application.id == pk, clause_for(Application)))
        if application is None:
            abort(404)
        tick.catch_up(application)
        return application

    def _list_context(self) -> dict:
        return dict(
            types=[(kind.value, str(BUSINESS_TYPE_LABELS[kind])) for kind in BusinessType],
            series_choices=dictionaries.choices("title_series"),
            args={key: request.args.get(key, "") for key in ("type", "series", "q", "state")},
            state_label=shown.state_label, type_label=shown.type_label, masked_id=masked_id,
            applied_for=applied_for, can_export=self.appbuilder.sm.has_access("can_export", self.class_permission_name),
        )

    @expose("/todo")
    @has_access
    def todo(self):
        # Time-driven transitions due in this scope (a 公示 over, a deadline passed) happen before the list is read.
        tick.catch_up_where(clause_for(Application))
        page = inbox.todo(g.user, current_scope(), _filters(), _page_number())
        today = local_today()
        rows = [(application, inbox.due_date(application), inbox.approvable(application))
                for application in page.rows]
        return self.render_template(
            "review/todo.html", title=_("Applications to do"), page=page, rows=rows, today=today,
            can_act=self._can_act(), any_approvable=any(row[2] for row in rows),
            publicity_states=PUBLICITY_STATES, **self._list_context(),
        )

    @expose("/done")
    @has_access
    def done(self):
        page = inbox.done(g.user, current_scope(), _filters(), _page_number())
        rows = [(application, event, inbox.event_label(application, event)) for application, event in page.rows]
        return self.render_template(
            "review/done.html", title=_("Applications done"), page=page, rows=rows, **self._list_context(),
        )

    @expose("/search")
    @has_access
    def search(self):
        """业务查询: every application the user's scope reaches, by type, series, state and name or ID number."""
        page = inbox.search(current_scope(), _filters(), _page_number())
        states = [(state.value, shown.state_label(state)) for state in AppState if state != AppState.draft]
        return self.render_template(
            "review/search.html", title=_("Application search"), page=page, states=states,
            count_cap=inbox.SEARCH_COUNT_CAP, **self._list_context(),
        )

    @expose("/search/export")
    @has_access
    def export_search(self):
        """导出Excel of 业务查询 with the page's filters, newest submission first."""
        query, count_query = inbox.search_queries(current_scope(), _filters())
        return self._export(_("Application search"), "search", search_columns(), count_query, lambda: db.session.execute(
            export_rows(query).execution_options(yield_per=excel_export.BATCH)))

    @expose("/todo/export")
    @has_access
    def export_todo(self):
        """导出Excel of 待办: every row the page would list with the same filters, all pages."""
        tick.catch_up_where(clause_for(Application))  # as the page does before listing
        query, count_query = inbox.todo_queries(g.user, current_scope(), _filters())
        return self._export(_("Applications to do"), "todo", todo_columns(), count_query, lambda: db.session.execute(
            export_rows(query).execution_options(yield_per=excel_export.BATCH)))

    @expose("/done/export")
    @has_access
    def export_done(self):
        """导出Excel of 已办, with the page's filters, newest action first."""
        query, count_query = inbox.done_queries(g.user, current_scope(), _filters())
        return self._export(_("Applications done"), "done", done_columns(), count_query, lambda: db.session.execute(
            export_rows(query, *DONE_EVENT_FIELDS).execution_options(yield_per=excel_export.BATCH)))

    def _export(self, title: str, endpoint: str, columns, count_query, rows):
        """Refuse above the cap, else stream `rows()` (opened only then) into the download."""
        try:
            excel_export.check_size(db.session.scalar(count_query) or 0)
        except excel_export.TooManyRows as error:
            flash(error.message(), "warning")
            return redirect(url_for(f".{endpoint}", **request.args))
        return excel_export.export(title=title, list_name=f"ApplicationReview.{endpoint}", columns=columns,
                                   rows=rows(), filters=request_filters_record(), actor=g.user)

    @expose("/<int:pk>")
    @has_access
    def show(self, pk: int):
        application = self._scoped(pk)
        engine.open_for_review(application, g.user)
        return self._render_show(application)

    def _render_show(self, application: Application, typed: dict | None = None):
        basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == application.user_id))
        returned = shown.last_return(application)
        return self.render_template(
            "review/show.html", title=_("Application review"), application=application,
            basic_facts=basic_facts(application.user, basic), info=shown.info_facts(application),
            records=shown.record_tables(application) if application.business_type in WITH_RECORDS else None,
            with_materials=application.business_type in WITH_MATERIALS,
            history=shown.history(application), chart=chart_markup(application.business_type),
            actions=inbox.reviewer_actions(application, g.user) if self._can_act() else [],
            sections=shown.sections(application), comments=returned.section_comments if returned else None,
            state_label=shown.state_label(application.state), type_label=shown.type_label(application),
            applied_for=applied_for(application), due=inbox.due_date(application), today=local_today(),
            publicity=application.state in PUBLICITY_STATES, typed=typed or {}, kinds=inbox.ActionKind,
            objections=objections.of_application(application.id) if self._sees_objections() else [],
            may_record_objection=objections.may_record(application, g.user)
            and self.appbuilder.sm.has_access("can_add", r.OBJECTION),
            documents=application_documents.reviewer_panel(application),
            snapshots=snapshots.of_application(application.id),
            meeting_link=application.batch_id is not None
            and self.appbuilder.sm.has_access("can_meeting", r.REVIEW_BATCH),
        )

    def _sees_objections(self) -> bool:
        return self.appbuilder.sm.has_access("can_list", r.OBJECTION)

    @expose("/<int:pk>/documents/<code>")
    @has_access
    def document(self, pk: int, code: str):
        """The application's forms as submitted (the archived copy of the latest submission)."""
        return application_documents.send_for_reviewer(self._scoped(pk), code)

    @expose("/<int:pk>/archive/<int:document_id>")
    @has_access
    def archived_document(self, pk: int, document_id: int):
        """One archived document of any submission of the application."""
        return application_documents.send_archived(self._scoped(pk), document_id, applicant=False)

    @expose("/<int:pk>/act", methods=["POST"])
    @has_access
    def act(self, pk: int):
        application = self._scoped(pk)
        event = (request.form.get("event") or "").strip()
        reason = (request.form.get("reason") or "").strip()
        comments = {code: request.form.get(f"comment_{code}", "") for code, _label in shown.sections(application)}
        typed = {"event": event, "reason": reason, "comments": comments}
        if inbox.is_applicants_step(application, event):
            abort(403)  # the applicant's own steps are taken on the applicant's screens
        try:
            engine.apply(application.id, event, g.user, seen_version=_version(request.form.get("version")),
                         reason=reason, section_comments=comments, ip=client_ip())
        except engine.AlreadyHandled:
            db.session.rollback()
            flash(_("This application has already been handled by someone else."), "warning")
            return redirect(url_for(".show", pk=application.id))
        except ValidationFailed as failure:
            db.session.rollback()
            for messages in failure.errors.values():
                for message in messages:
                    flash(message, "danger")
            db.session.refresh(application)
            return self._render_show(application, typed)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
            return redirect(url_for(".show", pk=application.id))
        flash(_("Done: %(applicant)s, %(business)s, now %(state)s.", applicant=application.user.full_name,
                business=shown.type_label(application), state=shown.state_label(application.state)), "success")
        return redirect(url_for(".todo"))

    @expose("/bulk", methods=["POST"])
    @has_access
    def bulk(self):
        ids = []
        for raw in request.form.getlist("ids"):
            if raw.isdigit() and int(raw) not in ids:
                ids.append(int(raw))
        if not ids:
            flash(_("No application was selected."), "warning")
            return redirect(url_for(".todo"))
        if len(ids) > MAX_BULK:
            flash(_("At most %(n)d applications can be approved at once.", n=MAX_BULK), "danger")
            return redirect(url_for(".todo"))
        results = [self._approve_one(pk) for pk in ids]
        approved = sum(1 for result in results if result["ok"])
        return self.render_template(
            "review/bulk_result.html", title=_("Bulk approval result"), results=results, approved=approved,
        )

    def _approve_one(self, pk: int) -> dict:
        """批量通过 of one row: its own scoped lookup and its own transaction; a failure stops nothing else."""
        application = db.session.scalar(select(Application).where(Application.id == pk, clause_for(Application)))
        if application is None:
            return {"id": pk, "applicant": "", "business": "", "ok": False,
                    "message": _("Not found, or not yours to handle")}
        row = {"id": pk, "applicant": application.user.full_name, "business": shown.type_label(application)}
        seen = _version(request.form.get(f"version_{pk}"))
        if seen is None:
            return dict(row, ok=False, message=_("The page is out of date; please refresh the list."))
        try:
            tick.catch_up(application)
            engine.apply(pk, "approve", g.user, seen_version=seen, ip=client_ip())
        except engine.AlreadyHandled:
            db.session.rollback()
            return dict(row, ok=False, message=_("This application has already been handled by someone else."))
        except ValidationFailed as failure:
            db.session.rollback()
            return dict(row, ok=False, message="；".join(m for ms in failure.errors.values() for m in ms))
        except DomainError as error:
            db.session.rollback()
            return dict(row, ok=False, message=str(error))
        return dict(row, ok=True, message=_("Approved successfully"))
