"""Excel import screens: template download, upload → dry run, error workbook, all-or-nothing commit.

One view per kind, each with its own permission (can_import); the rules live in app/services/imports and the
services they call.
"""
from __future__ import annotations

import datetime as dt

from flask import Response, abort, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app.security import roles as r
from app.services import audit, imports
from app.services.excel_export import XLSX_MIME, content_disposition
from app.services.imports import FileRejected, staging, workbook
from app.services.workdays import local_time

METHODS = ("index", "template", "upload", "errors", "commit")
SHOWN_ERRORS = 300   # problems listed on the page; the error workbook has every one


def _xlsx(data: bytes, filename: str) -> Response:
    audit.download(f"import:{request.endpoint}", filename)
    response = Response(data, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


class ImportView(BaseView):
    """The pages of one import kind."""

    kind_code = ""
    default_view = "index"
    method_permission_name = {name: "import" for name in METHODS}

    @property
    def kind(self):
        return imports.KINDS[self.kind_code]

    def _page(self, template: str, **context):
        return self.render_template(template, title=str(self.kind.title), kind=self.kind, shown_errors=SHOWN_ERRORS,
                                    **context)

    @expose("/")
    @has_access
    def index(self):
        """What the import does, the template link and the upload form."""
        return self._page("imports/index.html", max_rows=workbook.setting("IMPORT_MAX_ROWS", 5000),
                          max_kb=workbook.setting("IMPORT_MAX_BYTES", 5 * 1024 * 1024) // 1024)

    @expose("/template")
    @has_access
    def template(self):
        """The blank template with its drop-downs and 说明 sheet."""
        return _xlsx(self.kind.template(), f"{self.kind.sheet_title}导入模板.xlsx")

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        """Dry run: validate every row, write nothing, keep the file for the commit or the error workbook."""
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose the Excel file to upload."), "warning")
            return redirect(url_for(".index"))
        limit = workbook.setting("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
        data = upload.stream.read(limit + 1)
        try:
            outcome = imports.run(self.kind, data, g.user, commit=False)
        except FileRejected as rejected:
            flash(rejected.message, "danger")
            return redirect(url_for(".index"))
        token = staging.save(data, user_id=g.user.id, kind=self.kind.code, errors=outcome.errors,
                             rows=len(outcome.rows))
        return self._page("imports/result.html", outcome=outcome, token=token, filename=upload.filename)

    @expose("/errors/<token>")
    @has_access
    def errors(self, token):
        """The rows with an error, as uploaded, with the 错误说明 column."""
        staged = staging.load(token, user_id=g.user.id, kind=self.kind.code)
        if staged is None:
            abort(404)
        data, meta = staged
        if not meta["errors"]:
            abort(404)
        try:
            sheet = self.kind.read(data)
        except FileRejected:
            abort(404)
        content = workbook.error_workbook(self.kind.columns, self.kind.sheet_title, sheet.rows, meta["errors"])
        stamp = local_time(dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%d-%H%M")
        return _xlsx(content, f"{self.kind.sheet_title}导入错误_{stamp}.xlsx")

    @expose("/commit", methods=["POST"])
    @has_access
    def commit(self):
        """Import everything or nothing: every row is validated again in the one transaction that writes them."""
        token = request.form.get("token", "")
        staged = staging.load(token, user_id=g.user.id, kind=self.kind.code)
        if staged is None:
            flash(_("The uploaded file has expired or was already imported; upload it again."), "warning")
            return redirect(url_for(".index"))
        data, _meta = staged
        try:
            outcome = imports.run(self.kind, data, g.user, commit=True)
        except FileRejected as rejected:
            staging.discard(token)
            flash(rejected.message, "danger")
            return redirect(url_for(".index"))
        if not outcome.committed:
            # Something changed since the dry run: show the errors; the file stays for the error workbook.
            staging.save_errors(token, outcome.errors)
            flash(_("Nothing was imported: some rows have errors now."), "danger")
            return self._page("imports/result.html", outcome=outcome, token=token, filename="")
        staging.discard(token)
        # The page holds the initial passwords: no cache may keep a copy.
        response = make_response(self._page("imports/done.html", outcome=outcome))
        response.headers["Cache-Control"] = "no-store"
        return response


class OrgImportView(ImportView):
    route_base = "/imports/orgs"
    class_permission_name = r.ORG_IMPORT
    kind_code = "orgs"


class StaffImportView(ImportView):
    route_base = "/imports/staff"
    class_permission_name = r.STAFF_IMPORT
    kind_code = "staff"


class PersonImportView(ImportView):
    route_base = "/imports/persons"
    class_permission_name = r.PERSON_IMPORT
    kind_code = "persons"


class DictItemImportView(ImportView):
    route_base = "/imports/dict-items"
    class_permission_name = r.DICT_ITEM_IMPORT
    kind_code = "dict-items"
