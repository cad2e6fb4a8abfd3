"""Writing an application's draft (暂存): field checks by the type's form spec; only drafts and returned ones change."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.bounded_request import parse_id
from app.errors import DomainError, ErrorCollector
from app.extensions import db
from app.models import Achievement, AppState, Application, ApplicationMaterial, AppUser, BusinessType, Publication
from app.services import dictionaries, workdays
from app.workflow.forms import FORMS

EDITABLE_STATES = (AppState.draft, AppState.returned)
MAX_MATERIALS = 50


class StaleDraft(DomainError):
    """The draft was saved by someone else (another tab, the API) since it was loaded."""


def stale_draft() -> StaleDraft:
    return StaleDraft(_("The record was changed by someone else; please refresh and try again."))


def save_draft(application: Application | None, owner: AppUser, data: dict,
               seen_version: int | None = None) -> Application:
    """Create or change a draft from plain data (screen, API or import); ValidationFailed names each field.

    Optimistic locking: `seen_version` is the version the form was loaded at; a stale one is refused and nothing is
    changed. Every save of an existing draft bumps the version (a conditional UPDATE, so two saves never both pass).
    """
    errors = ErrorCollector()
    if application is None:
        try:
            kind = BusinessType(data.get("business_type"))
        except ValueError:
            errors.add("business_type", _("Not a valid choice."))
            errors.raise_if_any()
        application = Application(business_type=kind, user_id=owner.id, form={})
    elif application.state not in EDITABLE_STATES:
        raise DomainError(_("The application is under review and cannot be changed now."))
    for key, type_code in (("series", "title_series"), ("specialty", "specialty"), ("title", "title")):
        if key in data:
            value = (data.get(key) or None)
            if value is not None and not (isinstance(value, str) and dictionaries.is_valid_code(type_code, value)):
                errors.add(key, _("Not a valid choice."))
                continue  # never set: a list or number would fail at the next flush
            setattr(application, key, value)
    if "exceptional" in data:
        application.exceptional = bool(data.get("exceptional"))
        application.exceptional_reason = (str(data.get("exceptional_reason") or "").strip() or None)
        if application.exceptional_reason and len(application.exceptional_reason) > 500:
            errors.add("exceptional_reason", _("At most %(n)s characters.", n=500))
    if "form" in data:
        application.form = _checked_form(application.business_type, data.get("form"), errors)
    if "materials" in data:
        _set_materials(application, data.get("materials"), errors)
    if "achievement_ids" in data:
        application.achievements = _owned(Achievement, owner, data.get("achievement_ids"), "achievement_ids", errors)
    if "publication_ids" in data:
        application.publications = _owned(Publication, owner, data.get("publication_ids"), "publication_ids", errors)
    if errors.errors:
        db.session.rollback()
        errors.raise_if_any()
    if application.id is not None:
        _bump(application, seen_version)
    db.session.add(application)
    db.session.commit()
    return application


def _bump(application: Application, seen_version: int | None) -> None:
    """Move the version on from the one seen (or the one loaded) with a conditional UPDATE; refuse a stale one."""
    expected = application.version if seen_version is None else seen_version
    with db.session.no_autoflush:
        moved = db.session.execute(
            update(Application).where(Application.id == application.id, Application.version == expected)
            .values(version=expected + 1).execution_options(synchronize_session=False)
        ).rowcount
    if moved != 1:
        db.session.rollback()
        raise stale_draft()
    application.version = expected + 1


def _checked_form(kind: BusinessType, values, errors: ErrorCollector) -> dict:
    """Only the type's fields, each checked by its kind and length; unknown keys are refused."""
    if not isinstance(values, dict):
        errors.add("form", _("The request body must be a JSON object."))
        return {}
    specs = {spec.key: spec for spec in FORMS[kind]}
    checked = {}
    for key, value in values.items():
        spec = specs.get(key)
        if spec is None:
            errors.add(f"form.{key}", _("This field is not accepted."))
            continue
        if value in (None, ""):
            continue
        field = f"form.{key}"
        if spec.kind == "bool":
            checked[key] = bool(value)
        elif spec.kind == "int" or spec.kind == "unit":
            if not str(value).isdigit() or int(value) > 10_000_000:
                errors.add(field, _("Not a valid whole number."))
            else:
                checked[key] = str(int(value))
        elif spec.kind == "date":
            try:
                day = dt.date.fromisoformat(str(value))
            except ValueError:
                errors.add(field, _("Not a valid date (use YYYY-MM-DD)."))
            else:
                if day > workdays.local_today():
                    errors.add(field, _("The date cannot be in the future."))
                checked[key] = day.isoformat()
        elif spec.kind.startswith("dict:"):
            if not dictionaries.is_valid_code(spec.kind[5:], str(value)):
                errors.add(field, _("Not a valid choice."))
            checked[key] = str(value)
        elif spec.kind == "choice":
            if str(value) not in {code for code, _label in spec.choices}:
                errors.add(field, _("Not a valid choice."))
            checked[key] = str(value)
        else:
            text = str(value).strip()
            if len(text) > spec.max_length:
                errors.add(field, _("At most %(n)s characters.", n=spec.max_length))
            checked[key] = text
    return checked


def _set_materials(application: Application, lines, errors: ErrorCollector) -> None:
    if not isinstance(lines, list) or len(lines) > MAX_MATERIALS:
        errors.add("materials", _("Not a valid list of materials."))
        return
    materials = []
    for index, line in enumerate(lines, start=1):
        name = str((line or {}).get("name") or "").strip() if isinstance(line, dict) else ""
        copies = (line or {}).get("copies", 1) if isinstance(line, dict) else None
        if not name or len(name) > 100:
            errors.add(f"materials.{index}", _("Each material needs a name of at most 100 characters."))
        elif not str(copies).isdigit() or not 1 <= int(copies) <= 99:
            errors.add(f"materials.{index}", _("Copies must be a whole number from 1 to 99."))
        else:
            materials.append(ApplicationMaterial(name=name, copies=int(copies)))
    application.materials = materials


def _owned(model, owner: AppUser, ids, field: str, errors: ErrorCollector) -> list:
    """The owner's records with these ids; anything else is refused."""
    if not isinstance(ids, list) or not all(parse_id(i) is not None for i in ids):
        errors.add(field, _("Not a valid list of records."))
        return []
    wanted = {int(i) for i in ids}
    found = list(db.session.scalars(select(model).where(model.id.in_(wanted), model.user_id == owner.id)))
    if len(found) != len(wanted):
        errors.add(field, _("Only your own records can be selected."))
    return found
