"""How values are shown: stored UTC times appear in Beijing time, dates and blanks as people expect."""
import datetime as dt

from app.display import display


def test_times_are_shown_in_beijing_time():
    assert display(dt.datetime(2026, 11, 22, 16, 30)) == "2026-11-23 00:30"


def test_dates_booleans_and_blanks():
    assert display(dt.date(2026, 1, 2)) == "2026-01-02"
    assert display(None) == ""
    assert display([dt.date(2026, 1, 2), None]) == "2026-01-02、"
