"""Requests whose `type=int` lookups refuse numbers no database key can hold.

`request.form.get("id", type=int)` turns "9223372036854775808" into a Python int that SQLite cannot bind
(OverflowError, a server error) and PostgreSQL cannot store in an integer column. Such a number is no valid id,
version or count, so it is treated like any other non-number: the lookup gives its default.
"""
from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict

INT_MIN, INT_MAX = -(2 ** 31), 2 ** 31 - 1  # PostgreSQL's integer, the type of every id and version column


def db_int(value) -> int:
    """int(value), refusing (ValueError) what an integer column cannot hold."""
    number = int(value)
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError(f"{value!r} is out of the integer range")
    return number


class BoundedMultiDict(ImmutableMultiDict):
    """Form and query arguments whose `type=int` conversions stay within the integer range."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        return super().get(key, default, db_int if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002
        return super().getlist(key, db_int if type is int else type)


class BoundedRequest(Request):
    """The app's request class (Flask.request_class)."""

    parameter_storage_class = BoundedMultiDict


def parse_id(value) -> int | None:
    """A record id written as digits, or None for anything else (text, a sign, a number no id column holds)."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit():
        return None
    number = int(text)
    return number if number <= INT_MAX else None
