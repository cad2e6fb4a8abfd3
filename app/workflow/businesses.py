"""The six business types as transition tables (SPEC §5), with the guards and side effects they use."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import AppState, BasicInfo, BusinessType, DictItem, DictType, Org, OrgKind, OrgStatus
from app.models.org import committee_levels, committee_series
from app.services import certificates, dictionaries, workdays
from app.workflow import checks, meeting, objections
from app.workflow.engine import Actor, Business, Transition, register
from app.workflow.profile import supervising_org

S = AppState


# ----- guards: each returns the messages that refuse the transition -----

def automatic_check(application, context) -> list:
    return checks.run(application)


def not_opened(application, context) -> list:
    return [_("A reviewer has already opened the application; it can no longer be withdrawn.")] \
        if application.opened_at else []


def deadline_open(application, context) -> list:
    deadline = application.correction_deadline
    return [_("The correction deadline has passed.")] if deadline and context.today > deadline else []


def deadline_passed(application, context) -> list:
    deadline = application.correction_deadline
    return [] if deadline and context.today > deadline else [_("The correction deadline has not passed yet.")]


def publicity_over(application, context) -> list:
    until = application.publicity_until
    if until and context.today > until:
        return []
    return [_("The publicity period runs until %(date)s.", date=until.isoformat() if until else "—")]


def batch_open(application, context) -> list:
    if meeting.open_batch(application, context.today) is None:
        return [_("The committee has no review batch open for this series and level.")]
    return []


def vote_passes(application, context) -> list:
    return meeting.result_problems(application, want_pass=True)


def vote_fails(application, context) -> list:
    return meeting.result_problems(application, want_pass=False)


# ----- effects -----

def route(application, context) -> None:
    """Record the org chain at submission: unit, 主管单位, committee for the series and level, authority."""
    basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == application.user_id))
    unit = basic.unit if basic else None
    if application.business_type == BusinessType.unit_change:
        unit = db.session.get(Org, int(application.form["new_unit_id"]))
    application.unit = unit
    supervisor = supervising_org(unit) if unit else None
    application.supervisor = supervisor
    application.authority = next((o for o in reversed(unit.ancestors()) if o.kind == OrgKind.authority), None) \
        if unit else None
    if application.title:
        application.level = dictionaries.attr("title", application.title, "level")
    if application.business_type == BusinessType.evaluation:
        application.committee = committee_for(application.series, application.level)
    application.submitted_at = context.now
    application.opened_at = None


def archive_documents(application, context) -> None:
    """Keep the generated forms of the version being submitted (SPEC §8: what reviewers read)."""
    from app.documents import archive  # the documents import the workflow's forms and meeting

    archive.capture(application, context.actor, context.now)


def snapshot_submission(application, context) -> None:
    """提交时版本: keep what is submitted now as an append-only snapshot (reviewers read it)."""
    from app.workflow import snapshots

    snapshots.capture(application, context.actor, context.now)


def committee_for(series: str | None, level: str | None) -> Org | None:
    """The active committee whose scope covers the series and level (routing is data, not code)."""
    if not series or not level:
        return None
    series_item = select(DictItem.id).join(DictType).where(DictType.code == "title_series", DictItem.code == series)
    level_item = select(DictItem.id).join(DictType).where(DictType.code == "title_level", DictItem.code == level)
    return db.session.scalar(
        select(Org).where(
            Org.kind == OrgKind.committee, Org.status == OrgStatus.active,
            Org.id.in_(select(committee_series.c.org_id).where(committee_series.c.item_id.in_(series_item))),
            Org.id.in_(select(committee_levels.c.org_id).where(committee_levels.c.item_id.in_(level_item))),
        ).order_by(Org.id).limit(1)
    )


def join_batch(application, context) -> None:
    """受理: the application joins the committee's open batch for its series and level."""
    application.batch = meeting.open_batch(application, context.today)


def mark_returned(application, context) -> None:
    """退回修改: remember the level that returned it and set the correction deadline (一次性告知)."""
    application.returned_from = context.source.value
    days = current_app.config.get("CORRECTION_WORKDAYS", 10)
    application.correction_deadline = workdays.add_workdays(context.today, days)


def resubmitted(application, context) -> None:
    application.returned_from = None
    application.correction_deadline = None
    application.opened_at = None


def finish(application, context) -> None:
    application.finished_at = context.now


def start_publicity(application, context) -> None:
    days = current_app.config.get("PUBLICITY_WORKDAYS", 5)
    application.publicity_until = workdays.add_workdays(context.today, days)


def issue_certificate(application, context) -> None:
    """Completion of a titled business issues its certificate (and updates the profile's 当前职称)."""
    certificates.issue(application, context.today)


def reissue_certificate(application, context) -> None:
    certificates.reissue(application, context.today)


def switch_unit(application, context) -> None:
    """人事管理单位变更 approved: the profile's unit becomes the new one (the 主管单位 follows)."""
    basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == application.user_id))
    basic.unit_id = application.unit_id


# ----- building the tables -----

def _applicant_side(first: AppState) -> tuple[Transition, ...]:
    return (
        Transition("submit", (S.draft,), first, Actor.applicant, _l("Submit"), (automatic_check,),
                   effects=(route, archive_documents, snapshot_submission)),
        Transition("withdraw", (first,), S.draft, Actor.applicant, _l("Withdraw"), (not_opened,), style="default"),
        Transition("resubmit", (S.returned,), None, Actor.applicant, _l("Resubmit after correction"),
                   (deadline_open, automatic_check), effects=(resubmitted, archive_documents, snapshot_submission)),
        Transition("end", (S.returned,), S.ended, Actor.applicant, _l("End the application"), effects=(finish,),
                   style="danger"),
        Transition("expire", (S.returned,), S.ended, Actor.system, _l("Correction deadline passed"),
                   (deadline_passed,), effects=(finish,)),
    )


def _level(state: AppState, actor: Actor, target: AppState, *, approve=_l("Approve"), effects=(),
           guards=()) -> tuple:
    """Approve, return (一次性告知) and terminate at one review level."""
    finishing = (finish,) if target in (S.completed, S.rejected) else ()
    return (
        Transition("approve", (state,), target, actor, approve, tuple(guards), effects=tuple(effects) + finishing),
        Transition("return", (state,), S.returned, actor, _l("Return for correction"), reason_required=True,
                   effects=(mark_returned,), style="warning"),
        Transition("terminate", (state,), S.terminated, actor, _l("Terminate (not eligible)"),
                   reason_required=True, effects=(finish,), style="danger"),
    )


def _chain(kind: BusinessType, levels: list[tuple[AppState, Actor]], extra=(), last_effects=()) -> Business:
    transitions = list(_applicant_side(levels[0][0]))
    for index, (state, actor) in enumerate(levels):
        target = levels[index + 1][0] if index + 1 < len(levels) else S.completed
        transitions.extend(_level(state, actor, target, effects=last_effects if target == S.completed else ()))
    transitions.extend(extra)
    return register(Business(kind, tuple(state for state, _a in levels) + (S.completed,), tuple(transitions)))


UNIT_CHANGE = _chain(BusinessType.unit_change, [(S.unit_review, Actor.unit)], last_effects=(switch_unit,))
RECOGNITION = _chain(BusinessType.recognition, [
    (S.unit_review, Actor.unit), (S.supervisor_review, Actor.supervisor), (S.authority_confirm, Actor.authority),
], last_effects=(issue_certificate,))
OUT_OF_PROVINCE = _chain(BusinessType.out_of_province, [
    (S.unit_review, Actor.unit), (S.supervisor_review, Actor.supervisor), (S.authority_confirm, Actor.authority),
], last_effects=(issue_certificate,))
REISSUE = _chain(BusinessType.reissue, [(S.unit_review, Actor.unit), (S.authority_confirm, Actor.authority)],
                 last_effects=(reissue_certificate,))

EVALUATION = register(Business(
    BusinessType.evaluation,
    (S.unit_review, S.unit_publicity, S.supervisor_review, S.committee_acceptance, S.in_review,
     S.result_publicity, S.authority_confirm, S.completed),
    _applicant_side(S.unit_review)
    + _level(S.unit_review, Actor.unit, S.unit_publicity, approve=_l("Approve and publicise"),
             effects=(start_publicity,))
    + (
        # Time-driven: `workflow tick` (or the next read) moves it on once the 公示 has run its course.
        Transition("publicity_end", (S.unit_publicity,), S.supervisor_review, Actor.system,
                   _l("Publicity period over"), (publicity_over, objections.paused)),
        Transition("return", (S.unit_publicity,), S.returned, Actor.unit, _l("Return for correction"),
                   reason_required=True, effects=(mark_returned,), style="warning"),
        Transition("terminate", (S.unit_publicity,), S.terminated, Actor.unit, _l("Terminate (not eligible)"),
                   reason_required=True, effects=(finish,), style="danger"),
    )
    + _level(S.supervisor_review, Actor.supervisor, S.committee_acceptance)
    + _level(S.committee_acceptance, Actor.committee, S.in_review, approve=_l("Accept for evaluation"),
             effects=(join_batch,), guards=(batch_open,))
    + (
        Transition("meeting_pass", (S.in_review,), S.result_publicity, Actor.committee,
                   _l("Record the meeting result: passed"), (vote_passes,), effects=(start_publicity,)),
        Transition("meeting_fail", (S.in_review,), S.rejected, Actor.committee,
                   _l("Record the meeting result: not passed"), (vote_fails,), effects=(finish,), style="danger"),
        Transition("result_publicity_end", (S.result_publicity,), S.authority_confirm, Actor.system,
                   _l("Result publicity period over"), (publicity_over, objections.paused)),
        # An objection upheld during the result 公示 (e.g. falsified materials) ends the application.
        Transition("terminate", (S.result_publicity,), S.terminated, Actor.committee, _l("Terminate (not eligible)"),
                   reason_required=True, effects=(finish,), style="danger"),
    )
    + _level(S.authority_confirm, Actor.authority, S.completed, approve=_l("Confirm and file"),
             effects=(issue_certificate,)),
))

ENTRUSTED = register(Business(
    BusinessType.entrusted,
    (S.unit_review, S.supervisor_review, S.authority_confirm, S.in_review, S.completed),
    _applicant_side(S.unit_review)
    + _level(S.unit_review, Actor.unit, S.supervisor_review)
    + _level(S.supervisor_review, Actor.supervisor, S.authority_confirm)
    + _level(S.authority_confirm, Actor.authority, S.in_review, approve=_l("Issue the letter of entrustment"))
    + (
        Transition("record_pass", (S.in_review,), S.completed, Actor.authority,
                   _l("Record the external result: passed"), effects=(finish,)),
        Transition("record_fail", (S.in_review,), S.rejected, Actor.authority,
                   _l("Record the external result: not passed"), reason_required=True, effects=(finish,),
                   style="danger"),
    ),
))


