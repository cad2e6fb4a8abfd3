"""Working days for 公示 and correction deadlines: weekends, national holidays, 调休 and local closed days."""
import datetime as dt

from app.models import Application, AppState, BusinessType
from app.services.workdays import add_workdays, is_workday, workdays_between
from app.workflow.businesses import deadline_open, deadline_passed
from app.workflow.engine import Context

D = dt.date


def test_national_holidays_and_make_up_days(shared_app):
    with shared_app.app_context():
        assert not is_workday(D(2025, 10, 1))   # 国庆节
        assert is_workday(D(2025, 9, 28))       # a Sunday worked in exchange (调休)
        assert not is_workday(D(2025, 9, 27))   # an ordinary Saturday
        # Five working days of 公示 starting on the eve of the National Day holiday end well after it.
        assert add_workdays(D(2025, 9, 30), 5) == D(2025, 10, 14)  # 9, 10, 11 (调休), 13, 14
        assert workdays_between(D(2025, 9, 30), D(2025, 10, 14)) == 5


def test_local_closed_days_from_configuration(shared_app):
    with shared_app.app_context():
        monday = D(2025, 11, 3)
        assert add_workdays(monday, 1) == D(2025, 11, 4)
        shared_app.config["EXTRA_HOLIDAYS"] = ("2025-11-04",)
        try:
            assert not is_workday(D(2025, 11, 4))
            assert add_workdays(monday, 1) == D(2025, 11, 5)
        finally:
            shared_app.config["EXTRA_HOLIDAYS"] = ()


def test_a_deadline_day_ends_at_midnight_beijing_time_not_utc(app):
    """At 01:00 on 23 November in Beijing (17:00 UTC on the 22nd) a correction deadline of the 22nd has passed."""
    with app.app_context():
        late_evening_utc = dt.datetime(2026, 11, 22, 17, 0)
        context = Context(actor=None, role="system", org=None, now=late_evening_utc)
        assert context.today == D(2026, 11, 23)
        application = Application(business_type=BusinessType.recognition, state=AppState.returned,
                                  correction_deadline=D(2026, 11, 22))
        assert deadline_open(application, context) == ["已超过补正期限。"]
        assert deadline_passed(application, context) == []
        context.now = dt.datetime(2026, 11, 22, 15, 59)  # 23:59 in Beijing: still the 22nd
        assert deadline_open(application, context) == [] and deadline_passed(application, context) != []
