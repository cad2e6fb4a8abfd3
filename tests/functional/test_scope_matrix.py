"""The role × endpoint scope matrix: every actor reaches exactly its own slice, through every entry point.

Each attempt outside the scope must answer 403/404 (anonymous: a redirect to the login page) and leave
every table unchanged. Later issues add their endpoints to ENDPOINTS_* below.
"""
from __future__ import annotations

import io

import openpyxl
import pytest

import factories as f
from app.extensions import db
from app.security import roles as r
from conftest import DEMO_PASSWORD

ALL_ORGS = [f.AUTHORITY, f.SUPERVISOR_1, f.SUPERVISOR_2, f.UNIT_A, f.UNIT_B, f.UNIT_C,
            "广州市建筑设计研究院有限公司", f.COMMITTEE, f.PROVIDER]

# actor → the orgs it may see; None = anonymous.
VISIBLE = {
    "demo_admin": set(ALL_ORGS),
    "demo_authority": set(ALL_ORGS),
    "demo_supervisor": {f.SUPERVISOR_1, f.UNIT_A, f.UNIT_B},
    "sup2_reviewer": {f.SUPERVISOR_2, f.UNIT_C, "广州市建筑设计研究院有限公司"},
    "demo_unit": {f.UNIT_A},
    "unit_b_reviewer": {f.UNIT_B},
    "demo_committee": {f.COMMITTEE},
    "demo_expert": {f.COMMITTEE},
    "demo_provider": {f.PROVIDER},
    "demo_applicant": set(),
    None: set(),
}
CAN_EDIT_OWN = {"demo_admin", "demo_authority", "demo_supervisor", "sup2_reviewer", "demo_unit",
                "unit_b_reviewer", "demo_committee", "demo_provider"}
HAS_ORG_VIEWS = CAN_EDIT_OWN | {"demo_expert"}
ACTORS = list(VISIBLE)
WATCHED_TABLES = ["org", "ab_user", "user_org", "ab_user_role", "dict_type", "dict_item",
                  "committee_series", "committee_levels"]


@pytest.fixture(scope="module")
def world(shared_app):
    """Extra reviewers for unit B and the second supervisor; ids of every org and user."""
    with shared_app.app_context():
        f.make_staff("unit_b_reviewer", r.UNIT_REVIEWER, [f.UNIT_B], DEMO_PASSWORD)
        f.make_staff("sup2_reviewer", r.SUPERVISOR_REVIEWER, [f.SUPERVISOR_2], DEMO_PASSWORD)
        orgs = {name: f.org(name).id for name in ALL_ORGS}
        users = {name: f.user(name).id for name in ACTORS if name}
        user_orgs = {name: {o.name for o in f.user(name).orgs} for name in ACTORS if name}
        db.session.remove()
    return {"orgs": orgs, "users": users, "user_orgs": user_orgs}


def snapshot(app) -> str:
    return f.table_digest(app, WATCHED_TABLES)


def browser_for(app, browser_factory, actor):
    return browser_factory(app, actor) if actor else browser_factory(app)


def assert_refused(response, actor):
    if actor is None:
        assert response.status_code == 302 and "/login/" in response.headers["Location"]
    else:
        assert response.status_code in (403, 404), response.status_code


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("target", ALL_ORGS)
def test_org_detail_and_edit_form(shared_app, browser_factory, world, actor, target):
    browser = browser_for(shared_app, browser_factory, actor)
    org_id = world["orgs"][target]
    for url in (f"/orgs/show/{org_id}", f"/orgs/edit/{org_id}"):
        response = browser.get(url)
        may_edit = actor in CAN_EDIT_OWN or url.startswith("/orgs/show")
        if target in VISIBLE[actor] and actor in HAS_ORG_VIEWS and may_edit:
            assert response.status_code == 200, url
            if "/show/" in url:
                assert target in response.get_data(as_text=True)
        else:
            assert_refused(response, actor)
            assert target not in response.get_data(as_text=True)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("target", [f.UNIT_A, f.UNIT_B, f.SUPERVISOR_2, f.COMMITTEE])
def test_state_changing_requests_outside_scope_change_nothing(shared_app, browser_factory, world, actor, target):
    browser = browser_for(shared_app, browser_factory, actor)
    org_id = world["orgs"][target]
    attempts = [
        ("post", f"/orgs/delete/{org_id}", {}),
        ("post", f"/admin/orgs/delete/{org_id}", {}),
        ("post", "/admin/orgs/action_post", {"action": "disable", "rowid": [org_id]}),
        ("post", f"/admin/orgs/action/disable/{org_id}", {}),
        ("post", f"/admin/orgs/edit/{org_id}", {"name": "被篡改的机构", "kind": "unit"}),
        ("get", f"/admin/orgs/action/disable/{org_id}", None),
        ("get", f"/orgs/delete/{org_id}", None),
        ("get", f"/admin/orgs/download/{org_id}.pdf", None),
    ]
    if target not in VISIBLE[actor] or actor not in CAN_EDIT_OWN:
        attempts.append(("post", f"/orgs/edit/{org_id}", {"contact_person": "越权修改"}))
    for method, url, data in attempts:
        if actor == "demo_admin" and url.startswith("/admin/orgs") and method == "post":
            continue  # the admin may do these; covered by the admin tests
        before = snapshot(shared_app)
        response = browser.post(url, data) if method == "post" else browser.get(url)
        if actor is None:
            assert response.status_code in (302, 400, 403, 404, 405), url
        else:
            assert response.status_code in (400, 403, 404, 405), f"{actor} {method} {url}: {response.status_code}"
        assert snapshot(shared_app) == before, f"{actor} changed data through {method} {url}"


@pytest.mark.parametrize("actor", ACTORS)
def test_org_list_and_its_drop_downs_show_exactly_the_scope(shared_app, browser_factory, world, actor):
    browser = browser_for(shared_app, browser_factory, actor)
    response = browser.get("/orgs/list/?psize_MyOrgView=100")
    if actor not in HAS_ORG_VIEWS:
        assert_refused(response, actor)
        return
    page = response.get_data(as_text=True)
    for name in ALL_ORGS:
        # Parents of visible orgs appear as their parent column; everything else must not appear at all.
        if name in VISIBLE[actor]:
            assert name in page
    invisible = set(ALL_ORGS) - VISIBLE[actor] - _parents_of(VISIBLE[actor])
    for name in invisible:
        assert name not in page, f"{actor} sees {name}"


@pytest.mark.parametrize("actor", ["demo_unit", "unit_b_reviewer", "demo_supervisor", "demo_committee"])
def test_hand_made_filters_cannot_widen_the_scope(shared_app, browser_factory, world, actor):
    browser = browser_for(shared_app, browser_factory, actor)
    for target in set(ALL_ORGS) - VISIBLE[actor]:
        org_id = world["orgs"][target]
        for query in (f"_flt_0_parent={org_id}", f"_flt_0_name={target}", "psize_MyOrgView=100000",
                      "page_MyOrgView=-3", "_oc_MyOrgView=path&_od_MyOrgView=drop"):
            response = browser.get(f"/orgs/list/?{query}")
            assert response.status_code == 200, query
            page = response.get_data(as_text=True)
            assert f"/orgs/show/{org_id}\"" not in page


@pytest.mark.parametrize("actor", ACTORS)
def test_org_and_staff_exports_hold_exactly_the_scope(shared_app, browser_factory, world, actor):
    browser = browser_for(shared_app, browser_factory, actor)
    orgs = browser.get("/orgs/export/")
    staff = browser.get("/org-staff/export/")
    if actor not in HAS_ORG_VIEWS:
        assert_refused(orgs, actor)
        assert_refused(staff, actor)
        return
    sheet = openpyxl.load_workbook(io.BytesIO(orgs.data)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} & set(ALL_ORGS) == VISIBLE[actor]
    if actor not in CAN_EDIT_OWN:
        assert_refused(staff, actor)
        return
    listed = {row[2] for row in openpyxl.load_workbook(io.BytesIO(staff.data)).active.iter_rows(min_row=2,
                                                                                             values_only=True)}
    for other in world["users"]:
        reachable = actor == "demo_admin" or bool(world["user_orgs"][other] & VISIBLE[actor])
        assert (other in listed) == reachable, (actor, other)


@pytest.mark.parametrize("actor", ACTORS)
def test_staff_list_and_details(shared_app, browser_factory, world, actor):
    browser = browser_for(shared_app, browser_factory, actor)
    response = browser.get("/org-staff/list/?psize_OrgStaffView=100")
    if actor not in CAN_EDIT_OWN:
        assert_refused(response, actor)
    for other, user_id in world["users"].items():
        reachable = actor == "demo_admin" or (
            actor in CAN_EDIT_OWN and bool(world["user_orgs"][other] & VISIBLE[actor])
        )
        detail = browser.get(f"/org-staff/show/{user_id}")
        if reachable:
            assert detail.status_code == 200
        else:
            assert_refused(detail, actor)
            assert other not in detail.get_data(as_text=True)


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "demo_admin"])
def test_admin_user_management_is_closed_to_others(shared_app, browser_factory, world, actor):
    browser = browser_for(shared_app, browser_factory, actor)
    victim = world["users"]["unit_b_reviewer"]
    before = snapshot(shared_app)
    for method, url, data in (
        ("get", "/users/list/", None),
        ("get", f"/users/show/{victim}", None),
        ("post", f"/users/edit/{victim}", {"username": "hijacked", "email": "x@y.z"}),
        ("post", f"/users/delete/{victim}", {}),
        ("get", f"/resetpassword/form?pk={victim}", None),
        ("post", "/dictionaries/add", {"code": "evil", "name": "恶意"}),
        ("get", "/operation-log/list/", None),
        ("get", "/roles/list/", None),
    ):
        # The authority keeps the dictionaries and reads the operation log within its reach (test_audit_trail).
        if actor == "demo_authority" and url.startswith(("/dictionaries", "/operation-log")):
            continue
        response = browser.post(url, data) if method == "post" else browser.get(url)
        assert_refused(response, actor)
    assert snapshot(shared_app) == before


def _parents_of(names: set[str]) -> set[str]:
    parents = {
        f.UNIT_A: f.SUPERVISOR_1, f.UNIT_B: f.SUPERVISOR_1, f.UNIT_C: f.SUPERVISOR_2,
        "广州市建筑设计研究院有限公司": f.SUPERVISOR_2, f.SUPERVISOR_1: f.AUTHORITY,
        f.SUPERVISOR_2: f.AUTHORITY, f.COMMITTEE: f.AUTHORITY, f.PROVIDER: f.AUTHORITY,
    }
    return {parents[name] for name in names if name in parents}
