"""法定退休年龄 under the 2025 gradual reform, against the official table's landmarks."""
import datetime as dt

import pytest

from app.services.retirement import is_retired, retirement_month


@pytest.mark.parametrize("birth, female, expected", [
    (dt.date(1964, 12, 31), False, dt.date(2024, 12, 1)),   # before the reform: 60
    (dt.date(1965, 1, 15), False, dt.date(2025, 2, 1)),     # 60 years 1 month
    (dt.date(1965, 5, 1), False, dt.date(2025, 7, 1)),      # 60 years 2 months
    (dt.date(1976, 9, 1), False, dt.date(2039, 9, 1)),      # capped at 63
    (dt.date(1990, 3, 1), False, dt.date(2053, 3, 1)),
    (dt.date(1969, 12, 1), True, dt.date(2024, 12, 1)),     # women in professional posts: 55
    (dt.date(1970, 1, 1), True, dt.date(2025, 2, 1)),       # 55 years 1 month
    (dt.date(1981, 9, 1), True, dt.date(2039, 9, 1)),       # capped at 58
])
def test_retirement_month(birth, female, expected):
    assert retirement_month(birth, female) == expected


def test_is_retired_from_the_first_day_of_that_month():
    assert not is_retired(dt.date(1965, 1, 15), False, dt.date(2025, 1, 31))
    assert is_retired(dt.date(1965, 1, 15), False, dt.date(2025, 2, 1))
    assert not is_retired(None, False, dt.date(2025, 2, 1))
