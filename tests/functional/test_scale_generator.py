"""`flask --app run demo scale`: a believable, consistent province that the app's own pages and inboxes can use."""
from __future__ import annotations

import collections

from sqlalchemy import func, select, text
from stdnum.cn import ric

from app.extensions import db
from app.models import (
    AppState, Application, ApplicationEvent, ApplicationHandled, AppUser, BasicInfo, CeRecord, CeYearTotal, Certificate, Education, Org, ReviewBatch,
    WorkExperience,
)
from app.models import FINAL_STATES
from app.security import roles as r
from app.services import scale
from app.workflow import ce_totals
from app.workflow.profile import completeness

PERSONS = 600


def _generated(app):
    with app.app_context():
        return db.session.scalars(select(AppUser).where(AppUser.username.like("sp%"))).all()


def test_generates_persons_profiles_ce_and_applications_in_proportion(app):
    with app.app_context():
        demo_orgs = db.session.scalar(select(func.max(Org.id)))
        report = scale.generate(PERSONS, chunk=250)
        assert (report.persons_before, report.persons_after) == (0, PERSONS)
        people = db.session.scalars(select(AppUser).where(AppUser.username.like("sp%"))).all()
        assert len(people) == PERSONS
        numbers = [person.id_number for person in people]
        assert len(set(numbers)) == PERSONS and all(ric.is_valid(number) for number in numbers)
        ids = [person.id for person in people]
        profiles = db.session.scalar(select(func.count()).select_from(BasicInfo).where(BasicInfo.user_id.in_(ids)))
        assert profiles == PERSONS
        # Every required section of each profile holds approved records, so their businesses can be submitted.
        assert all(completeness(user_id).complete for user_id in ids[:50])
        ce = db.session.scalar(select(func.count()).select_from(CeRecord).where(CeRecord.user_id.in_(ids)))
        assert 7 * PERSONS <= ce <= 14 * PERSONS
        applications = db.session.scalars(select(Application).where(Application.user_id.in_(ids))).all()
        assert 0.2 * PERSONS <= len(applications) <= 0.45 * PERSONS
        kinds = collections.Counter(application.business_type.value for application in applications)
        assert len(kinds) == 6, kinds
        # In the generator's proportions (BUSINESS_WEIGHTS): 评审 the most common, near half.
        assert kinds["evaluation"] == max(kinds.values()) and kinds["evaluation"] > 0.3 * len(applications), kinds
        states = collections.Counter(application.state for application in applications)
        assert states[AppState.completed] and states[AppState.unit_review] and states[AppState.returned]
        # Every generated row loads through the ORM: each enum and JSON column holds what the models expect.
        for model in (AppUser, BasicInfo, Education, WorkExperience, CeRecord, Application, ApplicationEvent,
                      Certificate, Org, ReviewBatch):
            assert db.session.scalars(select(model)).all()
        # Units in proportion; each new org has a reviewer.
        units = db.session.scalar(select(func.count()).select_from(Org).where(Org.kind == "unit"))
        assert units >= PERSONS // scale.PERSONS_PER_UNIT
        unstaffed = db.session.execute(text(
            "SELECT COUNT(*) FROM org o WHERE o.id > :demo AND NOT EXISTS "
            "(SELECT 1 FROM user_org u WHERE u.org_id = o.id)"), {"demo": demo_orgs}).scalar_one()
        assert unstaffed == 0


def test_every_history_leads_to_the_state_and_open_applications_are_unique(app):
    with app.app_context():
        scale.generate(PERSONS, chunk=250)
        applications = db.session.scalars(select(Application).join(AppUser, AppUser.id == Application.user_id)
                                          .where(AppUser.username.like("sp%"))).all()
        events = collections.defaultdict(list)
        for event in db.session.scalars(select(ApplicationEvent).order_by(ApplicationEvent.id)):
            events[event.application_id].append(event)
        for application in applications:
            history = events[application.id]
            if application.state == AppState.draft:
                assert history == []
                continue
            assert history[0].from_state == "draft" and history[0].event == "submit"
            for before, after in zip(history, history[1:]):
                assert before.to_state == after.from_state and before.at <= after.at
            assert history[-1].to_state == application.state.value
            assert application.submitted_at is not None
            assert (application.finished_at is not None) == (application.state in FINAL_STATES)
            if application.state in (AppState.unit_publicity, AppState.result_publicity):
                assert application.publicity_until is not None
            if application.state == AppState.returned:
                assert application.correction_deadline and application.returned_from
        open_pairs = collections.Counter(
            (a.user_id, a.business_type) for a in applications
            if a.state != AppState.draft and a.state not in FINAL_STATES)
        assert max(open_pairs.values()) == 1
        certificates = db.session.scalar(select(func.count()).select_from(Certificate))
        titled_done = sum(1 for a in applications if a.state == AppState.completed and a.title)
        assert certificates >= titled_done > 0
        # 已办's index holds each reviewer's last event on each application, as engine-written history would.
        last_review = collections.defaultdict(dict)
        for history in events.values():
            for event in history:
                if event.actor_id is not None and event.actor_role != r.APPLICANT:
                    last_review[event.actor_id][event.application_id] = event.id
        indexed = collections.defaultdict(dict)
        for row in db.session.scalars(select(ApplicationHandled)):
            indexed[row.user_id][row.application_id] = row.event_id
        assert indexed == last_review and len(indexed) > 1
        # The 年度学时 sums equal the approved records, as the ORM's writes would keep them.
        kept = {tuple(row) for row in db.session.execute(select(CeYearTotal.__table__))}
        summed = {tuple(row) for row in db.session.execute(ce_totals.sums_by_person_year())}
        assert kept == summed and len(kept) > PERSONS


def test_running_again_adds_only_the_missing_persons_and_the_app_keeps_working(app, browser_factory):
    with app.app_context():
        scale.generate(200, chunk=1000)
        again = scale.generate(200, chunk=1000)
        assert (again.persons_before, again.persons_after, again.rows.get("ab_user", 0)) == (200, 200, 0)
        more = scale.generate(260, chunk=1000)
        assert (more.persons_before, more.persons_after) == (200, 260)
        assert db.session.scalar(select(func.count()).select_from(AppUser).where(AppUser.username.like("sp%"))) == 260
        # The ORM's ids continue after the bulk ones (PostgreSQL sequences moved past them).
        person = AppUser(username="after_scale", first_name="新", last_name="人", email="after@zhiping.example",
                         active=True, password="x")
        db.session.add(person)
        db.session.commit()
        assert person.id > max(p.id for p in db.session.scalars(select(AppUser).where(AppUser.username.like("sp%"))))
        waiting = db.session.execute(
            select(Application.unit_id, func.count()).where(Application.state == AppState.unit_review)
            .group_by(Application.unit_id).order_by(func.count().desc())).first()
        unit_id, count = waiting
        reviewer = db.session.scalar(text(
            "SELECT u.username FROM ab_user u JOIN user_org o ON o.user_id = u.id JOIN ab_user_role ur ON "
            "ur.user_id = u.id JOIN ab_role r ON r.id = ur.role_id WHERE o.org_id = :org AND r.name = 'UnitReviewer' "
            "AND NOT u.must_change_password ORDER BY u.id LIMIT 1"), {"org": unit_id})
        applicant = db.session.scalar(select(AppUser.username).join(Application, Application.user_id == AppUser.id)
                                      .where(AppUser.username.like("sp%"), Application.state != AppState.draft))
        sample = db.session.scalar(select(Application.id).where(Application.unit_id == unit_id,
                                                                 Application.state == AppState.unit_review))
    unit_browser = browser_factory(app, reviewer)
    page = unit_browser.get("/review/applications/todo")
    assert page.status_code == 200, (reviewer, page.headers.get("Location"))
    assert page.get_data(as_text=True).count("/review/applications/") >= count
    assert unit_browser.get(f"/review/applications/{sample}").status_code == 200
    person_browser = browser_factory(app, applicant)
    assert person_browser.get("/").status_code == 200
    assert person_browser.get("/applications/").status_code == 200
    assert person_browser.get("/ce-records/").status_code == 200
