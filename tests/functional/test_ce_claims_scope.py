"""Who reaches which CE claim route: the owner, another applicant, the unit, a reviewer of another unit, the
supervisor, the authority and an anonymous visitor — list, show, edit, delete, submit, attach, review, decide and
download, with hand-made URLs carrying other people's ids (404 or refused, and nothing changed)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from werkzeug.datastructures import FileStorage

import factories as f
from app.extensions import db
from app.models import Attachment, CeRecord, CeRecordEvent
from app.security import roles as r
from app.services.workdays import local_today
from app.workflow import ce_claims
from conftest import DEMO_PASSWORD

ACTORS = ["demo_applicant", "ce_other", "demo_unit", "ce_unit_c", "demo_supervisor", "demo_authority", None]


def _data(name: str) -> dict:
    today = local_today()
    return dict(course_type="professional", course_name=name, learning_form="online", provider_name="某学院",
                start_date=(today - dt.timedelta(days=5)).isoformat(),
                end_date=(today - dt.timedelta(days=5)).isoformat(), claimed_hours="6")


@pytest.fixture
def world(app):
    with app.app_context():
        f.make_person("ce_other", DEMO_PASSWORD, f.UNIT_A, birth="19900101")
        f.make_staff("ce_unit_c", r.UNIT_REVIEWER, [f.UNIT_C], DEMO_PASSWORD)
        owner = f.user("demo_applicant")
        ids = {}
        for key in ("draft", "sent", "other_sent"):
            record = ce_claims.save_draft(None, owner, _data(f"课程-{key}"),
                                          upload=FileStorage(io.BytesIO(f.pdf_bytes()), filename=f"{key}.pdf"))
            ids[key] = record.id
            if key != "draft":
                ce_claims.submit(record, owner, record.version)
        db.session.remove()
    return ids


def _state(app) -> list:
    """Everything a refused request might have changed."""
    with app.app_context():
        records = [(r.id, r.status.value, r.version, r.course_name, r.attachment_id, r.recognised_hours)
                   for r in db.session.query(CeRecord).order_by(CeRecord.id)]
        events = db.session.query(CeRecordEvent).count()
        attachments = db.session.query(Attachment).count()
        db.session.remove()
    return [records, events, attachments]


def _refused(response) -> bool:
    """Not allowed: FAB's permission check redirects (to the login or the home page), a scope miss is 404."""
    return response.status_code in (302, 403, 404)


@pytest.mark.parametrize("actor", ACTORS, ids=[a or "anonymous" for a in ACTORS])
def test_every_route_for_every_actor(app, browser_factory, world, actor):
    browser = browser_factory(app, actor) if actor else browser_factory(app)
    draft, sent = world["draft"], world["sent"]
    before = _state(app)

    # ----- the applicant's pages -----
    listing = browser.get("/ce-records/")
    if actor in ("demo_applicant", "ce_other"):
        assert listing.status_code == 200
        assert ("课程-draft" in listing.get_data(as_text=True)) == (actor == "demo_applicant")
    else:
        assert _refused(listing)
    for url in (f"/ce-records/show/{draft}", f"/ce-records/edit/{draft}", f"/ce-records/file/{sent}"):
        response = browser.get(url)
        if actor == "demo_applicant":
            assert response.status_code == 200, url
        elif actor == "ce_other":
            assert response.status_code == 404, url
        else:
            assert _refused(response), url
    if actor != "demo_applicant":
        for url, data in ((f"/ce-records/edit/{draft}", _data("改名")),
                          (f"/ce-records/delete/{draft}", {"version": 2}),
                          (f"/ce-records/submit/{draft}", {"version": 2}),
                          (f"/ce-records/attach/{draft}", {"version": 2,
                                                           "attachment": (io.BytesIO(f.pdf_bytes()), "x.pdf")})):
            response = browser.post(url, data=data)
            assert response.status_code == 404 if actor == "ce_other" else _refused(response), url
        assert _state(app) == before

    # ----- the review pages -----
    queue = browser.get("/ce-review/")
    shown = browser.get(f"/ce-review/show/{sent}")
    draft_shown = browser.get(f"/ce-review/show/{draft}")
    download = browser.get(f"/ce-review/file/{sent}")
    with app.app_context():
        version = db.session.get(CeRecord, world["other_sent"]).version
    decided = browser.post(f"/ce-review/decide/{world['other_sent']}",
                           data={"verdict": "reject", "comment": "越权", "version": version})
    if actor in ("demo_unit", "demo_supervisor", "demo_authority"):
        assert queue.status_code == 200 and "课程-sent" in queue.get_data(as_text=True)
        assert "课程-draft" not in queue.get_data(as_text=True)
        assert shown.status_code == 200 and "课程-sent" in shown.get_data(as_text=True)
        assert ("zp-ce-decision" in shown.get_data(as_text=True)) == (actor == "demo_unit")
        assert draft_shown.status_code == 404  # a draft is not sent to anyone yet
        if actor == "demo_unit":
            assert download.status_code == 200 and download.data.startswith(b"%PDF")
        else:
            assert download.status_code == 404  # the attachment is for the reviewing unit only
    elif actor == "ce_unit_c":
        assert queue.status_code == 200 and "课程-sent" not in queue.get_data(as_text=True)
        assert shown.status_code == 404 and draft_shown.status_code == 404 and download.status_code == 404
    else:
        assert _refused(queue) and _refused(shown) and _refused(draft_shown) and _refused(download)
    if actor == "demo_unit":
        assert decided.status_code == 302
        with app.app_context():
            assert db.session.get(CeRecord, world["other_sent"]).status.value == "rejected"
    else:
        assert _refused(decided)
        if actor != "demo_applicant":
            assert _state(app) == before
        else:
            with app.app_context():
                assert db.session.get(CeRecord, world["other_sent"]).status.value == "submitted"


def test_the_owner_cannot_review_through_a_hand_made_url(app, browser_factory, world):
    """The applicant has no review permission; their own record stays 送审."""
    browser = browser_factory(app, "demo_applicant")
    before = _state(app)
    with app.app_context():
        version = db.session.get(CeRecord, world["sent"]).version
    response = browser.post(f"/ce-review/decide/{world['sent']}",
                            data={"verdict": "approve", "recognised_hours": "6", "version": version})
    assert _refused(response)
    assert _state(app) == before


def test_unknown_ids_are_404(app, browser_factory, world):
    browser = browser_factory(app, "demo_applicant")
    for url in ("/ce-records/show/999999", "/ce-records/edit/999999", "/ce-records/file/999999"):
        assert browser.get(url).status_code == 404
    assert browser.post("/ce-records/submit/999999", data={"version": 1}).status_code == 404
    unit = browser_factory(app, "demo_unit")
    assert unit.get("/ce-review/show/999999").status_code == 404
    assert unit.post("/ce-review/decide/999999", data={"verdict": "approve"}).status_code == 404
