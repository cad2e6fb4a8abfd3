"""继续教育证书打印 for the person, and 继续教育年度认证情况 of the people in a staff member's scope."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.documents import registry
from app.errors import DomainError
from app.extensions import db
from app.models import CeCertificate
from app.scope import clause_for
from app.scope.resolve import current_scope
from app.security import roles as r
from app.services import ce_certificates, dictionaries, excel_export
from app.services.excel_export import Column
from app.services.workdays import local_time, local_today
from app.views import documents, unit_filter
from app.views.base import flash_failure
from app.views.export import request_filters_record
from app.workflow import ce_compliance, ce_reports, stats_cache

PAGE_SIZE = 20
VERDICTS = {"compliant": _l("Requirement met"), "noncompliant": _l("Requirement not met")}


class MyCeCertificateView(BaseView):
    """继续教育证书打印 (seed 002 §3.3.4): each 培训年度 with its 门数, 学时 and verdict; 打印证书 per year."""

    route_base = "/my-ce-certificates"
    class_permission_name = r.MY_CE_CERTIFICATE
    method_permission_name = {"index": "list", "issue": "print", "document": "print"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        rows = ce_certificates.annual_rows(g.user.id)
        return self.render_template("ce/my_certificates.html", title=_("Continuing education certificates"),
                                    rows=rows, hours=_hours,
                                    series_label=lambda code: dictionaries.label("title_series", code))

    @expose("/issue/<int:year>", methods=["POST"])
    @has_access
    def issue(self, year):
        """打印证书: the year's certificate (the earlier one while its figures still hold), then its download."""
        try:
            certificate = ce_certificates.issue(g.user, year, local_today())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash_failure(error)
            return redirect(url_for(".index"))
        wanted = "pdf" if request.form.get("format") == "pdf" else None
        return redirect(url_for(".document", pk=certificate.id, format=wanted))

    @expose("/document/<int:pk>")
    @has_access
    def document(self, pk):
        record = db.session.scalar(select(CeCertificate).where(
            CeCertificate.id == pk, CeCertificate.holder_id == g.user.id, clause_for(CeCertificate)))
        if record is None:
            abort(404)
        return documents.send_docx(registry.CE_CERTIFICATE, registry.ce_certificate_document(record), record)


def _year_arg() -> tuple[int, list[str]]:
    """The 培训年度 asked for; last year when none or a wrong one is given."""
    default = local_today().year - 1
    raw = (request.args.get("year") or "").strip()
    if not raw:
        return default, []
    if raw.isdigit() and 2000 <= int(raw) <= local_today().year:
        return int(raw), []
    return default, [_("%(field)s: enter a year between 2000 and this year; %(year)d is shown.",
                       field=_("Training year"), year=default)]


def _conditions():
    """The report's conditions from the request, the unit choices (None: typed by name), the values to show, and
    the problems with them."""
    year, problems = _year_arg()
    in_reach = ce_reports.units_query(current_scope())
    units = unit_filter.offered(in_reach)
    unit_id, unit_name = unit_filter.chosen(in_reach, problems)
    verdict = request.args.get("verdict") or None
    if verdict and verdict not in VERDICTS:
        problems.append(_("%(field)s: not a valid choice; this condition was ignored.", field=_("Annual verdict")))
        verdict = None
    name = (request.args.get("name") or "").strip()[:50] or None
    filters = {"year": year, "unit": unit_id or "", "unit_name": unit_name, "verdict": verdict or "",
               "name": name or ""}
    return ce_reports.Conditions(year, unit_id, name, verdict), units, filters, problems


def _report(conditions: ce_reports.Conditions):
    return ce_reports.report(current_scope(), conditions.year, unit_id=conditions.unit_id, name=conditions.name,
                             verdict=conditions.verdict)


def _ordered(query):
    columns = query.selected_columns
    return query.order_by(columns.unit_name, columns.last_name, columns.first_name, columns.user_id)


_hours = ce_compliance.hours_text


class CeComplianceView(BaseView):
    """继续教育年度认证情况: for a year, each person of the scope's units with hours by type and 达标/未达标."""

    route_base = "/ce-compliance"
    class_permission_name = r.CE_COMPLIANCE
    method_permission_name = {"index": "list", "export": "export"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        conditions, units, filters, problems = _conditions()
        year = conditions.year
        people, passed = ce_reports.counts(current_scope(), conditions)
        as_of = stats_cache.as_of()
        pages = max((people + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
        query, policies = _report(conditions)
        rows = [ce_reports.to_person_year(row, policies, year) for row in db.session.execute(
            _ordered(query).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))]
        return self.render_template(
            "ce/compliance.html", title=_("Annual continuing education verdicts"), rows=rows, year=year,
            units=units, filters=filters, problems=problems, verdicts=VERDICTS, people=people, passed=passed,
            page=page, pages=pages, page_size=PAGE_SIZE, hours=_hours,
            as_of=local_time(as_of).strftime("%Y-%m-%d %H:%M") if as_of else None,
            refresh_minutes=current_app.config.get("STATS_REFRESH_MINUTES", 30),
        )

    @expose("/export")
    @has_access
    def export(self):
        """导出Excel of the report with the same conditions, every page."""
        conditions, _units, filters, problems = _conditions()
        for message in problems:
            flash(message, "warning")
        people, _passed = ce_reports.counts(current_scope(), conditions)
        try:
            excel_export.check_size(people)
        except excel_export.TooManyRows as error:
            flash(error.message(), "warning")
            return redirect(url_for(".index", **filters))
        query, policies = _report(conditions)
        rows = (ce_reports.to_person_year(row, policies, conditions.year) for row in db.session.execute(
            _ordered(query).execution_options(yield_per=excel_export.BATCH)))
        return excel_export.export(
            title=_("Annual continuing education verdicts"), list_name="CeCompliance.index",
            columns=_export_columns(conditions.year), rows=rows, filters=request_filters_record(), actor=g.user,
            conditions=[f"{_('Training year')}：{conditions.year}"])


def _export_columns(year: int) -> list[Column]:
    def hours_of(kind):
        return lambda p: p.assessment.totals.of(kind)

    def courses_of(kind):
        return lambda p: p.assessment.totals.courses.get(kind, 0)

    return [
        Column(_("Training year"), lambda p: year),
        Column(_("Name"), lambda p: p.name),
        Column(_("ID number"), lambda p: p.id_number),
        Column(_("Unit"), lambda p: p.unit_name),
        Column(_("Public course count"), courses_of("public")), Column(_("Public hours"), hours_of("public")),
        Column(_("Professional course count"), courses_of("professional")),
        Column(_("Professional hours"), hours_of("professional")),
        Column(_("Elective course count"), courses_of("elective")), Column(_("Elective hours"), hours_of("elective")),
        Column(_("Total hours"), lambda p: p.assessment.totals.total),
        Column(_("Annual verdict"), lambda p: str(VERDICTS["compliant" if p.assessment.compliant
                                                           else "noncompliant"])),
        Column(_("Shortfalls"), lambda p: "；".join(p.assessment.shortfalls)),
    ]
