"""Bounded pages of a query: one page's rows and the total count, the page number clamped into range."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, literal, select, union_all

from app.extensions import db
from app.prepared_statements import custom_plans


@dataclass
class Page:
    """One page of a list with the total count."""

    rows: list
    count: int
    page: int
    size: int
    capped: bool = False  # the count stopped at a cap: there are more rows than `count`

    @property
    def pages(self) -> int:
        return max((self.count + self.size - 1) // self.size, 1)


def count_of(query: Select) -> int:
    """How many rows the query gives (its ORDER BY dropped)."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def page_of(query: Select, page: int, size: int, *, count_query: Select | None = None, scalars: bool = True,
            unique: bool = False) -> Page:
    """Page `page` (1-based, clamped) of `size` rows; `count_query` counts when cheaper than counting `query`."""
    count = (db.session.scalar(count_query) or 0) if count_query is not None else count_of(query)
    last = max((count + size - 1) // size, 1)
    page = min(max(page or 1, 1), last)
    result = db.session.execute(query.offset((page - 1) * size).limit(size))
    if scalars:
        result = result.scalars()
        rows = list(result.unique() if unique else result)
    else:
        rows = [tuple(row) for row in result]
    return Page(rows=rows, count=count, page=page, size=size)


def capped_page_of(query: Select, page: int, size: int, *, cap: int, scalars: bool = True) -> Page:
    """Like `page_of`, but counting at most `cap` rows (a LIMIT inside the count), so a list over millions of rows
    costs what its first pages cost; pages past the cap are not offered."""
    custom_plans()
    # Only a constant per row: the rows' own columns (a JSON form among them) would be read for nothing.
    matches = query.with_only_columns(literal(1), maintain_column_froms=True).order_by(None).limit(cap + 1)
    counted = db.session.scalar(select(func.count()).select_from(matches.subquery())) or 0
    capped = counted > cap
    count = min(counted, cap)
    last = max((count + size - 1) // size, 1)
    page = min(max(page or 1, 1), last)
    offset = (page - 1) * size
    result = db.session.execute(query.offset(offset).limit(max(min(size, count - offset), 0)))
    rows = list(result.scalars()) if scalars else [tuple(row) for row in result]
    return Page(rows=rows, count=count, page=page, size=size, capped=capped)


def merged_page_of(branches: list[Select], page: int, size: int, *, cap: int) -> Page:
    """Like `capped_page_of`, for a list made of disjoint branches that an index each serves in the list's order.

    Each branch selects the list's sort keys, most significant first, and is ordered by them. A branch gives only
    the rows up to the end of the page and the page is merged from those, where one query over all branches would
    read every match to sort them. The page's rows are the key tuples.
    """
    if not branches:
        return Page(rows=[], count=0, page=1, size=size)
    custom_plans()
    counts = [select(func.count()).select_from(
        branch.with_only_columns(literal(1), maintain_column_froms=True).order_by(None).limit(cap + 1).subquery())
        .scalar_subquery() for branch in branches]
    counted = db.session.scalar(select(sum(counts[1:], counts[0]))) or 0
    capped = counted > cap
    count = min(counted, cap)
    last = max((count + size - 1) // size, 1)
    page = min(max(page or 1, 1), last)
    offset = (page - 1) * size
    wanted = max(min(size, count - offset), 0)  # no row past the cap
    ends = [branch.limit(offset + wanted).subquery() for branch in branches]
    merged = union_all(*[select(*end.c) for end in ends]).subquery()
    rows = db.session.execute(select(*merged.c).order_by(*merged.c).offset(offset).limit(wanted))
    return Page(rows=[tuple(row) for row in rows], count=count, page=page, size=size, capped=capped)
