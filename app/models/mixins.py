"""Small data-only mixins shared by the models."""
import datetime as dt

from sqlalchemy import DateTime, Integer
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow() -> dt.datetime:
    """The current time in UTC, naive, as stored in the database."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class TimestampMixin:
    """When a row was created and last changed."""

    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class VersionedMixin:
    """Optimistic locking: a stale update raises StaleDataError instead of overwriting."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805 - SQLAlchemy's declared_attr signature
        return {"version_id_col": cls.version}


class SoftDeleteMixin:
    """Soft deletion (回收站): deleting sets `deleted_at`/`deleted_by_id`; ordinary queries never see the row.

    `app.models.soft_delete` adds the filter to every ORM SELECT; pass the execution option
    `include_deleted=True` to see deleted rows (the recycle bin does).
    """

    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @declared_attr
    def deleted_by_id(cls) -> Mapped[int | None]:  # noqa: N805 - SQLAlchemy's declared_attr signature
        from sqlalchemy import ForeignKey

        return mapped_column(ForeignKey("ab_user.id"))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
