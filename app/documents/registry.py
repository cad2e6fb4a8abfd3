"""Which documents exist, which businesses offer them, and how one is rendered from its shipped template."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from docxtpl import DocxTemplate
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.documents import contexts, versions
from app.extensions import db
from app.models import Application, BasicInfo, BusinessType, Certificate, Education, WorkExperience
from app.workflow import meeting
from app.workflow.forms import WITH_MATERIALS

TEMPLATES = Path(__file__).resolve().parent / "templates"


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
CERTIFICATE = DocumentSpec("certificate", _l("Professional title certificate"), "certificate.docx")
APPLICATION_DOCUMENTS = {spec.code: spec for spec in (MATERIAL_LIST, RECOGNITION_FORM, EVALUATION_FORM,
                                                      CONFIRMATION_FORM)}


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


def application_document(spec: DocumentSpec, application: Application) -> bytes:
    """Load what the document shows of an application, build its context and render it."""
    basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == application.user_id))
    if spec is MATERIAL_LIST:
        return render(spec, contexts.material_list(application, basic))
    if spec is EVALUATION_FORM:
        counted = meeting.tally(application) if application.batch_id else None
        return render(spec, contexts.evaluation_form(application, basic, counted))
    if spec is CONFIRMATION_FORM:
        return render(spec, contexts.confirmation_form(application, basic))
    education = list(db.session.scalars(select(Education).where(Education.user_id == application.user_id)
                                        .order_by(Education.start_date)))
    work = list(db.session.scalars(select(WorkExperience).where(WorkExperience.user_id == application.user_id)
                                   .order_by(WorkExperience.start_date)))
    return render(spec, contexts.recognition_form(application, basic, education, work))


def certificate_document(record: Certificate) -> bytes:
    return render(CERTIFICATE, contexts.certificate(record, url_for("CertificateVerifyView.index", _external=True)))
