"""An application as labelled facts and tables, shared by the applicant's and the reviewers' detail pages."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from app.display import display
from app.extensions import db
from app.models import APP_STATE_LABELS, BUSINESS_TYPE_LABELS, Application, ApplicationEvent, AppState, Org
from app.security.roles import role_label
from app.services import dictionaries
from app.views.profile_display import SectionTable, section_tables
from app.workflow import engine
from app.workflow.forms import FORMS, SECTION_LABELS, TITLED, sections_of


def state_label(state: AppState | str) -> str:
    return str(APP_STATE_LABELS[AppState(state)])


def type_label(application: Application) -> str:
    return str(BUSINESS_TYPE_LABELS[application.business_type])


def _form_value(spec, value) -> str:
    if value in (None, ""):
        return ""
    if spec.kind == "bool":
        return display(bool(value))
    if spec.kind.startswith("dict:"):
        return dictionaries.label(spec.kind[5:], value)
    if spec.kind == "choice":
        return next((str(label) for code, label in spec.choices if code == value), str(value))
    if spec.kind == "unit":
        unit = db.session.get(Org, int(value)) if str(value).isdigit() else None
        return unit.name if unit else ""
    return str(value)


def info_facts(application: Application) -> list[tuple[str, str]]:
    """申请信息: what is applied for, then every field of the type's form, as (label, value)."""
    facts = [(_("Business"), type_label(application)), (_("State"), state_label(application.state))]
    if application.business_type in TITLED:
        facts += [
            (_("Professional series"), dictionaries.label("title_series", application.series)),
            (_("Specialty"), dictionaries.label("specialty", application.specialty)),
            (_("Title applied for"), dictionaries.label("title", application.title)),
            (_("Title level"), dictionaries.label("title_level", application.level)),
            (_("Exceptional application (破格)"), display(application.exceptional)),
        ]
        if application.exceptional:
            facts.append((_("Reason for the exceptional application"), application.exceptional_reason or ""))
    form = application.form or {}
    facts += [(str(spec.label), _form_value(spec, form.get(spec.key))) for spec in FORMS[application.business_type]]
    return facts


def _selected(table: SectionTable, ids: set[int]) -> SectionTable:
    """A profile section table cut down to the records the application selected."""
    return SectionTable(code=table.code, label=table.label, endpoint=table.endpoint, headers=table.headers,
                        rows=[row for row in table.rows if row.record.id in ids])


def record_tables(application: Application) -> dict[str, SectionTable]:
    """业绩成果 and 学术成果 selected for the application, keyed by section code."""
    tables = {table.code: table for table in section_tables(application.user_id)
              if table.code in ("achievement", "publication")}
    return {
        "achievements": _selected(tables["achievement"], {a.id for a in application.achievements}),
        "publications": _selected(tables["publication"], {p.id for p in application.publications}),
    }


@dataclass
class HistoryRow:
    """One line of 审核记录."""

    at: object
    action: str
    actor: str
    role: str
    org: str
    from_state: str
    to_state: str
    reason: str
    comments: list = field(default_factory=list)


def _event_label(application: Application, event: ApplicationEvent) -> str:
    table = engine.business(application.business_type)
    transition = next((t for t in table.transitions
                       if t.event == event.event and AppState(event.from_state) in t.sources), None)
    return str(transition.label) if transition else event.event


def history(application: Application) -> list[HistoryRow]:
    """审核记录: every transition, oldest first, with role and org names and the per-section comments."""
    rows = []
    for event in application.events:
        rows.append(HistoryRow(
            at=event.at, action=_event_label(application, event),
            actor=event.actor.full_name if event.actor else _("System"),
            role=role_label(event.actor_role) if event.actor_role != "system" else _("System"),
            org=event.actor_org.name if event.actor_org else "",
            from_state=state_label(event.from_state), to_state=state_label(event.to_state),
            reason=event.reason or "",
            comments=[(str(SECTION_LABELS.get(code, code)), text) for code, text in event.section_comments.items()],
        ))
    return rows


def last_return(application: Application) -> ApplicationEvent | None:
    """The return the applicant is answering (shown with its comments beside each section), if any."""
    if application.state != AppState.returned:
        return None
    return db.session.scalar(
        select(ApplicationEvent).where(ApplicationEvent.application_id == application.id,
                                       ApplicationEvent.to_state == AppState.returned.value)
        .order_by(ApplicationEvent.id.desc()).limit(1)
    )


def sections(application: Application) -> list[tuple[str, str]]:
    """(code, label) of the application's sections, in wizard order."""
    return [(code, str(SECTION_LABELS[code])) for code in sections_of(application.business_type)]
