"""系统管理 › 文书模板: the administrator replaces the Word template of a document, keeps every version, and
chooses the one in use (or the shipped default). The rules live in app/documents/versions.py."""
from __future__ import annotations

import io

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, TextAreaField, validators

from app.documents import registry, versions
from app.errors import DomainError, ValidationFailed
from app.services import audit
from app.security import roles as r
from app.views.base import attach_errors
from app.views.documents import DOCX


class TemplateUploadForm(FlaskForm):
    file = FileField(_l("Template file (.docx)"),
                     description=_l("Start from the shipped default or the version in use, edit it in Word and keep "
                                    "its placeholders in double braces."))
    note = TextAreaField(_l("Note on this version"), validators=[validators.Optional(), validators.Length(max=500)])
    activate = BooleanField(_l("Use this version at once"), default=True)


def _spec(code: str) -> registry.DocumentSpec:
    spec = registry.by_code(code)
    if spec is None:
        abort(404)
    return spec


class DocumentTemplateView(BaseView):
    """The list of documents with the template in use, and per document its versions and the upload form."""

    route_base = "/document-templates"
    class_permission_name = r.DOCUMENT_TEMPLATE
    method_permission_name = {"index": "read", "show": "read", "default": "read", "download": "read",
                              "upload": "write", "activate": "write"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        chosen = versions.choices()
        counts = versions.version_counts()
        rows = [{"spec": spec, "choice": chosen.get(spec.code), "versions": counts.get(spec.code, 0)}
                for spec in registry.all_specs()]
        return self.render_template("document_templates/index.html", title=_("Document templates"), rows=rows)

    @expose("/<code>/")
    @has_access
    def show(self, code: str):
        return self._page(code)

    def _page(self, code: str, form: TemplateUploadForm | None = None):
        """The versions of one document, newest first, with the upload form (and its errors, after a POST)."""
        spec = _spec(code)
        choice = versions.choices().get(code)
        return self.render_template(
            "document_templates/show.html", title=spec.label, spec=spec, form=form or TemplateUploadForm(),
            history=versions.history(code), active_id=choice.version_id if choice else None, choice=choice,
        )

    @expose("/<code>/default")
    @has_access
    def default(self, code: str):
        """The shipped template, to edit in Word and upload as a new version."""
        spec = _spec(code)
        audit.download(f"document_template:{code}", "default")
        return send_file(registry.shipped_template(spec), mimetype=DOCX, as_attachment=True,
                         download_name=f"{spec.label}（默认模板）.docx")

    @expose("/<code>/versions/<int:version_id>")
    @has_access
    def download(self, code: str, version_id: int):
        _spec(code)
        record = versions.get(code, version_id)
        if record is None:
            abort(404)
        audit.download(record, record.filename)
        return send_file(io.BytesIO(record.content), mimetype=DOCX, as_attachment=True,
                         download_name=f"v{record.version}-{record.filename}")

    @expose("/<code>/upload", methods=["POST"])
    @has_access
    def upload(self, code: str):
        spec = _spec(code)
        form = TemplateUploadForm()
        if not form.validate_on_submit():
            return self._page(code, form)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = [_("Choose a .docx file to upload.")]
            return self._page(code, form)
        try:
            record = versions.upload(code, upload.read(), upload.filename, form.note.data, g.user,
                                     activate=form.activate.data)
        except ValidationFailed as failure:
            attach_errors(form, failure)
            return self._page(code, form)
        except DomainError as exc:
            flash(str(exc), "danger")
            return self._page(code, form)
        if form.activate.data:
            flash(_("Version %(version)s of %(document)s is now in use.", version=record.version,
                    document=spec.label), "success")
        else:
            flash(_("Version %(version)s of %(document)s was checked and stored; it is not in use yet.",
                    version=record.version, document=spec.label), "success")
        return redirect(url_for("DocumentTemplateView.show", code=code))

    @expose("/<code>/activate", methods=["POST"])
    @has_access
    def activate(self, code: str):
        spec = _spec(code)
        form = FlaskForm()
        if not form.validate_on_submit():
            flash(_("The form has expired or was not sent from this site. Please reload the page and try again."),
                  "danger")
            return redirect(url_for("DocumentTemplateView.show", code=code))
        raw = request.form.get("version_id", "")
        if raw == "default":
            version_id = None
        elif raw.isdigit():
            version_id = int(raw)
        else:
            flash(_("Choose the version to use."), "danger")
            return redirect(url_for("DocumentTemplateView.show", code=code))
        try:
            record = versions.activate(code, version_id, g.user)
        except ValidationFailed as failure:
            for messages in failure.errors.values():
                for message in messages:
                    flash(_("This version cannot be used: %(reason)s", reason=message), "danger")
            return redirect(url_for("DocumentTemplateView.show", code=code))
        except DomainError as exc:
            flash(str(exc), "danger")
            return redirect(url_for("DocumentTemplateView.show", code=code))
        if record is None:
            flash(_("The shipped default template of %(document)s is now in use.", document=spec.label), "success")
        else:
            flash(_("Version %(version)s of %(document)s is now in use.", version=record.version,
                    document=spec.label), "success")
        return redirect(url_for("DocumentTemplateView.show", code=code))
