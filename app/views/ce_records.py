"""继续教育记录申报 (the applicant's CE claims) and 继续教育学时审核 (the unit's review of them); rules in ce_claims."""
from __future__ import annotations

import io

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import CE_RECORD_STATUS_LABELS, AppUser, CeRecord, CeRecordStatus
from app.scope import clause_for
from app.security import roles as r
from app.services import attachments, audit, dictionaries
from app.workflow import ce_claims
from app.workflow.ce_compliance import hours_text

PAGE_SIZE = 20
REVIEWED = (CeRecordStatus.approved, CeRecordStatus.returned, CeRecordStatus.rejected)


def status_label(record: CeRecord) -> str:
    return str(CE_RECORD_STATUS_LABELS[record.status])


def _template_helpers() -> dict:
    return dict(status_label=status_label, hours_text=hours_text, course_type_label=lambda code: dictionaries.label(
        "course_type", code), learning_form_label=lambda code: dictionaries.label("learning_form", code),
        action_label=ce_claims.action_label, status_labels=CE_RECORD_STATUS_LABELS,
        course_types=dictionaries.choices("course_type"), page_size=PAGE_SIZE)


def _paginate(query, order):
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = list(db.session.scalars(query.order_by(*order).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return rows, total, page, pages


def _scoped_record(record_id: int, *, own: bool) -> CeRecord:
    """A CE record in the user's scope (own rows only when `own`), or 404."""
    query = select(CeRecord).where(CeRecord.id == record_id, clause_for(CeRecord))
    if own:
        query = query.where(CeRecord.user_id == g.user.id)
    record = db.session.scalar(query)
    if record is None:
        abort(404)
    return record


def _send_attachment(record: CeRecord):
    if not ce_claims.may_download(record, g.user):
        abort(404)
    attachment = ce_claims.attachment_of(record)
    if attachment is None:
        abort(404)
    try:
        data = attachments.read(attachment)
    except FileNotFoundError:
        abort(404)
    audit.download(attachment, f"ce_record:{record.id} {attachment.original_name}")
    return send_file(io.BytesIO(data), mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.original_name, max_age=0)


def _version() -> int | None:
    return request.form.get("version", type=int)


class CeRecordView(BaseView):
    """继续教育记录申报: the person's claims (and the hours their training classes recorded)."""

    route_base = "/ce-records"
    class_permission_name = r.CE_RECORD
    method_permission_name = {
        "index": "read", "show": "read", "download": "read",
        "add": "write", "edit": "write", "delete": "write", "submit": "write", "attach": "write",
    }
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        filters = {name: (request.args.get(name) or "").strip()[:100] for name in ("name", "course_type", "status")}
        query = select(CeRecord).where(CeRecord.user_id == g.user.id, clause_for(CeRecord))
        if filters["name"]:
            query = query.where(CeRecord.course_name.contains(filters["name"], autoescape=True))
        if filters["course_type"]:
            query = query.where(CeRecord.course_type == filters["course_type"])
        if filters["status"]:
            try:
                query = query.where(CeRecord.status == CeRecordStatus(filters["status"]))
            except ValueError:
                flash(_("The review status searched for is unknown and was ignored."), "warning")
                filters["status"] = ""
        rows, total, page, pages = _paginate(query, (CeRecord.end_date.desc(), CeRecord.id.desc()))
        return self.render_template(
            "ce/records.html", title=_("Continuing-education record claims"), rows=rows, total=total, page=page,
            pages=pages, filters=filters, **_template_helpers())

    def _form_page(self, record: CeRecord | None, values: dict, errors: dict):
        return self.render_template(
            "ce/record_form.html", title=_("Edit a continuing-education record") if record else
            _("Add a continuing-education record"), record=record, values=values, errors=errors,
            learning_forms=dictionaries.choices("learning_form"), **_template_helpers())

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        if request.method == "GET":
            return self._form_page(None, {}, {})
        values = {name: request.form.get(name, "") for name in ce_claims.FIELDS}
        try:
            record = ce_claims.save_draft(None, g.user, values, upload=request.files.get("attachment"))
        except ValidationFailed as failure:
            return self._form_page(None, values, failure.errors)
        except DomainError as error:
            flash(str(error), "danger")
            return self._form_page(None, values, {})
        flash(_("The record was saved as a draft; upload the attachment and send it for review."), "success")
        return redirect(url_for(".show", record_id=record.id))

    @expose("/edit/<int:record_id>", methods=["GET", "POST"])
    @has_access
    def edit(self, record_id: int):
        record = _scoped_record(record_id, own=True)
        if not ce_claims.is_editable(record):
            flash(_("Only a draft or a returned record can be changed."), "warning")
            return redirect(url_for(".show", record_id=record.id))
        if request.method == "GET":
            values = {name: getattr(record, name) for name in ce_claims.FIELDS}
            values["claimed_hours"] = hours_text(record.claimed_hours)
            return self._form_page(record, values, {})
        values = {name: request.form.get(name, "") for name in ce_claims.FIELDS}
        try:
            ce_claims.save_draft(record, g.user, values, upload=request.files.get("attachment"),
                                 seen_version=_version())
        except ValidationFailed as failure:
            db.session.expire_all()
            return self._form_page(db.session.get(CeRecord, record_id), values, failure.errors)
        except DomainError as error:
            flash(str(error), "danger")
            return redirect(url_for(".show", record_id=record_id))
        flash(_("The record was saved."), "success")
        return redirect(url_for(".show", record_id=record_id))

    @expose("/delete/<int:record_id>", methods=["POST"])
    @has_access
    def delete(self, record_id: int):
        record = _scoped_record(record_id, own=True)
        try:
            ce_claims.delete_draft(record, g.user, _version())
        except DomainError as error:
            flash(str(error), "danger")
            return redirect(url_for(".show", record_id=record_id))
        flash(_("The draft was deleted."), "success")
        return redirect(url_for(".index"))

    @expose("/show/<int:record_id>")
    @has_access
    def show(self, record_id: int):
        record = _scoped_record(record_id, own=True)
        return self.render_template(
            "ce/record_show.html", title=_("Continuing-education record"), record=record,
            attachment=ce_claims.attachment_of(record), history=ce_claims.history(record.id),
            editable=ce_claims.is_editable(record), max_hours=ce_claims.max_hours_of(record),
            **_template_helpers())

    @expose("/attach/<int:record_id>", methods=["POST"])
    @has_access
    def attach(self, record_id: int):
        record = _scoped_record(record_id, own=True)
        try:
            ce_claims.attach(record, g.user, request.files.get("attachment"), _version())
        except (ValidationFailed, DomainError) as error:
            _flash(error)
        else:
            flash(_("The attachment was uploaded."), "success")
        return redirect(url_for(".show", record_id=record_id))

    @expose("/submit/<int:record_id>", methods=["POST"])
    @has_access
    def submit(self, record_id: int):
        record = _scoped_record(record_id, own=True)
        try:
            ce_claims.submit(record, g.user, _version() or 0)
        except (ValidationFailed, DomainError) as error:
            _flash(error)
        else:
            flash(_("The record was sent to your unit for review."), "success")
        return redirect(url_for(".show", record_id=record_id))

    @expose("/file/<int:record_id>")
    @has_access
    def download(self, record_id: int):
        return _send_attachment(_scoped_record(record_id, own=True))


def _flash(error: Exception) -> None:
    if isinstance(error, ValidationFailed):
        for messages in error.errors.values():
            for message in messages:
                flash(message, "danger")
    else:
        flash(str(error), "danger")


class CeReviewView(BaseView):
    """继续教育学时审核: the records sent to the reviewer's units; supervisors and the authority read only."""

    route_base = "/ce-review"
    class_permission_name = r.CE_REVIEW
    method_permission_name = {"index": "list", "show": "show", "download": "show", "decide": "decide"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        filters = {name: (request.args.get(name) or "").strip()[:100]
                   for name in ("tab", "name", "course_type", "year")}
        tab = filters["tab"] if filters["tab"] in ("todo", "done", "all") else "todo"
        filters["tab"] = tab
        query = (select(CeRecord).join(AppUser, AppUser.id == CeRecord.user_id)
                 .where(clause_for(CeRecord), CeRecord.user_id != g.user.id, CeRecord.unit_id.is_not(None))
                 .options(joinedload(CeRecord.user), joinedload(CeRecord.unit)))
        if tab == "todo":
            query = query.where(CeRecord.status == CeRecordStatus.submitted)
        elif tab == "done":
            query = query.where(CeRecord.status.in_(REVIEWED))
        if filters["name"]:
            text = filters["name"]
            query = query.where(CeRecord.course_name.contains(text, autoescape=True)
                                | (func.coalesce(AppUser.last_name, "") + func.coalesce(AppUser.first_name, ""))
                                .contains(text, autoescape=True))
        if filters["course_type"]:
            query = query.where(CeRecord.course_type == filters["course_type"])
        if filters["year"]:
            if filters["year"].isdigit():
                query = query.where(CeRecord.year == int(filters["year"]))
            else:
                flash(_("The year must be a number such as 2025; it was ignored."), "warning")
                filters["year"] = ""
        order = (CeRecord.submitted_at.asc(), CeRecord.id) if tab == "todo" else \
            (CeRecord.reviewed_at.desc(), CeRecord.id.desc())
        rows, total, page, pages = _paginate(query, order)
        return self.render_template(
            "ce/review_list.html", title=_("Continuing-education hours review"), rows=rows, total=total,
            page=page, pages=pages, filters=filters, tab=tab, **_template_helpers())

    @expose("/show/<int:record_id>")
    @has_access
    def show(self, record_id: int):
        record = _scoped_record(record_id, own=False)
        if record.unit_id is None:
            abort(404)
        return self.render_template(
            "ce/review_show.html", title=_("Continuing-education hours review"), record=record,
            attachment=ce_claims.attachment_of(record), history=ce_claims.history(record.id),
            may_decide=ce_claims.may_decide(record, g.user),
            may_download=ce_claims.may_download(record, g.user), max_hours=ce_claims.max_hours_of(record),
            form=request.args, **_template_helpers())

    @expose("/decide/<int:record_id>", methods=["POST"])
    @has_access
    def decide(self, record_id: int):
        record = _scoped_record(record_id, own=False)
        verdict = request.form.get("verdict", "")
        comment = request.form.get("comment", "")
        version = _version()
        try:
            if verdict == "approve":
                ce_claims.approve(record, g.user, request.form.get("recognised_hours", ""), comment, version)
            elif verdict == "return":
                ce_claims.return_(record, g.user, comment, version)
            elif verdict == "reject":
                ce_claims.reject(record, g.user, comment, version)
            else:
                raise ValidationFailed({"verdict": [_("Choose approve, return or not approved.")]})
        except (ValidationFailed, DomainError) as error:
            _flash(error)
            return redirect(url_for(".show", record_id=record_id))
        flash(_("Your decision was recorded."), "success")
        return redirect(url_for(".index"))

    @expose("/file/<int:record_id>")
    @has_access
    def download(self, record_id: int):
        return _send_attachment(_scoped_record(record_id, own=False))
