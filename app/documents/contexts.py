"""The context of each document, built from records already loaded: no query, no write, same input → same output."""
from __future__ import annotations

import datetime as dt

from app.display import display
from app.models import (
    ASSESSMENT_LABELS, BUSINESS_TYPE_LABELS, GENDER_LABELS, PUBLICATION_KIND_LABELS, Achievement, AchievementCategory,
    Application, BasicInfo, CeCertificate, Certificate, Education, Org, Publication, PublicationKind, ReviewBatch, WorkExperience,
)
from app.services import dictionaries
from app.workflow.ce_compliance import hours_text
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


def ce_certificate(record: CeCertificate, verify_url: str, authority: str, basis: str) -> dict:
    """继续教育证书 of one 培训年度: 门数 and 学时 by course type, the total and 年度认证情况."""
    holder = record.holder
    hours = {key: hours_text(getattr(record, key)) for key in
             ("public_hours", "professional_hours", "elective_hours", "total_hours")}
    return hours | {
        "name": record.holder_name, "id_number": holder.id_number if holder else "", "year": str(record.year),
        "series": dictionaries.label("title_series", record.series) if record.series else "",
        "public_courses": record.public_courses, "professional_courses": record.professional_courses,
        "elective_courses": record.elective_courses, "verdict": "达标" if record.compliant else "未达标",
        "number": record.number, "code": record.verification_code, "verify_url": verify_url,
        "authority": authority, "basis": basis or "继续教育学时要求",
        "issued_on": f"{record.issued_on.year}年{record.issued_on.month}月{record.issued_on.day}日",
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
        **_grouped(application, _achievement_row, _publication_row),
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


def _grouped(application: Application, row_of_achievement, row_of_publication) -> dict:
    """业绩 by category and 论著 by kind, each group in date order, numbered within the group."""
    achievements = {category.value: [] for category in AchievementCategory}
    for record in sorted(application.achievements, key=lambda a: a.start_date):
        group = achievements[record.category.value]
        group.append({"no": len(group) + 1} | row_of_achievement(record))
    publications = {kind.value: [] for kind in PublicationKind}
    for record in sorted(application.publications, key=lambda p: p.published_on):
        group = publications[record.kind.value]
        group.append({"no": len(group) + 1} | row_of_publication(record))
    return {"achievements": achievements, "publications": publications}


def _applied_for(application: Application, basic: BasicInfo | None) -> dict:
    return {
        "number": f"{application.id:08d}",
        "unit": application.unit.name if application.unit else _person(application, basic)["unit"],
        "series": dictionaries.label("title_series", application.series),
        "specialty": dictionaries.label("specialty", application.specialty),
        "title": dictionaries.label("title", application.title),
        "current_title": dictionaries.label("title", basic.current_title) if basic else "",
        "current_title_date": display(basic.current_title_date) if basic else "",
    }


def recommendation_form(application: Application, basic: BasicInfo | None) -> dict:
    """专业技术资格推荐表: 工作评述, 单位推荐意见 (德能勤绩) and the main 业绩 and 论著 (获奖排名, 发表刊物, 采用部门)."""
    form = application.form or {}

    def achievement(record: Achievement) -> dict:
        return _achievement_row(record) | {"award_rank": f"第{record.award_rank}名" if record.award_rank else ""}

    def publication(record: Publication) -> dict:
        return _publication_row(record) | {"kind": str(PUBLICATION_KIND_LABELS[record.kind])}

    grouped = _grouped(application, achievement, publication)
    return _person(application, basic) | _applied_for(application, basic) | {
        "work_review": form.get("work_review") or "", "unit_recommendation": form.get("unit_recommendation") or "",
        "achievements": [row for rows in grouped["achievements"].values() for row in rows],
        "publications": [row for rows in grouped["publications"].values() for row in rows],
    }


def audit_form(application: Application, basic: BasicInfo | None) -> dict:
    """专业技术审核表: the person's header facts, 业绩 grouped 普通项目 / 主持项目解决重大技术难题 / 获奖项目 and 论著
    grouped 论文 / 著作 / 省部级技术标准, with a count per group."""
    form = application.form or {}

    def achievement(record: Achievement) -> dict:
        return {"name": record.project_name, "level": dictionaries.label("project_level", record.project_level),
                "completed_on": display(record.end_date) if record.end_date else "",
                "conclusion": record.appraisal_conclusion or "", "role": record.own_role or record.own_work,
                "award_name": "、".join(p for p in (record.award_name, record.award_grade) if p),
                "award_rank": f"第{record.award_rank}名" if record.award_rank else "",
                "award_date": display(record.award_date) if record.award_date else ""}

    grouped = _grouped(application, achievement, _publication_row)
    school = " ".join(part for part in ((basic.graduated_school, basic.major_studied) if basic else ()) if part)
    return _person(application, basic) | _applied_for(application, basic) | grouped | {
        "school": school,
        "education": dictionaries.label("education", basic.highest_education) if basic else "",
        "years_in_field": form.get("years_in_field", ""),
        "foreign_language": (basic.foreign_language or "") if basic else "",
        "assessment": str(ASSESSMENT_LABELS.get(basic.annual_assessment, "")) if basic else "",
        "counts": {key: len(rows) for key, rows in (grouped["achievements"] | grouped["publications"]).items()},
    }


def publicity_list(batch: ReviewBatch, committee: Org, passed: list[Application], units: dict[int, str],
                   today: dt.date) -> dict:
    """评审结果公示名单 of one meeting: who passed, for which title, and how to raise an objection."""
    ends = [a.publicity_until for a in passed if a.publicity_until]
    return {
        "committee": committee.name, "batch": batch.name,
        "series": dictionaries.label("title_series", batch.series),
        "level": dictionaries.label("title_level", batch.level),
        "meeting_date": display(batch.meeting_date) if batch.meeting_date else "",
        "until": display(max(ends)) if ends else "",
        "contact": committee.contact_person or "", "phone": committee.contact_phone or "",
        "email": committee.contact_email or "", "address": committee.address or "",
        "count": len(passed), "published_on": f"{today.year}年{today.month}月{today.day}日",
        "rows": [{"no": index, "name": a.user.full_name, "unit": units.get(a.unit_id, ""),
                  "specialty": dictionaries.label("specialty", a.specialty),
                  "title": dictionaries.label("title", a.title)}
                 for index, a in enumerate(passed, start=1)],
    }
