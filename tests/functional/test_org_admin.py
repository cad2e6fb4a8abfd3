"""The administrator's organisation screens: rules on every field, the tree, moves, disabling, search."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

import factories as f
from app.extensions import db
from app.models import OperationLog, Org, OrgStatus

VALID_USCC = "91350100M000100Y43"
WRONG_CHECK_USCC = "91350100M000100Y44"


def form(**fields):
    """A complete add/edit form for a unit below supervisor 1, with fields overridden."""
    base = {
        "name": "广东测试新材料有限公司", "short_name": "", "kind": "unit", "uscc": VALID_USCC,
        "parent": "", "region_code": "440100", "status": "active", "address": "广州市天河区",
        "contact_person": "吴经理", "contact_phone": "020-12345678", "contact_email": "hr@example.com",
        "committee_full_name": "", "member_count": "", "filing_number": "", "filing_valid_from": "",
        "filing_valid_until": "", "remarks": "",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def org_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Org))


def org_id(app, name) -> int:
    with app.app_context():
        return f.org(name).id


@pytest.fixture
def admin(app, browser_factory):
    return browser_factory(app, "demo_admin")


def test_admin_adds_a_unit_and_it_is_placed_in_the_tree(app, admin):
    parent = org_id(app, f.SUPERVISOR_1)
    response = admin.post("/admin/orgs/add", form(parent=str(parent)))
    assert response.status_code == 302
    with app.app_context():
        new = f.org("广东测试新材料有限公司")
        assert new.parent_id == parent
        assert new.path == f"{f.org(f.SUPERVISOR_1).path}{new.id}/"
        assert new.depth == 2


@pytest.mark.parametrize(
    "fields, field_label, message",
    [
        ({"uscc": WRONG_CHECK_USCC}, "uscc", "校验位"),
        ({"uscc": "12345"}, "uscc", "18"),
        ({"name": "广东省电子信息技术研究院"}, "name", "已存在"),
        ({"name": ""}, "name", ""),
        ({"parent": ""}, "parent", "上级"),
        ({"contact_email": "not-an-email"}, "contact_email", "电子邮箱"),
        ({"kind": "committee", "member_count": ""}, "member_count", "委员"),
    ],
)
def test_bad_input_gets_a_chinese_message_on_the_field_and_changes_nothing(app, admin, fields, field_label, message):
    parent = org_id(app, f.SUPERVISOR_1)
    before = org_count(app)
    response = admin.post("/admin/orgs/add", form(parent=str(parent), **fields) if "parent" not in fields else form(**fields))
    assert response.status_code == 200  # the form comes back
    page = response.get_data(as_text=True)
    assert "help-block" in page or "alert-danger" in page
    if message:
        assert message in page
    assert org_count(app) == before


def test_a_duplicate_uscc_is_refused(app, admin):
    with app.app_context():
        existing = f.org(f.UNIT_A).uscc
    before = org_count(app)
    response = admin.post("/admin/orgs/add", form(parent=str(org_id(app, f.SUPERVISOR_1)), uscc=existing))
    assert "该统一社会信用代码已被其他机构使用" in response.get_data(as_text=True)
    assert org_count(app) == before


def test_a_failing_check_character_needs_the_admins_override_with_a_reason(app, admin):
    parent = str(org_id(app, f.SUPERVISOR_1))
    response = admin.post("/admin/orgs/add", form(parent=parent, uscc=WRONG_CHECK_USCC, uscc_override="y"))
    assert response.status_code == 200 and "请填写保留校验未通过代码的原因" in response.get_data(as_text=True)
    response = admin.post(
        "/admin/orgs/add",
        form(parent=parent, uscc=WRONG_CHECK_USCC, uscc_override="y", uscc_override_reason="营业执照原件如此，已核实"),
    )
    assert response.status_code == 302
    with app.app_context():
        saved = f.org("广东测试新材料有限公司")
        assert saved.uscc == WRONG_CHECK_USCC and saved.uscc_override
        assert saved.uscc_override_by.username == "demo_admin" and saved.uscc_override_at is not None
        log = db.session.scalar(select(OperationLog).where(OperationLog.action == "uscc_override"))
        assert log.target_id == saved.id and "营业执照" in log.detail


def test_a_reviewer_cannot_override_the_check_through_the_contact_form(app, browser_factory):
    """Non-admins never reach the USCC fields: their edit form has only the contact details."""
    unit = browser_factory(app, "demo_unit")
    unit_a = org_id(app, f.UNIT_A)
    response = unit.post(f"/orgs/edit/{unit_a}", {"contact_person": "新联系人", "uscc": WRONG_CHECK_USCC, "uscc_override": "y"})
    assert response.status_code == 302
    with app.app_context():
        saved = f.org(f.UNIT_A)
        assert saved.contact_person == "新联系人" and saved.uscc != WRONG_CHECK_USCC and not saved.uscc_override


def test_moving_an_org_under_its_own_subtree_is_refused(app, admin):
    supervisor = org_id(app, f.SUPERVISOR_1)
    unit_a = org_id(app, f.UNIT_A)
    with app.app_context():
        before = f.org(f.SUPERVISOR_1).path
    response = admin.post(
        f"/admin/orgs/edit/{supervisor}",
        form(name=f.SUPERVISOR_1, kind="supervisor", uscc="", parent=str(supervisor)),
    )
    assert "不能是本机构" in response.get_data(as_text=True)
    with app.app_context():
        assert f.org(f.SUPERVISOR_1).path == before and f.org(f.SUPERVISOR_1).parent.name == f.AUTHORITY
    # A unit cannot hold a supervisor either: the kind rule answers before the cycle would form.
    response = admin.post(
        f"/admin/orgs/edit/{supervisor}", form(name=f.SUPERVISOR_1, kind="supervisor", uscc="", parent=str(unit_a))
    )
    assert response.status_code == 200
    with app.app_context():
        assert f.org(f.SUPERVISOR_1).parent.name == f.AUTHORITY


def test_moving_a_supervisor_carries_its_subtree(app, admin):
    """Move 广东省工业和信息化厅 under 广州市人社局 (supervisor below supervisor): units follow."""
    supervisor = org_id(app, f.SUPERVISOR_1)
    target = org_id(app, f.SUPERVISOR_2)
    with app.app_context():
        s1 = f.org(f.SUPERVISOR_1)
        fields = form(name=s1.name, kind="supervisor", uscc=s1.uscc, parent=str(target), region_code=s1.region_code,
                      contact_person=s1.contact_person, contact_phone=s1.contact_phone, contact_email="")
    response = admin.post(f"/admin/orgs/edit/{supervisor}", fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        s2 = f.org(f.SUPERVISOR_2)
        unit = f.org(f.UNIT_A)
        assert f.org(f.SUPERVISOR_1).path == f"{s2.path}{supervisor}/"
        assert unit.path == f"{s2.path}{supervisor}/{unit.id}/" and unit.depth == 3
        assert [a.name for a in unit.ancestors()] == [f.AUTHORITY, f.SUPERVISOR_2, f.SUPERVISOR_1]


def test_the_detail_page_shows_the_parent_chain_and_the_children(app, admin):
    page = admin.get(f"/admin/orgs/show/{org_id(app, f.SUPERVISOR_1)}").get_data(as_text=True)
    assert f.AUTHORITY in page and f.UNIT_A in page and f.UNIT_B in page
    assert f.UNIT_C not in page


def test_disable_and_enable_as_a_bulk_action(app, admin):
    ids = [org_id(app, f.UNIT_A), org_id(app, f.UNIT_B)]
    response = admin.post("/admin/orgs/action_post", {"action": "disable", "rowid": [str(i) for i in ids]})
    assert response.status_code == 302
    with app.app_context():
        assert {f.org(n).status for n in (f.UNIT_A, f.UNIT_B)} == {OrgStatus.disabled}
        assert f.org(f.UNIT_C).status == OrgStatus.active
    admin.post(f"/admin/orgs/action/enable/{ids[0]}")
    with app.app_context():
        assert f.org(f.UNIT_A).status == OrgStatus.active


def test_search_by_name_and_kind(app, admin):
    page = admin.get("/admin/orgs/list/?_flt_2_name=智能").get_data(as_text=True)
    assert f.UNIT_B in page and f.UNIT_A not in page
    page = admin.get("/admin/orgs/list/?_flt_0_kind=committee").get_data(as_text=True)
    assert f.COMMITTEE in page and f.UNIT_A not in page


def test_committee_facts_are_checked(app, admin):
    parent = str(org_id(app, f.AUTHORITY))
    with app.app_context():
        from app.models import DictItem
        series = db.session.scalar(select(DictItem.id).where(DictItem.code == "GC"))
        level = db.session.scalar(select(DictItem.id).where(DictItem.code == "5", DictItem.label == "正高级"))
    fields = form(
        name="广东省卫生高级职称评审委员会", kind="committee", uscc="", parent=parent, member_count="25",
        filing_number="粤人社评备〔2026〕1号", filing_valid_from="2026-01-01", filing_valid_until="2030-01-01",
        series=str(series), levels=str(level),
    )
    response = admin.post("/admin/orgs/add", fields)
    assert "3" in response.get_data(as_text=True) and response.status_code == 200
    fields["filing_valid_until"] = "2028-12-31"
    response = admin.post("/admin/orgs/add", fields)
    assert response.status_code == 302
    with app.app_context():
        committee = f.org("广东省卫生高级职称评审委员会")
        assert committee.member_count == 25 and [s.code for s in committee.series] == ["GC"]


def _committee_form(app, **fields):
    """The edit form of the demo committee as it stands, with fields overridden."""
    with app.app_context():
        committee = f.org(f.COMMITTEE)
        values = form(
            name=committee.name, kind="committee", uscc=committee.uscc or "", parent=str(committee.parent_id),
            region_code=committee.region_code or "", address=committee.address or "",
            committee_full_name=committee.committee_full_name, member_count=str(committee.member_count),
            filing_number=committee.filing_number, filing_valid_from=str(committee.filing_valid_from),
            filing_valid_until=str(committee.filing_valid_until),
            series=[str(item.id) for item in committee.series], levels=[str(item.id) for item in committee.levels],
        )
    values.update(fields)
    return committee.id, values


def _series_id(app, code):
    with app.app_context():
        from app.models import DictItem, DictType
        return str(db.session.scalar(select(DictItem.id).join(DictType).where(
            DictType.code == "title_series", DictItem.code == code)))


def test_editing_a_committee_replaces_its_series_and_a_refused_edit_changes_nothing(app, admin):
    with app.app_context():
        taken = f.org(f.UNIT_A).uscc
    committee_id, fields = _committee_form(app, uscc=taken, name="改名后的评审委员会",
                                           series=[_series_id(app, "KJ")])
    # A refused edit: the duplicate code is named and neither the new name nor the new series is written
    # (replacing the series must not write the half-edited org first).
    response = admin.post(f"/admin/orgs/edit/{committee_id}", fields)
    assert response.status_code == 200
    assert "该统一社会信用代码已被其他机构使用" in response.get_data(as_text=True)
    with app.app_context():
        committee = db.session.get(Org, committee_id)
        assert committee.name == f.COMMITTEE and [s.code for s in committee.series] == ["GC"]
    # An accepted edit replaces the series.
    _, fields = _committee_form(app, series=[_series_id(app, "KJ"), _series_id(app, "GC")])
    assert admin.post(f"/admin/orgs/edit/{committee_id}", fields).status_code == 302
    with app.app_context():
        assert sorted(s.code for s in db.session.get(Org, committee_id).series) == ["GC", "KJ"]
    # Turning the committee into a unit clears its committee settings.
    _, fields = _committee_form(app, kind="unit", uscc=VALID_USCC, committee_full_name="", member_count="",
                                filing_number="", filing_valid_from="", filing_valid_until="")
    assert admin.post(f"/admin/orgs/edit/{committee_id}", fields).status_code == 302
    with app.app_context():
        changed = db.session.get(Org, committee_id)
        assert changed.kind.value == "unit" and changed.series == [] and changed.levels == []
