"""变更记录 on a record's page: the latest field changes of the record, grouped by save, with Chinese labels.

The timeline is rendered inside pages that already fetched the record through the scope clause, so whoever sees
the page may see its history. It shows the latest `LIMIT` field changes and links to the full 变更记录 list
filtered on the record.
"""
from __future__ import annotations

from itertools import groupby

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.extensions import db
from app.models import (
    APP_STATE_LABELS, BUSINESS_TYPE_LABELS, COUNTRY_LABELS, GENDER_LABELS, AppState, BusinessType, ChangeLog, Country,
    Gender,
)
from app.security.roles import CHANGE_LOG, role_label
from app.services.change_tracking import PROFILE, SECRET
from app.views.account import ACCOUNT_LABELS
from app.views.dictionary import ITEM_LABELS
from app.views.org import ORG_LABELS
from app.views.profile_sections import RECORD_LABELS
from app.workflow.forms import FORMS

LIMIT = 50

RECORD_TYPE_LABELS = {
    "Application": _l("Business application"),
    "ApplicationMaterial": _l("Paper material"),
    "BasicInfo": _l("Basic information"),
    "Education": _l("Education history"),
    "WorkExperience": _l("Work experience"),
    "Position": _l("Current post"),
    "Training": _l("Training record"),
    "ExamScore": _l("Examination score"),
    "Achievement": _l("Professional achievement"),
    "Publication": _l("Paper or book"),
    "Honour": _l("Honour"),
    "Org": _l("Organisation"),
    "DictType": _l("Dictionary"),
    "DictItem": _l("Dictionary value"),
    "AppUser": _l("User account"),
    PROFILE: _l("Profile"),
}
OPERATION_LABELS = {
    "insert": _l("Record created"),
    "update": _l("Record changed"),
    "delete": _l("Record deleted"),
}
FIELD_LABELS = {
    "user_id": _l("Owner account"),
    "business_type": _l("Business type"),
    "state": _l("State"),
    "returned_from": _l("Returned from"),
    "correction_deadline": _l("Correction deadline"),
    "opened_at": _l("Opened by a reviewer at"),
    "unit_id": _l("Personnel management unit"),
    "supervisor_id": _l("Supervising department"),
    "committee_id": _l("Review committee"),
    "authority_id": _l("HRSS authority"),
    "batch_id": _l("Review batch"),
    "series": _l("Professional series"),
    "specialty": _l("Specialty"),
    "level": _l("Title level"),
    "exceptional": _l("Exceptional promotion"),
    "exceptional_reason": _l("Reason for exceptional promotion"),
    "publicity_until": _l("Publicity until"),
    "submitted_at": _l("Submitted at"),
    "state_entered_at": _l("State entered at"),
    "finished_at": _l("Finished at"),
    "achievements": _l("Chosen achievements"),
    "publications": _l("Chosen papers and books"),
    "application_id": _l("Business application"),
    "name": _l("Name"),
    "copies": _l("Copies"),
    "ethnicity": _l("Ethnicity"),
    "native_place": _l("Native place"),
    "political_status": _l("Political status"),
    "photo_id": _l("Photo"),
    "highest_education": _l("Highest education"),
    "highest_degree": _l("Highest degree"),
    "major_studied": _l("Major studied"),
    "graduated_school": _l("Graduated from"),
    "graduation_date": _l("Graduated on"),
    "work_start_date": _l("Started work on"),
    "title_series": _l("Professional series"),
    "specialty_years": _l("Years in the current specialty"),
    "current_title": _l("Current title"),
    "current_title_date": _l("Current title obtained on"),
    "annual_assessment": _l("Annual assessment"),
    "foreign_language": _l("Foreign language level"),
    "archive_unit": _l("Unit holding the personnel file"),
    "postcode": _l("Postcode"),
    "attachment_id": _l("Attachment (PDF)"),
    "code": _l("Code"),
    "name_en": _l("English name"),
    "description": _l("Description"),
    "hierarchical": _l("Hierarchical"),
    "builtin": _l("Built in"),
    "type_id": _l("Dictionary"),
    "parent_id": _l("Parent item"),
    "path": _l("Position in the organisation tree"),
    "depth": _l("Depth in the organisation tree"),
    "username": _l("User Name"),
    "email": _l("Email"),
    "active": _l("Is Active?"),
    "password": _l("Password"),
    "id_type": _l("Type of identity document"),
    "id_number": _l("Identity document number"),
    "gender": _l("Sex"),
    "birth_date": _l("Date of birth"),
    "mobile": _l("Mobile phone"),
    "phone": _l("Telephone"),
    "qq": _l("QQ number"),
    "country": _l("Country or region"),
    "id": _l("Record number"),
    **RECORD_LABELS,
    **ORG_LABELS,
    **ITEM_LABELS,
    **ACCOUNT_LABELS,
}
BOOLEAN_TEXT = {"true": _l("Yes"), "false": _l("No")}


def _form_labels() -> dict:
    return {field.key: field.label for fields in FORMS.values() for field in fields}


def field_label(field: str) -> str:
    """The Chinese label of a stored field name (a form key "form.x" by the form's own label)."""
    if field.startswith("form."):
        key = field[len("form."):]
        label = _form_labels().get(key)
        prefix = _("Application form field")
        return f"{prefix}：{label if label is not None else key}"
    label = FIELD_LABELS.get(field)
    return str(label) if label is not None else field


# Enum-valued fields whose stored value is shown by its Chinese label.
ENUM_FIELDS = {
    "state": (AppState, APP_STATE_LABELS),
    "business_type": (BusinessType, BUSINESS_TYPE_LABELS),
    "gender": (Gender, GENDER_LABELS),
    "country": (Country, COUNTRY_LABELS),
}


def value_text(field: str, value: str | None) -> str:
    """A stored value as shown: secrets as 已修改, booleans as 是/否, known enums by label, nothing as a dash."""
    if value == SECRET and field == "password":
        return _("changed (not shown)")
    if value is None or value == "":
        return "—"
    if field in ENUM_FIELDS:
        enum, labels = ENUM_FIELDS[field]
        try:
            return str(labels[enum(value)])
        except (ValueError, KeyError):
            return value
    if value in BOOLEAN_TEXT:
        return str(BOOLEAN_TEXT[value])
    return value


def roles_text(roles: str | None) -> str:
    """Comma-separated role names as their Chinese labels."""
    return "、".join(str(role_label(name)) for name in roles.split(",")) if roles else ""


def record_type_label(record_type: str) -> str:
    label = RECORD_TYPE_LABELS.get(record_type)
    return str(label) if label is not None else record_type


def timeline(owner_type: str, owner_id: int, *, also: tuple[str, int] | None = None) -> dict:
    """The latest changes shown on one record's page, grouped by save; `also` adds a second record's own rows."""
    clause = (ChangeLog.owner_type == owner_type) & (ChangeLog.owner_id == owner_id)
    if also is not None:
        clause = or_(clause, (ChangeLog.record_type == also[0]) & (ChangeLog.record_id == also[1]))
    rows = db.session.scalars(select(ChangeLog).where(clause).order_by(ChangeLog.id.desc()).limit(LIMIT + 1)).all()
    more = len(rows) > LIMIT
    rows = rows[:LIMIT]
    groups = []
    for (change_id, record_type, record_id, operation), items in groupby(
            rows, key=lambda row: (row.change_id, row.record_type, row.record_id, row.operation)):
        items = list(items)
        first = items[0]
        groups.append({
            "at": first.at,
            "user": first.user,
            "roles": roles_text(first.roles),
            "ip": first.ip,
            "record": f"{record_type_label(record_type)} #{record_id}" if record_id else record_type_label(record_type),
            "operation": str(OPERATION_LABELS.get(operation, operation)),
            "changes": [(field_label(row.field), value_text(row.field, row.old_value),
                         value_text(row.field, row.new_value)) for row in items if row.field != "id"],
        })
    may_search = current_app.appbuilder.sm.has_access("can_list", CHANGE_LOG)
    return {
        "groups": groups,
        "more": more,
        "full_url": url_for("ChangeLogView.list", _flt_0_owner_type=owner_type, _flt_0_owner_id=owner_id)
        if may_search else None,
    }
