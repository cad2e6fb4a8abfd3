"""Rules of review batches (评审批次): a window per committee, series and level, then one meeting."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, inspect, select

from app.errors import DomainError, ErrorCollector
from app.extensions import db
from app.models import Application, Org, OrgKind, ReviewBatch
from app.scope.resolve import Scope


def validate(batch: ReviewBatch, scope: Scope, is_new: bool) -> None:
    """Check a batch before it is saved; ValidationFailed names every failing field."""
    errors = ErrorCollector()
    committee = batch.committee or (db.session.get(Org, batch.committee_id) if batch.committee_id else None)
    if committee is None or committee.kind != OrgKind.committee or not (
            scope.everything or committee.id in scope.org_ids):
        errors.add("committee", _("Please choose one of your review committees."))
    if not (batch.name or "").strip():
        errors.add("name", _("This field is required."))
    if batch.opens_on and batch.closes_on and batch.closes_on < batch.opens_on:
        errors.add("closes_on", _("The application window cannot close before it opens."))
    if batch.meeting_date and batch.closes_on and batch.meeting_date < batch.closes_on:
        errors.add("meeting_date", _("The meeting is held after the application window closes."))
    if committee is not None:
        with db.session.no_autoflush:  # the committee's series load now; the batch is not written before it is valid
            series, levels = {item.code for item in committee.series}, {item.code for item in committee.levels}
        if batch.series and batch.series not in series:
            errors.add("series", _("The committee does not evaluate this series."))
        if batch.level and batch.level not in levels:
            errors.add("level", _("The committee does not evaluate this level."))
    if not errors.errors and _overlapping(batch):
        errors.add("opens_on", _("Another batch of this committee for the same series and level overlaps this "
                                 "application window."))
    if not is_new and _has_candidates(batch):
        state = inspect(batch).attrs
        for name in ("committee", "series", "level"):
            if state[name].history.has_changes():
                errors.add(name, _("Applications have joined this batch; its committee, series "
                                                      "and level can no longer change."))
    errors.raise_if_any()


def check_deletable(batch: ReviewBatch) -> None:
    if _has_candidates(batch):
        raise DomainError(_("Applications have joined this batch; it cannot be deleted."))


def _has_candidates(batch: ReviewBatch) -> bool:
    if batch.id is None:
        return False
    return bool(db.session.scalar(select(func.count()).select_from(Application)
                                  .where(Application.batch_id == batch.id)))


def _overlapping(batch: ReviewBatch) -> bool:
    """Acceptance picks the open batch by date, so two windows of one series and level must not overlap."""
    if not (batch.opens_on and batch.closes_on):
        return False
    committee_id = batch.committee.id if batch.committee else batch.committee_id
    query = select(func.count()).select_from(ReviewBatch).where(
        ReviewBatch.committee_id == committee_id, ReviewBatch.series == batch.series,
        ReviewBatch.level == batch.level, ReviewBatch.opens_on <= batch.closes_on,
        ReviewBatch.closes_on >= batch.opens_on,
    )
    if batch.id is not None:
        query = query.where(ReviewBatch.id != batch.id)
    with db.session.no_autoflush:
        return bool(db.session.scalar(query))
