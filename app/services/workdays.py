"""Working days (weekends and official holidays skipped, 调休 make-up days counted) and the local time of stored times.

Extra closed days can be configured (`EXTRA_HOLIDAYS`, ISO dates) for local holidays; years the calendar
package does not know yet fall back to Monday–Friday.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from flask import current_app, has_app_context


def _extra_holidays() -> frozenset[dt.date]:
    if not has_app_context():
        return frozenset()
    return _parsed(tuple(current_app.config.get("EXTRA_HOLIDAYS", ())))


@lru_cache(maxsize=8)
def _parsed(days: tuple[str, ...]) -> frozenset[dt.date]:
    return frozenset(dt.date.fromisoformat(day) for day in days)


@lru_cache(maxsize=8192)
def _national_workday(day: dt.date) -> bool:
    """The official calendar's answer, remembered: an inbox asks it for each day of each row's due date, and the
    calendar package checks its whole table of years on every question."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    """Whether people work on `day`."""
    return day not in _extra_holidays() and _national_workday(day)


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The date on which `days` full working days after `start` have passed (start itself not counted)."""
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_workday(day)
    return count


def local_time(value: dt.datetime) -> dt.datetime:
    """A stored time (naive UTC) in the zone people read it in (DISPLAY_TIMEZONE, 北京时间 by default)."""
    zone = current_app.config.get("DISPLAY_TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(ZoneInfo(zone))


def local_today() -> dt.date:
    """Today's date where people are (DISPLAY_TIMEZONE), not the server's UTC date."""
    return local_time(dt.datetime.now(dt.timezone.utc)).date()
