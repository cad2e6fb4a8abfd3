"""The context of each document, built from records already loaded: no query, no write, same input → same output."""
from __future__ import annotations

import datetime as dt

from app.display import display
from app.models import (
    BUSINESS_TYPE_LABELS, GENDER_LABELS, Application, BasicInfo, Certificate, Education, WorkExperience,
)
from app.services import dictionaries


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
