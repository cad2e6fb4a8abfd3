"""The applicant's application forms as page data: fields by kind, the cascading selects, posted input, messages."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import AppState, Application, BasicInfo, BusinessType, Org
from app.services import dictionaries
from app.workflow import ladder
from app.workflow.forms import FORMS, SECTION_LABELS, TITLED, WITH_MATERIALS, WITH_RECORDS

# Types whose target title follows the ladder (逐级申报), where 破格 with a reason may be claimed.
WITH_EXCEPTION = (BusinessType.recognition, BusinessType.evaluation, BusinessType.entrusted)


@dataclass
class FieldView:
    """One field of a type's form as the page renders it."""

    key: str
    name: str
    label: str
    kind: str
    required: bool
    max_length: int
    value: object
    choices: list = field(default_factory=list)
    unit_name: str = ""
    errors: list = field(default_factory=list)


def current_title(user_id: int) -> str | None:
    """The profile's 当前职称 (None: no title yet)."""
    return db.session.scalar(select(BasicInfo.current_title).where(BasicInfo.user_id == user_id))


def profile_series(user_id: int) -> str | None:
    """The series of the profile (专业系列), the declaration's starting choice."""
    return db.session.scalar(select(BasicInfo.title_series).where(BasicInfo.user_id == user_id))


# ----- the cascading selects: 申报门类 → 职称 → 专业类别 → 专业 -----

def series_options() -> list[tuple[str, str]]:
    return dictionaries.choices("title_series")


def title_options(series: str | None, current: str | None) -> list[dict]:
    """The titles of a series; `next` marks the ones the ladder allows from the current title."""
    if not series:
        return []
    allowed = ladder.next_titles(current, series)
    return [{"code": code, "label": label, "next": code in allowed}
            for code, label in dictionaries.choices("title", series=series)]


def category_options(series: str | None) -> list[dict]:
    """专业类别: the first level of the specialty dictionary in the series."""
    if not series:
        return []
    first_level = {e.code for e in dictionaries.entries("specialty") if e.parent_code is None}
    return [{"code": code, "label": label} for code, label in dictionaries.choices("specialty", series=series)
            if code in first_level]


def specialty_options(category: str | None) -> list[dict]:
    """专业: the values below one category."""
    if not category:
        return []
    return [{"code": code, "label": label} for code, label in dictionaries.choices("specialty", category)]


def category_of(specialty: str | None) -> str | None:
    """The 专业类别 a stored specialty sits under (a category itself counts as its own)."""
    entry = next((e for e in dictionaries.entries("specialty") if e.code == specialty), None)
    if entry is None:
        return None
    return entry.parent_code or entry.code


def check_selection(series, title, category, specialty, *, required: bool) -> dict[str, list[str]]:
    """Each select must be one of the options its parent offers; with `required`, every one must be chosen."""
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message) -> None:
        errors.setdefault(name, []).append(str(message))

    if not series:
        if required:
            refuse("series", _("Please choose the title series to apply in."))
    elif series not in dict(series_options()):
        refuse("series", _("Not a valid choice."))
    if title and title not in {o["code"] for o in title_options(series, None)}:
        refuse("title", _("The title chosen does not belong to the title series chosen."))
    elif not title and required:
        refuse("title", _("Please choose the title to apply for."))
    if category and category not in {o["code"] for o in category_options(series)}:
        refuse("category", _("The specialty category chosen does not belong to the title series chosen."))
    elif not category and required:
        refuse("category", _("Please choose the specialty category."))
    if specialty and specialty not in {o["code"] for o in specialty_options(category)}:
        refuse("specialty", _("The specialty chosen does not belong to the specialty category chosen."))
    elif not specialty and required:
        refuse("specialty", _("Please choose the specialty."))
    return errors


def selection_labels() -> dict[str, str]:
    return {
        "series": _("Title series applied in"), "title": _("Title applied for"),
        "category": _("Specialty category"), "specialty": _("Specialty applied in"),
    }


# ----- the type's own form -----

def state_of(application: Application) -> dict:
    """What the edit page shows, read from a stored application."""
    return {
        "series": application.series, "title": application.title, "specialty": application.specialty,
        "category": category_of(application.specialty), "exceptional": application.exceptional,
        "exceptional_reason": application.exceptional_reason or "", "form": dict(application.form or {}),
        "materials": [{"name": m.name, "copies": m.copies} for m in application.materials],
    }


def posted_state(kind: BusinessType, posted) -> dict:
    """The edit page's input (request.form) as the same shape as `state_of`."""
    form = {}
    for spec in FORMS[kind]:
        name = f"field_{spec.key}"
        if spec.kind == "bool":
            form[spec.key] = posted.get(name) == "1"
        else:
            form[spec.key] = (posted.get(name) or "").strip()
    names = posted.getlist("material_name")
    copies = posted.getlist("material_copies")
    materials = []
    for index, name in enumerate(names):
        count = (copies[index] if index < len(copies) else "").strip()
        if name.strip() or count:
            materials.append({"name": name.strip(), "copies": count or "1"})
    return {
        "series": (posted.get("series") or "").strip() or None,
        "title": (posted.get("title") or "").strip() or None,
        "category": (posted.get("category") or "").strip() or None,
        "specialty": (posted.get("specialty") or "").strip() or None,
        "exceptional": posted.get("exceptional") == "1",
        "exceptional_reason": (posted.get("exceptional_reason") or "").strip(),
        "form": form, "materials": materials,
    }


def draft_data(kind: BusinessType, state: dict, *, with_materials: bool) -> dict:
    """The data handed to drafts.save_draft for what the edit page shows."""
    data: dict = {"form": state["form"]}
    if kind in TITLED:
        data.update(series=state["series"], title=state["title"], specialty=state["specialty"])
    if kind in WITH_EXCEPTION:
        data.update(exceptional=state["exceptional"], exceptional_reason=state["exceptional_reason"])
    if with_materials:
        data["materials"] = state["materials"]
    return data


def field_views(kind: BusinessType, values: dict, errors: dict | None = None) -> list[FieldView]:
    """Every field of the type's form, with its value, choices and messages."""
    errors = errors or {}
    views = []
    for spec in FORMS[kind]:
        value = values.get(spec.key)
        view = FieldView(
            key=spec.key, name=f"field_{spec.key}", label=str(spec.label), kind=spec.kind, required=spec.required,
            max_length=spec.max_length, value="" if value is None else value,
            errors=list(errors.get(f"form.{spec.key}", [])),
        )
        if spec.kind.startswith("dict:"):
            view.choices = dictionaries.choices(spec.kind[5:])
        elif spec.kind == "choice":
            view.choices = [(code, str(label)) for code, label in spec.choices]
        elif spec.kind == "unit" and str(value or "").isdigit():
            unit = db.session.get(Org, int(value))
            view.unit_name = unit.name if unit else ""
        views.append(view)
    return views


def error_label(kind: BusinessType, key: str) -> str:
    """The label of the field a ValidationFailed key names (form.work_summary, materials.2, series ...)."""
    if key.startswith("form."):
        spec = next((s for s in FORMS[kind] if s.key == key[5:]), None)
        return str(spec.label) if spec else key[5:]
    if key.startswith("materials."):
        return _("Paper materials, line %(n)s", n=key.split(".", 1)[1])
    labels = dict(selection_labels())
    labels.update({
        "business_type": _("Business"), "exceptional_reason": _("Reason for the exceptional application"),
        "materials": _("List of paper materials to hand in"), "form": str(SECTION_LABELS["info"]),
        "achievement_ids": str(SECTION_LABELS["achievements"]), "publication_ids": str(SECTION_LABELS["publications"]),
    })
    return labels.get(key, "")


def labelled_messages(kind: BusinessType, errors: dict) -> list[str]:
    """Every message of a refusal, each led by the label of its field."""
    lines = []
    for key, messages in errors.items():
        label = error_label(kind, key)
        lines.extend(f"{label}：{message}" if label else str(message) for message in messages)
    return lines


# ----- the evaluation wizard (seed 001 §3.4.3) -----

def wizard_steps(application: Application) -> list[tuple[str, str, str]]:
    """(code, label, endpoint) of the wizard's steps; empty for types without one."""
    if application.business_type not in WITH_RECORDS:
        return []
    return [
        ("info", _("Application information"), "ApplicationFormView.edit"),
        ("achievements", _("Choose professional work and achievements"), "ApplicationFormView.achievements"),
        ("publications", _("Choose academic output"), "ApplicationFormView.publications"),
        ("materials", _("List of materials"), "ApplicationFormView.materials"),
        ("confirm", _("Submit"), "ApplicationFormView.confirm"),
    ]


def step_after(application: Application, code: str, offset: int) -> str | None:
    """The endpoint of the step `offset` away from `code`."""
    codes = [step[0] for step in wizard_steps(application)]
    if code not in codes:
        return None
    index = codes.index(code) + offset
    return wizard_steps(application)[index][2] if 0 <= index < len(codes) else None


def has_materials_editor(application: Application) -> bool:
    """Types with materials but no wizard list them on the edit page itself."""
    kind = application.business_type
    return kind in WITH_MATERIALS and kind not in WITH_RECORDS


# ----- where an application is now -----

HANDLING_RELATION = {
    AppState.unit_review: "unit", AppState.unit_publicity: "unit", AppState.supervisor_review: "supervisor",
    AppState.committee_acceptance: "committee", AppState.in_review: "committee",
    AppState.result_publicity: "committee", AppState.authority_confirm: "authority",
}


def handling_org(application: Application) -> str:
    """The org handling the application now (当前办理环节), from its state and recorded chain."""
    state = application.state
    if state == AppState.returned and application.returned_from:
        state = AppState(application.returned_from)
    relation = HANDLING_RELATION.get(state)
    if application.business_type == BusinessType.entrusted and state == AppState.in_review:
        relation = "authority"
    # Only the one org named is read: each of the others would cost a query per row of a list.
    org = getattr(application, relation) if relation else None
    return org.name if org is not None else ""
