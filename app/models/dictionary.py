"""Dictionaries (数据字典): editable code tables used by forms, lists, filters and Excel."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import SoftDeleteMixin, TimestampMixin, VersionedMixin


class DictType(TimestampMixin, VersionedMixin, Model):
    """A code table such as 民族 or 专业系列."""

    __tablename__ = "dict_type"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    hierarchical: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Shipped types are loaded by the schema setup; their codes are referenced by the code.
    builtin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    items: Mapped[list[DictItem]] = relationship(
        "DictItem", back_populates="dict_type", order_by="DictItem.sort_order", lazy="select"
    )

    def __str__(self) -> str:
        return self.name


class DictItem(SoftDeleteMixin, TimestampMixin, VersionedMixin, Model):
    """One value of a code table, optionally below another value of the same table."""

    __tablename__ = "dict_item"
    __table_args__ = (
        # Deleted values (回收站) keep their code: the value is restored, not added again.
        UniqueConstraint("type_id", "code", name="uq_dict_item_type_code"),
        Index("ix_dict_item_type_parent_sort", "type_id", "parent_id", "sort_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type_id: Mapped[int] = mapped_column(
        ForeignKey("dict_type.id", ondelete="CASCADE"), nullable=False
    )
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    label: Mapped[str] = mapped_column(String(100), nullable=False)
    label_en: Mapped[str | None] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("dict_item.id"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Flat string attributes, e.g. a title's {"series": "GC", "level": "3"}.
    attrs: Mapped[dict | None] = mapped_column(JSON)

    dict_type: Mapped[DictType] = relationship("DictType", back_populates="items", lazy="joined")
    parent: Mapped[DictItem | None] = relationship(
        "DictItem", remote_side=[id], lazy="joined", join_depth=1
    )

    def __str__(self) -> str:
        return self.label
