"""The automatic check at submission (SPEC §5.1): named rules, each with its Chinese message, all run together."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import extract, func, select

from app.extensions import db
from app.models import (
    FINAL_STATES, Application, AppState, AppUser, BasicInfo, BusinessType, Gender, Org, OrgKind, OrgStatus,
)
from app.services import certificates, credit, dictionaries, retirement, workdays
from app.workflow import ce_compliance, ladder
from app.workflow.forms import FORMS, SUMMARY_MIN_CHARS, TITLED, WITH_MATERIALS
from app.workflow.profile import completeness


@dataclass(frozen=True)
class Rule:
    """One rule of the automatic check: its name, the types it applies to, and the check itself."""

    name: str
    types: tuple[BusinessType, ...]
    check: Callable[[Application], list[str]]


def profile_complete(application: Application) -> list[str]:
    """The profile's required sections are complete and approved (seed 001 §5.1)."""
    report = completeness(application.user_id)
    return [] if report.complete else [report.message()]


def required_fields(application: Application) -> list[str]:
    """Every required field of the type's form is filled; the commitment is ticked."""
    missing = []
    for spec in FORMS[application.business_type]:
        value = (application.form or {}).get(spec.key)
        if spec.required and (value in (None, "", False) or (isinstance(value, str) and not value.strip())):
            missing.append(str(spec.label))
    if application.business_type in TITLED:
        wanted = ((application.series, _("Professional series")), (application.title, _("Title applied for")))
        for value, label in wanted:
            if not value:
                missing.append(label)
    return [_("Please fill in: %(fields)s.", fields="、".join(missing))] if missing else []


def title_in_series(application: Application) -> list[str]:
    """The title and specialty applied for belong to the chosen series."""
    problems = []
    if application.title and dictionaries.attr("title", application.title, "series") != application.series:
        problems.append(_("The title applied for does not belong to the chosen series."))
    if application.specialty and not dictionaries.in_series("specialty", application.specialty, application.series):
        problems.append(_("The specialty does not belong to the chosen series."))
    return problems


def not_cross_level(application: Application) -> list[str]:
    """逐级申报: the title is the next one above the current title, unless 破格 is claimed with a reason."""
    if not application.title or application.business_type == BusinessType.out_of_province:
        return []
    if application.exceptional:
        return [] if (application.exceptional_reason or "").strip() else [
            _("An exceptional (破格) application needs its reason.")]
    current = db.session.scalar(select(BasicInfo.current_title).where(BasicInfo.user_id == application.user_id))
    if application.title in ladder.next_titles(current, application.series):
        return []
    return [_("Titles are applied for level by level: %(title)s is not the next title after your current title "
              "(%(current)s).", title=dictionaries.label("title", application.title),
              current=dictionaries.label("title", current) or _("None"))]


def seniority_met(application: Application) -> list[str]:
    """任职年限: enough years since the current title (or since starting work) for the level applied for."""
    if not application.title or application.exceptional or application.business_type == BusinessType.out_of_province:
        return []
    level = dictionaries.attr("title", application.title, "level")
    required = dictionaries.attr("title_level", level, "seniority_years")
    since = db.session.scalar(select(BasicInfo.current_title_date).where(BasicInfo.user_id == application.user_id))
    if not required or since is None:
        return []
    today = workdays.local_today()
    years = today.year - since.year - ((today.month, today.day) < (since.month, since.day))
    if years >= int(required):
        return []
    return [_("%(title)s needs %(required)s years since the current title (or since starting work); you have "
              "%(years)d.", title=dictionaries.label("title", application.title), required=required, years=years)]


def not_retired(application: Application) -> list[str]:
    """Professionals who have reached the statutory retirement age no longer apply for titles (人社部令第40号)."""
    person = db.session.get(AppUser, application.user_id)
    if not retirement.is_retired(person.birth_date, person.gender == Gender.female, workdays.local_today()):
        return []
    return [_("You have reached the statutory retirement age and can no longer apply for a title.")]


def no_active_credit_record(application: Application) -> list[str]:
    """An active 失信记录 blocks new title applications (SPEC §7), named so the applicant knows which."""
    person = db.session.get(AppUser, application.user_id)
    return [_("You have a breach-of-trust record in force (%(content)s, until %(until)s) and cannot apply for a "
              "title now.", content=record.content, until=record.valid_until.isoformat())
            for record in credit.active_for_person(person)]


def ce_compliant(application: Application) -> list[str]:
    """Continuing education met the requirement in each full year since the current title, at most the last five
    (SPEC §6); each failing year is named with what it lacks."""
    basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == application.user_id))
    # Without a title, the years since work started (the date the profile gives to 当前职称为无).
    since = (basic.current_title_date or basic.work_start_date) if basic else None
    years = ce_compliance.years_since(since, workdays.local_today())
    failing = [a for a in ce_compliance.assess_years(application.user_id, years) if not a.compliant]
    if not failing:
        return []
    return [_("Continuing education is not met in %(years)s: %(details)s",
              years="、".join(str(a.totals.year) for a in failing),
              details="；".join(message.rstrip("。.") for a in failing for message in a.shortfalls))]


def not_terminated_this_year(application: Application) -> list[str]:
    """资格不符终止审核 bars the same business for the rest of the year."""
    year = workdays.local_today().year
    barred = db.session.scalar(
        select(func.count()).select_from(Application).where(
            Application.user_id == application.user_id, Application.business_type == application.business_type,
            Application.state == AppState.terminated, extract("year", Application.finished_at) == year,
        )
    )
    return [_("An application of this business was terminated this year; you may apply again next year.")] \
        if barred else []


def one_open_application(application: Application) -> list[str]:
    """At most one open application per business."""
    others = db.session.scalar(
        select(func.count()).select_from(Application).where(
            Application.user_id == application.user_id, Application.business_type == application.business_type,
            Application.id != application.id, Application.state.not_in(FINAL_STATES + (AppState.draft,)),
        )
    )
    return [_("You already have an application of this business in progress.")] if others else []


def materials_listed(application: Application) -> list[str]:
    """The paper materials to hand in are listed."""
    return [] if application.materials else [_("Please list the paper materials you will hand in.")]


def achievements_selected(application: Application) -> list[str]:
    """An evaluation names at least one approved achievement of the profile."""
    return [] if application.achievements else [_("Please select at least one professional achievement.")]


def summary_long_enough(application: Application) -> list[str]:
    """省外来粤: the summary of work in Guangdong has at least 500 characters."""
    summary = "".join((application.form or {}).get("summary", "").split())
    if len(summary) >= SUMMARY_MIN_CHARS:
        return []
    return [_("The work summary must have at least %(n)d characters (now %(count)d).", n=SUMMARY_MIN_CHARS,
              count=len(summary))]


def new_unit_valid(application: Application) -> list[str]:
    """人事管理单位变更: the new unit is an active unit other than the current one."""
    raw = (application.form or {}).get("new_unit_id")
    unit = db.session.get(Org, int(raw)) if str(raw or "").isdigit() else None
    if unit is None or unit.kind != OrgKind.unit or unit.status != OrgStatus.active:
        return [_("Please choose an active personnel management unit.")]
    current = db.session.scalar(select(BasicInfo.unit_id).where(BasicInfo.user_id == application.user_id))
    return [_("The new unit is your current unit.")] if unit.id == current else []


def certificate_owned(application: Application) -> list[str]:
    """补换发: the certificate named is a valid certificate of the applicant."""
    number = (application.form or {}).get("certificate_no", "")
    return [] if certificates.owned_valid(application.user_id, number) else [
        _("No valid certificate of yours has the number %(number)s.", number=number or "—")]


ALL = tuple(BusinessType)
RULES: tuple[Rule, ...] = (
    Rule("profile_complete", ALL, profile_complete),
    Rule("required_fields", ALL, required_fields),
    Rule("title_in_series", TITLED, title_in_series),
    Rule("not_cross_level", TITLED, not_cross_level),
    Rule("seniority_met", TITLED, seniority_met),
    Rule("not_retired", TITLED, not_retired),
    Rule("no_active_credit_record", TITLED, no_active_credit_record),
    Rule("ce_compliant", TITLED, ce_compliant),
    Rule("not_terminated_this_year", ALL, not_terminated_this_year),
    Rule("one_open_application", ALL, one_open_application),
    Rule("materials_listed", WITH_MATERIALS, materials_listed),
    Rule("achievements_selected", (BusinessType.evaluation, BusinessType.entrusted), achievements_selected),
    Rule("summary_long_enough", (BusinessType.out_of_province,), summary_long_enough),
    Rule("new_unit_valid", (BusinessType.unit_change,), new_unit_valid),
    Rule("certificate_owned", (BusinessType.reissue,), certificate_owned),
)


def run(application: Application) -> list[str]:
    """Every failing rule's message for this application (empty: it passes)."""
    messages: list[str] = []
    for rule in RULES:
        if application.business_type in rule.types:
            messages.extend(str(message) for message in rule.check(application))
    return messages
