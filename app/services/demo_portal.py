"""Demo portal articles: seed 001's 政策法规 and 通知公告 titles, a 办事指南, a 常见问题 and a 文件下载 with a
generated Word form and Excel list. One notice is pinned; one draft and one future-dated notice stay hidden."""
from __future__ import annotations

import datetime as dt
import hashlib
import io

import docx
from openpyxl import Workbook
from sqlalchemy import exists, select

from app.extensions import db
from app.models import GUIDANCE_SLUGS, Article, ArticleCategory, ArticleFile, AppUser, Attachment
from app.services import attachments
from app.services.workdays import local_today

POLICIES = (
    "关于印发《广东省地质勘查工程专业高、中、初级资格条件（试行）》的通知",
    "关于印发《广东省工程技术高级工程师（教授级）资格条件（试行）》的通知",
    "关于明确当前专业技术资格申报评审若干问题的通知",
    "关于省外来粤人员高级专业技术资格确认的暂行办法",
    "关于印发《广东省高级专业技术资格评审暂行办法》的通知",
    "人事部关于印发《专业技术资格评定暂行办法》的通知",
)
NOTICES = (
    "关于做好年度专业技术人员资格评审工作的通知",
    "广东省高级专业技术资格评审委员会组织管理办法",
    "关于印发《广东省大中专院校毕业生初次专业技术资格考核认定暂行办法》的通知",
    "广东省非公有制企业专业技术人员专业技术资格评定暂行办法",
    "关于信息项目和主要功能基本流程征求意见的通知",
)
GUIDE_BODY = (
    "一、个人用户在网站注册，登录网上申报系统维护个人基本信息。\n"
    "二、首次进行个人基本信息维护时，须选择所属的人事管理单位，系统将根据所属人事管理单位自动确定个人各项业务的办理流程。\n"
    "三、个人基本信息经人事管理单位和主管单位审核通过后，方可进行职称业务的申报。\n"
    "四、业务被退回修改的，请在整改期限内完善后重新提交，逾期视为放弃。"
)
FAQ_BODY = (
    "业务申请时，如出现提示：你个人的“基本信息”、“学历教育信息”、“完成专业技术工作及业绩成果”、“工作经历信息”信息不完整，"
    "请补充相应的信息，经主管单位审核后方可办理业务。\n"
    "原因是个人项目信息未填写完整，需先完成填写并提交人事管理单位和主管单位审核，审核通过后方可进行业务办理。"
)

GUIDANCE = {
    "form_instructions": (
        "一、请按“申报信息、基本情况、任职情况、学习经历、工作经历、工作业绩、论文著作、培训情况”的顺序逐项填写，"
        "带 * 的项目为必填项。\n"
        "二、工作业绩请按普通项目、主持项目解决重大技术难题、获奖项目分类填写；论文著作请按论文、著作、省部级技术标准分类填写，"
        "系统据此生成专业技术资格审核表。\n"
        "三、提交前请依次查看各个生成报表，确认无误后再提交审核。"
    ),
    "declaration_instructions": (
        "一、申报人须逐级申报，申报资格应为现有职称的上一级；破格申报须说明理由，由审核人员审核。\n"
        "二、个人信息须经人事管理单位和主管单位审核通过后方可申报。\n"
        "三、提交后，在审核人员打开前可撤回修改；被退回的，请在整改期限内完善后重新提交，逾期视为放弃。"
    ),
}


def _docx() -> bytes:
    document = docx.Document()
    document.add_heading("专业技术资格评审申报材料清单", level=1)
    for line in ("1. 专业技术资格评定表（一式2份）", "2. 专业技术资格推荐表（一式1份）", "3. 学历、资格证书复印件"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "申报人员名单"
    sheet.append(["序号", "姓名", "工作单位", "申报专业", "申报资格"])
    sheet.append([1, "（示例）", "广东省电子信息技术研究院", "电子信息", "高级工程师"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _file(owner: AppUser, name: str, data: bytes, content_type: str) -> ArticleFile:
    attachment = Attachment(owner_id=owner.id, storage_key=attachments.write(data), original_name=name,
                            content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    return ArticleFile(attachment=attachment)


def load_articles(admin: AppUser) -> int:
    """The demo articles, unless any article exists; returns the number created (not committed)."""
    if db.session.scalar(select(exists().where(Article.id.isnot(None)))):
        return 0
    today = local_today()

    def article(category, title, days_ago, body="", **extra):
        made = Article(category=category, title=title, body=body or title, publish_date=today - dt.timedelta(days_ago),
                       published=extra.pop("published", True), pinned=extra.pop("pinned", False),
                       created_by_id=admin.id, updated_by_id=admin.id, files=extra.pop("files", []))
        db.session.add(made)
        return made

    for index, title in enumerate(POLICIES):
        article(ArticleCategory.policy, title, 30 + index * 20)
    for index, title in enumerate(NOTICES):
        article(ArticleCategory.notice, title, 5 + index * 15,
                body=f"各有关单位：\n{title}，请认真组织实施。\n广东省人力资源和社会保障厅", pinned=index == 0)
    article(ArticleCategory.notice, "关于下一年度职称评审工作安排的通知（待发布）", -10)
    article(ArticleCategory.notice, "关于职称申报系统维护的通知（草稿）", 1, published=False)
    article(ArticleCategory.guide, "职称评审网上申报操作指引", 20, body=GUIDE_BODY)
    article(ArticleCategory.faq, "业务申请时提示个人信息不完整怎么办？", 12, body=FAQ_BODY)
    article(ArticleCategory.download, "专业技术资格评审申报表格下载", 8,
            body="申报人请下载申报材料清单和申报人员名单模板，按要求填写。",
            files=[_file(admin, "专业技术资格评审申报材料清单.docx", _docx(), attachments.DOCX_TYPE),
                   _file(admin, "申报人员名单模板.xlsx", _xlsx(), attachments.XLSX_TYPE)])
    for slug, body in GUIDANCE.items():
        made = article(ArticleCategory.guidance, str(GUIDANCE_SLUGS[slug]), 30, body=body)
        made.slug = slug
    return len(POLICIES) + len(NOTICES) + 5 + len(GUIDANCE)
