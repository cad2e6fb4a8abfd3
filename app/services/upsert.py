"""INSERT … ON CONFLICT DO UPDATE on both supported databases (PostgreSQL and SQLite share the syntax)."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_or_update(dialect_name: str, model, values: dict, keys: list, updated: list[str]):
    """The statement inserting `values`, or, where a row with the same `keys` exists, setting its `updated` columns."""
    statement = _INSERTS[dialect_name](model).values(**values)
    return statement.on_conflict_do_update(index_elements=keys,
                                           set_={name: statement.excluded[name] for name in updated})
