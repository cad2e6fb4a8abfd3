"""Benchmark of generated Word forms (run by hand, not in CI): milliseconds per render and for a batch of 1,000.

    /work/main/.venv/bin/python bench/forms_bench.py [--batch 1000] [--repeat 20]

Builds a temporary SQLite database the way a deployment does (migrations, roles, demo data), gives the demo
applicant an evaluation with every kind of 业绩 and 论著, then renders each document through the same path as the
download buttons (`registry.application_document`: load, pure context, docxtpl). Reports the median and p95 per
document, and the wall time of a batch of N forms cycling through all of them.
"""
from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.documents import registry  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Achievement, AchievementCategory, Application, AppUser, BusinessType, Certificate, Publication, PublicationKind,
)
from app.security.sync import sync_roles  # noqa: E402
from app.services.demo import load_demo  # noqa: E402

RECORDS = 10  # 业绩 and 论著 of each group, so the growing tables have real length


def evaluation_with_records() -> Application:
    """An evaluation of demo_applicant carrying RECORDS 业绩 and 论著 of every group."""
    owner = db.session.scalar(select(AppUser).where(AppUser.username == "demo_applicant"))
    for index in range(RECORDS):
        for category in AchievementCategory:
            db.session.add(Achievement(
                user_id=owner.id, start_date=dt.date(2015 + index % 9, 1, 1), end_date=dt.date(2016 + index % 9, 6, 30),
                completion_form="lead", project_name=f"{category.value} 项目 {index}", own_work="总体设计与关键技术攻关",
                project_level="provincial", appraisal_conclusion="国内先进", award_name="省科学技术奖",
                award_grade="二等奖", award_rank=2, award_date=dt.date(2020, 5, 1), category=category))
        for kind in PublicationKind:
            db.session.add(Publication(user_id=owner.id, kind=kind, title=f"{kind.value} 论著 {index}",
                                       publisher="计算机工程与应用", serial_no="ISSN 1002-8331",
                                       published_on=dt.date(2018 + index % 7, 3, 1), author_rank=1))
    db.session.flush()
    application = Application(
        business_type=BusinessType.evaluation, user_id=owner.id, series="GC", specialty=None, title="GC_4",
        level="4", form={"work_summary": "近五年主要工作" * 200, "work_review": "工作评述" * 100,
                         "unit_recommendation": "德才兼备" * 50, "years_in_field": "18"},
    )
    application.achievements = list(db.session.scalars(select(Achievement).where(Achievement.user_id == owner.id)))
    application.publications = list(db.session.scalars(select(Publication).where(Publication.user_id == owner.id)))
    db.session.add(application)
    db.session.commit()
    return application


def timed(function) -> float:
    began = time.perf_counter()
    function()
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zp-forms-") as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "TESTING": True,
                          "SECRET_KEY": "bench", "UPLOAD_FOLDER": f"{folder}/uploads"})
        with app.test_request_context("/"):
            upgrade()
            sync_roles(app.appbuilder)
            load_demo("Demo@2026zp")
            application = evaluation_with_records()
            specs = registry.for_application(application)
            certificate = Certificate(holder=application.user, holder_name=application.user.full_name, series="GC",
                                      title="GC_4", level="4", number="GC2026000001", verification_code="ABCD2345",
                                      issued_on=dt.date(2026, 11, 1))
            jobs = [(spec.code, lambda spec=spec: registry.application_document(spec, application)) for spec in specs]
            jobs.append(("certificate", lambda: registry.certificate_document(certificate)))
            for _, job in jobs:  # warm the template cache and the dictionaries
                job()
            print(f"{'document':<22}{'median ms':>10}{'p95 ms':>10}{'size KB':>10}")
            for code, job in jobs:
                samples = sorted(timed(job) for _ in range(args.repeat))
                size = len(job()) / 1024
                p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
                print(f"{code:<22}{statistics.median(samples):>10.1f}{p95:>10.1f}{size:>10.1f}")
            began = time.perf_counter()
            for index in range(args.batch):
                jobs[index % len(jobs)][1]()
            seconds = time.perf_counter() - began
            print(f"batch of {args.batch} forms: {seconds:.1f} s = {seconds * 1000 / args.batch:.1f} ms per form; "
                  f"maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
            db.session.rollback()


if __name__ == "__main__":
    main()
