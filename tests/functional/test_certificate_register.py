"""证书查询: the staff's certificate register — each role sees the certificates of its scope, on the list, the
detail page and the export, and never the holder's verification code."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

import factories as f
from app.extensions import db
from app.models import Certificate
from app.security import roles as r
from conftest import DEMO_PASSWORD

# name → (holder, unit of the holder, committee or None); the authority issued them all.
CERTIFICATES = {
    "GC-A": ("demo_applicant", f.UNIT_A, None),
    "GC-B": ("holder_b", f.UNIT_B, f.COMMITTEE),
    "GC-C": ("holder_c", f.UNIT_C, None),
}
SEES = {
    "demo_admin": {"GC-A", "GC-B", "GC-C"},
    "demo_authority": {"GC-A", "GC-B", "GC-C"},
    "demo_supervisor": {"GC-A", "GC-B"},
    "demo_unit": {"GC-A"},
    "unit_b_reviewer": {"GC-B"},
    "demo_committee": {"GC-B"},
}
REFUSED = ["demo_applicant", "demo_expert", "demo_provider", None]


@pytest.fixture(scope="module")
def world(shared_app):
    with shared_app.app_context():
        f.make_staff("unit_b_reviewer", r.UNIT_REVIEWER, [f.UNIT_B], DEMO_PASSWORD)
        for username, unit, birth, name in (("holder_b", f.UNIT_B, "19860101", "乙丙丁"),
                                            ("holder_c", f.UNIT_C, "19870101", "庚辛壬")):
            person = f.make_person(username, DEMO_PASSWORD, unit, birth=birth)
            person.last_name, person.first_name = name[0], name[1:]
        ids = {}
        for number, (holder, _, committee) in CERTIFICATES.items():
            person = f.user(holder)
            record = Certificate(
                number=number, verification_code=f"V{number[-1]}SECRET", holder_id=person.id,
                holder_name=person.full_name, series="GC", title="GC_4", level="4",
                committee_id=f.org(committee).id if committee else None, issuer_id=f.org(f.AUTHORITY).id,
                issued_on=dt.date(2026, 10, 1),
            )
            db.session.add(record)
            db.session.flush()
            ids[number] = record.id
        db.session.commit()
        db.session.remove()
    return ids


def browser_for(app, browser_factory, actor):
    return browser_factory(app, actor) if actor else browser_factory(app)


@pytest.mark.parametrize("actor", list(SEES))
def test_each_staff_role_sees_its_scope_on_list_detail_and_export(shared_app, browser_factory, world, actor):
    browser = browser_factory(shared_app, actor)
    page = browser.get("/certificates/list/").get_data(as_text=True)
    assert {n for n in CERTIFICATES if n in page} == SEES[actor]
    assert "SECRET" not in page and "证书查询" in page
    for number, pk in world.items():
        detail = browser.get(f"/certificates/show/{pk}")
        assert detail.status_code == (200 if number in SEES[actor] else 404), (actor, number)
        assert "SECRET" not in detail.get_data(as_text=True)
    exported = browser.get("/certificates/export/")
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.data)).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["证书编号", "持证人", "专业系列"] and "验证码" not in headers
    numbers = {row[0].value for row in sheet.iter_rows(min_row=2)}
    assert numbers & set(CERTIFICATES) == SEES[actor]
    assert all(row[3].value == "高级工程师" for row in sheet.iter_rows(min_row=2) if row[0].value in CERTIFICATES)


@pytest.mark.parametrize("actor", REFUSED)
def test_applicants_experts_providers_and_anonymous_have_no_register(shared_app, browser_factory, world, actor):
    browser = browser_for(shared_app, browser_factory, actor)
    for url in ("/certificates/list/", f"/certificates/show/{world['GC-A']}", "/certificates/export/"):
        response = browser.get(url)
        assert response.status_code in (302, 403, 404), (actor, url)
        assert "GC-A" not in response.get_data(as_text=True)
        if actor is None:
            assert "/login" in response.headers["Location"]


def test_the_holder_still_sees_only_their_own(shared_app, browser_factory, world):
    page = browser_factory(shared_app, "holder_b").get("/my-certificates/list/").get_data(as_text=True)
    assert "GC-B" in page and "GC-A" not in page and "GC-C" not in page


def test_search_by_holder_name_narrows_the_authoritys_list(shared_app, browser_factory, world):
    with shared_app.app_context():
        name = f.user("holder_c").full_name
    browser = browser_factory(shared_app, "demo_authority")
    page = browser.get(f"/certificates/list/?_flt_2_holder_name={name}").get_data(as_text=True)
    assert "GC-C" in page and "GC-A" not in page and "GC-B" not in page
