"""REST API of the title businesses: drafts, transitions through apply, scope for every actor."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Achievement, Application, AppState
from conftest import DEMO_PASSWORD
from factories import UNIT_B, UNIT_C, api_token, make_person, make_staff, user

DRAFT = {
    "business_type": "recognition", "series": "GC", "title": "GC_4",
    "form": {"education_basis": "21", "graduation_date": "2002-07-01", "work_years": 20,
             "current_work": "信息系统架构设计", "commitment": True},
    "materials": [{"name": "学历证书复印件", "copies": 1}],
}


def token(client, username: str) -> dict:
    return api_token(client, username, DEMO_PASSWORD)


@pytest.fixture
def client(app):
    with app.app_context():
        make_staff("unit_b_reviewer", "UnitReviewer", [UNIT_B], DEMO_PASSWORD)
        make_staff("unit_c_reviewer", "UnitReviewer", [UNIT_C], DEMO_PASSWORD)
        make_person("applicant_c", DEMO_PASSWORD, UNIT_C, birth="19920202")
    return app.test_client()


def test_draft_submit_and_approve_through_the_api(app, client):
    applicant = token(client, "demo_applicant")
    created = client.post("/api/v1/applications/", json=DRAFT, headers=applicant)
    assert created.status_code == 201, created.get_json()
    result = created.get_json()["result"]
    app_id = result["id"]
    assert result["state"] == "draft" and [a["event"] for a in result["actions"]] == ["submit"]
    # A draft is invisible to reviewers.
    assert client.get(f"/api/v1/applications/{app_id}", headers=token(client, "demo_unit")).status_code == 404
    submitted = client.post(f"/api/v1/applications/{app_id}/events/submit", json={}, headers=applicant)
    assert submitted.status_code == 200 and submitted.get_json()["result"]["state"] == "unit_review"
    unit = token(client, "demo_unit")
    seen = client.get(f"/api/v1/applications/{app_id}", headers=unit).get_json()["result"]
    assert {"approve", "return", "terminate"} == {a["event"] for a in seen["actions"]}
    returned = client.post(f"/api/v1/applications/{app_id}/events/return",
                           json={"version": seen["version"], "reason": "请补充材料",
                                 "section_comments": {"materials": "缺少学历证书"}}, headers=unit)
    assert returned.status_code == 200 and returned.get_json()["result"]["state"] == "returned"
    mine = client.get(f"/api/v1/applications/{app_id}", headers=applicant).get_json()["result"]
    assert mine["history"][-1]["section_comments"] == {"materials": "缺少学历证书"}
    assert client.put(f"/api/v1/applications/{app_id}", json={"materials": [{"name": "学历证书原件扫描件", "copies": 1}]},
                      headers=applicant).status_code == 200
    assert client.post(f"/api/v1/applications/{app_id}/events/resubmit", json={}, headers=applicant).status_code == 200
    stale = client.post(f"/api/v1/applications/{app_id}/events/approve", json={"version": seen["version"]}, headers=unit)
    assert stale.status_code == 409 and "已被他人处理" in stale.get_json()["message"]
    assert client.post(f"/api/v1/applications/{app_id}/events/approve", json={}, headers=unit).status_code == 200
    with app.app_context():
        assert db.session.get(Application, app_id).state == AppState.supervisor_review


def test_refusals_list_every_reason_and_change_nothing(app, client):
    applicant = token(client, "demo_applicant")
    app_id = client.post("/api/v1/applications/", json=dict(DRAFT, title="GC_5", materials=[]),
                         headers=applicant).get_json()["result"]["id"]
    refused = client.post(f"/api/v1/applications/{app_id}/events/submit", json={}, headers=applicant)
    assert refused.status_code == 422
    reasons = " ".join(refused.get_json()["message"]["application"])
    assert "逐级申报" in reasons and "纸质材料" in reasons
    bad = client.put(f"/api/v1/applications/{app_id}", json={"form": {"work_years": "many", "nonsense": 1},
                                                            "achievement_ids": [99999]}, headers=applicant)
    assert bad.status_code == 422
    assert set(bad.get_json()["message"]) == {"form.work_years", "form.nonsense", "achievement_ids"}
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.state == AppState.draft and application.form["work_years"] == "20"


def test_nobody_outside_the_scope_sees_or_acts(app, client):
    applicant = token(client, "demo_applicant")
    app_id = client.post("/api/v1/applications/", json=DRAFT, headers=applicant).get_json()["result"]["id"]
    client.post(f"/api/v1/applications/{app_id}/events/submit", json={}, headers=applicant)
    for outsider in ("applicant_c", "unit_b_reviewer", "unit_c_reviewer", "demo_committee", "demo_expert"):
        headers = token(client, outsider)
        assert client.get(f"/api/v1/applications/{app_id}", headers=headers).status_code == 404
        assert client.post(f"/api/v1/applications/{app_id}/events/approve", json={}, headers=headers).status_code in (403, 404)
        listed = client.get("/api/v1/applications/", headers=headers).get_json()
        assert app_id not in [row["id"] for row in listed.get("result", [])]
    # In scope but the wrong level: seen, not acted on.
    supervisor = token(client, "demo_supervisor")
    assert client.get(f"/api/v1/applications/{app_id}", headers=supervisor).status_code == 200
    assert client.post(f"/api/v1/applications/{app_id}/events/approve", json={}, headers=supervisor).status_code == 403
    # Someone else's draft cannot be changed; the applicant cannot approve their own.
    other = token(client, "applicant_c")
    assert client.put(f"/api/v1/applications/{app_id}", json={"title": "GC_5"}, headers=other).status_code == 404
    assert client.post(f"/api/v1/applications/{app_id}/events/approve", json={}, headers=applicant).status_code == 403
    assert client.get("/api/v1/applications/").status_code == 401
    with app.app_context():
        assert db.session.get(Application, app_id).state == AppState.unit_review


def test_selected_achievements_must_be_ones_own(app, client):
    with app.app_context():
        own = list(db.session.scalars(select(Achievement.id).where(Achievement.user_id == user("demo_applicant").id)))
    headers = token(client, "applicant_c")
    response = client.post("/api/v1/applications/", json=dict(DRAFT, business_type="evaluation", achievement_ids=own),
                           headers=headers)
    assert response.status_code == 422 and "achievement_ids" in response.get_json()["message"]
