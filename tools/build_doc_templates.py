"""Write the shipped Word templates of app/documents/templates with python-docx (run after changing a layout).

Each template is an A4 form with docxtpl placeholders: `{{ field }}` in cells, `{%tr for ... %}` rows that grow
with the records, and signature and seal blocks. The generated files are committed; the platform only renders them.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parent.parent / "app" / "documents" / "templates"
FONT = "宋体"


def _document(landscape: bool = False) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0), Cm(29.7))
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin = section.bottom_margin = Cm(2.0)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)  # the East Asian font is a separate attribute
    return doc


def _title(doc: Document, text: str, size: int = 18) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(size)
    run.font.name = "黑体"
    run._element.rPr.rFonts.set(qn("w:eastAsia"), "黑体")


def _preview_note(doc: Document) -> None:
    """A line shown only on the applicant's preview of a draft (docxtpl `{%p %}` drops the paragraphs otherwise)."""
    doc.add_paragraph("{%p if preview %}")
    run = doc.add_paragraph().add_run("预览稿：尚未提交，仅供核对，不作为正式申报材料。")
    run.bold = True
    doc.add_paragraph("{%p endif %}")


def _heading(doc: Document, text: str) -> None:
    run = doc.add_paragraph().add_run(text)
    run.bold = True
    run.font.size = Pt(12)


def _fields(doc: Document, pairs: list[tuple[str, str]], columns: int = 2) -> None:
    """A grid of label / value cells, `columns` pairs to a row."""
    rows = (len(pairs) + columns - 1) // columns
    table = doc.add_table(rows=rows, cols=columns * 2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, (label, value) in enumerate(pairs):
        row, col = divmod(index, columns)
        label_cell, value_cell = table.cell(row, col * 2), table.cell(row, col * 2 + 1)
        label_cell.text, value_cell.text = label, value
        label_cell.paragraphs[0].runs[0].bold = True


# Columns holding a short number or mark get a narrow width; the others share what is left of the line.
NARROW = {"序号", "份数", "本人排名", "代表作", "获奖排名", "获奖名次", "性别"}
LINE_WIDTH_CM = 16.6  # A4 less the margins of _document()


def _column_widths(headers: list[str], landscape: bool = False) -> list:
    narrow = sum(1 for h in headers if h in NARROW)
    total = 25.3 if landscape else LINE_WIDTH_CM
    wide = (total - 1.5 * narrow) / max(len(headers) - narrow, 1)
    return [Cm(1.5) if h in NARROW else Cm(wide) for h in headers]


def _records(doc: Document, headers: list[str], loop: str, cells: list[str]) -> None:
    """A table whose middle row repeats once per record (docxtpl `{%tr %}` rows); the header row repeats on
    every page the table runs over."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    for col, width in enumerate(_column_widths(headers)):
        table.columns[col].width = width  # the grid, which LibreOffice reads
        for row in table.rows:
            row.cells[col].width = width  # the cells, which Word reads
    for col, header in enumerate(headers):
        table.cell(0, col).text = header
        table.cell(0, col).paragraphs[0].runs[0].bold = True
    header_properties = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_properties.append(repeat)
    table.cell(1, 0).text = "{%tr for " + loop + " %}"
    for col, cell in enumerate(cells):
        table.cell(2, col).text = cell
    table.cell(3, 0).text = "{%tr endfor %}"


def _opinion(doc: Document, title: str) -> None:
    """An opinion box with its signature and seal line."""
    table = doc.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    cell = table.cell(0, 0)
    cell.text = f"{title}：\n\n\n"
    cell.add_paragraph("负责人签字：                （盖章）          年    月    日").alignment = WD_ALIGN_PARAGRAPH.RIGHT


def material_list() -> Document:
    doc = _document()
    _title(doc, "个人提交材料清单")
    _preview_note(doc)
    _fields(doc, [("姓名", "{{ name }}"), ("证件号码", "{{ id_number }}"), ("人事管理单位", "{{ unit }}"),
                  ("申报业务", "{{ business }}"), ("申报职称", "{{ title }}"), ("提交日期", "{{ submitted_on }}")])
    doc.add_paragraph()
    _records(doc, ["序号", "材料名称", "份数"], "m in materials", ["{{ m.no }}", "{{ m.name }}", "{{ m.copies }}"])
    doc.add_paragraph("共 {{ count }} 项，{{ copies }} 份。")
    doc.add_paragraph("本人承诺所提交的材料真实有效，如有虚假，愿承担相应责任。")
    doc.add_paragraph("申报人签名：                    日期：        年    月    日").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _opinion(doc, "单位审核意见")
    return doc


def recognition_form() -> Document:
    doc = _document()
    _title(doc, "专业技术人员职称考核认定申报表")
    _preview_note(doc)
    doc.add_paragraph("申报编号：{{ number }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _heading(doc, "一、基本情况")
    _fields(doc, [("姓名", "{{ name }}"), ("性别", "{{ sex }}"), ("出生日期", "{{ birth_date }}"),
                  ("证件号码", "{{ id_number }}"), ("最高学历", "{{ education }}"), ("毕业院校", "{{ school }}"),
                  ("所学专业", "{{ major }}"), ("参加工作时间", "{{ work_start }}"), ("人事管理单位", "{{ unit }}"),
                  ("主管单位", "{{ supervisor }}")])
    _heading(doc, "二、申报信息")
    _fields(doc, [("专业系列", "{{ series }}"), ("专业", "{{ specialty }}"), ("申报资格名称", "{{ title }}"),
                  ("资格等级", "{{ level }}"), ("认定依据学历", "{{ education_basis }}"), ("毕业时间", "{{ graduation_date }}"),
                  ("专业工作年限", "{{ work_years }}"), ("现从事专业技术工作", "{{ current_work }}")])
    _heading(doc, "三、学历教育")
    _records(doc, ["起止时间", "学校", "专业", "学历"], "e in education_records",
             ["{{ e.period }}", "{{ e.school }}", "{{ e.major }}", "{{ e.education }}"])
    _heading(doc, "四、工作经历")
    _records(doc, ["起止时间", "工作单位", "职务", "主要工作"], "w in work",
             ["{{ w.period }}", "{{ w.employer }}", "{{ w.post }}", "{{ w.duty }}"])
    doc.add_page_break()
    _heading(doc, "五、审核意见")
    _opinion(doc, "人事管理单位意见")
    _opinion(doc, "主管单位意见")
    _opinion(doc, "人力资源社会保障部门意见")
    doc.add_paragraph("本人承诺以上内容真实有效。申报人签名：                日期：        年    月    日")
    return doc


def _text_box(doc: Document, title: str, field: str) -> None:
    """A long text (小结, 总结) in a bordered box under its heading."""
    _heading(doc, title)
    table = doc.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    table.cell(0, 0).text = "{{ " + field + " }}"


def evaluation_form() -> Document:
    doc = _document()
    _title(doc, "专业技术资格评定表")
    _preview_note(doc)
    doc.add_paragraph("申报编号：{{ number }}        {{ business }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _heading(doc, "一、基本情况")
    _fields(doc, [("姓名", "{{ name }}"), ("性别", "{{ sex }}"), ("出生日期", "{{ birth_date }}"),
                  ("证件号码", "{{ id_number }}"), ("人事管理单位", "{{ unit }}"), ("主管单位", "{{ supervisor }}"),
                  ("现职称", "{{ current_title }}"), ("取得时间", "{{ current_title_date }}")])
    _heading(doc, "二、申报信息")
    _fields(doc, [("人员类型", "{{ person_type }}"), ("专业系列", "{{ series }}"), ("专业名称", "{{ specialty }}"),
                  ("资格名称", "{{ title }}"), ("资格等级", "{{ level }}"), ("破格申报", "{{ exceptional }}"),
                  ("现从事专业技术工作", "{{ current_work }}"), ("本专业工作年限", "{{ years_in_field }}"),
                  ("本专业最高全日制学历", "{{ fulltime_education }}"), ("本专业最高全日制学位", "{{ fulltime_degree }}")])
    doc.add_paragraph("破格理由：{{ exceptional_reason }}")
    _text_box(doc, "三、专业工作经历（能力）条件：{{ experience_met }}", "experience_detail")
    _heading(doc, "四、主要业绩成果")
    for title, loop in (("（一）普通项目", "ordinary"), ("（二）主持项目解决重大技术难题", "major_problem"),
                        ("（三）获奖项目", "awarded")):
        doc.add_paragraph(title)
        _records(doc, ["起止时间", "项目名称", "本人作用", "项目级别", "获奖情况"], f"a in achievements.{loop}",
                 ["{{ a.period }}", "{{ a.name }}", "{{ a.role }}", "{{ a.level }}", "{{ a.award }}"])
    _heading(doc, "五、主要论著")
    for title, loop in (("（一）论文", "paper"), ("（二）著作", "book"), ("（三）省部级技术标准", "standard")):
        doc.add_paragraph(title)
        _records(doc, ["名称", "刊物或出版单位", "刊号/书号", "发表时间", "本人排名", "代表作"], f"p in publications.{loop}",
                 ["{{ p.title }}", "{{ p.publisher }}", "{{ p.serial_no }}", "{{ p.published_on }}", "{{ p.rank }}",
                  "{{ p.representative }}"])
    doc.add_page_break()
    _text_box(doc, "六、专业技术工作小结", "work_summary")
    _text_box(doc, "七、单位推荐意见（德、能、勤、绩）", "unit_recommendation")
    _opinion(doc, "人事管理单位意见（公示情况）")
    _opinion(doc, "主管单位意见")
    _heading(doc, "八、评审委员会评审结果")
    _fields(doc, [("委员总数", "{{ members }}"), ("出席人数", "{{ present }}"), ("赞成", "{{ yes }}"),
                  ("反对", "{{ no }}"), ("弃权", "{{ abstain }}"), ("评审结果", "{{ result }}")], columns=3)
    _opinion(doc, "评审委员会意见")
    _opinion(doc, "人力资源社会保障部门确认备案意见")
    return doc


def confirmation_form() -> Document:
    doc = _document()
    _title(doc, "省外来粤专业技术人员职称资格确认申报表")
    _preview_note(doc)
    doc.add_paragraph("申报编号：{{ number }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _heading(doc, "一、申请信息")
    _fields(doc, [("姓名", "{{ name }}"), ("性别", "{{ sex }}"), ("出生日期", "{{ birth_date }}"),
                  ("证件号码", "{{ id_number }}"), ("确认专业系列", "{{ series }}"), ("确认资格名称", "{{ title }}")])
    _heading(doc, "二、原省外工作信息")
    _fields(doc, [("原资格名称", "{{ original_title }}"), ("审批机关", "{{ original_authority }}"),
                  ("取得时间", "{{ original_date }}"), ("证书编号", "{{ original_certificate_no }}"),
                  ("原工作单位", "{{ previous_employer }}"), ("工作起止时间", "{{ previous_period }}")])
    _heading(doc, "三、现工作信息")
    _fields(doc, [("现工作单位", "{{ current_employer }}"), ("来粤时间", "{{ arrival_date }}"),
                  ("人事管理单位", "{{ unit }}"), ("主管单位", "{{ supervisor }}")])
    _text_box(doc, "四、个人在粤工作期间专业工作总结（{{ summary_length }} 字）", "summary")
    doc.add_paragraph("五、个人承诺：本人承诺所填信息及所提交材料真实有效，如有虚假，自愿承担相应责任。{{ commitment }}")
    doc.add_paragraph("申报人签名：                    日期：        年    月    日").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _opinion(doc, "人事管理单位意见")
    _opinion(doc, "主管单位意见")
    _opinion(doc, "人力资源社会保障部门确认意见")
    return doc


def recommendation_form() -> Document:
    doc = _document()
    _title(doc, "专业技术资格推荐表")
    _preview_note(doc)
    doc.add_paragraph("申报编号：{{ number }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _heading(doc, "一、基本情况")
    _fields(doc, [("姓名", "{{ name }}"), ("性别", "{{ sex }}"), ("出生日期", "{{ birth_date }}"),
                  ("证件号码", "{{ id_number }}"), ("工作单位", "{{ unit }}"), ("现职称", "{{ current_title }}"),
                  ("取得时间", "{{ current_title_date }}"), ("专业系列", "{{ series }}"), ("专业名称", "{{ specialty }}"),
                  ("推荐资格", "{{ title }}")])
    _text_box(doc, "二、工作评述", "work_review")
    _text_box(doc, "三、单位推荐意见（德、能、勤、绩）", "unit_recommendation")
    _heading(doc, "四、主要业绩成果")
    _records(doc, ["序号", "起止时间", "项目名称", "本人作用", "项目级别", "获奖情况", "获奖排名"], "a in achievements",
             ["{{ loop.index }}", "{{ a.period }}", "{{ a.name }}", "{{ a.role }}", "{{ a.level }}", "{{ a.award }}",
              "{{ a.award_rank }}"])
    _heading(doc, "五、主要论著（文）")
    _records(doc, ["序号", "类别", "名称", "发表刊物/出版单位/采用部门", "发表时间", "本人排名"], "p in publications",
             ["{{ loop.index }}", "{{ p.kind }}", "{{ p.title }}", "{{ p.publisher }}", "{{ p.published_on }}",
              "{{ p.rank }}"])
    doc.add_paragraph()
    _opinion(doc, "推荐单位意见")
    doc.add_paragraph("单位负责人签字：                经办人：                推荐单位（盖章）")
    return doc


def audit_form() -> Document:
    doc = _document()
    _title(doc, "专业技术资格审核表")
    _preview_note(doc)
    doc.add_paragraph("申报编号：{{ number }}        申报资格：{{ title }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _fields(doc, [("姓名", "{{ name }}"), ("性别", "{{ sex }}"), ("毕业学校及专业", "{{ school }}"),
                  ("学历层次", "{{ education }}"), ("现从事专业年限", "{{ years_in_field }}"),
                  ("外语", "{{ foreign_language }}"), ("考核结果", "{{ assessment }}"), ("工作单位", "{{ unit }}")])
    _heading(doc, "一、专业技术工作业绩")
    for title, loop in (("（一）普通项目", "ordinary"), ("（二）主持项目解决重大技术难题", "major_problem")):
        doc.add_paragraph(title + "（共 {{ counts." + loop + " }} 项）")
        _records(doc, ["序号", "项目名称", "项目级别", "完成时间", "鉴定结论", "本人作用"], f"a in achievements.{loop}",
                 ["{{ a.no }}", "{{ a.name }}", "{{ a.level }}", "{{ a.completed_on }}", "{{ a.conclusion }}",
                  "{{ a.role }}"])
    doc.add_paragraph("（三）获奖项目（共 {{ counts.awarded }} 项）")
    _records(doc, ["序号", "项目名称", "获奖名称及等级", "获奖名次", "获奖时间"], "a in achievements.awarded",
             ["{{ a.no }}", "{{ a.name }}", "{{ a.award_name }}", "{{ a.award_rank }}", "{{ a.award_date }}"])
    doc.add_page_break()
    _heading(doc, "二、论文、著作")
    for title, loop, headers in (
            ("（一）论文", "paper", ["序号", "论文题目", "刊物名称", "刊号", "发表时间", "本人排名"]),
            ("（二）著作", "book", ["序号", "著作名称", "出版单位", "书号", "出版时间", "本人排名"]),
            ("（三）省部级技术标准", "standard", ["序号", "标准名称", "发布部门", "标准编号", "发布时间", "本人排名"])):
        doc.add_paragraph(title + "（共 {{ counts." + loop + " }} 项）")
        _records(doc, headers, f"p in publications.{loop}",
                 ["{{ p.no }}", "{{ p.title }}", "{{ p.publisher }}", "{{ p.serial_no }}", "{{ p.published_on }}",
                  "{{ p.rank }}"])
    doc.add_paragraph()
    _opinion(doc, "审核意见（以上业绩、论著经核对属实）")
    doc.add_paragraph("审核人签字：                复核人签字：                审核单位（盖章）")
    return doc


def publicity_list() -> Document:
    doc = _document()
    _title(doc, "{{ committee }}评审结果公示名单", size=16)
    doc.add_paragraph("根据职称评审工作有关规定，{{ committee }}于{{ meeting_date }}召开评审会议（{{ batch }}，"
                      "{{ series }}{{ level }}），经评审，以下 {{ count }} 名同志通过评审，现予以公示。")
    _records(doc, ["序号", "姓名", "工作单位", "专业", "评审通过资格"], "r in rows",
             ["{{ r.no }}", "{{ r.name }}", "{{ r.unit }}", "{{ r.specialty }}", "{{ r.title }}"])
    doc.add_paragraph()
    doc.add_paragraph("公示期截至{{ until }}。公示期间，对公示对象有异议的，请以书面形式实名向{{ committee }}"
                      "反映，并提供必要的证明材料。")
    doc.add_paragraph("联系人：{{ contact }}    联系电话：{{ phone }}    电子邮箱：{{ email }}")
    doc.add_paragraph("通讯地址：{{ address }}")
    doc.add_paragraph("{{ committee }}（盖章）\n{{ published_on }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return doc


def certificate() -> Document:
    doc = _document(landscape=True)
    _title(doc, "专业技术资格证书", size=26)
    doc.add_paragraph()
    _fields(doc, [("姓名", "{{ name }}"), ("性别", "{{ sex }}"), ("出生日期", "{{ birth_date }}"),
                  ("证件号码", "{{ id_number }}"), ("专业系列", "{{ series }}"), ("专业", "{{ specialty }}"),
                  ("资格名称", "{{ title }}"), ("资格等级", "{{ level }}"), ("评审（认定）机构", "{{ body }}"),
                  ("取得资格时间", "{{ issued_on }}"), ("证书编号", "{{ number }}"), ("验证码", "{{ code }}")])
    doc.add_paragraph()
    doc.add_paragraph("经审核，该同志具备上述专业技术资格。").alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("查验方式：登录{{ verify_url }}，输入证书编号和验证码。")
    doc.add_paragraph("{{ authority }}（盖章）\n{{ issued_on }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return doc


def ce_certificate() -> Document:
    """继续教育证书 of one 培训年度 (seed 002 §3.3.4), printed landscape."""
    doc = _document(landscape=True)
    _title(doc, "专业技术人员继续教育证书", size=24)
    doc.add_paragraph()
    _fields(doc, [("姓名", "{{ name }}"), ("证件号码", "{{ id_number }}"), ("培训年度", "{{ year }}"),
                  ("专业系列", "{{ series }}"), ("证书编号", "{{ number }}"), ("验证码", "{{ code }}")], columns=2)
    doc.add_paragraph()
    table = doc.add_table(rows=3, cols=8)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for first, title in ((0, "公需课目"), (2, "专业课目"), (4, "个人选修课目")):
        merged = table.cell(0, first).merge(table.cell(0, first + 1))
        merged.text = title
        table.cell(1, first).text, table.cell(1, first + 1).text = "门数", "学时"
    for col, title in ((6, "总学时"), (7, "年度认证情况")):
        table.cell(0, col).merge(table.cell(1, col)).text = title
    values = ["public_courses", "public_hours", "professional_courses", "professional_hours",
              "elective_courses", "elective_hours", "total_hours", "verdict"]
    for col, key in enumerate(values):
        table.cell(2, col).text = "{{ " + key + " }}"
    for row in table.rows[:2]:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                for run in paragraph.runs:
                    run.bold = True
    doc.add_paragraph()
    doc.add_paragraph("以上学时经所在单位审核认定，依据{{ basis }}核定年度认证情况。")
    doc.add_paragraph("查验方式：登录{{ verify_url }}，输入证书编号和验证码。")
    doc.add_paragraph("{{ authority }}\n{{ issued_on }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return doc


TEMPLATES = {
    "material_list": material_list, "recognition_form": recognition_form, "evaluation_form": evaluation_form,
    "confirmation_form": confirmation_form, "recommendation_form": recommendation_form, "audit_form": audit_form,
    "publicity_list": publicity_list, "certificate": certificate, "ce_certificate": ce_certificate,
}


def main(names: list[str]) -> None:
    """Write the named templates, or all of them."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in TEMPLATES.items():
        if names and name not in names:
            continue
        build().save(OUT / f"{name}.docx")
        print(f"wrote {OUT / name}.docx")


if __name__ == "__main__":
    main(sys.argv[1:])
