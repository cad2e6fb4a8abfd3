"""Profile rules: the sections, what a valid record is, when it may change, and when a profile is complete."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, inspect, select

from app.errors import DomainError, ErrorCollector
from app.extensions import db
from app.models import (
    Achievement, AppUser, BasicInfo, Education, ExamScore, Honour, Org, OrgKind, OrgStatus, Position,
    ProfileReview, Publication, RecordStatus, Training, WorkExperience,
)
from app.services import attachments, dictionaries, workdays


@dataclass(frozen=True)
class Section:
    """One section of the profile: its model, its names, whether business applications need it."""

    code: str
    model: type
    label: object
    gate_label: object
    required: bool
    describe: Callable[[object], str]


def _span(record) -> str:
    end = record.end_date.isoformat() if getattr(record, "end_date", None) else _("to date")
    return f"{record.start_date.isoformat()}—{end}"


SECTIONS: tuple[Section, ...] = (
    Section("basic", BasicInfo, _l("Basic information"), _l("Basic information"), True,
            lambda r: str(_("Basic information"))),
    Section("education", Education, _l("Education"), _l("Education information"), True,
            lambda r: f"{_span(r)} {r.school} {r.major}"),
    Section("work", WorkExperience, _l("Work experience"), _l("Work experience information"), True,
            lambda r: f"{_span(r)} {r.employer} {r.post}"),
    Section("position", Position, _l("Positions held"), _l("Positions held"), False,
            lambda r: f"{r.employer_full_name} {r.current_post}"),
    Section("training", Training, _l("Continuing education and training"),
            _l("Continuing education and training"), False, lambda r: f"{_span(r)} {r.content}"),
    Section("exam", ExamScore, _l("Examination results"), _l("Examination results"), False,
            lambda r: f"{dictionaries.label('exam_category', r.exam_category)} {r.score}"),
    Section("achievement", Achievement, _l("Professional work and achievements"),
            _l("Completed professional work and achievements"), True,
            lambda r: f"{_span(r)} {r.project_name}"),
    Section("publication", Publication, _l("Academic output"), _l("Academic output"), False,
            lambda r: f"{r.title}（{r.publisher}）"),
    Section("honour", Honour, _l("Honorary titles"), _l("Honorary titles"), False,
            lambda r: f"{r.awarded_on.isoformat()} {r.description}"),
)
SECTION_BY_CODE = {section.code: section for section in SECTIONS}
SECTION_BY_MODEL = {section.model: section for section in SECTIONS}

# Fields that must be filled in 基本信息 before it can be submitted.
BASIC_REQUIRED = (
    ("ethnicity", _l("Ethnicity")),
    ("political_status", _l("Political status")),
    ("highest_education", _l("Highest education")),
    ("graduated_school", _l("Graduated from")),
    ("major_studied", _l("Major studied")),
    ("work_start_date", _l("Started work on")),
    ("title_series", _l("Professional series")),
    ("unit_id", _l("Personnel management unit")),
)


def today() -> dt.date:
    """The current date where people are (a function so that rules read one clock)."""
    return workdays.local_today()


# Columns holding dictionary codes, checked on every entry point (forms, API, imports).
DICT_COLUMNS: dict[type, dict[str, str]] = {
    BasicInfo: {
        "ethnicity": "ethnicity", "political_status": "political_status", "highest_education": "education",
        "highest_degree": "degree", "title_series": "title_series", "specialty": "specialty", "current_title": "title",
    },
    Education: {"education": "education", "degree": "degree", "study_mode": "study_mode"},
    ExamScore: {"exam_category": "exam_category"},
    Achievement: {"completion_form": "completion_form", "project_level": "project_level"},
}


# ----- validation -----

def validate_record(record, owner: AppUser) -> None:
    """Check the date and consistency rules of a populated record; raise ValidationFailed."""
    errors = ErrorCollector()
    # No flush while checking: a flush would write half-checked values and forget the stored ones.
    with db.session.no_autoflush:
        _strip_text(record)
        _check_dates(record, owner, errors)
        _check_codes(record, errors)
        checker = _SECTION_CHECKS.get(type(record))
        if checker is not None:
            checker(record, errors)
    errors.raise_if_any()


def _strip_text(record) -> None:
    for column in record.__table__.columns:
        value = getattr(record, column.key, None)
        if isinstance(value, str):
            value = value.strip()
            setattr(record, column.key, value or None if column.nullable else value)


def _date_columns(record) -> list[str]:
    return [c.key for c in record.__table__.columns if c.type.python_type is dt.date]


def _check_dates(record, owner: AppUser, errors: ErrorCollector) -> None:
    now = today()
    birth = owner.birth_date
    for name in _date_columns(record):
        value = getattr(record, name)
        if value is None:
            continue
        if value > now:
            errors.add(name, _("The date cannot be in the future."))
        elif birth is not None and value < birth:
            errors.add(name, _("The date cannot be before the date of birth."))
    start, end = getattr(record, "start_date", None), getattr(record, "end_date", None)
    if start and end and start > end:
        errors.add("end_date", _("The end date cannot be before the start date."))


def _check_codes(record, errors: ErrorCollector) -> None:
    for column, type_code in DICT_COLUMNS.get(type(record), {}).items():
        code = getattr(record, column)
        if code is not None and not dictionaries.is_valid_code(type_code, code):
            errors.add(column, _("Not a valid choice."))


def _check_basic(record: BasicInfo, errors: ErrorCollector) -> None:
    if record.id is None and db.session.scalar(select(exists().where(BasicInfo.user_id == record.user_id))):
        errors.add("basic", _("The basic information already exists; change it instead."))
    if record.current_title is None:
        # 当前职称为无: the date of the (absent) title is the date work started.
        record.current_title_date = record.work_start_date
    elif record.current_title_date is None:
        errors.add("current_title_date", _("Please enter the date the current title was obtained."))
    elif record.work_start_date and record.current_title_date < record.work_start_date:
        errors.add("current_title_date", _("The title cannot have been obtained before starting work."))
    if record.current_title and record.title_series:
        if not dictionaries.in_series("title", record.current_title, record.title_series):
            errors.add("current_title", _("The current title does not belong to the chosen series."))
    if record.specialty and record.title_series:
        if not dictionaries.in_series("specialty", record.specialty, record.title_series):
            errors.add("specialty", _("The specialty does not belong to the chosen series."))
    if record.specialty_years is not None and not 0 <= record.specialty_years <= 60:
        errors.add("specialty_years", _("Enter a number of years between 0 and 60."))
    if record.postcode and not (len(record.postcode) == 6 and record.postcode.isdigit()):
        errors.add("postcode", _("The postcode has 6 digits."))
    if record.unit_id is not None:
        unit = db.session.get(Org, record.unit_id)
        if unit is None or unit.kind != OrgKind.unit or unit.status != OrgStatus.active:
            errors.add("unit_id", _("Please choose an active personnel management unit."))
    _check_unit_change(record, errors)


def _check_unit_change(record: BasicInfo, errors: ErrorCollector) -> None:
    """The first choice of unit is free; once submitted, only the unit-change business changes it."""
    history = inspect(record).attrs.unit_id.history
    previous = history.deleted[0] if history.deleted else None
    if record.id is not None and previous is not None and previous != record.unit_id and unit_locked(record.user_id):
        errors.add("unit_id", _("The personnel management unit is settled; apply for a unit change to switch it."))


def _check_training(record: Training, errors: ErrorCollector) -> None:
    if record.hours is not None and not 0 < record.hours <= 2000:
        errors.add("hours", _("Enter a number of hours greater than 0 and at most 2000."))


def _check_achievement(record: Achievement, errors: ErrorCollector) -> None:
    if record.award_rank is not None and not 1 <= record.award_rank <= 100:
        errors.add("award_rank", _("Enter a rank between 1 and 100."))


def _check_publication(record: Publication, errors: ErrorCollector) -> None:
    if record.author_rank is not None and not 1 <= record.author_rank <= 100:
        errors.add("author_rank", _("Enter a rank between 1 and 100."))


_SECTION_CHECKS = {
    BasicInfo: _check_basic,
    Training: _check_training,
    Achievement: _check_achievement,
    Publication: _check_publication,
}


# ----- changes -----

def check_changeable(record) -> None:
    """Records under review cannot be edited or deleted."""
    if record.locked:
        raise DomainError(_("This record is under review and cannot be changed now."))


def mark_changed(record) -> None:
    """An edited record (new, returned or approved) needs a new review."""
    record.status = RecordStatus.draft


def prepare_delete(record) -> None:
    """Refuse to delete locked records and 基本信息. Deletion is soft (回收站): the attachment stays for a restore."""
    check_changeable(record)
    if isinstance(record, BasicInfo):
        raise DomainError(_("The basic information cannot be deleted."))


def attach(record, field: str, upload, owner_id: int) -> None:
    """Store an uploaded PDF for the record, replacing (and later removing) the previous one."""
    if upload is None or not getattr(upload, "filename", ""):
        return
    previous = record.attachment
    record.attachment = attachments.store(field, upload, owner_id, attachments.PDF)
    attachments.discard(previous)


def unit_locked(user_id: int) -> bool:
    """Whether the person's unit is settled: it is once the profile was first submitted."""
    return bool(db.session.scalar(select(exists().where(ProfileReview.user_id == user_id))))


# ----- completeness: the gate for business applications (seed 001 §5.1) -----

@dataclass(frozen=True)
class Completeness:
    """Which required sections are missing a record or have records not yet approved."""

    incomplete: tuple[Section, ...]

    @property
    def complete(self) -> bool:
        return not self.incomplete

    def message(self) -> str:
        """The explanation the applicant sees, naming every incomplete section."""
        names = "、".join(f"“{section.gate_label}”" for section in self.incomplete)
        return _(
            "Your %(sections)s information is incomplete. Please complete it; business can be applied "
            "for after the supervisor has approved it.",
            sections=names,
        )


def completeness(user_id: int) -> Completeness:
    """Required sections lacking an approved record, or holding records not approved."""
    incomplete = []
    for section in SECTIONS:
        if not section.required:
            continue
        model = section.model
        total, approved = db.session.execute(
            select(func.count(), func.count().filter(model.status == RecordStatus.approved))
            .where(model.user_id == user_id)
        ).one()
        if total == 0 or approved != total:
            incomplete.append(section)
    return Completeness(tuple(incomplete))


def supervising_org(unit: Org) -> Org | None:
    """The 主管单位 of a unit: its nearest supervisor ancestor, or the authority above it."""
    for org in reversed(unit.ancestors()):
        if org.kind == OrgKind.supervisor:
            return org
    for org in reversed(unit.ancestors()):
        if org.kind == OrgKind.authority:
            return org
    return None
