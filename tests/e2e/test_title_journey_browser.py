"""职称评审 from registration to a verified certificate, all in a real browser against a real server.

Only the clock (a 公示 period running out) and the past years' continuing-education records (data the seeds say
arrives from elsewhere) are set on the server's database between steps; everything a person does is done through the
pages. Screenshots of each step land in tests/e2e/screenshots/ (git-ignored).
"""
from __future__ import annotations

import time

from journey_steps import (
    Person, accept_dialogs, application_state, approve_profile, build_profile, click_action, declare_evaluation,
    docx_text, download_forms, end_publicity, fill_evaluation, fix_and_resubmit, hold_meeting, id_number,
    my_certificate, open_from_todo, register, return_with_comment, seed_past_ce, sign_in, submit_application,
    submit_profile, verify_certificate,
)

DEMO = "Demo@2026zp"
COMMENT = "工作总结请补充项目的验收情况"


def staff(visit, username: str):
    reviewer = visit(username)
    sign_in(reviewer, username, DEMO)
    accept_dialogs(reviewer)
    return reviewer


def test_an_applicant_goes_from_registration_to_a_verified_certificate(visit, live_server, tmp_path):
    started = time.monotonic()
    person = Person("li_mingyuan", "Apply2026ok", "李明远", id_number("11010119850315123"), "1985-03-15")

    applicant = visit("applicant")
    register(applicant, person)
    sign_in(applicant, person.username, person.password)
    build_profile(applicant, tmp_path)
    submit_profile(applicant)
    approve_profile(staff(visit, "demo_unit"), person, "08-unit-profile")
    approve_profile(staff(visit, "demo_supervisor"), person, "09-supervisor-profile")
    applicant.goto("/profile/")
    assert "完整且已审核" in applicant.page.inner_text("body")

    seed_past_ce(live_server, person.username)
    declare_evaluation(applicant)
    fill_evaluation(applicant)
    app_id = submit_application(applicant, "16-submitted")
    assert application_state(live_server, app_id) == "unit_review"

    unit = staff(visit, "demo_unit")
    open_from_todo(unit, person, "20-unit")
    return_with_comment(unit, "工作总结不完整", {"info": COMMENT}, "20-unit-returned")
    assert application_state(live_server, app_id) == "returned"
    fix_and_resubmit(applicant, app_id, COMMENT)
    assert application_state(live_server, app_id) == "unit_review"

    open_from_todo(unit, person, "24-unit")
    click_action(unit, "approve", "24-unit-approved")
    assert application_state(live_server, app_id) == "unit_publicity"
    end_publicity(live_server, app_id)
    assert application_state(live_server, app_id) == "supervisor_review"
    supervisor = staff(visit, "demo_supervisor")
    open_from_todo(supervisor, person, "25-supervisor")
    click_action(supervisor, "approve", "25-supervisor-approved")
    committee = staff(visit, "demo_committee")
    open_from_todo(committee, person, "26-committee")
    click_action(committee, "approve", "26-committee-accepted")
    assert application_state(live_server, app_id) == "in_review"

    hold_meeting(committee, app_id, person)
    assert application_state(live_server, app_id) == "result_publicity"
    end_publicity(live_server, app_id)
    assert application_state(live_server, app_id) == "authority_confirm"
    authority = staff(visit, "demo_authority")
    open_from_todo(authority, person, "32-authority")
    click_action(authority, "approve", "32-authority-confirmed")
    assert application_state(live_server, app_id) == "completed"

    number, code, certificate = my_certificate(applicant, tmp_path)
    assert number in docx_text(certificate) and person.name in docx_text(certificate)
    verify_certificate(visit("visitor"), number, code, "李*远")

    forms = download_forms(applicant, app_id, tmp_path)
    assert any("评定表" in form.name for form in forms), [form.name for form in forms]
    for form in forms:
        assert person.name in docx_text(form), form.name
    print(f"title journey: {time.monotonic() - started:.0f} s")
