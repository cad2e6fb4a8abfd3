"""Profile scope matrix: applicant B and reviewers of other units reach nothing of applicant A's.

Every attempt goes through hand-made URLs (show, edit, delete, downloads, review pages, decisions) and
must answer 403/404 (anonymous: the login page) and leave the profile tables unchanged.
"""
from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select, text

import factories as f
from app.extensions import db
from app.models import Attachment, Education, Honour, ProfileReview
from app.security import roles as r
from app.workflow import profile_review
from conftest import DEMO_PASSWORD, Browser

WATCHED = ["profile_basic", "profile_education", "profile_work", "profile_honour", "profile_achievement",
           "profile_review", "profile_review_event", "attachment"]
# Who may read applicant A's (demo_applicant, unit A under supervisor 1) profile and files.
READERS_OF_A = {"demo_applicant", "demo_unit", "demo_supervisor", "demo_authority", "demo_admin"}
ACTORS = ["demo_applicant", "applicant_b", "demo_unit", "unit_b_reviewer", "demo_supervisor", "sup2_reviewer",
          "demo_authority", "demo_committee", "demo_expert", "demo_provider", "demo_admin", None]


@pytest.fixture(scope="module")
def world(shared_app):
    """A's honour with a PDF, A's closed review; B (unit C) with a review waiting at unit C."""
    with shared_app.app_context():
        f.make_staff("unit_b_reviewer", r.UNIT_REVIEWER, [f.UNIT_B], DEMO_PASSWORD)
        f.make_staff("sup2_reviewer", r.SUPERVISOR_REVIEWER, [f.SUPERVISOR_2], DEMO_PASSWORD)
        b = f.make_person("applicant_b", DEMO_PASSWORD, f.UNIT_C, birth="19900101")
        b_id = b.id
        db.session.remove()
    browser = Browser(shared_app)
    browser.login("demo_applicant")
    browser.post("/profile/honour/add", data={
        "description": "全国五一劳动奖章", "awarded_on": "2020-05-01",
        "upload": (io.BytesIO(f.pdf_bytes()), "证书.pdf"),
    }, content_type="multipart/form-data")
    with shared_app.app_context():
        a_id = f.user("demo_applicant").id
        honour = db.session.scalar(select(Honour).where(Honour.description == "全国五一劳动奖章"))
        education = db.session.scalar(select(Education).where(Education.user_id == a_id))
        a_review = db.session.scalar(select(ProfileReview).where(ProfileReview.user_id == a_id))
        b_review = profile_review.submit(db.session.get(type(f.user("demo_admin")), b_id))
        ids = {
            "honour": honour.id, "attachment": honour.attachment_id, "education": education.id,
            "a_review": a_review.id, "b_review": b_review.id, "b_version": b_review.version,
            "b_attachment": None,
        }
        db.session.remove()
    return ids


def snapshot(app) -> str:
    digest = hashlib.sha256()
    with app.app_context():
        for table in WATCHED:
            for row in db.session.execute(text(f"SELECT * FROM {table} ORDER BY 1")):
                digest.update(repr(tuple(row)).encode())
        db.session.remove()
    return digest.hexdigest()


def refused(response, actor) -> bool:
    if actor is None:
        return response.status_code == 302 and "/login/" in response.headers["Location"]
    return response.status_code in (403, 404)


@pytest.mark.parametrize("actor", ACTORS)
def test_records_of_applicant_a(shared_app, browser_factory, world, actor):
    browser = browser_factory(shared_app, actor) if actor else browser_factory(shared_app)
    before = snapshot(shared_app)
    urls = [f"/profile/education/show/{world['education']}", f"/profile/education/edit/{world['education']}"]
    for url in urls:
        response = browser.get(url)
        assert (response.status_code == 200) == (actor == "demo_applicant"), (url, response.status_code)
        if actor != "demo_applicant":
            assert refused(response, actor), (url, response.status_code)
    if actor != "demo_applicant":
        for url in (f"/profile/education/delete/{world['education']}", f"/profile/honour/delete/{world['honour']}"):
            assert refused(browser.post(url), actor) or browser.post(url).status_code == 302
        browser.post(f"/profile/education/edit/{world['education']}", data={"school": "篡改"})
        assert snapshot(shared_app) == before


@pytest.mark.parametrize("actor", ACTORS)
def test_attachment_download(shared_app, browser_factory, world, actor):
    browser = browser_factory(shared_app, actor) if actor else browser_factory(shared_app)
    response = browser.get(f"/profile-files/{world['attachment']}")
    if actor in READERS_OF_A:
        assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    else:
        assert refused(response, actor), response.status_code
    assert refused(browser.get("/profile-files/999999"), actor)


@pytest.mark.parametrize("actor", ACTORS)
def test_review_pages_and_decisions(shared_app, browser_factory, world, actor):
    browser = browser_factory(shared_app, actor) if actor else browser_factory(shared_app)
    before = snapshot(shared_app)
    response = browser.get(f"/profile-reviews/show/{world['a_review']}")
    if actor in READERS_OF_A - {"demo_applicant"}:
        assert response.status_code == 200
    else:
        assert refused(response, actor), response.status_code
    # B's review waits at unit C: nobody in this matrix may decide it, whatever they post.
    response = browser.post(f"/profile-reviews/decide/{world['b_review']}", data={"version": world["b_version"]})
    if actor in ("sup2_reviewer", "demo_authority", "demo_admin"):
        assert response.status_code == 302  # in scope, but not the unit's turn: refused with a message
    else:
        assert refused(response, actor), response.status_code
    assert snapshot(shared_app) == before
    listing = browser.get("/profile-reviews/list/")
    if actor in ("unit_b_reviewer", "sup2_reviewer"):
        assert listing.status_code == 200 and "测试人" not in listing.get_data(as_text=True)


def test_applicant_b_sees_only_own_profile(shared_app, browser_factory, world):
    page = browser_factory(shared_app, "applicant_b").get("/profile/").get_data(as_text=True)
    assert "全国五一劳动奖章" not in page and "全省政务数据共享交换平台" not in page
    assert f.UNIT_C in page


def test_attachment_rows_belong_to_their_owner(shared_app, world):
    with shared_app.app_context():
        attachment = db.session.get(Attachment, world["attachment"])
        assert attachment.owner_id == f.user("demo_applicant").id
