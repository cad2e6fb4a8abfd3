"""The context of each document, built from records already loaded: no query, no write, same input → same output."""
from __future__ import annotations

import datetime as dt

from app.display import display
from app.models import (
    BUSINESS_TYPE_LABELS, GENDER_LABELS, Achievement, AchievementCategory, Application, BasicInfo, Certificate,
    Education, Publication, PublicationKind, WorkExperience,
)
from app.services import dictionaries
from app.workflow.forms import FORMS
from app.workflow.meeting import Tally


def _period(start: dt.date | None, end: dt.date | None) -> str:
    return f"{display(start)}—{display(end) if end else '至今'}"


def _person(application_or_user, basic: BasicInfo | None) -> dict:
    user = getattr(application_or_user, "user", application_or_user)
    return {
        "name": user.full_name, "sex": str(GENDER_LABELS.get(user.gender, "")), "birth_date": display(user.birth_date),
        "id_number": user.id_number or "",
        "unit": basic.unit.name if basic and basic.unit else "",
    }


def material_list(application: Application, basic: BasicInfo | None) -> dict:
    """个人提交材料清单."""
    materials = [{"no": index, "name": m.name, "copies": m.copies}
                 for index, m in enumerate(application.materials, start=1)]
    return _person(application, basic) | {
        "unit": application.unit.name if application.unit else _person(application, basic)["unit"],
        "business": str(BUSINESS_TYPE_LABELS[application.business_type]),
        "title": dictionaries.label("title", application.title),
        "submitted_on": display(application.submitted_at.date()) if application.submitted_at else "",
        "materials": materials, "count": len(materials), "copies": sum(m["copies"] for m in materials),
    }


def recognition_form(application: Application, basic: BasicInfo | None, education: list[Education],
                     work: list[WorkExperience]) -> dict:
    """专业技术人员职称考核认定申报表: the person, what is applied for, and the growing 学历 and 工作经历 tables."""
    form = application.form or {}
    return _person(application, basic) | {
        "number": f"{application.id:08d}",
        "education": dictionaries.label("education", basic.highest_education) if basic else "",
        "school": basic.graduated_school if basic else "", "major": basic.major_studied if basic else "",
        "work_start": display(basic.work_start_date) if basic else "",
        "unit": application.unit.name if application.unit else _person(application, basic)["unit"],
        "supervisor": application.supervisor.name if application.supervisor else "",
        "series": dictionaries.label("title_series", application.series),
        "specialty": dictionaries.label("specialty", application.specialty),
        "title": dictionaries.label("title", application.title),
        "level": dictionaries.label("title_level", application.level),
        "education_basis": dictionaries.label("education", form.get("education_basis")),
        "graduation_date": form.get("graduation_date", ""), "work_years": form.get("work_years", ""),
        "current_work": form.get("current_work", ""),
        "education_records": [{"period": _period(e.start_date, e.end_date), "school": e.school, "major": e.major,
                               "education": dictionaries.label("education", e.education)} for e in education],
        "work": [{"period": _period(w.start_date, w.end_date), "employer": w.employer, "post": w.post,
                  "duty": w.duty or ""} for w in work],
    }


def certificate(record: Certificate, verify_url: str) -> dict:
    """职称证书 with its number and verification code."""
    holder = record.holder
    body = record.committee or record.issuer
    return {
        "name": record.holder_name, "sex": str(GENDER_LABELS.get(holder.gender, "")) if holder else "",
        "birth_date": display(holder.birth_date) if holder else "", "id_number": holder.id_number if holder else "",
        "series": dictionaries.label("title_series", record.series),
        "specialty": dictionaries.label("specialty", record.specialty),
        "title": dictionaries.label("title", record.title), "level": dictionaries.label("title_level", record.level),
        "body": body.name if body else "", "authority": record.issuer.name if record.issuer else "",
        "issued_on": f"{record.issued_on.year}年{record.issued_on.month}月{record.issued_on.day}日",
        "number": record.number, "code": record.verification_code, "verify_url": verify_url,
    }


def _form_labels(application: Application) -> dict:
    """The type's form values as people read them (dictionary labels, 是/否, dates)."""
    form = application.form or {}
    shown = {}
    for spec in FORMS[application.business_type]:
        value = form.get(spec.key)
        if spec.kind == "bool":
            shown[spec.key] = display(bool(value))
        elif spec.kind.startswith("dict:"):
            shown[spec.key] = dictionaries.label(spec.kind[5:], value)
        else:
            shown[spec.key] = "" if value is None else str(value)
    return shown


def _achievement_row(record: Achievement) -> dict:
    award = "、".join(part for part in (record.award_name, record.award_grade,
                                        f"第{record.award_rank}名" if record.award_rank else None) if part)
    return {"period": _period(record.start_date, record.end_date), "name": record.project_name,
            "role": record.own_role or record.own_work,
            "level": dictionaries.label("project_level", record.project_level),
            "award": award}


def _publication_row(record: Publication) -> dict:
    return {"title": record.title, "publisher": record.publisher, "serial_no": record.serial_no or "",
            "published_on": display(record.published_on), "rank": record.author_rank,
            "representative": display(record.is_representative)}


def evaluation_form(application: Application, basic: BasicInfo | None, tally: Tally | None) -> dict:
    """专业技术资格评定表: 业绩 grouped 普通项目 / 主持项目解决重大技术难题 / 获奖项目, 论著 grouped 论文 / 著作 / 标准."""
    achievements = {category.value: [] for category in AchievementCategory}
    for record in sorted(application.achievements, key=lambda a: a.start_date):
        achievements[record.category.value].append(_achievement_row(record))
    publications = {kind.value: [] for kind in PublicationKind}
    for record in sorted(application.publications, key=lambda p: p.published_on):
        publications[record.kind.value].append(_publication_row(record))
    counted = tally if tally and tally.present else None
    return _person(application, basic) | _form_labels(application) | {
        "number": f"{application.id:08d}", "business": str(BUSINESS_TYPE_LABELS[application.business_type]),
        "unit": application.unit.name if application.unit else _person(application, basic)["unit"],
        "supervisor": application.supervisor.name if application.supervisor else "",
        "current_title": dictionaries.label("title", basic.current_title) if basic else "",
        "current_title_date": display(basic.current_title_date) if basic else "",
        "series": dictionaries.label("title_series", application.series),
        "specialty": dictionaries.label("specialty", application.specialty),
        "title": dictionaries.label("title", application.title),
        "level": dictionaries.label("title_level", application.level),
        "exceptional": display(application.exceptional), "exceptional_reason": application.exceptional_reason or "",
        "achievements": achievements, "publications": publications,
        "members": counted.members if counted else "", "present": counted.present if counted else "",
        "yes": counted.yes if counted else "", "no": counted.no if counted else "",
        "abstain": counted.abstain if counted else "",
        "result": ("通过" if counted.passed else "未通过") if counted and counted.complete else "",
    }


def confirmation_form(application: Application, basic: BasicInfo | None) -> dict:
    """省外来粤专业技术人员职称资格确认申报表, with the length of the summary as counted by the check."""
    shown = _form_labels(application)
    return _person(application, basic) | shown | {
        "number": f"{application.id:08d}",
        "unit": application.unit.name if application.unit else _person(application, basic)["unit"],
        "supervisor": application.supervisor.name if application.supervisor else "",
        "series": dictionaries.label("title_series", application.series),
        "title": dictionaries.label("title", application.title),
        "summary_length": len("".join(shown.get("summary", "").split())),
    }
