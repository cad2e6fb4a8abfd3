"""Administrator-managed Word templates: checked before use, every version kept, one in use, admin only."""
from __future__ import annotations

import datetime as dt
import hashlib
import io

import docx
import openpyxl
import pytest
from sqlalchemy import func, select

import factories as f
from app.documents import contexts, registry, samples, versions
from app.errors import ValidationFailed
from app.extensions import db
from app.models import (
    Application, AppUser, BusinessType, Certificate, DocumentTemplateChoice, DocumentTemplateVersion, Gender,
    OperationLog, Org, ReviewBatch,
)
from test_documents import recognition, text_of

MARK = "本清单为第二版"


def shipped(spec) -> bytes:
    return registry.shipped_template(spec).read_bytes()


def edited(spec, line: str) -> bytes:
    """The shipped template of a document with one more paragraph, as an administrator would edit it in Word."""
    document = docx.Document(io.BytesIO(shipped(spec)))
    document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def problems(code: str, content: bytes) -> list[str]:
    with pytest.raises(ValidationFailed) as failure:
        versions.check(code, content)
    return failure.value.errors["file"]


# ------------------------------------------------------------------------------------------------ samples

def test_every_document_in_the_registry_has_a_sample():
    missing = [spec.code for spec in registry.all_specs() if spec.code not in samples.SAMPLES]
    assert not missing, f"add a sample context in app/documents/samples.py for: {missing}"
    assert {"material_list", "recognition_form", "evaluation_form", "confirmation_form", "recommendation_form",
            "audit_form", "publicity_list", "certificate"} <= {spec.code for spec in registry.all_specs()}


def test_samples_carry_every_field_the_real_contexts_give(shared_app):
    """A template checked on the sample must not meet an unknown field on a real application."""
    with shared_app.app_context():
        person = AppUser(first_name="小明", last_name="王", gender=Gender.male)
        real = {
            "material_list": contexts.material_list(
                Application(business_type=BusinessType.recognition, form={}, user=person), None),
            "recognition_form": contexts.recognition_form(
                Application(id=1, business_type=BusinessType.recognition, form={}, user=person), None, [], []),
            "evaluation_form": contexts.evaluation_form(
                Application(id=1, business_type=BusinessType.entrusted, form={}, user=person), None, None),
            "confirmation_form": contexts.confirmation_form(
                Application(id=1, business_type=BusinessType.out_of_province, form={}, user=person), None),
            "recommendation_form": contexts.recommendation_form(
                Application(id=1, business_type=BusinessType.evaluation, form={}, user=person), None),
            "audit_form": contexts.audit_form(
                Application(id=1, business_type=BusinessType.evaluation, form={}, user=person), None),
            "publicity_list": contexts.publicity_list(
                ReviewBatch(name="2026年第一批", series="GC", level="4"), Org(name="评委会"), [], {},
                dt.date(2026, 6, 19)),
            "certificate": contexts.certificate(
                Certificate(holder=person, holder_name="王小明", title="GC_4", issued_on=dt.date(2026, 6, 30),
                            number="N1", verification_code="C1"), "https://example/verify/"),
        }
        evaluation = contexts.evaluation_form(
            Application(id=1, business_type=BusinessType.evaluation, form={}, user=person), None, None)
    for code, context in real.items():
        assert set(context) <= set(samples.for_code(code)), code
    assert set(evaluation) <= set(samples.for_code("evaluation_form"))


def test_every_shipped_template_passes_the_checks(shared_app):
    with shared_app.app_context():
        for spec in registry.all_specs():
            versions.check(spec.code, shipped(spec))


# ------------------------------------------------------------------------------------------------ checks

def test_bad_uploads_are_refused_with_the_reason(shared_app):
    spec = registry.MATERIAL_LIST
    workbook = io.BytesIO()
    openpyxl.Workbook().save(workbook)
    with shared_app.app_context():
        assert problems("material_list", b"") == ["模板文件为空。"]
        assert "不是 Word 文档" in problems("material_list", b"%PDF-1.4 not a word file")[0]
        assert "不是 Word 文档" in problems("material_list", workbook.getvalue())[0]  # a zip, but Excel
        assert "不是 Word 文档" in problems("material_list", b"PK\x03\x04 broken zip")[0]
        shared_app.config["DOCUMENT_TEMPLATE_MAX_BYTES"] = 1024
        try:
            assert problems("material_list", shipped(spec)) == ["模板文件超过 1 KB。"]
        finally:
            shared_app.config["DOCUMENT_TEMPLATE_MAX_BYTES"] = 2048 * 1024
        syntax = problems("material_list", edited(spec, "申请人：{{ name "))[0]
        assert syntax.startswith("模板语法错误（第 ") and "申请人：" in syntax
        assert problems("material_list", edited(spec, "{{ foo }}{% if bar %}x{% endif %}{{ name }}")) == \
            ["模板使用了未知字段：bar、foo"]
        # the fields of another document are unknown here, whatever the file is called
        assert problems("material_list", shipped(registry.CERTIFICATE)) == \
            ["模板使用了未知字段：authority、body、code、issued_on、level、number、series、specialty、verify_url"]
        record = problems("material_list", edited(spec, "{% for m in materials %}{{ m.bogus }}{% endfor %}"))
        assert record == ["模板使用了记录中不存在的字段：bogus"]
        assert problems("material_list", edited(spec, "{{ name.__class__.__mro__ }}")) == \
            ["模板访问了程序内部对象，不允许使用。"]
        # loop variables and the known attributes of records are fine
        versions.check("material_list", edited(spec, "{% for m in materials %}{{ loop.index }}{{ m.name }}"
                                                     "{% endfor %}{{ name|default('') }}"))
        assert "没有示例数据" in problems("no_such_document", shipped(spec))[0]


# ------------------------------------------------------------------------------------------------ admin screens

def test_admin_uploads_activates_goes_back_and_keeps_every_version(app, browser_factory):
    with app.app_context():
        app_id = recognition(submit=False)  # a draft: the applicant's preview is rendered afresh each time
        name = f.user("demo_applicant").full_name
    admin = browser_factory(app, "demo_admin")
    applicant = browser_factory(app, "demo_applicant")

    def listing() -> str:
        return text_of(applicant.get(f"/applications/{app_id}/documents/material_list").data)

    def state():
        with app.app_context():
            rows = db.session.execute(select(DocumentTemplateVersion.version, DocumentTemplateVersion.note)
                                      .order_by(DocumentTemplateVersion.version)).all()
            choice = db.session.get(DocumentTemplateChoice, "material_list")
            active = choice.version.version if choice and choice.version else None
            db.session.remove()
        return [tuple(r) for r in rows], active

    page = admin.get("/document-templates/").get_data(as_text=True)
    assert "文书模板" in page and "个人提交材料清单" in page and "职称证书" in page and "默认模板（平台自带）" in page
    default = admin.get("/document-templates/material_list/default")
    assert default.status_code == 200 and default.data == shipped(registry.MATERIAL_LIST)
    assert MARK not in listing()

    upload = admin.post("/document-templates/material_list/upload", {
        "file": (io.BytesIO(edited(registry.MATERIAL_LIST, MARK + "：{{ name }}")), "清单v1.docx"),
        "note": "增加版本说明", "activate": "y"}, content_type="multipart/form-data")
    assert upload.status_code == 302
    assert state() == ([(1, "增加版本说明")], 1)
    assert f"{MARK}：{name}" in listing()  # the uploaded version is used at once, its fields filled

    refused = admin.post("/document-templates/material_list/upload", {
        "file": (io.BytesIO(edited(registry.MATERIAL_LIST, "{{ salary }}")), "坏模板.docx"), "activate": "y"},
        content_type="multipart/form-data")
    assert refused.status_code == 200 and "模板使用了未知字段：salary" in refused.get_data(as_text=True)
    assert state() == ([(1, "增加版本说明")], 1)

    later = admin.post("/document-templates/material_list/upload", {
        "file": (io.BytesIO(shipped(registry.MATERIAL_LIST)), "清单v2.docx"), "note": ""},
        content_type="multipart/form-data")  # the box unticked: stored, not in use
    assert later.status_code == 302
    assert state() == ([(1, "增加版本说明"), (2, None)], 1)
    assert MARK in listing()

    with app.app_context():
        first, second = db.session.scalars(select(DocumentTemplateVersion.id)
                                           .order_by(DocumentTemplateVersion.version)).all()
    assert admin.post("/document-templates/material_list/activate", {"version_id": second}).status_code == 302
    assert state()[1] == 2 and MARK not in listing()
    assert admin.post("/document-templates/material_list/activate", {"version_id": first}).status_code == 302
    assert state()[1] == 1 and MARK in listing()
    assert admin.post("/document-templates/material_list/activate", {"version_id": "default"}).status_code == 302
    assert state()[1] is None and MARK not in listing()
    # a version of another document, or nonsense, changes nothing
    admin.post("/document-templates/certificate/activate", {"version_id": first})
    admin.post("/document-templates/material_list/activate", {"version_id": "abc"})
    with app.app_context():
        assert db.session.get(DocumentTemplateChoice, "certificate") is None
    assert state() == ([(1, "增加版本说明"), (2, None)], None)

    history = admin.get("/document-templates/material_list/").get_data(as_text=True)
    assert "第 1 版" in history and "第 2 版" in history and "清单v1.docx" in history and "增加版本说明" in history
    kept = admin.get(f"/document-templates/material_list/versions/{first}")
    assert kept.status_code == 200 and MARK in text_of(kept.data)
    assert admin.get(f"/document-templates/certificate/versions/{first}").status_code == 404
    assert admin.get("/document-templates/nonsense/").status_code == 404
    with app.app_context():
        logged = dict(db.session.execute(select(OperationLog.action, func.count()).where(
            OperationLog.action.like("document_template.%")).group_by(OperationLog.action)).all())
    assert logged == {"document_template.upload": 2, "document_template.activate": 4}


def test_an_older_version_that_no_longer_fits_cannot_be_put_back(app, browser_factory):
    with app.app_context():
        record = DocumentTemplateVersion(code="material_list", version=1, content=b"not a docx", size=10,
                                         sha256=hashlib.sha256(b"not a docx").hexdigest(), filename="old.docx")
        db.session.add(record)
        db.session.commit()
        version_id = record.id
    admin = browser_factory(app, "demo_admin")
    page = admin.post("/document-templates/material_list/activate", {"version_id": version_id},
                      follow_redirects=True).get_data(as_text=True)
    assert "该版本不能启用" in page
    with app.app_context():
        assert db.session.get(DocumentTemplateChoice, "material_list") is None


def test_concurrent_uploads_and_choices_keep_one_version_in_use(app):
    content = shipped(registry.MATERIAL_LIST)
    with app.app_context():
        admin_id = f.user("demo_admin").id

    def uploading():
        return lambda: lambda: versions.upload("material_list", content, "a.docx", "",
                                               db.session.get(AppUser, admin_id))

    assert f.race(app, [uploading(), uploading()], Exception) == ["ok", "ok"]
    with app.app_context():
        numbers = db.session.scalars(select(DocumentTemplateVersion.version)
                                     .order_by(DocumentTemplateVersion.version)).all()
        ids = db.session.scalars(select(DocumentTemplateVersion.id)).all()
    assert numbers == [1, 2]

    def choosing(version_id):
        return lambda: lambda: versions.activate("material_list", version_id, None)

    assert f.race(app, [choosing(ids[0]), choosing(ids[1]), choosing(None)], Exception) == ["ok", "ok", "ok"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DocumentTemplateChoice)) == 1


# ------------------------------------------------------------------------------------------------ access

ACTORS = ["demo_authority", "demo_supervisor", "demo_unit", "demo_committee", "demo_expert", "demo_provider",
          "demo_applicant", None]


@pytest.mark.parametrize("actor", ACTORS)
def test_nobody_but_the_admin_reaches_the_template_screens(app, browser_factory, actor):
    with app.app_context():
        content = shipped(registry.MATERIAL_LIST)
        record = DocumentTemplateVersion(code="material_list", version=1, content=content, size=len(content),
                                         sha256=hashlib.sha256(content).hexdigest(), filename="v1.docx")
        db.session.add(record)
        db.session.commit()
        version_id = record.id
    tables = ["document_template_version", "document_template_choice"]
    before = f.table_digest(app, tables)
    browser = browser_factory(app, actor)
    for url in ("/document-templates/", "/document-templates/material_list/",
                "/document-templates/material_list/default", f"/document-templates/material_list/versions/{version_id}"):
        response = browser.get(url)
        assert response.status_code in (302, 403, 404), (actor, url)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], (actor, url)
    for url, data in (("/document-templates/material_list/activate", {"version_id": version_id}),
                      ("/document-templates/material_list/upload",
                       {"file": (io.BytesIO(shipped(registry.MATERIAL_LIST)), "x.docx"), "activate": "y"})):
        response = browser.post(url, data, content_type="multipart/form-data")
        assert response.status_code in (302, 403, 404), (actor, url)
        assert "/document-templates/material_list/" != response.headers.get("Location", "")
    assert f.table_digest(app, tables) == before
    assert "/document-templates/" not in browser.get("/").get_data(as_text=True)


def test_post_routes_refuse_get_and_a_post_without_token(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    assert "/document-templates/" in admin.get("/").get_data(as_text=True)
    assert admin.get("/document-templates/material_list/activate").status_code == 405
    assert admin.get("/document-templates/material_list/upload").status_code == 405
    assert admin.post("/document-templates/material_list/activate", {"version_id": "default"},
                      csrf=False).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DocumentTemplateChoice)) == 0
