"""A person's profile as tables of labelled, formatted cells, for the applicant's and reviewers' pages."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from app.display import display
from app.extensions import db
from app.models import (
    ASSESSMENT_LABELS, COUNTRY_LABELS, GENDER_LABELS, RECORD_STATUS_LABELS, AppUser, BasicInfo, RecordStatus,
)
from app.services import dictionaries
from app.views.profile_sections import SECTION_VIEWS
from app.workflow.profile import SECTION_BY_CODE, supervising_org

# Columns of the section tables on the overview pages (status and comment are shown separately).
_HIDDEN = {"status", "review_comment"}


@dataclass
class Row:
    record: object
    cells: list
    status_label: str
    key: str


@dataclass
class SectionTable:
    code: str
    label: str
    endpoint: str
    headers: list
    rows: list = field(default_factory=list)


def _cell(view, record, column):
    value = getattr(record, column)
    formatter = view.formatters_columns.get(column)
    return formatter(value) if formatter else display(value)


def section_tables(user_id: int) -> list[SectionTable]:
    """Every record section of one person, in the order of the manual."""
    tables = []
    for view in SECTION_VIEWS:
        section = SECTION_BY_CODE[view.section_code]
        model = section.model
        columns = [c for c in view.list_columns if c not in _HIDDEN]
        table = SectionTable(
            code=section.code, label=str(section.label), endpoint=view.__name__,
            headers=[str(view.label_columns.get(c, c)) for c in columns],
        )
        records = db.session.scalars(select(model).where(model.user_id == user_id).order_by(model.id))
        for record in records:
            table.rows.append(Row(
                record=record, cells=[_cell(view, record, c) for c in columns],
                status_label=str(RECORD_STATUS_LABELS[record.status]), key=f"{section.code}_{record.id}",
            ))
        tables.append(table)
    return tables


def basic_facts(user: AppUser, basic: BasicInfo | None) -> list[tuple[str, str]]:
    """(label, value) pairs of 基本信息: the account's registration facts, then the profile's fields."""
    facts = [
        (_("Full name"), user.full_name),
        (_("Sex"), str(GENDER_LABELS.get(user.gender, ""))),
        (_("ID type"), dictionaries.label("id_type", user.id_type)),
        (_("ID number"), user.id_number or ""),
        (_("Date of birth"), display(user.birth_date)),
        (_("Country or region"), str(COUNTRY_LABELS.get(user.country, ""))),
        (_("Mobile phone"), user.mobile or ""),
        (_("E-mail"), user.email or ""),
    ]
    if basic is None:
        return facts
    supervisor = supervising_org(basic.unit) if basic.unit else None
    facts += [
        (_("Ethnicity"), dictionaries.label("ethnicity", basic.ethnicity)),
        (_("Native place"), display(basic.native_place)),
        (_("Political status"), dictionaries.label("political_status", basic.political_status)),
        (_("Highest education"), dictionaries.label("education", basic.highest_education)),
        (_("Highest degree"), dictionaries.label("degree", basic.highest_degree)),
        (_("Major studied"), display(basic.major_studied)),
        (_("Graduated from"), display(basic.graduated_school)),
        (_("Graduated on"), display(basic.graduation_date)),
        (_("Started work on"), display(basic.work_start_date)),
        (_("Professional series"), dictionaries.label("title_series", basic.title_series)),
        (_("Specialty"), dictionaries.label("specialty", basic.specialty)),
        (_("Years in the current specialty"), display(basic.specialty_years)),
        (_("Current title"), dictionaries.label("title", basic.current_title) or _("None")),
        (_("Current title obtained on"), display(basic.current_title_date)),
        (_("Annual assessment"), str(ASSESSMENT_LABELS.get(basic.annual_assessment, ""))),
        (_("Foreign language level"), display(basic.foreign_language)),
        (_("Unit holding the personnel file"), display(basic.archive_unit)),
        (_("Postcode"), display(basic.postcode)),
        (_("Personnel management unit"), basic.unit.name if basic.unit else ""),
        (_("Supervising department"), supervisor.name if supervisor else ""),
    ]
    return facts


def basic_status(basic: BasicInfo | None) -> str:
    """完成情况 of 基本信息; an unsaved one is still to be submitted."""
    return str(RECORD_STATUS_LABELS[basic.status if basic else RecordStatus.draft])
