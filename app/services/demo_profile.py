"""The demo applicant's registration facts and a complete profile, approved through the real workflow."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Achievement, AchievementCategory, AppUser, AssessmentResult, BasicInfo, Country, Education, EmployerNature,
    ExamScore, Gender, Honour, Org, Position, Publication, PublicationKind, Training, WorkExperience,
)
from app.workflow import profile_review

DEMO_ID_NUMBER = "110101198001010037"
DEMO_UNIT = "广东省电子信息技术研究院"


def fill_registration(user: AppUser) -> None:
    """The facts the demo applicant would have typed at registration (the manual's example person)."""
    user.id_type = "01"
    user.id_number = DEMO_ID_NUMBER
    user.gender = Gender.male
    user.birth_date = dt.date(1980, 1, 1)
    user.mobile = "13823047801"
    user.country = Country.CN


def load_profile(applicant: AppUser, unit_reviewer: AppUser, supervisor_reviewer: AppUser) -> int:
    """Give the applicant every section and have the unit and the supervisor approve it; 0 if present."""
    if db.session.scalar(select(BasicInfo.id).where(BasicInfo.user_id == applicant.id)) is not None:
        return 0
    unit = db.session.scalar(select(Org).where(Org.name == DEMO_UNIT))
    records = [
        BasicInfo(
            ethnicity="01", native_place="广东广州", political_status="01", highest_education="21",
            highest_degree="4", major_studied="计算机科学与技术", graduated_school="中山大学",
            graduation_date=dt.date(2002, 7, 1), work_start_date=dt.date(2002, 7, 15), title_series="GC",
            specialty="GC_0101", specialty_years=18, current_title="GC_3", current_title_date=dt.date(2013, 12, 20),
            annual_assessment=AssessmentResult.excellent, foreign_language="大学英语六级",
            archive_unit=DEMO_UNIT, postcode="510630", unit_id=unit.id,
        ),
        Education(start_date=dt.date(1998, 9, 1), end_date=dt.date(2002, 7, 1), school="中山大学",
                  major="计算机科学与技术", education="21", degree="4", study_mode="full_time"),
        WorkExperience(start_date=dt.date(2002, 7, 15), end_date=dt.date(2008, 6, 30), employer="广州数智科技有限公司",
                       post="软件开发", duty="工程师", witness="周经理"),
        WorkExperience(start_date=dt.date(2008, 7, 1), employer=DEMO_UNIT, post="系统架构", duty="项目负责人",
                       witness="张老师"),
        Position(employer_full_name=DEMO_UNIT, employer_nature=EmployerNature.institution,
                 supervising_department="广东省工业和信息化厅", current_post="信息系统架构设计",
                 post_since=dt.date(2008, 7, 1), qualification_name="工程师",
                 approving_authority="广东省人力资源和社会保障厅", qualification_date=dt.date(2013, 12, 20),
                 appointed_title="工程师", appointed_date=dt.date(2014, 1, 1)),
        Training(start_date=dt.date(2025, 5, 10), end_date=dt.date(2025, 5, 14), content="网络与信息安全专题培训",
                 organiser="华南理工大学继续教育学院", hours=40),
        ExamScore(exam_category="computer", exam_name="计算机应用能力考试", score="合格",
                  exam_date=dt.date(2012, 6, 1), certificate_no="GD2012060001"),
        Achievement(start_date=dt.date(2019, 3, 1), end_date=dt.date(2021, 12, 31), completion_form="lead",
                    project_name="全省政务数据共享交换平台", own_work="主持总体架构设计与关键模块研发",
                    completion_status="已验收", effect_evaluation="支撑全省 21 个地市数据共享，运行稳定",
                    own_role="项目技术负责人", project_level="provincial", appraisal_conclusion="国内先进",
                    category=AchievementCategory.major_problem),
        Achievement(start_date=dt.date(2016, 1, 1), end_date=dt.date(2017, 6, 30), completion_form="participate",
                    project_name="智慧园区物联网管理系统", own_work="负责数据采集子系统",
                    category=AchievementCategory.ordinary),
        Publication(kind=PublicationKind.paper, title="基于微服务的政务数据共享架构研究", publisher="计算机工程与应用",
                    serial_no="ISSN 1002-8331", published_on=dt.date(2021, 8, 1), author_rank=1,
                    is_representative=True),
        Honour(description="广东省工业和信息化厅授予“优秀科技工作者”称号", awarded_on=dt.date(2022, 1, 10)),
    ]
    for record in records:
        record.user_id = applicant.id
        db.session.add(record)
    db.session.commit()
    review = profile_review.submit(applicant)
    review = profile_review.decide(review.id, review.version, unit_reviewer, [])
    profile_review.decide(review.id, review.version, supervisor_reviewer, [])
    return len(records)
