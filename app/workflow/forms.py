"""The type-specific application forms: their fields, labels and which ones must be filled to submit."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.models import BusinessType


@dataclass(frozen=True)
class FormField:
    """One field of a business's form (stored in Application.form)."""

    key: str
    label: object
    required: bool = False
    kind: str = "text"  # text | textarea | date | int | bool | dict:<type> | choice
    max_length: int = 200
    choices: tuple = ()


_COMMITMENT = FormField("commitment", _l("I promise that everything I submit is true"), True, "bool")

# 申请信息 of evaluation and entrusted evaluation (SPEC §5.2, seed 001 §3.4.6, seed 003 §10).
_EVALUATION = (
    FormField("person_type", _l("Person type"), True, "dict:person_type"),
    FormField("current_work", _l("Current professional work"), True, max_length=200),
    FormField("years_in_field", _l("Years in this or a related field"), True, "int"),
    FormField("fulltime_education", _l("Highest full-time education in the field"), True, "dict:education"),
    FormField("fulltime_degree", _l("Highest full-time degree in the field"), False, "dict:degree"),
    FormField("language_exemption", _l("Reason for the foreign-language exemption"), False, max_length=200),
    FormField("computer_exemption", _l("Reason for the computer-skills exemption"), False, max_length=200),
    FormField("experience_met", _l("Self-assessment: work experience conditions met"), True, "bool"),
    FormField("experience_detail", _l("The experience concerned"), True, "textarea", 2000),
    FormField("achievement_met", _l("Self-assessment: achievement conditions met"), True, "bool"),
    FormField("achievement_reason", _l("Why the achievement conditions are met"), True, "textarea", 2000),
    FormField("work_summary", _l("Summary of professional work"), True, "textarea", 4000),
    FormField("responsibility", _l("Responsibility in the work"), False, "textarea", 2000),
    FormField("work_review", _l("Work review"), False, "textarea", 4000),
    FormField("unit_recommendation", _l("Unit recommendation (conduct, ability, diligence, results)"), False,
              "textarea", 2000),
    _COMMITMENT,
)

FORMS: dict[BusinessType, tuple[FormField, ...]] = {
    BusinessType.unit_change: (
        FormField("new_unit_id", _l("New personnel management unit"), True, "unit"),
        FormField("reason", _l("Reason for the change"), True, "textarea", 500),
    ),
    BusinessType.recognition: (
        FormField("education_basis", _l("Education the recognition is based on"), True, "dict:education"),
        FormField("graduation_date", _l("Graduated on"), True, "date"),
        FormField("work_years", _l("Years of professional work"), True, "int"),
        FormField("current_work", _l("Current professional work"), True, max_length=200),
        _COMMITMENT,
    ),
    BusinessType.evaluation: _EVALUATION,
    BusinessType.entrusted: _EVALUATION + (
        FormField("entrusted_province", _l("Province entrusted with the evaluation"), True, max_length=30),
    ),
    BusinessType.out_of_province: (
        FormField("original_title", _l("Title obtained in the other province"), True, max_length=60),
        FormField("original_authority", _l("Approving authority"), True, max_length=100),
        FormField("original_date", _l("Date obtained"), True, "date"),
        FormField("original_certificate_no", _l("Certificate number"), True, max_length=50),
        FormField("previous_employer", _l("Employer in the other province"), True, max_length=100),
        FormField("previous_period", _l("Period of work there"), True, max_length=60),
        FormField("current_employer", _l("Current employer"), True, max_length=100),
        FormField("arrival_date", _l("Came to Guangdong on"), True, "date"),
        FormField("summary", _l("Summary of professional work in Guangdong (at least 500 characters)"), True,
                  "textarea", 5000),
        _COMMITMENT,
    ),
    BusinessType.reissue: (
        FormField("certificate_no", _l("Number of the certificate to reissue"), True, max_length=50),
        FormField("reissue_reason", _l("Reason"), True, "choice", choices=(
            ("lost", _l("Lost")), ("damaged", _l("Damaged")), ("changed", _l("Information changed")),
        )),
        FormField("explanation", _l("Explanation"), False, "textarea", 500),
    ),
}

# Types whose chain needs a target series/title (and hence the no-cross-level rule).
TITLED = (BusinessType.recognition, BusinessType.evaluation, BusinessType.entrusted, BusinessType.out_of_province)
# Types that hand in paper materials (提交的纸质材料清单).
WITH_MATERIALS = (BusinessType.recognition, BusinessType.evaluation, BusinessType.entrusted,
                  BusinessType.out_of_province, BusinessType.reissue)
SUMMARY_MIN_CHARS = 500

# The parts of an application a reviewer comments on when returning it (一次性告知), and the tabs of its detail page.
SECTION_LABELS = {
    "info": _l("Application information"),
    "achievements": _l("Professional work and achievements"),
    "publications": _l("Academic output"),
    "materials": _l("List of materials"),
    "profile": _l("Personal information"),
}
WITH_RECORDS = (BusinessType.evaluation, BusinessType.entrusted)


def sections_of(kind: BusinessType) -> tuple[str, ...]:
    """The sections of one business type, in the order of the manual's wizard."""
    sections = ["info"]
    if kind in WITH_RECORDS:
        sections += ["achievements", "publications"]
    if kind in WITH_MATERIALS:
        sections.append("materials")
    return tuple(sections) + ("profile",)
