"""The facts of an applicant's 首页: profile review status, open and returned applications, returned CE
claims and the continuing-education verdicts of the last three years — a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import lazyload

from app.extensions import db
from app.models import (
    FINAL_STATES, RECORD_STATUS_LABELS, REVIEW_STAGE_LABELS, AppState, Application, CeRecord, CeRecordStatus,
    RecordStatus,
)
from app.services.workdays import local_today
from app.workflow import ce_compliance, profile_review
from app.workflow.profile import SECTIONS

OPEN_LIMIT = 10
CE_YEARS = 3


def own(query: Select) -> Select:
    """Rows of the signed-in applicant's own applications: their person is already loaded, so a row needs neither
    the join to it nor the second load of its orgs that the join would bring."""
    return query.options(lazyload(Application.user))


@dataclass(frozen=True)
class ProfileStatus:
    """个人信息 审核状态: a label, a style, and the sections lacking an approved record."""

    label: str
    style: str
    returned: int
    missing: tuple[str, ...]


def profile_status(user_id: int) -> ProfileStatus:
    """One query over every section's records by status, and one for the open review round."""
    parts = [select(literal(section.code).label("section"), section.model.status.label("status"),
                    func.count().label("n")).where(section.model.user_id == user_id).group_by(section.model.status)
             for section in SECTIONS]
    counts: dict[str, dict[RecordStatus, int]] = {}
    for code, status, n in db.session.execute(union_all(*parts)):
        status = status if isinstance(status, RecordStatus) else RecordStatus(status)
        counts.setdefault(code, {})[status] = n
    missing = tuple(str(section.gate_label) for section in SECTIONS if section.required and (
        not counts.get(section.code) or set(counts[section.code]) != {RecordStatus.approved}))
    returned = sum(by.get(RecordStatus.returned, 0) for by in counts.values())
    review = profile_review.open_review(user_id)
    if returned:
        return ProfileStatus(str(RECORD_STATUS_LABELS[RecordStatus.returned]), "danger", returned, missing)
    if review is not None:
        return ProfileStatus(_("Under review: %(stage)s", stage=REVIEW_STAGE_LABELS[review.stage]), "info", 0, missing)
    if not missing and all(set(by) == {RecordStatus.approved} for by in counts.values()):
        return ProfileStatus(str(RECORD_STATUS_LABELS[RecordStatus.approved]), "success", 0, ())
    if not missing:
        return ProfileStatus(_("Approved; changed records are still to be submitted"), "warning", 0, ())
    return ProfileStatus(str(RECORD_STATUS_LABELS[RecordStatus.draft]), "warning", 0, missing)


def open_applications(user_id: int) -> list[Application]:
    """The applicant's applications not yet finished, newest first, at most OPEN_LIMIT."""
    return list(db.session.scalars(own(
        select(Application).where(Application.user_id == user_id, Application.state.not_in(FINAL_STATES))
        .order_by(Application.id.desc()).limit(OPEN_LIMIT))))


def _nearest_deadline_first(application: Application) -> tuple:
    deadline = application.correction_deadline
    return (deadline is None, deadline.toordinal() if deadline else 0, application.id)


def returned_applications(user_id: int, open_ones: list[Application] | None = None) -> list[Application]:
    """退回修改 applications waiting for the applicant, the nearest deadline first.

    Taken from the applicant's open applications when those are all there (fewer than OPEN_LIMIT): a returned
    application is an open one."""
    if open_ones is not None and len(open_ones) < OPEN_LIMIT:
        return sorted((application for application in open_ones if application.state == AppState.returned),
                      key=_nearest_deadline_first)
    return list(db.session.scalars(own(
        select(Application).where(Application.user_id == user_id, Application.state == AppState.returned)
        .order_by(Application.correction_deadline.is_(None), Application.correction_deadline, Application.id)
        .limit(OPEN_LIMIT))))


def returned_ce_claims(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(CeRecord).where(
        CeRecord.user_id == user_id, CeRecord.status == CeRecordStatus.returned)) or 0


def ce_years(user_id: int) -> list[ce_compliance.Assessment]:
    """The verdicts of the last CE_YEARS full training years, newest first."""
    this_year = local_today().year
    years = list(range(this_year - CE_YEARS, this_year))
    return list(reversed(ce_compliance.assess_years(user_id, years)))
