"""年度学时 sums (ce_year_total): each person's approved hours and 门数 per 培训年度, kept as records become approved.

Approved is final: an approved record is never edited, sent back or deleted (a deleted person takes their sums
along). So a person's sums change only when one of their records enters approved, either inserted so (a training
class's 结业, demo data) or moved there by the unit's review (an UPDATE statement, then its approve event). Both
pass through the ORM's flush, where these mapper events sum the (person, year) again from the records; the bulk
generator, which writes by COPY, fills the table itself.
"""
from __future__ import annotations

from sqlalchemy import case, event, func, inspect, select

from app.models import CeRecord, CeRecordEvent, CeRecordStatus, CeYearTotal
from app.services.upsert import insert_or_update
from app.workflow.ce_compliance import COURSE_TYPES


def sums_by_person_year():
    """SELECT user_id, year and the hours and 门数 of each course type over the approved records (grouped)."""
    columns = []
    for kind in COURSE_TYPES:
        columns.append(func.coalesce(func.sum(case((CeRecord.course_type == kind, CeRecord.recognised_hours))), 0)
                       .label(f"{kind}_hours"))
        columns.append(func.count(case((CeRecord.course_type == kind, CeRecord.id))).label(f"{kind}_courses"))
    return (select(CeRecord.user_id, CeRecord.year, *columns)
            .where(CeRecord.status == CeRecordStatus.approved).group_by(CeRecord.user_id, CeRecord.year))


def recompute(connection, user_id: int, year: int) -> None:
    """Sum the person's approved records of the year again into their row (none left: no row)."""
    found = connection.execute(sums_by_person_year().where(CeRecord.user_id == user_id, CeRecord.year == year)) \
        .mappings().first()
    if found is None:
        connection.execute(CeYearTotal.__table__.delete().where(
            CeYearTotal.user_id == user_id, CeYearTotal.year == year))
        return
    names = [name for name in found if name not in ("user_id", "year")]
    connection.execute(insert_or_update(connection.dialect.name, CeYearTotal, dict(found),
                                        keys=[CeYearTotal.user_id, CeYearTotal.year], updated=names))


@event.listens_for(CeRecord, "after_insert")
@event.listens_for(CeRecord, "after_delete")
def _record_written(_mapper, connection, record: CeRecord) -> None:
    """A record inserted approved, or an approved one removed by hand."""
    if record.status == CeRecordStatus.approved:
        recompute(connection, record.user_id, record.year)


@event.listens_for(CeRecord, "after_update")
def _record_changed(_mapper, connection, record: CeRecord) -> None:
    """A record changed through the ORM that is, or was, approved: its (person, year) now and before."""
    state = inspect(record)
    before = {name: state.attrs[name].history.deleted for name in ("status", "user_id", "year")}
    was_approved = CeRecordStatus.approved in before["status"]
    if record.status != CeRecordStatus.approved and not was_approved:
        return
    pairs = {(record.user_id, record.year)}
    if was_approved or before["user_id"] or before["year"]:
        pairs.add(((before["user_id"] or [record.user_id])[0], (before["year"] or [record.year])[0]))
    for user_id, year in pairs:
        recompute(connection, user_id, year)


@event.listens_for(CeRecordEvent, "after_insert")
def _record_moved(_mapper, connection, step: CeRecordEvent) -> None:
    """The review's UPDATE statement bypasses the mapper; its approve event follows it in the same transaction."""
    if step.to_status == CeRecordStatus.approved.value:
        owner = connection.execute(select(CeRecord.user_id, CeRecord.year).where(CeRecord.id == step.record_id)).first()
        if owner is not None:
            recompute(connection, *owner)
