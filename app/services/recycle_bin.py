"""回收站 (recycle bin): soft-deleted rows and their restore.

The applicant restores their own profile records; the administrator restores portal articles and dictionary
values. Deleted rows are invisible everywhere else (app.models.soft_delete); this module reads them with the
`include_deleted` execution option.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import DomainError
from app.extensions import db
from app.models import AppUser, Article, DictItem
from app.models.soft_delete import INCLUDE_DELETED, restore
from app.services import audit, dictionaries

LIMIT = 100  # rows shown per kind (the latest deleted first)


@dataclass
class Entry:
    kind: str
    kind_label: str
    record: object
    description: str


def _profile_sections() -> dict:
    from app.workflow.profile import SECTIONS

    return {section.code: section for section in SECTIONS if section.code != "basic"}


ADMIN_KINDS = {"article": (Article, _l("Portal article")), "dict_item": (DictItem, _l("Dictionary value"))}


def _deleted(model, *where):
    return db.session.scalars(
        select(model).where(model.deleted_at.is_not(None), *where).order_by(model.deleted_at.desc()).limit(LIMIT)
        .execution_options(**{INCLUDE_DELETED: True})
    ).all()


def own_deleted(user: AppUser) -> list[Entry]:
    """The person's deleted profile records, by section."""
    entries = []
    for code, section in _profile_sections().items():
        for record in _deleted(section.model, section.model.user_id == user.id):
            entries.append(Entry(code, str(section.label), record, section.describe(record)))
    return sorted(entries, key=lambda e: e.record.deleted_at, reverse=True)[:LIMIT]


def admin_deleted() -> list[Entry]:
    """Deleted portal articles and dictionary values."""
    entries = [Entry("article", str(ADMIN_KINDS["article"][1]), a, a.title) for a in _deleted(Article)]
    entries += [Entry("dict_item", str(ADMIN_KINDS["dict_item"][1]), i,
                      f"{i.dict_type.name if i.dict_type else ''}：{i.code} {i.label}") for i in _deleted(DictItem)]
    return sorted(entries, key=lambda e: e.record.deleted_at, reverse=True)


def _one_deleted(model, pk: int, *where):
    record = db.session.scalar(select(model).where(model.id == pk, model.deleted_at.is_not(None), *where)
                               .execution_options(**{INCLUDE_DELETED: True}))
    if record is None:
        raise LookupError(pk)
    return record


def _restore(record, actor: AppUser, action: str) -> None:
    restore(record)
    audit.record(action, record, actor=actor)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(_("The record cannot be restored: it conflicts with an existing record."))


def restore_own(code: str, pk: int, user: AppUser):
    """恢复 one of the person's own deleted profile records (LookupError when it is not theirs or not deleted)."""
    section = _profile_sections().get(code)
    if section is None:
        raise LookupError(code)
    record = _one_deleted(section.model, pk, section.model.user_id == user.id)
    _restore(record, user, "profile.record.restore")
    return record


def restore_admin(kind: str, pk: int, actor: AppUser):
    """恢复 a deleted article or dictionary value."""
    if kind not in ADMIN_KINDS:
        raise LookupError(kind)
    record = _one_deleted(ADMIN_KINDS[kind][0], pk)
    _restore(record, actor, f"{kind}.restore")
    if kind == "dict_item":
        dictionaries.invalidate()
    return record
