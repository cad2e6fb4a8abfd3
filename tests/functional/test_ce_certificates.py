"""继续教育证书 and 年度认证情况: figures from recognised hours, unique numbers, verification, scope."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import factories as f
from app.extensions import db
from app.models import (
    Achievement, Application, ApplicationMaterial, AppState, BusinessType, CeCertificate, CeRecord, CeRecordStatus, CertificateStatus, OperationLog,
)
from app.services import ce_certificates
from app.services.workdays import local_today
from app.workflow import ce_compliance

PASSWORD = "Demo@2026zp"
LAST_YEAR = local_today().year - 1


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _print(client, year: int):
    """打印证书 of a year: the POST, then the Word file it redirects to."""
    response = client.post(f"/my-ce-certificates/issue/{year}", {})
    assert response.status_code == 302, response.data[:300]
    return client.get(response.headers["Location"])


def _add_approved(app, year: int, course_type: str, hours: str, name: str = "补充课程") -> None:
    with app.app_context():
        owner = f.user("demo_applicant")
        db.session.add(CeRecord(
            user_id=owner.id, year=year, course_type=course_type, course_name=name, provider_name="某培训机构",
            start_date=local_today().replace(year=year, month=11, day=1), end_date=local_today().replace(
                year=year, month=11, day=2), claimed_hours=Decimal(hours), recognised_hours=Decimal(hours),
            status=CeRecordStatus.approved, unit_id=f.org(f.UNIT_A).id))
        db.session.commit()


def test_the_list_shows_each_year_with_courses_hours_and_verdict(app, browser_factory):
    applicant = browser_factory(app, "demo_applicant")
    page = applicant.get("/my-ce-certificates/").get_data(as_text=True)
    assert "继续教育证书打印" in page or "继续教育证书" in page
    row = re.search(rf'<tr data-year="{LAST_YEAR}">(.*?)</tr>', page, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    # 培训年度, 专业系列, 公需 门数/学时, 专业 门数/学时, 选修 门数/学时, 总学时, 年度认证情况
    assert cells[:9] == [str(LAST_YEAR), "工程", "2", "30", "2", "42", "1", "18", "90"]
    assert "达标" in cells[9] and "未达标" not in cells[9]


def test_printing_issues_one_numbered_certificate_with_the_figures(app, browser_factory):
    applicant = browser_factory(app, "demo_applicant")
    first = _print(applicant, LAST_YEAR)
    assert first.status_code == 200 and first.mimetype.endswith("wordprocessingml.document")
    text = _docx_text(first.data)
    with app.app_context():
        certificate = db.session.scalar(select(CeCertificate).where(CeCertificate.year == LAST_YEAR))
        number, code = certificate.number, certificate.verification_code
        assert (certificate.public_courses, certificate.public_hours) == (2, Decimal(30))
        assert (certificate.professional_courses, certificate.professional_hours) == (2, Decimal(42))
        assert (certificate.elective_courses, certificate.elective_hours, certificate.total_hours) == (
            1, Decimal(18), Decimal(90))
        assert certificate.compliant and certificate.series == "GC"
        assert db.session.scalar(select(func.count()).select_from(OperationLog).where(
            OperationLog.action == "ce_certificate_issue")) == 1
    assert number.startswith(f"粤继教{LAST_YEAR}") and number in text and code in text
    for expected in ("专业技术人员继续教育证书", str(LAST_YEAR), "工程", "达标", "90", "42", "广东省人力资源和社会保障厅"):
        assert expected in text, expected
    # Printing again with the same figures gives the same certificate.
    _print(applicant, LAST_YEAR)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CeCertificate)) == 1
    # The page now shows the number.
    assert number in applicant.get("/my-ce-certificates/").get_data(as_text=True)


def test_changed_hours_reissue_and_verification_tells_old_from_new(app, browser_factory):
    applicant = browser_factory(app, "demo_applicant")
    _print(applicant, LAST_YEAR)
    with app.app_context():
        old = db.session.scalar(select(CeCertificate))
        old_number, old_code = old.number, old.verification_code
    _add_approved(app, LAST_YEAR, "elective", "6")
    _print(applicant, LAST_YEAR)
    with app.app_context():
        rows = db.session.scalars(select(CeCertificate).order_by(CeCertificate.id)).all()
        assert [c.status for c in rows] == [CertificateStatus.replaced, CertificateStatus.valid]
        new = rows[1]
        assert new.number != old_number and new.original_id == rows[0].id
        assert (new.elective_courses, new.elective_hours, new.total_hours) == (2, Decimal(24), Decimal(96))
        new_number, new_code = new.number, new.verification_code
    public = app.test_client()
    page = public.get("/verify/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"number": new_number, "code": new_code}
    if token:
        data["csrf_token"] = token.group(1)
    shown = public.post("/verify/", data=data).get_data(as_text=True)
    assert "有效" in shown and "96" in shown and str(LAST_YEAR) in shown and "达标" in shown
    assert "测试人" not in shown  # the holder's name is masked
    data.update(number=old_number, code=old_code)
    shown = public.post("/verify/", data=data).get_data(as_text=True)
    assert "作废" in shown and "有效" not in shown.split("zp-verify-result")[1][:200]
    data.update(number=new_number, code="WRONG123")
    assert "没有与该证书编号和验证码相符的证书" in public.post("/verify/", data=data).get_data(as_text=True) \
        or "不符" in public.post("/verify/", data=data).get_data(as_text=True)


def test_a_year_without_recognised_hours_or_in_the_future_cannot_be_printed(app, browser_factory):
    applicant = browser_factory(app, "demo_applicant")
    for year in (local_today().year + 1, 2001):
        response = applicant.post(f"/my-ce-certificates/issue/{year}", {})
        assert response.status_code == 302 and response.headers["Location"].endswith("/my-ce-certificates/")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CeCertificate)) == 0


def test_a_year_missing_the_public_minimum_is_reported_as_not_met(app, browser_factory):
    short_year = LAST_YEAR - 1
    with app.app_context():
        owner = f.user("demo_applicant")
        record = db.session.scalars(select(CeRecord).where(
            CeRecord.user_id == owner.id, CeRecord.year == short_year, CeRecord.course_type == "public")).first()
        record.status = CeRecordStatus.rejected  # 公需 now 18 (or 12) < 30
        db.session.commit()
        verdict = ce_compliance.assess_years(owner.id, [short_year])[0]
        assert not verdict.compliant and any("公需课" in m for m in verdict.shortfalls)
    applicant = browser_factory(app, "demo_applicant")
    row = re.search(rf'<tr data-year="{short_year}">(.*?)</tr>', applicant.get("/my-ce-certificates/")
                    .get_data(as_text=True), re.S).group(1)
    assert "未达标" in row and "公需课" in row
    unit = browser_factory(app, "demo_unit")
    page = unit.get(f"/ce-compliance/?year={short_year}").get_data(as_text=True)
    with app.app_context():
        owner_id = f.user("demo_applicant").id
    row = re.search(rf'<tr data-user="{owner_id}">(.*?)</tr>', page, re.S).group(1)
    assert "未达标" in row and "公需课" in row
    # The 未达标 filter keeps them; 达标 drops them; the same year for the others in the unit is 未达标 (no hours).
    assert f'data-user="{owner_id}"' in unit.get(f"/ce-compliance/?year={short_year}&verdict=noncompliant") \
        .get_data(as_text=True)
    assert f'data-user="{owner_id}"' not in unit.get(f"/ce-compliance/?year={short_year}&verdict=compliant") \
        .get_data(as_text=True)
    assert f'data-user="{owner_id}"' in unit.get(f"/ce-compliance/?year={LAST_YEAR}&verdict=compliant") \
        .get_data(as_text=True)


def test_the_compliance_report_counts_and_exports_only_the_scope(app, browser_factory):
    with app.app_context():
        f.make_person("ce_a_two", "Apply2026ok", f.UNIT_A, birth="19860101")
        outsider = f.make_person("ce_c_one", "Apply2026ok", f.UNIT_C, birth="19870101")
        db.session.add(CeRecord(
            user_id=outsider.id, year=LAST_YEAR, course_type="public", course_name="外单位课程",
            provider_name="某机构", start_date=local_today().replace(year=LAST_YEAR, month=3, day=1),
            end_date=local_today().replace(year=LAST_YEAR, month=3, day=1), claimed_hours=Decimal(8),
            recognised_hours=Decimal(8), status=CeRecordStatus.approved, unit_id=f.org(f.UNIT_C).id))
        db.session.commit()
        outsider_id = outsider.id
    unit = browser_factory(app, "demo_unit")
    page = unit.get(f"/ce-compliance/?year={LAST_YEAR}").get_data(as_text=True)
    # Unit A: demo_applicant (达标) and ce_a_two (no hours, 未达标); unit C's person is not there.
    assert re.search(r"2\s*人，其中\s*1\s*人达标", page) or ("2" in page and "50.0%" in page)
    assert f'data-user="{outsider_id}"' not in page
    export = unit.get(f"/ce-compliance/export?year={LAST_YEAR}")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    names = [row[1] for row in values[1:] if row[1]]
    assert sorted(names) == sorted(["测试人", "李申报"]) and "外单位课程" not in str(values)
    assert any(row[11] == "达标" and row[10] == 90 for row in values[1:])
    # The authority sees both units' people; a hand-made unit outside the scope is refused as a condition.
    authority = browser_factory(app, "demo_authority")
    assert f'data-user="{outsider_id}"' in authority.get(f"/ce-compliance/?year={LAST_YEAR}").get_data(as_text=True)
    with app.app_context():
        unit_c = f.org(f.UNIT_C).id
    page = unit.get(f"/ce-compliance/?year={LAST_YEAR}&unit={unit_c}").get_data(as_text=True)
    assert f'data-user="{outsider_id}"' not in page and "单位" in page
    bad = unit.get("/ce-compliance/?year=abc")
    assert bad.status_code == 200 and str(LAST_YEAR) in bad.get_data(as_text=True)


def test_a_wide_reach_types_the_units_name_on_the_compliance_report(app, browser_factory, monkeypatch):
    """Too many units for a drop-down: the unit is typed; a single match narrows the rows and the counts, several
    or none are named in a warning and ignored, and a unit outside the reach is never matched."""
    from app.views import unit_filter

    monkeypatch.setattr(unit_filter, "UNIT_CHOICES", 1)
    with app.app_context():
        outsider_id = f.make_person("ce_c_typed", "Apply2026ok", f.UNIT_C, birth="19870101").id
        own_id = f.user("demo_applicant").id
    authority = browser_factory(app, "demo_authority")
    page = authority.get(f"/ce-compliance/?year={LAST_YEAR}").get_data(as_text=True)
    assert 'name="unit_name"' in page and 'name="unit"' not in page
    assert f'data-user="{outsider_id}"' in page and f'data-user="{own_id}"' in page
    for typed in (f.UNIT_C, "数智科技"):
        narrowed = authority.get(f"/ce-compliance/?year={LAST_YEAR}&unit_name={typed}").get_data(as_text=True)
        assert f'data-user="{outsider_id}"' in narrowed and f'data-user="{own_id}"' not in narrowed
        assert f'value="{f.UNIT_C}"' in narrowed and "未生效" not in narrowed
    several = authority.get(f"/ce-compliance/?year={LAST_YEAR}&unit_name=广东").get_data(as_text=True)
    assert "有多个单位名称包含「广东」" in several and f'data-user="{own_id}"' in several
    unit = browser_factory(app, "demo_unit")
    outside = unit.get(f"/ce-compliance/?year={LAST_YEAR}&unit_name={f.UNIT_C}").get_data(as_text=True)
    assert "没有名为" in outside and f'data-user="{outsider_id}"' not in outside


@pytest.mark.parametrize("username, expected", [
    ("demo_applicant", 200), ("demo_unit", 403), ("demo_supervisor", 403), ("demo_authority", 403),
    ("demo_committee", 403), ("demo_expert", 403), ("demo_provider", 403), (None, 302),
])
def test_only_persons_reach_their_certificate_pages(app, browser_factory, username, expected):
    client = browser_factory(app, username) if username else app.test_client()
    response = client.get("/my-ce-certificates/")
    assert response.status_code in ((expected,) if expected != 403 else (302, 403)), response.status_code
    if expected != 200:
        assert "继续教育证书" not in response.get_data(as_text=True)


@pytest.mark.parametrize("username, expected", [
    ("demo_applicant", False), ("demo_unit", True), ("demo_supervisor", True), ("demo_authority", True),
    ("demo_committee", False), ("demo_expert", False), ("demo_provider", False), (None, False),
])
def test_only_unit_supervisor_and_authority_staff_reach_the_compliance_report(app, browser_factory, username,
                                                                              expected):
    client = browser_factory(app, username) if username else app.test_client()
    for url in (f"/ce-compliance/?year={LAST_YEAR}", f"/ce-compliance/export?year={LAST_YEAR}"):
        response = client.get(url)
        assert (response.status_code == 200) is expected, (url, response.status_code)


def test_another_persons_certificate_cannot_be_downloaded(app, browser_factory):
    owner = browser_factory(app, "demo_applicant")
    _print(owner, LAST_YEAR)
    with app.app_context():
        certificate_id = db.session.scalar(select(CeCertificate.id))
        f.make_person("ce_other", "Apply2026ok", f.UNIT_A, birth="19880101")
    other = browser_factory(app)
    assert other.login("ce_other", "Apply2026ok").status_code in (302, 303)
    assert other.get(f"/my-ce-certificates/document/{certificate_id}").status_code == 404
    assert other.get("/my-ce-certificates/document/999999").status_code == 404
    response = other.post(f"/my-ce-certificates/issue/{LAST_YEAR}", {})
    assert response.status_code == 302 and response.headers["Location"].endswith("/my-ce-certificates/")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CeCertificate)) == 1  # nothing for them
    # GET on the state-changing route is not allowed.
    assert owner.get(f"/my-ce-certificates/issue/{LAST_YEAR}").status_code == 405


def test_two_prints_at_the_same_moment_give_one_certificate(app):
    def printing():
        holder = f.user("demo_applicant")

        def run():
            ce_certificates.issue(holder, LAST_YEAR, local_today())
            db.session.commit()
        return run

    outcomes = f.race(app, [printing, printing, printing], lost=IntegrityError)
    assert outcomes == ["ok", "ok", "ok"]
    with app.app_context():
        numbers = db.session.scalars(select(CeCertificate.number).where(
            CeCertificate.status == CertificateStatus.valid)).all()
        assert len(numbers) == 1


def test_completion_of_a_class_gives_hours_that_the_certificate_counts(app, browser_factory):
    """结业 → an approved CE record → the year's figures on the list and on the printed certificate."""
    this_year = local_today().year
    with app.app_context():
        learner_id = f.learner_with_a_completed_class("ce_learner", PASSWORD, "结业测试班")
    learner_browser = browser_factory(app)
    assert learner_browser.login("ce_learner", PASSWORD).status_code in (302, 303)
    page = learner_browser.get("/my-ce-certificates/").get_data(as_text=True)
    row = re.search(rf'<tr data-year="{this_year}">(.*?)</tr>', page, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells[2:9] == ["1", "12", "0", "0", "0", "0", "12"]  # 公需 1 门 12 学时; 总学时 12
    assert "未达标" in cells[9] and "公需课 12 学时" in cells[9]
    text = _docx_text(_print(learner_browser, this_year).data)
    assert "未达标" in text and "12" in text
    with app.app_context():
        certificate = db.session.scalar(select(CeCertificate).where(CeCertificate.holder_id == learner_id))
        assert (certificate.public_courses, certificate.public_hours, certificate.total_hours) == (
            1, Decimal(12), Decimal(12))
        assert not certificate.compliant and certificate.number in text


def test_a_title_application_is_refused_for_the_year_that_missed_the_public_minimum(app, browser_factory):
    """The same shortfall stops 提交 of an evaluation, through the screen, with the year named; the draft stays."""
    short_year = LAST_YEAR - 2
    with app.app_context():
        owner = f.user("demo_applicant")
        record = db.session.scalars(select(CeRecord).where(
            CeRecord.user_id == owner.id, CeRecord.year == short_year, CeRecord.course_type == "public")).first()
        record.recognised_hours = record.recognised_hours - 6  # 公需 24 < 30
        db.session.commit()
        draft = Application(business_type=BusinessType.evaluation, user_id=owner.id, series="GC", title="GC_4",
                            specialty="GC_0101", form=dict(f.EVALUATION_FORM))
        draft.materials.append(ApplicationMaterial(name="职称评审表", copies=2))
        draft.achievements = list(db.session.scalars(select(Achievement).where(Achievement.user_id == owner.id)))
        db.session.add(draft)
        db.session.commit()
        draft_id, version = draft.id, draft.version
    applicant = browser_factory(app, "demo_applicant")
    response = applicant.post(f"/applications/{draft_id}/act", {"event": "submit", "version": str(version)},
                              follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"继续教育学时未达标（{short_year} 年度）" in page and "公需课 24 学时" in page
    with app.app_context():
        assert db.session.get(Application, draft_id).state == AppState.draft
