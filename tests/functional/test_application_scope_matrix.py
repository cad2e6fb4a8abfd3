"""The role × endpoint matrix of the title businesses: screens, REST, single and bulk actions, lists and hand-made URLs.

A small world of applications in several units and stages; for every actor an independent table says which of
them they may see and which they may approve. Every other attempt answers 403/404 (anonymous: the login page) and
leaves the applications and their history unchanged.
"""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import select
import factories as f
from app.documents import archive
from app.extensions import db
from app.models import Application, AppState, ArchivedDocument, BusinessType, ReviewBatch
from app.models.mixins import utcnow
from app.security import roles as r
from conftest import DEMO_PASSWORD

# name → (owner, business, state, unit, supervisor) — the owner's display name is the row's marker on lists.
WORLD = {
    "A_unit": ("demo_applicant", BusinessType.recognition, AppState.unit_review, f.UNIT_A, f.SUPERVISOR_1),
    "B_unit": ("applicant_b", BusinessType.recognition, AppState.unit_review, f.UNIT_B, f.SUPERVISOR_1),
    "C_sup": ("applicant_c", BusinessType.recognition, AppState.supervisor_review, f.UNIT_C, f.SUPERVISOR_2),
    "B_draft": ("applicant_b", BusinessType.evaluation, AppState.draft, None, None),
    "A_meeting": ("demo_applicant", BusinessType.evaluation, AppState.in_review, f.UNIT_A, f.SUPERVISOR_1),
}
NON_DRAFT = {"A_unit", "B_unit", "C_sup", "A_meeting"}
SEES = {
    "demo_admin": set(WORLD),
    "demo_authority": NON_DRAFT,
    "demo_supervisor": {"A_unit", "B_unit", "A_meeting"},
    "sup2_reviewer": {"C_sup"},
    "demo_unit": {"A_unit", "A_meeting"},
    "unit_b_reviewer": {"B_unit"},
    "demo_committee": {"A_meeting"},
    "demo_expert": {"A_meeting"},
    "demo_provider": set(),
    "demo_applicant": {"A_unit", "A_meeting"},
    "applicant_b": {"B_unit", "B_draft"},
    None: set(),
}
# Who may approve each application in its current state (nobody approves their own).
APPROVES = {"A_unit": {"demo_unit"}, "B_unit": {"unit_b_reviewer"}, "C_sup": {"sup2_reviewer"}}
OWNS = {"demo_applicant": {"A_unit", "A_meeting"}, "applicant_b": {"B_unit", "B_draft"}}
REVIEW_SCREENS = {"demo_admin", "demo_authority", "demo_supervisor", "sup2_reviewer", "demo_unit", "unit_b_reviewer",
                  "demo_committee", "demo_expert"}
ACTORS = list(SEES)
NAMES = {"demo_applicant": "测试人", "applicant_b": "乙丙丁", "applicant_c": "庚辛壬"}


def build_world(app) -> dict[str, int]:
    """The applications, inserted in their states (the engine's own tests cover how they get there)."""
    with app.app_context():
        f.make_staff("unit_b_reviewer", r.UNIT_REVIEWER, [f.UNIT_B], DEMO_PASSWORD)
        f.make_staff("sup2_reviewer", r.SUPERVISOR_REVIEWER, [f.SUPERVISOR_2], DEMO_PASSWORD)
        for username, unit, full_name, birth in (("applicant_b", f.UNIT_B, "乙丙丁", "19860101"),
                                                 ("applicant_c", f.UNIT_C, "庚辛壬", "19870101")):
            person = f.make_person(username, DEMO_PASSWORD, unit, birth=birth)
            person.last_name, person.first_name = full_name[0], full_name[1:]
        batch = f.open_batch_for()
        batch.attendees = [f.user("demo_expert")]
        ids = {}
        for name, (owner, kind, state, unit, supervisor) in WORLD.items():
            application = Application(
                business_type=kind, user_id=f.user(owner).id, state=state, series="GC", title="GC_4", level="4",
                form={}, unit_id=f.org(unit).id if unit else None,
                supervisor_id=f.org(supervisor).id if supervisor else None,
                authority_id=f.org(f.AUTHORITY).id if unit else None,
                committee_id=f.org(f.COMMITTEE).id if kind == BusinessType.evaluation and unit else None,
                batch_id=batch.id if state == AppState.in_review else None,
                submitted_at=utcnow() - dt.timedelta(days=3) if unit else None,
                state_entered_at=utcnow() - dt.timedelta(days=2) if unit else None,
            )
            db.session.add(application)
            db.session.flush()
            if unit:  # submitted: its forms were archived at submission
                archive.capture(application, f.user(owner), utcnow())
            ids[name] = application.id
        db.session.commit()
        db.session.remove()
    return ids


@pytest.fixture(scope="module")
def world(shared_app):
    return build_world(shared_app)


def snapshot(app) -> str:
    return f.table_digest(app, ("application", "application_event", "objection", "meeting_vote", "batch_attendee"))


def browser_for(app, browser_factory, actor):
    return browser_factory(app, actor) if actor else browser_factory(app)


def refused(response, actor) -> bool:
    if actor is None:
        return response.status_code == 302 and "/login" in response.headers.get("Location", "")
    return response.status_code in (403, 404)


@pytest.mark.parametrize("actor", ACTORS)
def test_detail_pages_and_history(shared_app, browser_factory, world, actor):
    browser = browser_for(shared_app, browser_factory, actor)
    with shared_app.app_context():
        archive_ids = {name: db.session.scalar(select(ArchivedDocument.id).where(
            ArchivedDocument.application_id == app_id).limit(1)) for name, app_id in world.items()}
    for name, app_id in world.items():
        owner_name = NAMES[WORLD[name][0]]
        review = browser.get(f"/review/applications/{app_id}")
        review_form = browser.get(f"/review/applications/{app_id}/documents/material_list")
        if actor in REVIEW_SCREENS and name in SEES[actor]:
            # a draft was never submitted, so it has no archived forms to read
            assert review.status_code == 200 and review_form.status_code == (404 if name == "B_draft" else 200), \
                (actor, name)
            assert owner_name in review.get_data(as_text=True)
        else:
            assert refused(review, actor), (actor, name, review.status_code)
            assert refused(review_form, actor), (actor, name, review_form.status_code)
            # The page below the navbar (which names the signed-in user, who may be the owner).
            assert owner_name not in review.get_data(as_text=True).partition("</header>")[2]
        archived = archive_ids[name]
        if archived:
            review_copy = browser.get(f"/review/applications/{app_id}/archive/{archived}")
            if actor in REVIEW_SCREENS and name in SEES[actor]:
                assert review_copy.status_code == 200, (actor, name)
            else:
                assert refused(review_copy, actor), (actor, name, review_copy.status_code)
        urls = [f"/applications/{app_id}", f"/applications/{app_id}/documents/material_list"]
        for url in urls + ([f"/applications/{app_id}/archive/{archived}"] if archived else []):
            mine = browser.get(url)
            if name in OWNS.get(actor, set()):
                # the owner's forms: a preview of a draft, or a pointer to 审核通过后打印 (a redirect)
                assert mine.status_code in (200, 302) and "/login" not in mine.headers.get("Location", ""), \
                    (actor, url)
            else:
                assert refused(mine, actor), (actor, url, mine.status_code)


@pytest.mark.parametrize("actor", ACTORS)
def test_rest_detail_and_list(shared_app, world, actor):
    client = shared_app.test_client()
    if actor is None:
        assert client.get(f"/api/v1/applications/{world['A_unit']}").status_code == 401
        return
    headers = f.api_token(client, actor, DEMO_PASSWORD)
    for name, app_id in world.items():
        response = client.get(f"/api/v1/applications/{app_id}", headers=headers)
        expected = 200 if name in SEES[actor] else (403, 404)
        assert response.status_code == expected if isinstance(expected, int) else response.status_code in expected, \
            (actor, name, response.status_code)
    listed = client.get("/api/v1/applications/?page_size=100", headers=headers)
    if listed.status_code == 200:
        assert {row["id"] for row in listed.json["result"]} & set(world.values()) == {world[n] for n in SEES[actor]}
    else:
        assert not SEES[actor] and listed.status_code in (401, 403)


@pytest.mark.parametrize("actor", ACTORS)
def test_inboxes_list_exactly_what_the_actor_must_act_on(shared_app, browser_factory, world, actor):
    browser = browser_for(shared_app, browser_factory, actor)
    response = browser.get("/review/applications/todo")
    if actor not in REVIEW_SCREENS:
        assert refused(response, actor)
        return
    page = response.get_data(as_text=True)
    for name, app_id in world.items():
        listed = f"/review/applications/{app_id}\"" in page
        must_act = actor in APPROVES.get(name, set()) or (name == "A_meeting" and actor in ("demo_committee",
                                                                                             "demo_expert"))
        if actor == "demo_admin":
            continue  # the admin is not a reviewer of any level
        assert listed == must_act, (actor, name)


@pytest.mark.parametrize("actor", ACTORS)
def test_inbox_exports_hold_what_the_inbox_pages_list(shared_app, browser_factory, world, actor):
    browser = browser_for(shared_app, browser_factory, actor)
    for inbox in ("todo", "done"):
        response = browser.get(f"/review/applications/{inbox}/export")
        if actor not in REVIEW_SCREENS:
            assert refused(response, actor), (inbox, response.status_code)
            continue
        page = browser.get(f"/review/applications/{inbox}").get_data(as_text=True)
        on_page = {name for name, app_id in world.items() if f"/review/applications/{app_id}\"" in page}
        exported = [row[0] for row in
                    openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=2, values_only=True)]
        assert sorted(exported) == sorted(NAMES[WORLD[name][0]] for name in on_page), (actor, inbox)
        assert on_page <= SEES[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_actions_single_bulk_and_rest_change_only_what_the_actor_may(app, browser_factory, actor):
    ids = build_world(app)
    browser = browser_for(app, browser_factory, actor)
    attempts = []
    for name, app_id in ids.items():
        attempts += [
            ("post", f"/review/applications/{app_id}/act", {"event": "approve", "version": "1"}),
            ("post", f"/review/applications/{app_id}/act", {"event": "terminate", "version": "1", "reason": "越权"}),
            ("post", f"/applications/{app_id}/act", {"event": "withdraw", "version": "1"}),
            ("get", f"/review/applications/{app_id}/act", None),
            ("post", "/objections/add", {"application_id": str(app_id), "raised_by": "匿名", "content": "越权异议"}),
        ]
    for method, url, data in attempts:
        response = browser.post(url, data) if method == "post" else browser.get(url)
        assert response.status_code in (200, 302, 400, 403, 404, 405), (method, url, response.status_code)
    browser.post("/review/applications/bulk", {"ids": [str(i) for i in ids.values()],
                                               **{f"version_{i}": "1" for i in ids.values()}})
    if actor:
        client = app.test_client()
        headers = f.api_token(client, actor, DEMO_PASSWORD)
        for app_id in ids.values():
            client.post(f"/api/v1/applications/{app_id}/events/approve", json={"version": 2}, headers=headers)
    with app.app_context():
        states = {name: db.session.get(Application, app_id).state for name, app_id in ids.items()}
        changed = {name for name, state in states.items() if state != WORLD[name][2]}
        allowed = {name for name, approvers in APPROVES.items() if actor in approvers}
        if actor in OWNS:
            # The owner may withdraw what no reviewer has opened yet (B_unit); nothing else.
            allowed |= {name for name in OWNS[actor] if WORLD[name][2] == AppState.unit_review}
        assert changed <= allowed, (actor, changed)
        if actor in ("demo_unit", "unit_b_reviewer", "sup2_reviewer"):
            assert changed == allowed, (actor, changed)
        batch = db.session.get(ReviewBatch, db.session.get(Application, ids["A_meeting"]).batch_id)
        assert [u.username for u in batch.attendees] == ["demo_expert"]


@pytest.mark.parametrize("actor", [a for a in ACTORS if a not in ("demo_unit", "unit_b_reviewer", "sup2_reviewer")])
def test_nothing_changes_for_those_who_may_approve_nothing_here(shared_app, browser_factory, world, actor):
    browser = browser_for(shared_app, browser_factory, actor)
    before = snapshot(shared_app)
    for app_id in world.values():
        browser.post(f"/review/applications/{app_id}/act", {"event": "approve", "version": "1"})
        browser.post(f"/review/applications/{app_id}/act", {"event": "return", "version": "1", "reason": "越权退回"})
        browser.post("/objections/add", {"application_id": str(app_id), "raised_by": "匿名", "content": "越权"})
        if actor not in OWNS:
            browser.post(f"/applications/{app_id}/act", {"event": "withdraw", "version": "1"})
            browser.post(f"/applications/{app_id}/edit", {"action": "save"})
    browser.post("/review/applications/bulk", {"ids": [str(i) for i in world.values()],
                                               **{f"version_{i}": "1" for i in world.values()}})
    assert snapshot(shared_app) == before, actor


BATCH_READERS = {"demo_admin", "demo_authority", "demo_committee"}  # experts have no batch screens


@pytest.mark.parametrize("actor", ACTORS)
def test_the_publicity_list_of_a_batch(shared_app, browser_factory, world, actor):
    with shared_app.app_context():
        batch_id = db.session.get(Application, world["A_meeting"]).batch_id
    response = browser_for(shared_app, browser_factory, actor).get(f"/review-batches/publicity-list/{batch_id}")
    if actor in BATCH_READERS:
        assert response.status_code == 200, actor
    else:
        assert refused(response, actor), (actor, response.status_code)
