"""PDF of the generated documents: LibreOffice headless when installed; otherwise the reason and the Word file."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading

import pytest
from sqlalchemy import select

import factories as f
from app.documents import pdf, registry
from app.extensions import db
from app.models import Application, OperationLog
from conftest import DEMO_PASSWORD
from test_documents import recognition

HAVE_SOFFICE = bool(shutil.which("soffice") or shutil.which("libreoffice"))
needs_soffice = pytest.mark.skipif(not HAVE_SOFFICE, reason="LibreOffice is not installed "
                                                            "(tools/install-test-deps.sh installs it)")


def pdf_text(content: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


@needs_soffice
def test_a_document_downloads_as_pdf_with_the_applicants_values(app, browser_factory):
    with app.app_context():
        app_id = recognition(submit=False)  # the applicant's preview of the draft
        name = f.user("demo_applicant").full_name
    applicant = browser_factory(app, "demo_applicant")
    page = applicant.get(f"/applications/{app_id}").get_data(as_text=True)
    assert f"/applications/{app_id}/documents/material_list?format=pdf" in page and "PDF 版" in page
    response = applicant.get(f"/applications/{app_id}/documents/material_list?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"] and ".pdf" in \
        response.headers["Content-Disposition"]
    if shutil.which("pdftotext"):
        text = pdf_text(response.data)
        assert "个人提交材料清单" in text and name in text and "学历证书复印件" in text
    with app.app_context():
        logged = db.session.scalars(select(OperationLog.outcome).where(
            OperationLog.action == "document.material_list.pdf", OperationLog.target_id == app_id)).all()
    assert logged == ["success"]


@needs_soffice
def test_concurrent_conversions_each_use_their_own_profile_and_leave_no_files(app, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with app.app_context():
        app_id = recognition()
        content = registry.application_document(registry.RECOGNITION_FORM, db.session.get(Application, app_id))
    results: list = []

    def convert():
        with app.app_context():
            results.append(pdf.convert(content))

    threads = [threading.Thread(target=convert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and all(r.startswith(b"%PDF-") for r in results)
    if shutil.which("pdftotext"):
        assert "专业技术人员职称考核认定申报表" in pdf_text(results[0])
    assert list(tmp_path.iterdir()) == []


def test_without_libreoffice_the_page_says_why_and_offers_the_word_file(app_with, browser_factory):
    app = app_with(SOFFICE_PATH="/nonexistent/soffice")
    with app.app_context():
        app_id = recognition(submit=False)
        submitted_id = recognition()
        f.make_person("someone_else", DEMO_PASSWORD, f.UNIT_B, birth="19900101")
    assert browser_factory(app, "someone_else").get(
        f"/applications/{app_id}/documents/material_list?format=pdf").status_code == 404
    applicant = browser_factory(app, "demo_applicant")
    page = applicant.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "format=pdf" not in page and "SOFFICE_PATH" in page and "暂不能生成 PDF" in page
    assert f"/applications/{app_id}/documents/material_list" in page and "Word 版" in page
    response = applicant.get(f"/applications/{app_id}/documents/material_list?format=pdf")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "无法生成 PDF" in body and "暂不能生成 PDF" in body
    assert f'href="/applications/{app_id}/documents/material_list"' in body
    reviewer = browser_factory(app, "demo_unit").get(  # the archived copy of the submission, same refusal
        f"/review/applications/{submitted_id}/documents/recognition_form?format=pdf").get_data(as_text=True)
    assert f'href="/review/applications/{submitted_id}/documents/recognition_form"' in reviewer
    assert "暂不能生成 PDF" in reviewer
    with app.app_context():
        outcomes = db.session.scalars(select(OperationLog.outcome).where(
            OperationLog.action.like("document.%.pdf"), OperationLog.target_id.in_((app_id, submitted_id)))).all()
    assert outcomes == ["failure", "failure"]


def test_without_any_soffice_the_reason_is_that_it_is_not_installed(app_with, browser_factory):
    app = app_with(SOFFICE_PATH=None)
    with app.app_context():
        assert pdf.status() == (False, "暂不能生成 PDF：服务器未安装 LibreOffice。")
        with pytest.raises(pdf.PdfFailed):
            pdf.convert(b"PK")


def test_a_conversion_that_hangs_is_stopped_and_cleaned_up(app_with, tmp_path, monkeypatch):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    work = tmp_path / "tmp"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    app = app_with(SOFFICE_PATH=str(fake), PDF_TIMEOUT=1)
    with app.app_context():
        with pytest.raises(pdf.PdfFailed) as failure:
            pdf.convert(b"PK\x03\x04")
    assert str(failure.value) == "PDF 转换超过 1 秒，已中止。"
    assert list(work.iterdir()) == []


def test_a_failing_converter_gives_the_reason(app_with, tmp_path):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho broken >&2\nexit 3\n")
    fake.chmod(0o755)
    app = app_with(SOFFICE_PATH=str(fake))
    with app.app_context():
        with pytest.raises(pdf.PdfFailed) as failure:
            pdf.convert(b"PK\x03\x04")
    assert str(failure.value) == "LibreOffice 未能将文书转换为 PDF。"


@needs_soffice
def test_the_certificate_page_offers_word_and_pdf(app, browser_factory):
    from app.models import AppState, Certificate
    from app.workflow import engine
    with app.app_context():
        app_id = recognition()
        for reviewer in ("demo_unit", "demo_supervisor", "demo_authority"):
            engine.apply(app_id, "approve", f.user(reviewer))
        assert db.session.get(Application, app_id).state == AppState.completed
        cert_id = db.session.scalar(select(Certificate.id).where(Certificate.application_id == app_id))
    page = browser_factory(app, "demo_applicant").get(f"/my-certificates/show/{cert_id}").get_data(as_text=True)
    assert f"/my-certificates/document/{cert_id}?format=pdf" in page and "下载证书（PDF）" in page
    assert f"/my-certificates/document/{cert_id}" in page
