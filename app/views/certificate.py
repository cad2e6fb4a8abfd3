"""Certificates: the public verification page, the holder's own list and the staff's register."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, no_cache
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, validators

from app.documents import registry
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import CERTIFICATE_STATUS_LABELS, Certificate, CertificateStatus
from app.scope.filters import OwnRowsFilter, ScopeFilter
from app.security import roles as r
from app.services import ce_certificates, certificates, credit, dictionaries
from app.views import documents
from app.views.base import ScopedModelView, flash_failure
from app.views.credit import authority_org
from app.views.fields import dict_formatter, enum_formatter
from app.workflow.ce_compliance import hours_text


class VerifyForm(FlaskForm):
    number = StringField(_l("Certificate number"), validators=[validators.InputRequired(), validators.Length(max=40)])
    code = StringField(_l("Verification code"), validators=[validators.InputRequired(), validators.Length(max=16)])


class CertificateVerifyView(BaseView):
    """证书查验 (no login): number and verification code → validity, the holder's masked name, the title."""

    route_base = "/verify"
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    @no_cache
    def index(self):
        form = VerifyForm()
        result = searched = None
        if form.validate_on_submit():
            searched = True
            result = _title_result(form.number.data, form.code.data) \
                or _ce_result(form.number.data, form.code.data)
        return self.render_template("certificate/verify.html", title=_("Certificate verification"), form=form,
                                    result=result, searched=searched)


def _title_result(number: str, code: str) -> dict | None:
    """What the verification page shows of a title certificate: (label, value) rows, status and validity."""
    certificate = certificates.verify(number, code)
    if certificate is None:
        return None
    return {
        "status": str(CERTIFICATE_STATUS_LABELS[certificate.status]),
        "valid": certificate.status == CertificateStatus.valid,
        "rows": [
            (_("Certificate number"), certificate.number),
            (_("Holder"), certificates.masked_name(certificate.holder_name)),
            (_("Professional series"), dictionaries.label("title_series", certificate.series)),
            (_("Professional title of the certificate"), dictionaries.label("title", certificate.title)),
            (_("Issued on"), certificate.issued_on.isoformat()),
        ],
    }


def _ce_result(number: str, code: str) -> dict | None:
    """The same for a 继续教育证书: the year, its hours and 年度认证情况."""
    certificate = ce_certificates.verify(number, code)
    if certificate is None:
        return None
    return {
        "status": str(CERTIFICATE_STATUS_LABELS[certificate.status]),
        "valid": certificate.status == CertificateStatus.valid,
        "rows": [
            (_("CE certificate number"), certificate.number),
            (_("Holder"), certificates.masked_name(certificate.holder_name)),
            (_("Training year"), str(certificate.year)),
            (_("Total hours"), hours_text(certificate.total_hours)),
            (_("Annual verdict"), _("Requirement met") if certificate.compliant else _("Requirement not met")),
            (_("Issued on"), certificate.issued_on.isoformat()),
        ],
    }


class MyCertificateView(ScopedModelView):
    """我的证书: the holder's certificates with their numbers and verification codes."""

    route_base = "/my-certificates"
    class_permission_name = r.MY_CERTIFICATE
    datamodel = SQLAInterface(Certificate, db.session)
    base_permissions = ["can_list", "can_show"]
    method_permission_name = {"list": "list", "show": "show", "document": "show"}
    base_filters = [["holder_id", OwnRowsFilter, None]]
    exclude_route_methods = {"export"}  # the holder's own page: 导出Excel is for staff lists
    list_title = show_title = _l("My certificates")
    label_columns = {
        "number": _l("Certificate number"), "verification_code": _l("Verification code"),
        "holder_name": _l("Holder"), "holder": _l("Holder"), "specialty": _l("Specialty"),
        "series": _l("Professional series"), "title": _l("Professional title of the certificate"),
        "issued_on": _l("Issued on"), "status": _l("Status"), "original": _l("Replaces certificate"),
        "issuer": _l("Issued by"), "revoked_at": _l("Revoked at"), "revoke_reason": _l("Reason for revocation"),
    }
    list_columns = ["number", "title", "series", "issued_on", "status"]
    show_columns = ["number", "verification_code", "holder_name", "series", "title", "issued_on", "issuer",
                    "status", "original"]
    search_columns = ["number", "issued_on", "status"]
    order_columns = ["issued_on"]
    base_order = ("issued_on", "desc")
    formatters_columns = {
        "status": enum_formatter(CERTIFICATE_STATUS_LABELS),
        "title": dict_formatter("title"),
        "series": dict_formatter("title_series"),
    }
    show_template = "certificate/show.html"

    @expose("/document/<int:pk>")
    @has_access
    def document(self, pk):
        """The certificate as a printable Word form with its verification code."""
        record = self._scoped_item(pk)
        return documents.send_docx(registry.CERTIFICATE, registry.certificate_document(record), record)


class CertificateView(ScopedModelView):
    """证书查询: certificates of the people, committees and authorities in the staff member's scope."""

    route_base = "/certificates"
    class_permission_name = r.CERTIFICATE
    datamodel = SQLAInterface(Certificate, db.session)
    base_permissions = ["can_list", "can_show", "can_export", "can_revoke"]
    method_permission_name = {"list": "list", "show": "show", "export": "export", "revoke": "revoke"}
    list_title = show_title = _l("Certificate register")
    label_columns = MyCertificateView.label_columns | {"committee": _l("Review committee"), "level": _l("Title level")}
    # The verification code stays with the holder, who hands it to whoever checks the certificate.
    list_columns = ["number", "holder_name", "series", "title", "level", "committee", "issuer", "issued_on", "status"]
    show_columns = ["number", "holder_name", "series", "specialty", "title", "level", "committee", "issuer",
                    "issued_on", "status", "original", "revoked_at", "revoke_reason"]
    search_columns = ["number", "holder_name", "series", "title", "issued_on", "status", "committee", "issuer"]
    order_columns = ["number", "issued_on"]
    base_order = ("issued_on", "desc")
    formatters_columns = MyCertificateView.formatters_columns | {
        "level": dict_formatter("title_level"), "specialty": dict_formatter("specialty"),
    }
    search_form_query_rel_fields = {"committee": [["id", ScopeFilter, None]], "issuer": [["id", ScopeFilter, None]]}
    show_template = "certificate/register_show.html"

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return self._show_with(pk)

    @expose("/revoke/<int:pk>", methods=["POST"])
    @has_access
    def revoke(self, pk):
        """撤销 by the authority; for 弄虚作假 the holder also gets a 失信记录 (SPEC §7)."""
        record = self._scoped_item(pk)
        try:
            created = credit.revoke_certificate(record, request.form.get("revoke_reason", ""), g.user,
                                                authority_org(g.user), fraud=request.form.get("fraud") == "y")
            db.session.commit()
        except (DomainError, ValidationFailed) as error:
            db.session.rollback()
            flash_failure(error)
        else:
            flash(_("The certificate has been revoked.") if created is None else
                  _("The certificate has been revoked and a breach-of-trust record created."), "success")
        return redirect(url_for(".show", pk=pk))
