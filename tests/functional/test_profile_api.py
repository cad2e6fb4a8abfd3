"""The REST API of the applicant's own profile: JWT login, the screens' rules, scope, Chinese errors, OpenAPI."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Education, RecordStatus
from app.workflow import profile_review
from conftest import DEMO_PASSWORD
from factories import UNIT_C, api_token, make_person, user

RECORD = {"start_date": "2004-09-01", "end_date": "2008-07-01", "school": "华南理工大学", "major": "机械工程",
          "education": "21", "study_mode": "full_time"}


def token(client, username: str) -> dict:
    return api_token(client, username, DEMO_PASSWORD)


def own_education_ids(app, username):
    with app.app_context():
        owner = user(username).id
        return set(db.session.scalars(select(Education.id).where(Education.user_id == owner)))


@pytest.fixture
def b_headers(app):
    with app.app_context():
        make_person("api_b", DEMO_PASSWORD, UNIT_C, birth="19910101")
    return token(app.test_client(), "api_b")


def test_lists_only_own_records(app, b_headers):
    client = app.test_client()
    headers = token(client, "demo_applicant")
    listed = client.get("/api/v1/profile-education/", headers=headers).get_json()
    assert {row["id"] for row in listed["result"]} == own_education_ids(app, "demo_applicant")
    assert listed["result"][0]["status"] == "approved"
    assert client.get("/api/v1/profile-education/", headers=b_headers).get_json()["count"] == 0


def test_create_change_and_delete_follow_the_screen_rules(app, b_headers):
    client = app.test_client()
    created = client.post("/api/v1/profile-education/", json=RECORD, headers=b_headers)
    assert created.status_code == 201
    record_id = created.get_json()["id"]
    assert created.get_json()["result"]["status"] == "draft"
    changed = client.put(f"/api/v1/profile-education/{record_id}", json={"school": "中山大学"}, headers=b_headers)
    assert changed.status_code == 200 and changed.get_json()["result"]["school"] == "中山大学"
    # Once submitted the record is locked, through the API as on the screen.
    with app.app_context():
        profile_review.submit(user("api_b"))
    refused = client.put(f"/api/v1/profile-education/{record_id}", json={"school": "改"}, headers=b_headers)
    assert refused.status_code == 409 and "审核中" in refused.get_json()["message"]
    assert client.delete(f"/api/v1/profile-education/{record_id}", headers=b_headers).status_code == 409
    with app.app_context():
        record = db.session.get(Education, record_id)
        assert record.school == "中山大学" and record.status == RecordStatus.unit_review


@pytest.mark.parametrize("change, field, message", [
    ({"end_date": "2003-01-01"}, "end_date", "结束日期不能早于开始日期"),
    ({"start_date": "2099-01-01", "end_date": None}, "start_date", "日期不能晚于今天"),
    ({"start_date": "not a date"}, "start_date", "日期格式无效"),
    ({"education": "XX"}, "education", "选项无效"),
    ({"school": None}, "school", "此项为必填项"),
    ({"status": "approved"}, "status", "不接受此字段"),
    ({"user_id": 1}, "user_id", "不接受此字段"),
])
def test_bad_input_gets_a_chinese_message_by_field_and_changes_nothing(app, b_headers, change, field, message):
    client = app.test_client()
    response = client.post("/api/v1/profile-education/", json=dict(RECORD, **change), headers=b_headers)
    assert response.status_code == 422
    assert message in str(response.get_json()["message"][field])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Education).where(
            Education.user_id == user("api_b").id)) == 0


def test_other_people_reach_nothing_of_applicant_a(app, b_headers):
    client = app.test_client()
    a_record = sorted(own_education_ids(app, "demo_applicant"))[0]
    assert client.get(f"/api/v1/profile-education/{a_record}", headers=b_headers).status_code == 404
    assert client.put(f"/api/v1/profile-education/{a_record}", json={"school": "x"}, headers=b_headers).status_code == 404
    assert client.delete(f"/api/v1/profile-education/{a_record}", headers=b_headers).status_code == 404
    for staff in ("demo_unit", "demo_supervisor", "demo_admin"):
        headers = token(client, staff)
        response = client.get(f"/api/v1/profile-education/{a_record}", headers=headers)
        assert response.status_code in (403, 404)
    assert client.get("/api/v1/profile-education/").status_code == 401
    assert a_record in own_education_ids(app, "demo_applicant")


def test_basic_information_and_unit_rules(app, b_headers):
    client = app.test_client()
    basic = client.get("/api/v1/profile-basic/", headers=b_headers).get_json()["result"]
    assert len(basic) == 1
    again = client.post("/api/v1/profile-basic/", json={"ethnicity": "01"}, headers=b_headers)
    assert again.status_code == 422 and "已存在" in str(again.get_json()["message"])
    info = client.get("/api/v1/profile-basic/_info", headers=b_headers).get_json()
    unit_field = next(f for f in info["add_columns"] if f["name"] == "unit")
    assert unit_field["count"] == 4  # the demo's four active units, not every org


def test_openapi_document_describes_the_profile_api(app, b_headers):
    spec = app.test_client().get("/api/v1/_openapi", headers=b_headers)
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    assert "/api/v1/profile-education/" in paths and "/api/v1/profile-basic/{pk}" in paths
