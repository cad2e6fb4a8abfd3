"""The continuing-education role × endpoint matrix: every CE and credit route the app registers, every actor.

Each route is listed in ROUTES with the ids it is tried with and who may use it; a route the app registers under
a CE prefix but missing here fails the suite. GET: the allowed actors get the page, everyone else is refused
(anonymous: to the login page). POST: every actor not allowed is refused or told why, and no CE table changes.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

import factories as f
from app.extensions import db
from app.models import CePolicy, CreditRecord, CreditSubjectType, OrgKind, UnitBinding
from app.security import roles as r
from app.services import ce_certificates, unit_registration
from app.services.workdays import local_today
from app.workflow import ce_binding, ce_claims, training
from conftest import DEMO_PASSWORD

PREFIXES = ("/my-unit-binding", "/unit-bindings", "/unit-registrations", "/unit-register", "/ce-records",
            "/ce-review", "/training-classes", "/classes", "/my-enrolments", "/class-overview",
            "/my-ce-certificates", "/ce-compliance", "/credit-records", "/my-credit-records", "/ce-policies")
OTHER_PROVIDER = "广州职业技术培训中心"
APPLICANTS = {"demo_applicant", "ce_peer"}
ACTORS = ["demo_applicant", "ce_peer", "demo_unit", "unit_b_reviewer", "demo_supervisor", "demo_authority",
          "demo_committee", "demo_expert", "demo_provider", "provider_b", None]
EVERYONE = set(ACTORS)
WATCHED = ["ce_record", "ce_record_event", "attachment", "unit_binding", "unit_registration", "training_class",
           "training_class_subject", "enrolment", "ce_certificate", "credit_record", "ce_policy", "org", "ab_user"]
LAST_YEAR = local_today().year - 1

# endpoint → (url with {placeholders}, who gets 200 on GET / who may POST). "-" = nobody.
ROUTES: dict[str, tuple[str, set]] = {
    # 单位绑定
    "MyUnitBindingView.index": ("/my-unit-binding/", APPLICANTS),
    "MyUnitBindingView.request_binding": ("/my-unit-binding/request", set()),  # posted without a unit: no change
    "MyUnitBindingView.cancel": ("/my-unit-binding/cancel/{pending_binding}", {"ce_peer"}),
    "UnitBindingView.list": ("/unit-bindings/", {"demo_unit", "unit_b_reviewer", "demo_supervisor",
                                                 "demo_authority"}),
    "UnitBindingView.confirm": ("/unit-bindings/{pending_binding}/confirm", {"demo_unit"}),
    "UnitBindingView.reject": ("/unit-bindings/{pending_binding}/reject", {"demo_unit"}),
    "UnitBindingView.end": ("/unit-bindings/{demo_binding}/end", {"demo_unit"}),
    # 单位用户注册
    "UnitRegisterView.register": ("/unit-register/", EVERYONE),
    "UnitRegisterView.done": ("/unit-register/done", EVERYONE),
    "UnitRegistrationView.list": ("/unit-registrations/", {"demo_supervisor", "demo_authority"}),
    "UnitRegistrationView.approve": ("/unit-registrations/{registration}/approve", {"demo_supervisor",
                                                                                    "demo_authority"}),
    "UnitRegistrationView.reject": ("/unit-registrations/{registration}/reject", {"demo_supervisor",
                                                                                  "demo_authority"}),
    # 继续教育记录申报 and 学时审核
    "CeRecordView.index": ("/ce-records/", APPLICANTS),
    "CeRecordView.add": ("/ce-records/add", APPLICANTS),
    "CeRecordView.show": ("/ce-records/show/{claim}", {"demo_applicant"}),
    "CeRecordView.edit": ("/ce-records/edit/{claim}", {"demo_applicant"}),
    "CeRecordView.download": ("/ce-records/file/{claim}", {"demo_applicant"}),
    "CeRecordView.attach": ("/ce-records/attach/{claim}", {"demo_applicant"}),
    "CeRecordView.submit": ("/ce-records/submit/{claim}", {"demo_applicant"}),
    "CeRecordView.delete": ("/ce-records/delete/{claim}", {"demo_applicant"}),
    "CeReviewView.index": ("/ce-review/", {"demo_unit", "unit_b_reviewer", "demo_supervisor", "demo_authority"}),
    "CeReviewView.show": ("/ce-review/show/{claim}", {"demo_unit", "demo_supervisor", "demo_authority"}),
    "CeReviewView.download": ("/ce-review/file/{claim}", {"demo_unit"}),
    "CeReviewView.decide": ("/ce-review/decide/{claim}", {"demo_unit"}),
    # 培训班
    "ClassCatalogueView.index": ("/classes/", APPLICANTS),
    "ClassCatalogueView.show": ("/classes/{open_class}", APPLICANTS),
    "ClassCatalogueView.enrol": ("/classes/{open_class}/enrol", APPLICANTS),
    "ClassOverviewView.index": ("/class-overview/", {"demo_authority"}),
    "ClassOverviewView.show": ("/class-overview/{open_class}", {"demo_authority"}),
    "MyEnrolmentView.index": ("/my-enrolments/", APPLICANTS),
    "MyEnrolmentView.cancel": ("/my-enrolments/{enrolment}/cancel", {"demo_applicant"}),
    "TrainingClassView.index": ("/training-classes/", {"demo_provider", "provider_b"}),
    "TrainingClassView.add": ("/training-classes/add", {"demo_provider", "provider_b"}),
    "TrainingClassView.show": ("/training-classes/{draft_class}", {"demo_provider"}),
    "TrainingClassView.edit": ("/training-classes/{draft_class}/edit", {"demo_provider"}),
    "TrainingClassView.act": ("/training-classes/{draft_class}/act", {"demo_provider"}),
    "TrainingClassView.complete_selected": ("/training-classes/{open_class}/complete", {"demo_provider"}),
    "TrainingClassView.decide": ("/training-classes/enrolments/{enrolment}/decide", {"demo_provider"}),
    "ClassCompletionImportView.index": ("/training-classes/{open_class}/completions/", {"demo_provider"}),
    "ClassCompletionImportView.template": ("/training-classes/{open_class}/completions/template",
                                           {"demo_provider"}),
    "ClassCompletionImportView.upload": ("/training-classes/{open_class}/completions/upload", {"demo_provider"}),
    "ClassCompletionImportView.commit": ("/training-classes/{open_class}/completions/commit", {"demo_provider"}),
    "ClassCompletionImportView.errors": ("/training-classes/{open_class}/completions/errors/nosuchtoken", set()),
    # 继续教育证书 and 年度认证情况
    "MyCeCertificateView.index": ("/my-ce-certificates/", APPLICANTS),
    "MyCeCertificateView.document": ("/my-ce-certificates/document/{certificate}", {"demo_applicant"}),
    "MyCeCertificateView.issue": (f"/my-ce-certificates/issue/{LAST_YEAR}", APPLICANTS),
    "CeComplianceView.index": ("/ce-compliance/", {"demo_unit", "unit_b_reviewer", "demo_supervisor",
                                                   "demo_authority"}),
    "CeComplianceView.export": ("/ce-compliance/export", {"demo_unit", "unit_b_reviewer", "demo_supervisor",
                                                         "demo_authority"}),
    # 继续教育学时要求 (the administrator's; the authority reads)
    "CePolicyView.list": ("/ce-policies/list/", {"demo_authority"}),
    "CePolicyView.show": ("/ce-policies/show/{policy}", {"demo_authority"}),
    "CePolicyView.export": ("/ce-policies/export/", {"demo_authority"}),
    "CePolicyView.add": ("/ce-policies/add", set()),
    "CePolicyView.edit": ("/ce-policies/edit/{policy}", set()),
    "CePolicyView.delete": ("/ce-policies/delete/{policy}", set()),
    "CePolicyView.download": ("/ce-policies/download/x.pdf", set()),
    "CePolicyView.action": ("/ce-policies/action/nothing/{policy}", set()),
    "CePolicyView.action_post": ("/ce-policies/action_post", set()),
    # 信用管理
    "CreditRecordView.list": ("/credit-records/list/", {"demo_authority"}),
    "CreditRecordView.show": ("/credit-records/show/{credit}", {"demo_authority"}),
    "CreditRecordView.export": ("/credit-records/export/", {"demo_authority"}),
    "CreditRecordView.add": ("/credit-records/add", {"demo_authority"}),
    "CreditRecordView.end": ("/credit-records/end/{credit}", {"demo_authority"}),
    "CreditRecordView.edit": ("/credit-records/edit/{credit}", set()),
    "CreditRecordView.delete": ("/credit-records/delete/{credit}", set()),
    "CreditRecordView.download": ("/credit-records/download/x.pdf", set()),
    "CreditRecordView.action": ("/credit-records/action/nothing/{credit}", set()),
    "CreditRecordView.action_post": ("/credit-records/action_post", set()),
    "MyCreditView.list": ("/my-credit-records/list/", APPLICANTS),
    "MyCreditView.show": ("/my-credit-records/show/{credit}", {"demo_applicant"}),
    "MyCreditView.add": ("/my-credit-records/add", set()),
    "MyCreditView.edit": ("/my-credit-records/edit/{credit}", set()),
    "MyCreditView.delete": ("/my-credit-records/delete/{credit}", set()),
    "MyCreditView.download": ("/my-credit-records/download/x.pdf", set()),
    "MyCreditView.action": ("/my-credit-records/action/nothing/{credit}", set()),
    "MyCreditView.action_post": ("/my-credit-records/action_post", set()),
}
# Routes whose POST every actor may send: sent without the data they need, they must change nothing either.
HARMLESS_POSTS = {"MyUnitBindingView.request_binding", "UnitRegisterView.register", "CeRecordView.add",
                  "TrainingClassView.add", "MyCeCertificateView.issue", "ClassCompletionImportView.upload",
                  "ClassCompletionImportView.commit", "CreditRecordView.add"}


@pytest.fixture(scope="module")
def world(shared_app):
    """One of each CE row, owned by demo_applicant / unit A / demo_provider, plus actors outside that slice."""
    with shared_app.app_context():
        f.make_staff("unit_b_reviewer", r.UNIT_REVIEWER, [f.UNIT_B], DEMO_PASSWORD)
        f.make_org(OTHER_PROVIDER, OrgKind.provider, f.AUTHORITY)
        f.make_staff("provider_b", r.PROVIDER, [OTHER_PROVIDER], DEMO_PASSWORD)
        peer = f.make_person("ce_peer", DEMO_PASSWORD, f.UNIT_A, birth="19900101")
        applicant, provider = f.user("demo_applicant"), f.user("demo_provider")
        pending = ce_binding.request_binding(peer, f.org(f.UNIT_A).id)
        claim = ce_claims.save_draft(None, applicant, {
            "course_type": "professional", "course_name": "矩阵课程", "learning_form": "face_to_face",
            "provider_name": "某培训机构", "start_date": (local_today() - dt.timedelta(days=10)).isoformat(),
            "end_date": (local_today() - dt.timedelta(days=9)).isoformat(), "claimed_hours": "12",
        }, upload=FileStorage(io.BytesIO(f.pdf_bytes()), filename="证明.pdf"))
        db.session.commit()
        ce_claims.submit(claim, applicant, claim.version)
        db.session.commit()
        lesson = dict(name="矩阵培训班", course_name="矩阵课程", course_type="professional",
                      learning_form="face_to_face", days="2", start_date=(local_today() + dt.timedelta(days=30))
                      .isoformat(), hours="16", capacity="5", head_teacher="陈老师", teachers="王教授",
                      exam_type="闭卷考试", schedule="两天", location="广州", subjects=("科目一",))
        open_class = training.save_class(None, provider, training.ClassInput(**lesson)).id
        training.publish(open_class, provider)
        draft_class = training.save_class(None, provider, training.ClassInput(**lesson | {"name": "草稿班"})).id
        enrolment = training.enrol(open_class, applicant).id
        certificate = ce_certificates.issue(applicant, LAST_YEAR, local_today()).id
        credit = CreditRecord(subject_type=CreditSubjectType.person, subject_name=applicant.full_name,
                              subject_number=applicant.id_number, user_id=applicant.id,
                              content="矩阵测试", decision="记录", valid_from=local_today(),
                              valid_until=local_today() + dt.timedelta(days=30),
                              recorder_org_id=f.org(f.AUTHORITY).id)
        db.session.add(credit)
        db.session.commit()
        registration = unit_registration.register(unit_registration.UnitRegistrationInput(
            name="矩阵测试新单位有限公司", uscc="91440101MA5CXXXX08", parent_id=str(f.org(f.SUPERVISOR_1).id),
            region_code="440100", address="广州", contact_person="王", contact_phone="020-12345678",
            contact_email="m@unit.example", username="matrix_unit", password="Unit2026ok",
            confirm_password="Unit2026ok", account_name="王小明", mobile="13812345678", email="wm@unit.example"))
        ids = {
            "pending_binding": pending.id, "claim": claim.id, "open_class": open_class, "draft_class": draft_class,
            "enrolment": enrolment, "certificate": certificate, "credit": credit.id,
            "registration": registration.id,
            "demo_binding": db.session.scalar(select(UnitBinding.id).where(UnitBinding.user_id == applicant.id)),
            "policy": db.session.scalar(select(CePolicy.id).order_by(CePolicy.id)),
        }
        db.session.remove()
    return ids


def _url(endpoint: str, world: dict) -> str:
    return ROUTES[endpoint][0].format(**world)


def _browser(app, browser_factory, actor):
    return browser_factory(app, actor) if actor else browser_factory(app)


def test_every_ce_route_is_in_the_matrix(shared_app):
    registered = {rule.endpoint for rule in shared_app.url_map.iter_rules() if rule.rule.startswith(PREFIXES)}
    assert registered - set(ROUTES) == set(), "add these CE routes to ROUTES"
    assert set(ROUTES) - registered == set(), "ROUTES names routes the app no longer has"


def _methods(app, endpoint: str) -> set[str]:
    return {m for rule in app.url_map.iter_rules(endpoint) for m in rule.methods} - {"HEAD", "OPTIONS"}


@pytest.mark.parametrize("actor", ACTORS)
def test_get_reaches_exactly_the_allowed_pages(shared_app, browser_factory, world, actor):
    browser = _browser(shared_app, browser_factory, actor)
    wrong = []
    for endpoint, (_, allowed) in ROUTES.items():
        if "GET" not in _methods(shared_app, endpoint):
            continue
        response = browser.get(_url(endpoint, world))
        status = response.status_code
        if actor in allowed:
            # A submitted claim is no longer editable: its owner is sent to the record instead.
            ok = status == 200 or (endpoint == "CeRecordView.edit" and status == 302)
        elif status == 405:  # FAB's bulk-action route refuses GET before anything else
            ok = endpoint.endswith(".action")
        elif actor is None:
            ok = status == 302 and "/login/" in response.headers["Location"]
        else:
            ok = status in (302, 403, 404)
        if not ok:
            wrong.append((endpoint, status))
    assert wrong == [], "\n".join(map(str, wrong))


@pytest.mark.parametrize("actor", ACTORS)
def test_posts_outside_the_slice_change_nothing(shared_app, browser_factory, world, actor):
    browser = _browser(shared_app, browser_factory, actor)
    before = f.table_digest(shared_app, WATCHED)
    errors = []
    for endpoint, (_, allowed) in ROUTES.items():
        if "POST" not in _methods(shared_app, endpoint):
            continue
        if actor in allowed and endpoint not in HARMLESS_POSTS:
            continue
        response = browser.post(_url(endpoint, world), {"version": "1", "reason": "矩阵", "hours": "1",
                                                         "decision": "approve", "event": "publish"})
        # Anonymous: to the login page; FAB's bulk-action routes answer an unknown action with 404 first.
        anonymous_ok = response.status_code == 302 or allowed is EVERYONE or (
            endpoint.endswith((".action", ".action_post")) and response.status_code == 404)
        if response.status_code >= 500 or (actor is None and not anonymous_ok):
            errors.append((endpoint, response.status_code))
        if f.table_digest(shared_app, WATCHED) != before:
            errors.append((endpoint, "changed"))
            before = f.table_digest(shared_app, WATCHED)
    assert errors == [], "\n".join(map(str, errors))


def test_get_on_a_post_only_route_is_not_allowed(shared_app, browser_factory, world):
    browser = browser_factory(shared_app, "demo_authority")
    post_only = [endpoint for endpoint in ROUTES if _methods(shared_app, endpoint) == {"POST"}]
    assert len(post_only) >= 15
    assert {endpoint: browser.get(_url(endpoint, world)).status_code for endpoint in post_only} == \
        {endpoint: 405 for endpoint in post_only}
