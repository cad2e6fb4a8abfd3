"""职称评审 from draft to certificate: unit 公示, 受理 into a batch, a meeting with quorum and votes, result 公示, 确认."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.services.workdays import local_today
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import (
    Achievement, AppState, Application, ApplicationMaterial, BusinessType, Certificate, ReviewBatch, VoteChoice,
)
from app.workflow import engine, meeting
import factories as f
from factories import COMMITTEE, user

FORM = f.EVALUATION_FORM
past_publicity = f.end_publicity
to_meeting = f.evaluation_in_review
experts = f.make_experts


def fire(app_id, event, username=None, **kwargs):
    return engine.apply(app_id, event, user(username) if username else None, **kwargs)


def test_whole_chain_to_a_verifiable_certificate(app):
    with app.app_context():
        app_id, batch_id = to_meeting(app)
        batch = db.session.get(ReviewBatch, batch_id)
        present = experts(17)  # 17 of 25 members: at least two thirds
        meeting.set_attendance(batch, present)
        application = db.session.get(Application, app_id)
        choices = [VoteChoice.yes] * 12 + [VoteChoice.no] * 3 + [VoteChoice.abstain] * 2
        for expert, choice in zip(present, choices):
            meeting.record_vote(batch, application, expert, choice)
        with pytest.raises(DomainError, match="已经投过票"):
            meeting.record_vote(batch, application, present[0], VoteChoice.no)
        with pytest.raises(ValidationFailed, match="已通过"):
            fire(app_id, "meeting_fail", "demo_committee", reason="x")
        fire(app_id, "meeting_pass", "demo_committee")
        assert db.session.get(Application, app_id).state == AppState.result_publicity
        past_publicity(app_id)
        assert db.session.get(Application, app_id).state == AppState.authority_confirm
        fire(app_id, "approve", "demo_authority")
        application = db.session.get(Application, app_id)
        assert application.state == AppState.completed
        certificate = db.session.scalar(select(Certificate).where(Certificate.application_id == app_id))
        assert certificate.title == "GC_4" and "P" in certificate.number
        assert certificate.committee.name == COMMITTEE


def test_a_result_without_quorum_is_refused(app):
    with app.app_context():
        app_id, batch_id = to_meeting(app)
        batch = db.session.get(ReviewBatch, batch_id)
        present = experts(16)  # 16 of 25: fewer than two thirds
        meeting.set_attendance(batch, present)
        application = db.session.get(Application, app_id)
        for expert in present:
            meeting.record_vote(batch, application, expert, VoteChoice.yes)
        for event in ("meeting_pass", "meeting_fail"):
            with pytest.raises(ValidationFailed, match="不足三分之二"):
                fire(app_id, event, "demo_committee", reason="评审未通过")
        assert db.session.get(Application, app_id).state == AppState.in_review


def test_too_few_yes_votes_fail_and_absentees_cannot_vote(app):
    with app.app_context():
        app_id, batch_id = to_meeting(app)
        batch = db.session.get(ReviewBatch, batch_id)
        present = experts(18)
        meeting.set_attendance(batch, present[:17])
        application = db.session.get(Application, app_id)
        with pytest.raises(DomainError, match="代投"):
            meeting.record_vote(batch, application, present[17], VoteChoice.yes)
        for index, expert in enumerate(present[:17]):
            meeting.record_vote(batch, application, expert, VoteChoice.yes if index < 11 else VoteChoice.no)
        with pytest.raises(ValidationFailed, match="少于三分之二"):
            fire(app_id, "meeting_pass", "demo_committee")
        fire(app_id, "meeting_fail", "demo_committee", reason="赞成票不足")
        assert db.session.get(Application, app_id).state == AppState.rejected


def test_acceptance_needs_an_open_batch(app):
    with app.app_context():
        applicant = user("demo_applicant")
        application = Application(business_type=BusinessType.evaluation, user_id=applicant.id, series="GC",
                                  title="GC_4", form=dict(FORM))
        application.materials.append(ApplicationMaterial(name="职称评审表", copies=2))
        application.achievements = list(db.session.scalars(select(Achievement).where(Achievement.user_id == applicant.id)))
        db.session.add(application)
        db.session.commit()
        app_id = application.id
        fire(app_id, "submit", "demo_applicant")
        fire(app_id, "approve", "demo_unit")
        past_publicity(app_id)
        fire(app_id, "approve", "demo_supervisor")
        for batch in db.session.scalars(select(ReviewBatch)):  # the demo's batch closed yesterday
            batch.closes_on = local_today() - dt.timedelta(days=1)
        db.session.commit()
        with pytest.raises(ValidationFailed, match="评审批次"):
            fire(app_id, "approve", "demo_committee")
