"""SQLite's dialect of the models' DDL: index columns newest-first are `DESC`, never `DESC NULLS LAST`."""
from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex


@compiles(CreateIndex, "sqlite")
def _create_index(create, compiler, **kw) -> str:
    """SQLite refuses NULLS LAST in an index, and already sorts NULLs last in a descending one."""
    return compiler.visit_create_index(create, **kw).replace(" DESC NULLS LAST", " DESC")
