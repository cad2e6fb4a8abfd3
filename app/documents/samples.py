"""Believable sample contexts, one per document, to try an uploaded template on before it is put in use.

Pure data, no query: a sample has every field the document's real context builder (app/documents/contexts.py)
gives, with records in each growing table, so a template that renders here renders for a real application.
Adding a document: write a function returning its sample and decorate it with `@sample("<spec code>")`
(tests/functional/test_document_templates.py fails for a document in the registry without a sample).
"""
from __future__ import annotations

from typing import Callable

SAMPLES: dict[str, Callable[[], dict]] = {}


def sample(code: str):
    """Register the sample context builder of one document (by its DocumentSpec code)."""
    def register(builder: Callable[[], dict]) -> Callable[[], dict]:
        SAMPLES[code] = builder
        return builder
    return register


def for_code(code: str) -> dict | None:
    """A fresh sample context of the document, or None when it has none."""
    builder = SAMPLES.get(code)
    return builder() if builder else None


def _person() -> dict:
    """The person of an application document, and its preview flag (a draft's preview is marked)."""
    return {"name": "王小明", "sex": "男", "birth_date": "1985-06-01", "id_number": "44010619850601123X",
            "unit": "广东省电子信息技术研究院", "preview": False}


def _applied_for() -> dict:
    return {"number": "00000042", "series": "工程技术", "specialty": "计算机软件", "title": "高级工程师",
            "current_title": "工程师", "current_title_date": "2015-12-31"}


def _achievement(no: int = 1, **changes) -> dict:
    return {"no": no, "period": "2019-01-01—2021-12-31", "name": "广东省政务数据共享交换平台", "role": "项目负责人",
            "level": "省部级", "award": ""} | changes


def _publication(no: int = 1, **changes) -> dict:
    return {"no": no, "title": "政务数据共享架构研究", "publisher": "计算机工程", "serial_no": "ISSN 1000-3428",
            "published_on": "2020-05-01", "rank": 1, "representative": "是"} | changes


_EVALUATION_FORM = {
    "person_type": "企事业单位专业技术人员", "current_work": "信息系统架构设计", "years_in_field": "15",
    "fulltime_education": "大学本科", "fulltime_degree": "工学学士", "language_exemption": "",
    "computer_exemption": "年满50周岁", "experience_met": "是", "experience_detail": "2016年起主持省级政务云平台建设。",
    "achievement_met": "是", "achievement_reason": "主持完成省级重点项目2项，获省科技进步二等奖。",
    "work_summary": "任现职以来，主持全省政务数据共享交换平台建设，负责总体架构设计。", "responsibility": "项目负责人",
    "work_review": "工作认真负责，业务能力突出。", "unit_recommendation": "该同志思想品德良好，业务能力强，同意推荐。",
    "commitment": "是", "entrusted_province": "广西壮族自治区",
}

_CONFIRMATION_FORM = {
    "original_title": "高级工程师", "original_authority": "湖南省人力资源和社会保障厅", "original_date": "2018-12-20",
    "original_certificate_no": "湘高职字2018-0456", "previous_employer": "湖南省交通规划勘察设计院",
    "previous_period": "2008-07—2020-03", "current_employer": "广州市城市规划勘测设计研究院",
    "arrival_date": "2020-04-01", "summary": "来粤后从事城市道路与桥梁设计工作，主持完成多项市政工程设计。" * 12,
    "commitment": "是",
}


@sample("material_list")
def material_list() -> dict:
    materials = [{"no": 1, "name": "学历证书复印件", "copies": 1}, {"no": 2, "name": "单位推荐意见（盖章）", "copies": 2},
                 {"no": 3, "name": "业绩成果证明材料", "copies": 1}]
    return _person() | {"business": "职称评审申请", "title": "高级工程师", "submitted_on": "2026-03-02",
                        "materials": materials, "count": len(materials),
                        "copies": sum(m["copies"] for m in materials)}


@sample("recognition_form")
def recognition_form() -> dict:
    return _person() | {
        "number": "00000042", "education": "大学本科", "school": "华南理工大学", "major": "计算机科学与技术",
        "work_start": "2007-07-01", "supervisor": "广东省工业和信息化厅", "series": "工程技术",
        "specialty": "计算机软件", "title": "工程师", "level": "中级", "education_basis": "大学本科",
        "graduation_date": "2007-07-01", "work_years": "18", "current_work": "信息系统架构设计",
        "education_records": [{"period": "2003-09-01—2007-07-01", "school": "华南理工大学",
                               "major": "计算机科学与技术", "education": "大学本科"}],
        "work": [{"period": "2007-07-01—2015-06-30", "employer": "广州某软件有限公司", "post": "软件工程师",
                  "duty": "系统开发"},
                 {"period": "2015-07-01—至今", "employer": "广东省电子信息技术研究院", "post": "系统架构师",
                  "duty": "架构设计"}],
    }


@sample("evaluation_form")
def evaluation_form() -> dict:
    return _person() | _EVALUATION_FORM | _applied_for() | {
        "business": "职称评审申请", "supervisor": "广东省工业和信息化厅", "level": "副高级", "exceptional": "否",
        "exceptional_reason": "",
        "achievements": {"ordinary": [_achievement()], "major_problem": [_achievement(name="省级政务云平台迁移")],
                         "awarded": [_achievement(name="智慧交通信号控制系统", award="广东省科学技术奖、二等奖、第1名")]},
        "publications": {"paper": [_publication()],
                         "book": [_publication(title="政务云平台建设实务", publisher="电子工业出版社",
                                               serial_no="ISBN 978-7-121-00000-0")],
                         "standard": [_publication(title="政务数据共享交换技术规范", publisher="广东省市场监督管理局",
                                                   serial_no="DB44/T 0000-2021")]},
        "members": 25, "present": 17, "yes": 12, "no": 4, "abstain": 1, "result": "通过",
    }


@sample("recommendation_form")
def recommendation_form() -> dict:
    return _person() | _applied_for() | {
        "work_review": _EVALUATION_FORM["work_review"], "unit_recommendation": _EVALUATION_FORM["unit_recommendation"],
        "achievements": [_achievement(award_rank=""),
                         _achievement(2, name="智慧交通信号控制系统", award="广东省科学技术奖、二等奖", award_rank="第1名")],
        "publications": [_publication(kind="论文"),
                         _publication(2, title="政务云平台建设实务", publisher="电子工业出版社", kind="著作")],
    }


@sample("audit_form")
def audit_form() -> dict:
    def project(no: int, name: str, **changes) -> dict:
        return {"no": no, "name": name, "level": "省部级", "completed_on": "2021-12-31", "conclusion": "国内领先",
                "role": "项目负责人", "award_name": "", "award_rank": "", "award_date": ""} | changes

    achievements = {"ordinary": [project(1, "广东省政务数据共享交换平台"), project(2, "全省社保卡应用平台")],
                    "major_problem": [project(1, "省级政务云平台迁移")],
                    "awarded": [project(1, "智慧交通信号控制系统", award_name="广东省科学技术奖、二等奖",
                                        award_rank="第1名", award_date="2022-05-20")]}
    publications = {"paper": [_publication()],
                    "book": [_publication(title="政务云平台建设实务", publisher="电子工业出版社")],
                    "standard": [_publication(title="政务数据共享交换技术规范", publisher="广东省市场监督管理局",
                                              serial_no="DB44/T 0000-2021")]}
    return _person() | _applied_for() | {
        "school": "华南理工大学 计算机科学与技术", "education": "大学本科", "years_in_field": "15",
        "foreign_language": "英语（职称英语B级）", "assessment": "优秀",
        "achievements": achievements, "publications": publications,
        "counts": {key: len(rows) for key, rows in (achievements | publications).items()},
    }


@sample("publicity_list")
def publicity_list() -> dict:
    rows = [{"no": 1, "name": "王小明", "unit": "广东省电子信息技术研究院", "specialty": "计算机软件", "title": "高级工程师"},
            {"no": 2, "name": "李晓红", "unit": "广州数智科技有限公司", "specialty": "通信工程", "title": "高级工程师"}]
    return {"committee": "广东省工程系列电子信息专业高级职称评审委员会", "batch": "2026年第一批",
            "series": "工程技术", "level": "副高级", "meeting_date": "2026-06-18", "until": "2026-06-25",
            "contact": "张工", "phone": "020-83000000", "email": "zhiping@example.gov.cn",
            "address": "广州市越秀区某路1号", "count": len(rows), "published_on": "2026年6月19日", "rows": rows}


@sample("confirmation_form")
def confirmation_form() -> dict:
    return _person() | _CONFIRMATION_FORM | {
        "number": "00000043", "supervisor": "广州市住房和城乡建设局", "series": "工程技术", "title": "高级工程师",
        "summary_length": len(_CONFIRMATION_FORM["summary"]),
    }


@sample("certificate")
def certificate() -> dict:
    return {"name": "王小明", "sex": "男", "birth_date": "1985-06-01", "id_number": "44010619850601123X",
            "series": "工程技术", "specialty": "计算机软件", "title": "高级工程师", "level": "副高级",
            "body": "广东省工程技术人才职称评审委员会", "authority": "广东省人力资源和社会保障厅",
            "issued_on": "2026年6月30日", "number": "GD2026-GJ-000123", "code": "8KQ2M7XP",
            "verify_url": "https://zhiping.example.gov.cn/verify/"}


@sample("ce_certificate")
def ce_certificate() -> dict:
    return {"name": "王小明", "id_number": "44010619850601123X", "year": "2025", "series": "工程技术",
            "public_courses": 2, "public_hours": "30", "professional_courses": 3, "professional_hours": "42",
            "elective_courses": 1, "elective_hours": "18", "total_hours": "90", "verdict": "达标",
            "number": "粤继教20250000123", "code": "8KQ2M7XP", "verify_url": "https://zhiping.example.gov.cn/verify/",
            "authority": "广东省人力资源和社会保障厅", "basis": "广东省专业技术人员继续教育规定（2021）",
            "issued_on": "2026年1月15日"}
