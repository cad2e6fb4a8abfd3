"""Which documents exist, which businesses offer them, and how one is rendered from its shipped template."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from docxtpl import DocxTemplate
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.documents import contexts, versions
from app.extensions import db
from app.models import (
    AppState, Application, BasicInfo, BusinessType, CeCertificate, Certificate, Education, Org, OrgKind, ReviewBatch, WorkExperience,
)
from app.services.workdays import local_today
from app.workflow import ce_compliance, meeting
from app.workflow.forms import WITH_MATERIALS, WITH_RECORDS

TEMPLATES = Path(__file__).resolve().parent / "templates"
# A candidate the meeting passed is in one of these states (a later 终止 after an objection removes them from the list).
PASSED_MEETING = (AppState.result_publicity, AppState.authority_confirm, AppState.completed)


@dataclass(frozen=True)
class DocumentSpec:
    code: str
    label: object
    template: str
    types: tuple[BusinessType, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.label}.docx"


MATERIAL_LIST = DocumentSpec("material_list", _l("List of materials submitted"), "material_list.docx",
                             WITH_MATERIALS)
RECOGNITION_FORM = DocumentSpec("recognition_form", _l("Application form for title recognition"),
                                "recognition_form.docx", (BusinessType.recognition,))
EVALUATION_FORM = DocumentSpec("evaluation_form", _l("Professional qualification evaluation form"),
                               "evaluation_form.docx", (BusinessType.evaluation, BusinessType.entrusted))
CONFIRMATION_FORM = DocumentSpec("confirmation_form", _l("Qualification confirmation form for arrivals from other "
                                                         "provinces"), "confirmation_form.docx",
                                 (BusinessType.out_of_province,))
RECOMMENDATION_FORM = DocumentSpec("recommendation_form", _l("Professional qualification recommendation form"),
                                   "recommendation_form.docx", WITH_RECORDS)
AUDIT_FORM = DocumentSpec("audit_form", _l("Professional achievements audit form"), "audit_form.docx", WITH_RECORDS)
PUBLICITY_LIST = DocumentSpec("publicity_list", _l("Publicity list of evaluation results"), "publicity_list.docx")
CERTIFICATE = DocumentSpec("certificate", _l("Professional title certificate"), "certificate.docx")
CE_CERTIFICATE = DocumentSpec("ce_certificate", _l("Continuing education certificate"), "ce_certificate.docx")
APPLICATION_DOCUMENTS = {spec.code: spec for spec in (EVALUATION_FORM, RECOMMENDATION_FORM, AUDIT_FORM,
                                                      RECOGNITION_FORM, CONFIRMATION_FORM, MATERIAL_LIST)}


def for_application(application: Application) -> list[DocumentSpec]:
    """The documents of an application's business type."""
    return [spec for spec in APPLICATION_DOCUMENTS.values() if application.business_type in spec.types]


def all_specs() -> list[DocumentSpec]:
    """Every document the platform generates (each DocumentSpec defined in this module), in definition order."""
    found: dict[str, DocumentSpec] = {}
    for value in globals().values():
        if isinstance(value, DocumentSpec):
            found.setdefault(value.code, value)
    return list(found.values())


def by_code(code: str) -> DocumentSpec | None:
    return next((spec for spec in all_specs() if spec.code == code), None)


def shipped_template(spec: DocumentSpec) -> Path:
    """The default template delivered with the platform."""
    return TEMPLATES / spec.template


def render(spec: DocumentSpec, context: dict) -> bytes:
    """The filled document from the template in use (an administrator's version or the shipped default); values
    are XML-escaped, so a payload in a field stays text."""
    uploaded = versions.active_content(spec.code)
    template = DocxTemplate(io.BytesIO(uploaded) if uploaded is not None else shipped_template(spec))
    template.render(context, jinja_env=versions.environment())
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


def application_document(spec: DocumentSpec, application: Application, *, preview: bool = False) -> bytes:
    """Load what the document shows of an application, build its context and render it (a preview is marked)."""
    return render(spec, _application_context(spec, application) | {"preview": preview})


def _application_context(spec: DocumentSpec, application: Application) -> dict:
    basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == application.user_id))
    if spec is MATERIAL_LIST:
        return contexts.material_list(application, basic)
    if spec is EVALUATION_FORM:
        counted = meeting.tally(application) if application.batch_id else None
        return contexts.evaluation_form(application, basic, counted)
    if spec is CONFIRMATION_FORM:
        return contexts.confirmation_form(application, basic)
    if spec is RECOMMENDATION_FORM:
        return contexts.recommendation_form(application, basic)
    if spec is AUDIT_FORM:
        return contexts.audit_form(application, basic)
    education = list(db.session.scalars(select(Education).where(Education.user_id == application.user_id)
                                        .order_by(Education.start_date)))
    work = list(db.session.scalars(select(WorkExperience).where(WorkExperience.user_id == application.user_id)
                                   .order_by(WorkExperience.start_date)))
    return contexts.recognition_form(application, basic, education, work)


def publicity_list_document(batch: ReviewBatch) -> bytes:
    """The 公示名单 of a meeting: its candidates that passed, with their units, in application order."""
    passed = list(db.session.scalars(
        select(Application).where(Application.batch_id == batch.id, Application.state.in_(PASSED_MEETING))
        .options(selectinload(Application.user)).order_by(Application.id)))
    unit_ids = {a.unit_id for a in passed if a.unit_id}
    units = dict(db.session.execute(select(Org.id, Org.name).where(Org.id.in_(unit_ids))).all()) if unit_ids else {}
    committee = db.session.get(Org, batch.committee_id)
    return render(PUBLICITY_LIST, contexts.publicity_list(batch, committee, passed, units, local_today()))


def certificate_document(record: Certificate) -> bytes:
    return render(CERTIFICATE, contexts.certificate(record, url_for("CertificateVerifyView.index", _external=True)))


def ce_certificate_document(record: CeCertificate) -> bytes:
    """继续教育证书: signed by the authority above the holder's unit, under the requirement of that year."""
    unit_id = ce_compliance.person_unit_id(record.holder_id)
    unit = db.session.get(Org, unit_id) if unit_id else None
    authority = next((org.name for org in reversed(unit.ancestors()) if org.kind == OrgKind.authority), "") \
        if unit else ""
    policy = ce_compliance.policy_for(ce_compliance.unit_region(unit), record.year)
    return render(CE_CERTIFICATE, contexts.ce_certificate(
        record, url_for("CertificateVerifyView.index", _external=True), authority, policy.basis if policy else ""))
