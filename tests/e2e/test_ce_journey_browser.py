"""继续教育 from a training class to the year's certificate, in a real browser against a real server.

The provider creates and publishes a class, the applicant enrols, the provider confirms, starts the class and marks
the learner completed; the hours appear as an approved CE record, the year is 达标 and the applicant prints the
继续教育证书 and opens it. The year's other hours (公需课, 选修课) are set on the server's database first: the seeds
say they arrive from elsewhere (the online academy's records). Screenshots land in tests/e2e/screenshots/.
"""
from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from journey_steps import (
    accept_dialogs, ce_record_listed, class_event, confirm_and_complete, create_and_publish_class, docx_text, enrol,
    print_ce_certificate, seed_this_years_other_hours, sign_in,
)

DEMO = "Demo@2026zp"


def test_a_training_class_brings_the_year_to_its_certificate(visit, live_server, tmp_path):
    started = time.monotonic()
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the platform's day is the Beijing day
    start = today if (today + dt.timedelta(days=5)).year == today.year else today - dt.timedelta(days=5)
    class_name = f"{today.year}年信息系统架构设计高级研修班"
    seed_this_years_other_hours(live_server, "demo_applicant", today.year)

    provider = visit("provider")
    sign_in(provider, "demo_provider", DEMO)
    accept_dialogs(provider)
    create_and_publish_class(provider, class_name, start.isoformat())

    applicant = visit("applicant")
    sign_in(applicant, "demo_applicant", DEMO)
    accept_dialogs(applicant)
    applicant.goto("/my-ce-certificates/")
    assert applicant.page.locator(f"tr[data-year='{today.year}'] .label-success").count() == 0  # not yet 达标
    enrol(applicant, class_name)
    applicant.goto("/my-enrolments/")
    assert class_name in applicant.page.inner_text("body")

    confirm_and_complete(provider, class_name, "测试人")
    class_event(provider, "finish", "07-class-finished")

    ce_record_listed(applicant, "信息系统架构设计前沿")
    certificate = print_ce_certificate(applicant, today.year, tmp_path)
    text = docx_text(certificate)
    assert "测试人" in text and str(today.year) in text
    print(f"CE journey: {time.monotonic() - started:.0f} s")
