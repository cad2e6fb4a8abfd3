"""单位绑定 / 人员绑定确认: request, confirm, refuse, end, withdraw; one live binding per person; scope."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

import factories as f
from app.errors import DomainError
from app.extensions import db
from app.models import BasicInfo, BindingStatus, OperationLog, UnitBinding
from app.security import roles as r
from app.workflow import ce_binding

PASSWORD = "Bind2026ok"


def _person(app, username="bind_person", unit_name=None):
    with app.app_context():
        return f.make_person(username, PASSWORD, unit_name).id


def _unit_id(app, name):
    with app.app_context():
        return f.org(name).id


def _binding(app, user_id) -> UnitBinding | None:
    with app.app_context():
        row = db.session.scalar(select(UnitBinding).where(UnitBinding.user_id == user_id)
                                .order_by(UnitBinding.id.desc()))
        if row is not None:
            db.session.expunge(row)
        return row


def _request(browser, app, unit_name):
    return browser.post("/my-unit-binding/request", {"unit_id": str(_unit_id(app, unit_name))})


def test_request_then_the_unit_confirms(app, browser_factory):
    person_id = _person(app)
    person = browser_factory(app)
    person.login("bind_person", PASSWORD)
    page = person.get("/my-unit-binding/?q=电子信息").get_data(as_text=True)
    assert "单位绑定" in page and f.UNIT_A in page and f.UNIT_C not in page  # the search narrows the select
    response = _request(person, app, f.UNIT_A)
    assert response.status_code == 302
    page = person.get("/my-unit-binding/").get_data(as_text=True)
    assert "已提交绑定申请" in page and "待单位确认" in page
    binding = _binding(app, person_id)
    assert binding.status == BindingStatus.pending
    with app.app_context():
        assert ce_binding.bound_unit_id(person_id) is None

    unit = browser_factory(app, "demo_unit")
    page = unit.get("/unit-bindings/").get_data(as_text=True)
    assert "人员绑定确认" in page and "李申报" in page and "待确认" in page
    with app.app_context():
        number = f.user("bind_person").id_number
    assert number not in page and number[:6] in page and number[-4:] in page
    response = unit.post(f"/unit-bindings/{binding.id}/confirm", {"version": binding.version})
    assert response.status_code == 302
    assert "绑定已确认" in unit.get("/unit-bindings/").get_data(as_text=True)
    with app.app_context():
        assert ce_binding.bound_unit_id(person_id) == f.org(f.UNIT_A).id
        # The person had no 基本信息: nothing to fill in; the audit log has both steps.
        actions = set(db.session.scalars(select(OperationLog.action).where(
            OperationLog.target_type == "UnitBinding", OperationLog.target_id == binding.id)))
        assert actions == {"unit_binding_request", "unit_binding_confirm"}
    assert "已绑定" in person.get("/my-unit-binding/").get_data(as_text=True)
    # A second click (stale version) is a clean message, not a second change.
    response = unit.post(f"/unit-bindings/{binding.id}/confirm", {"version": binding.version})
    assert response.status_code == 302
    assert "该记录已被他人处理" in unit.get("/unit-bindings/").get_data(as_text=True)


def test_confirm_fills_an_empty_profile_unit(app):
    person_id = _person(app, unit_name=f.UNIT_A)
    with app.test_request_context():
        db.session.execute(BasicInfo.__table__.update().where(BasicInfo.user_id == person_id).values(unit_id=None))
        db.session.commit()
        person = db.session.get(f.AppUser, person_id)
        binding = ce_binding.request_binding(person, f.org(f.UNIT_B).id)
        ce_binding.confirm(binding.id, _reviewer_of(f.UNIT_B))
        unit_id = db.session.scalar(select(BasicInfo.unit_id).where(BasicInfo.user_id == person_id))
        assert unit_id == f.org(f.UNIT_B).id


def _reviewer_of(unit_name):
    from flask import g

    account = f.make_staff(f"rev_{f.org(unit_name).id}", r.UNIT_REVIEWER, [unit_name], PASSWORD)
    g.user = account
    return account


def test_reject_with_reason_then_ask_again(app, browser_factory):
    person_id = _person(app)
    person = browser_factory(app)
    person.login("bind_person", PASSWORD)
    _request(person, app, f.UNIT_A)
    binding = _binding(app, person_id)
    unit = browser_factory(app, "demo_unit")
    unit.post(f"/unit-bindings/{binding.id}/reject", {"version": binding.version, "reason": ""})
    assert "请填写原因" in unit.get("/unit-bindings/").get_data(as_text=True)
    assert _binding(app, person_id).status == BindingStatus.pending
    unit.post(f"/unit-bindings/{binding.id}/reject", {"version": binding.version, "reason": "本单位无此人"})
    assert _binding(app, person_id).status == BindingStatus.rejected
    page = person.get("/my-unit-binding/").get_data(as_text=True)
    assert "绑定被拒绝" in page and "本单位无此人" in page
    done = unit.get("/unit-bindings/?tab=done").get_data(as_text=True)
    assert "本单位无此人" in done
    # Refused: a new request is allowed.
    assert _request(person, app, f.UNIT_B).status_code == 302
    assert _binding(app, person_id).status == BindingStatus.pending


def test_double_request_and_withdraw(app, browser_factory):
    person_id = _person(app)
    person = browser_factory(app)
    person.login("bind_person", PASSWORD)
    _request(person, app, f.UNIT_A)
    _request(person, app, f.UNIT_B)
    page = person.get("/my-unit-binding/").get_data(as_text=True)
    assert "您已有待确认的绑定申请" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UnitBinding)
                                 .where(UnitBinding.user_id == person_id)) == 1
    binding = _binding(app, person_id)
    person.post(f"/my-unit-binding/cancel/{binding.id}", {"version": binding.version})
    assert _binding(app, person_id).status == BindingStatus.ended
    assert "申请人已撤回" in person.get("/my-unit-binding/").get_data(as_text=True)
    # The unit cannot confirm a withdrawn request.
    unit = browser_factory(app, "demo_unit")
    unit.post(f"/unit-bindings/{binding.id}/confirm", {"version": binding.version})
    assert _binding(app, person_id).status == BindingStatus.ended
    assert "该记录已被他人处理" in unit.get("/unit-bindings/").get_data(as_text=True)


def test_a_confirmed_binding_blocks_a_new_request_until_the_unit_ends_it(app, browser_factory):
    applicant = browser_factory(app, "demo_applicant")  # bound (confirmed) to unit A in the demo data
    _request(applicant, app, f.UNIT_B)
    page = applicant.get("/my-unit-binding/").get_data(as_text=True)
    assert "解除绑定" in page and f.UNIT_A in page
    with app.app_context():
        demo_id = f.user("demo_applicant").id
        binding = db.session.scalar(select(UnitBinding).where(UnitBinding.user_id == demo_id))
        binding_id, version = binding.id, binding.version
    unit = browser_factory(app, "demo_unit")
    unit.post(f"/unit-bindings/{binding_id}/end", {"version": version, "reason": ""})
    assert _binding(app, demo_id).status == BindingStatus.confirmed
    unit.post(f"/unit-bindings/{binding_id}/end", {"version": version, "reason": "已调离本单位"})
    assert _binding(app, demo_id).status == BindingStatus.ended
    with app.app_context():
        assert ce_binding.bound_unit_id(demo_id) is None


def test_a_settled_profile_unit_refuses_another_unit(app, browser_factory):
    """demo_applicant's profile was submitted: unit A is settled; unit B needs the 调动 business."""
    with app.app_context():
        demo_id = f.user("demo_applicant").id
        db.session.execute(UnitBinding.__table__.update().where(UnitBinding.user_id == demo_id)
                           .values(status="ended"))
        db.session.commit()
    applicant = browser_factory(app, "demo_applicant")
    _request(applicant, app, f.UNIT_B)
    assert "调动" in applicant.get("/my-unit-binding/").get_data(as_text=True)
    assert _binding(app, demo_id).status == BindingStatus.ended
    _request(applicant, app, f.UNIT_A)
    assert _binding(app, demo_id).status == BindingStatus.pending


def test_two_concurrent_requests_one_wins(app):
    person_id = _person(app)
    with app.app_context():
        units = [f.org(f.UNIT_A).id, f.org(f.UNIT_B).id]

    def asking(unit_id):
        def prepare():
            from flask import g

            ctx = app.test_request_context()
            ctx.push()
            g.user = db.session.get(f.AppUser, person_id)
            person = g.user
            return lambda: ce_binding.request_binding(person, unit_id)
        return prepare

    outcomes = f.race(app, [asking(units[0]), asking(units[1])], DomainError)
    assert outcomes == ["lost", "ok"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UnitBinding)
                                 .where(UnitBinding.user_id == person_id)) == 1


def test_two_reviewers_confirm_at_once_one_wins(app):
    person_id = _person(app)
    with app.test_request_context():
        person = db.session.get(f.AppUser, person_id)
        binding = ce_binding.request_binding(person, f.org(f.UNIT_A).id)
        binding_id, version = binding.id, binding.version
        f.make_staff("unit_a_second", r.UNIT_REVIEWER, [f.UNIT_A], PASSWORD)

    def confirming(username):
        def prepare():
            from flask import g

            ctx = app.test_request_context()
            ctx.push()
            g.user = f.user(username)
            actor = g.user
            return lambda: ce_binding.confirm(binding_id, actor, version)
        return prepare

    outcomes = f.race(app, [confirming("demo_unit"), confirming("unit_a_second")], ce_binding.AlreadyHandled)
    assert outcomes == ["lost", "ok"]
    with app.app_context():
        assert ce_binding.bound_unit_id(person_id) == f.org(f.UNIT_A).id


# ----- scope: role × endpoint -----

def _pending_binding_at_a(app) -> int:
    person_id = _person(app)
    with app.test_request_context():
        return ce_binding.request_binding(db.session.get(f.AppUser, person_id), f.org(f.UNIT_A).id).id


@pytest.mark.parametrize("action", ["confirm", "reject", "end"])
def test_other_reviewers_cannot_act_by_hand_made_url(app, browser_factory, action):
    binding_id = _pending_binding_at_a(app)
    with app.app_context():
        f.make_staff("unit_b_reviewer", r.UNIT_REVIEWER, [f.UNIT_B], PASSWORD)
    other = browser_factory(app)
    other.login("unit_b_reviewer", PASSWORD)
    assert "李申报" not in other.get("/unit-bindings/").get_data(as_text=True)
    assert other.post(f"/unit-bindings/{binding_id}/{action}", {"reason": "x"}).status_code == 404
    for username in ("demo_supervisor", "demo_authority", "demo_applicant", "demo_committee"):
        response = browser_factory(app, username).post(f"/unit-bindings/{binding_id}/{action}", {"reason": "x"})
        assert response.status_code in (302, 403, 404)
        assert _binding(app, _binding_user(app, binding_id)).status == BindingStatus.pending, username
    anonymous = browser_factory(app)
    response = anonymous.post(f"/unit-bindings/{binding_id}/{action}", {"reason": "x"})
    assert response.status_code in (302, 401, 403) and "/login" in response.headers.get("Location", "/login")
    assert _binding(app, _binding_user(app, binding_id)).status == BindingStatus.pending


def _binding_user(app, binding_id):
    with app.app_context():
        return db.session.get(UnitBinding, binding_id).user_id


def test_lists_by_role(app, browser_factory):
    _pending_binding_at_a(app)
    with app.app_context():
        f.make_staff("unit_c_reviewer", r.UNIT_REVIEWER, [f.UNIT_C], PASSWORD)
        f.make_staff("sup_two", r.SUPERVISOR_REVIEWER, [f.SUPERVISOR_2], PASSWORD)
    expected = {"demo_unit": True, "demo_supervisor": True, "demo_authority": True,
                "unit_c_reviewer": False, "sup_two": False}
    for username, sees in expected.items():
        browser = browser_factory(app)
        browser.login(username, DEMO if username.startswith("demo") else PASSWORD)
        response = browser.get("/unit-bindings/")
        assert response.status_code == 200, username
        page = response.get_data(as_text=True)
        assert ("李申报" in page) is sees, username
        # Supervisor and authority read only: no decision buttons.
        assert ("确认绑定" in page) is (username == "demo_unit"), username
    for username in ("demo_applicant", "demo_committee", "demo_expert"):
        assert browser_factory(app, username).get("/unit-bindings/").status_code in (302, 403), username
    assert browser_factory(app, "demo_unit").get("/my-unit-binding/").status_code in (302, 403)
    anonymous = browser_factory(app).get("/my-unit-binding/")
    assert anonymous.status_code in (302, 401)


DEMO = "Demo@2026zp"
