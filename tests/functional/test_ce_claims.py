"""CE claims (继续教育记录申报) and the unit's review of them (继续教育学时审核): rules, screens and races."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from werkzeug.datastructures import FileStorage

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import (
    Attachment, BindingStatus, CeRecord, CeRecordEvent, CeRecordStatus, CeSource, OperationLog, UnitBinding,
)
from app.services.workdays import local_today
from app.workflow import ce_claims, ce_compliance
from conftest import DEMO_PASSWORD
from factories import UNIT_A, make_person, make_staff, org, pdf_bytes, race, user


def _days_ago(n: int) -> dt.date:
    return local_today() - dt.timedelta(days=n)


def claim_data(**changes) -> dict:
    """A two-day course ending 9 days ago: at most 16 hours at 8 hours a day."""
    data = dict(course_type="professional", course_name="5G 通信新技术", learning_form="face_to_face",
                provider_name="华南理工大学继续教育学院", start_date=_days_ago(10).isoformat(),
                end_date=_days_ago(9).isoformat(), claimed_hours="12")
    data.update(changes)
    return data


def upload(name: str = "结业证明.pdf", data: bytes | None = None) -> FileStorage:
    return FileStorage(io.BytesIO(pdf_bytes() if data is None else data), filename=name)


def _files(app) -> list[Path]:
    return [p for p in (Path(app.config["UPLOAD_FOLDER"]) / "files").rglob("*") if p.is_file()]


def _draft(username: str = "demo_applicant", with_file: bool = True, **changes) -> int:
    record = ce_claims.save_draft(None, user(username), claim_data(**changes),
                                  upload=upload() if with_file else None)
    return record.id


def _submitted(username: str = "demo_applicant", **changes) -> int:
    record_id = _draft(username, **changes)
    record = db.session.get(CeRecord, record_id)
    ce_claims.submit(record, user(username), record.version)
    return record_id


def _get(record_id: int) -> CeRecord:
    db.session.expire_all()
    return db.session.get(CeRecord, record_id)


def _bind(username: str, unit_name: str = UNIT_A) -> None:
    db.session.add(UnitBinding(user_id=user(username).id, unit_id=org(unit_name).id,
                               status=BindingStatus.confirmed))
    db.session.commit()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture(autouse=True)
def without_demo_hours(app):
    """The demo applicant's five recognised years would be counted by the lists, totals and file counts here."""
    with app.app_context():
        owner = user("demo_applicant")
        records = select(CeRecord.id).where(CeRecord.user_id == owner.id)
        files = list(db.session.scalars(select(CeRecord.attachment_id).where(CeRecord.user_id == owner.id)))
        db.session.execute(delete(CeRecordEvent).where(CeRecordEvent.record_id.in_(records)))
        db.session.execute(delete(CeRecord).where(CeRecord.user_id == owner.id))
        db.session.execute(delete(Attachment).where(Attachment.id.in_(files)))
        db.session.commit()


# ----- the full path -----
def test_draft_attachment_submit_and_approval_with_fewer_hours(ctx):
    applicant, unit = user("demo_applicant"), user("demo_unit")
    record = ce_claims.save_draft(None, applicant, claim_data(claimed_hours="14"))
    assert record.status == CeRecordStatus.draft and record.attachment_id is None
    assert record.year == _days_ago(9).year and record.claimed_hours == Decimal("14")
    ce_claims.attach(_get(record.id), applicant, upload())
    record = _get(record.id)
    assert record.attachment_id is not None and len(_files(ctx)) == 1
    ce_claims.submit(record, applicant, record.version)
    record = _get(record.id)
    assert record.status == CeRecordStatus.submitted and record.unit_id == org(UNIT_A).id
    assert record.submitted_at is not None
    ce_claims.approve(record, unit, "10", "两天课程，按实际课时认定", record.version)
    record = _get(record.id)
    assert record.status == CeRecordStatus.approved
    assert record.recognised_hours == Decimal("10") < record.claimed_hours
    assert record.reviewer_id == unit.id and record.reviewed_at is not None
    assert record.review_comment == "两天课程，按实际课时认定"
    totals = ce_compliance.totals_for(applicant.id, [record.year])[record.year]
    assert totals.of("professional") == Decimal("10")
    events = [(e.action, e.from_status, e.to_status) for e in ce_claims.history(record.id)]
    assert events == [("create", None, "draft"), ("submit", "draft", "submitted"),
                      ("approve", "submitted", "approved")]
    approve_event = ce_claims.history(record.id)[-1]
    assert approve_event.actor_id == unit.id and approve_event.actor_org_id == org(UNIT_A).id
    assert approve_event.hours == Decimal("10")
    actions = set(db.session.scalars(select(OperationLog.action).where(OperationLog.target_type == "CeRecord",
                                                                       OperationLog.target_id == record.id)))
    assert {"ce_record.create", "ce_record.attach", "ce_record.submit", "ce_record.approve"} <= actions


def test_return_edit_resubmit_then_approve(ctx):
    applicant, unit = user("demo_applicant"), user("demo_unit")
    record_id = _submitted()
    record = _get(record_id)
    with pytest.raises(ValidationFailed) as refused:
        ce_claims.return_(record, unit, "  ", record.version)
    assert refused.value.errors["comment"] == ["请填写原因。"]
    ce_claims.return_(_get(record_id), unit, "附件不清晰，请重新上传", _get(record_id).version)
    record = _get(record_id)
    assert record.status == CeRecordStatus.returned and record.review_comment == "附件不清晰，请重新上传"
    with pytest.raises(ce_claims.AlreadyHandled):
        ce_claims.approve(record, unit, "8", "", record.version)
    ce_claims.save_draft(record, applicant, claim_data(claimed_hours="8"), upload=upload("清晰版.pdf"),
                         seen_version=record.version)
    record = _get(record_id)
    assert record.status == CeRecordStatus.returned and record.claimed_hours == Decimal("8")
    assert len(_files(ctx)) == 1  # the replaced file is gone
    ce_claims.submit(record, applicant, record.version)
    ce_claims.approve(_get(record_id), unit, "8", "", _get(record_id).version)
    record = _get(record_id)
    assert record.status == CeRecordStatus.approved and record.recognised_hours == Decimal("8")
    assert [e.action for e in ce_claims.history(record_id)] == ["create", "submit", "return", "submit", "approve"]


def test_reject_is_final(ctx):
    applicant, unit = user("demo_applicant"), user("demo_unit")
    record_id = _submitted()
    ce_claims.reject(_get(record_id), unit, "非本人学习记录", _get(record_id).version)
    record = _get(record_id)
    assert record.status == CeRecordStatus.rejected and record.recognised_hours is None
    with pytest.raises(DomainError):
        ce_claims.save_draft(record, applicant, claim_data())
    with pytest.raises(DomainError):
        ce_claims.submit(record, applicant, record.version)
    with pytest.raises(DomainError):
        ce_claims.delete_draft(record, applicant)
    assert ce_compliance.totals_for(applicant.id, [record.year])[record.year].total == 0


# ----- refusals -----
def test_submit_needs_the_attachment_and_a_binding(ctx):
    record_id = _draft(with_file=False)
    record = _get(record_id)
    with pytest.raises(ValidationFailed) as refused:
        ce_claims.submit(record, user("demo_applicant"), record.version)
    assert "附件" in refused.value.errors["attachment"][0]
    assert _get(record_id).status == CeRecordStatus.draft
    make_person("ce_unbound", DEMO_PASSWORD, UNIT_A)
    other_id = _draft("ce_unbound")
    other = _get(other_id)
    with pytest.raises(ValidationFailed) as refused:
        ce_claims.submit(other, user("ce_unbound"), other.version)
    assert "法人单位" in refused.value.errors["unit"][0] and "绑定" in refused.value.errors["unit"][0]
    other = _get(other_id)
    assert other.status == CeRecordStatus.draft and other.unit_id is None
    # A pending binding is not enough either.
    db.session.add(UnitBinding(user_id=user("ce_unbound").id, unit_id=org(UNIT_A).id))
    db.session.commit()
    with pytest.raises(ValidationFailed):
        ce_claims.submit(_get(other_id), user("ce_unbound"), _get(other_id).version)


def test_every_bad_field_is_named_and_nothing_saved(ctx):
    applicant = user("demo_applicant")
    before = db.session.scalar(select(func.count()).select_from(CeRecord))
    future = (local_today() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(ValidationFailed) as refused:
        ce_claims.save_draft(None, applicant, dict(course_type="nope", course_name="", learning_form="",
                                                  provider_name="", start_date=future, end_date="2020-13-01",
                                                  claimed_hours="abc"))
    errors = refused.value.errors
    assert set(errors) == {"course_type", "course_name", "learning_form", "provider_name", "start_date",
                           "end_date", "claimed_hours"}
    assert "课程类型" in errors["course_type"][0] and "学习开始时间" in errors["start_date"][0]
    with pytest.raises(ValidationFailed) as refused:
        ce_claims.save_draft(None, applicant, claim_data(start_date=_days_ago(3).isoformat(),
                                                         end_date=_days_ago(5).isoformat()))
    assert "end_date" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        ce_claims.save_draft(None, applicant, claim_data(end_date=future))
    assert "end_date" in refused.value.errors
    for hours in ("0", "-2", "16.5", "4.25"):
        with pytest.raises(ValidationFailed) as refused:
            ce_claims.save_draft(None, applicant, claim_data(claimed_hours=hours))
        assert "claimed_hours" in refused.value.errors, hours
    with pytest.raises(ValidationFailed) as refused:
        ce_claims.save_draft(None, applicant, claim_data(claimed_hours="17"))
    assert "16" in refused.value.errors["claimed_hours"][0]
    # A bad file is refused on its field and leaves nothing behind.
    with pytest.raises(ValidationFailed) as refused:
        ce_claims.save_draft(None, applicant, claim_data(), upload=upload("x.pdf", b"not a pdf"))
    assert "attachment" in refused.value.errors
    assert db.session.scalar(select(func.count()).select_from(CeRecord)) == before
    assert _files(ctx) == [] and db.session.scalar(select(func.count()).select_from(Attachment)
                                                  .where(Attachment.owner_id == applicant.id)) == 0
    # The exact maximum is accepted.
    assert ce_claims.save_draft(None, applicant, claim_data(claimed_hours="16")).claimed_hours == 16


def test_recognised_hours_are_bounded(ctx):
    unit = user("demo_unit")
    record_id = _submitted()
    for hours, field in (("17", "recognised_hours"), ("-1", "recognised_hours"), ("x", "recognised_hours"),
                         ("", "recognised_hours")):
        with pytest.raises(ValidationFailed) as refused:
            ce_claims.approve(_get(record_id), unit, hours, "", _get(record_id).version)
        assert field in refused.value.errors, hours
    assert _get(record_id).status == CeRecordStatus.submitted
    # More than claimed but within the days is allowed; zero too.
    ce_claims.approve(_get(record_id), unit, "16", "", _get(record_id).version)
    assert _get(record_id).recognised_hours == Decimal("16")
    zero_id = _submitted()
    ce_claims.approve(_get(zero_id), unit, "0", "", _get(zero_id).version)
    assert _get(zero_id).recognised_hours == Decimal("0")


def test_who_may_change_and_decide(ctx):
    make_person("ce_other", DEMO_PASSWORD, UNIT_A)
    make_staff("ce_unit_c", "UnitReviewer", ["广州数智科技有限公司"], DEMO_PASSWORD)
    draft_id = _draft()
    with pytest.raises(DomainError):
        ce_claims.save_draft(_get(draft_id), user("ce_other"), claim_data())
    with pytest.raises(DomainError):
        ce_claims.delete_draft(_get(draft_id), user("ce_other"))
    with pytest.raises(DomainError):
        ce_claims.submit(_get(draft_id), user("ce_other"), _get(draft_id).version)
    submitted_id = _submitted()
    for name in ("ce_unit_c", "demo_supervisor", "demo_authority", "demo_applicant"):
        with pytest.raises(DomainError):
            ce_claims.approve(_get(submitted_id), user(name), "8", "", _get(submitted_id).version)
    # A unit reviewer never decides their own claim.
    _bind("demo_unit")
    own_id = _submitted("demo_unit")
    with pytest.raises(DomainError):
        ce_claims.approve(_get(own_id), user("demo_unit"), "8", "", _get(own_id).version)
    assert _get(own_id).status == _get(submitted_id).status == CeRecordStatus.submitted


def test_delete_draft_removes_the_file_and_a_submitted_one_stays(ctx):
    applicant = user("demo_applicant")
    record_id = _draft()
    assert len(_files(ctx)) == 1
    ce_claims.delete_draft(_get(record_id), applicant, _get(record_id).version)
    assert db.session.get(CeRecord, record_id) is None and _files(ctx) == []
    submitted_id = _submitted()
    with pytest.raises(DomainError):
        ce_claims.delete_draft(_get(submitted_id), applicant)
    assert _get(submitted_id) is not None and len(_files(ctx)) == 1


def test_two_reviewers_racing_make_one_decision(ctx):
    make_staff("ce_unit_a2", "UnitReviewer", [UNIT_A], DEMO_PASSWORD)
    record_id = _submitted()
    version = _get(record_id).version

    def deciding(username, verdict):
        def prepare():
            record, reviewer = db.session.get(CeRecord, record_id), user(username)
            if verdict == "approve":
                return lambda: ce_claims.approve(record, reviewer, "9", "", version)
            return lambda: ce_claims.reject(record, reviewer, "不符合要求", version)
        return prepare

    outcomes = race(ctx, [deciding("demo_unit", "approve"), deciding("ce_unit_a2", "reject")],
                    ce_claims.AlreadyHandled)
    assert outcomes == ["lost", "ok"]
    record = _get(record_id)
    assert record.status in (CeRecordStatus.approved, CeRecordStatus.rejected)
    decisions = db.session.scalar(select(func.count()).select_from(CeRecordEvent).where(
        CeRecordEvent.record_id == record_id, CeRecordEvent.action.in_(("approve", "reject"))))
    assert decisions == 1 and record.version == version + 1


def test_a_training_class_record_is_read_only(ctx):
    applicant = user("demo_applicant")
    record = CeRecord(user_id=applicant.id, year=_days_ago(9).year, course_type="public", course_name="公需课培训班",
                      learning_form="online", provider_name="华南理工大学继续教育学院", start_date=_days_ago(10),
                      end_date=_days_ago(9), claimed_hours=Decimal(6), recognised_hours=Decimal(6),
                      status=CeRecordStatus.approved, source=CeSource.training_class)
    db.session.add(record)
    db.session.commit()
    with pytest.raises(DomainError):
        ce_claims.save_draft(_get(record.id), applicant, claim_data())
    with pytest.raises(DomainError):
        ce_claims.attach(_get(record.id), applicant, upload())


# ----- screens -----
def test_the_applicant_screens_from_add_to_approval(app, browser_factory):
    browser = browser_factory(app, "demo_applicant")
    page = browser.get("/ce-records/")
    assert page.status_code == 200 and "继续教育记录申报" in page.get_data(as_text=True)
    form = browser.get("/ce-records/add").get_data(as_text=True)
    assert "拟申报学时" in form and "学习形式" in form
    bad = browser.post("/ce-records/add", data=claim_data(claimed_hours="40"))
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "拟申报学时不能超过 16 学时" in text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CeRecord)) == 0
    saved = browser.post("/ce-records/add", data=claim_data())
    assert saved.status_code == 302
    with app.app_context():
        record = db.session.scalar(select(CeRecord))
        record_id, version = record.id, record.version
        assert record.status == CeRecordStatus.draft and record.attachment_id is None
    no_file = browser.post(f"/ce-records/submit/{record_id}", data={"version": version}, follow_redirects=True)
    assert "请先上传附件" in no_file.get_data(as_text=True)
    attached = browser.post(f"/ce-records/attach/{record_id}",
                            data={"version": version, "attachment": (io.BytesIO(pdf_bytes()), "证明.pdf")},
                            follow_redirects=True)
    assert "证明.pdf" in attached.get_data(as_text=True)
    with app.app_context():
        version = _get(record_id).version
    sent = browser.post(f"/ce-records/submit/{record_id}", data={"version": version}, follow_redirects=True)
    text = sent.get_data(as_text=True)
    assert "已送所在单位审核" in text and "送审" in text
    with app.app_context():
        assert _get(record_id).status == CeRecordStatus.submitted
    # Sent records cannot be edited or deleted from the screens.
    browser.post(f"/ce-records/edit/{record_id}", data=claim_data(course_name="改名"))
    browser.post(f"/ce-records/delete/{record_id}", data={"version": version + 1})
    with app.app_context():
        assert _get(record_id).course_name == "5G 通信新技术"
    download = browser.get(f"/ce-records/file/{record_id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")

    unit = browser_factory(app, "demo_unit")
    queue = unit.get("/ce-review/").get_data(as_text=True)
    assert "5G 通信新技术" in queue and "待审核" in queue
    shown = unit.get(f"/ce-review/show/{record_id}").get_data(as_text=True)
    assert 'value="12"' in shown and "最多 16 学时" in shown and "证明.pdf" in shown
    assert unit.get(f"/ce-review/file/{record_id}").status_code == 200
    with app.app_context():
        version = _get(record_id).version
    too_many = unit.post(f"/ce-review/decide/{record_id}", data={"verdict": "approve", "recognised_hours": "20",
                                                                  "version": version}, follow_redirects=True)
    assert "认定学时不能超过 16 学时" in too_many.get_data(as_text=True)
    no_reason = unit.post(f"/ce-review/decide/{record_id}", data={"verdict": "return", "version": version},
                          follow_redirects=True)
    assert "请填写原因" in no_reason.get_data(as_text=True)
    done = unit.post(f"/ce-review/decide/{record_id}", data={"verdict": "approve", "recognised_hours": "10",
                                                              "comment": "认定10学时", "version": version})
    assert done.status_code == 302
    stale = unit.post(f"/ce-review/decide/{record_id}", data={"verdict": "reject", "comment": "x",
                                                               "version": version}, follow_redirects=True)
    assert "已被他人处理" in stale.get_data(as_text=True)
    with app.app_context():
        record = _get(record_id)
        assert record.status == CeRecordStatus.approved and record.recognised_hours == Decimal("10")
    reviewed = unit.get("/ce-review/?tab=done").get_data(as_text=True)
    assert "5G 通信新技术" in reviewed
    assert "5G 通信新技术" not in unit.get("/ce-review/?tab=todo").get_data(as_text=True)
    mine = browser.get(f"/ce-records/show/{record_id}").get_data(as_text=True)
    assert "审核通过" in mine and "认定10学时" in mine and "送审" in mine


def test_the_applicant_list_searches_and_pages(app, browser_factory):
    with app.app_context():
        applicant = user("demo_applicant")
        for index in range(23):
            ce_claims.save_draft(None, applicant, claim_data(course_name=f"专业课程{index:02d}"))
        ce_claims.save_draft(None, applicant, claim_data(course_name="公需科目：法治", course_type="public"))
        returned_id = _submitted(course_name="退回的课程")
        ce_claims.return_(_get(returned_id), user("demo_unit"), "请补充", _get(returned_id).version)
    browser = browser_factory(app, "demo_applicant")

    def rows(url):
        return browser.get(url).get_data(as_text=True).count("data-record=")

    assert rows("/ce-records/") == 20
    assert rows("/ce-records/?page=2") == 5
    assert rows("/ce-records/?page=99") == 5  # clamped to the last page
    assert rows("/ce-records/?name=专业课程0") == 10
    assert rows("/ce-records/?course_type=public") == 1
    assert rows("/ce-records/?status=returned") == 1
    assert "退回的课程" in browser.get("/ce-records/?status=returned").get_data(as_text=True)
    odd = browser.get("/ce-records/?status=bogus&page=x")
    assert odd.status_code == 200 and "未知" in odd.get_data(as_text=True)

    unit = browser_factory(app, "demo_unit")
    assert unit.get("/ce-review/?tab=done").get_data(as_text=True).count("data-record=") == 1
    assert unit.get("/ce-review/?tab=all&name=退回").get_data(as_text=True).count("data-record=") == 1
    assert unit.get(f"/ce-review/?tab=all&year={_days_ago(9).year}").get_data(as_text=True).count(
        "data-record=") == 1
    assert unit.get("/ce-review/?tab=all&year=1999").get_data(as_text=True).count("data-record=") == 0
    assert unit.get("/ce-review/?tab=all&course_type=public").get_data(as_text=True).count("data-record=") == 0
    assert unit.get("/ce-review/?year=abc").status_code == 200


def test_a_training_class_record_shows_read_only(app, browser_factory):
    with app.app_context():
        applicant = user("demo_applicant")
        record = CeRecord(user_id=applicant.id, year=_days_ago(9).year, course_type="public",
                          course_name="公需课培训班", learning_form="online", provider_name="华南理工大学继续教育学院",
                          start_date=_days_ago(10), end_date=_days_ago(9), claimed_hours=Decimal(6),
                          recognised_hours=Decimal(6), status=CeRecordStatus.approved, source=CeSource.training_class)
        db.session.add(record)
        db.session.commit()
        record_id = record.id
    browser = browser_factory(app, "demo_applicant")
    listed = browser.get("/ce-records/").get_data(as_text=True)
    assert "公需课培训班" in listed and "培训班" in listed
    shown = browser.get(f"/ce-records/show/{record_id}").get_data(as_text=True)
    assert "不能在此修改" in shown and f"/ce-records/submit/{record_id}" not in shown
    browser.post(f"/ce-records/edit/{record_id}", data=claim_data(course_name="改名"))
    with app.app_context():
        assert _get(record_id).course_name == "公需课培训班"
