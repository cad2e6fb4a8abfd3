"""法定退休年龄 under the 2025 gradual reform (全国人大常委会关于实施渐进式延迟法定退休年龄的决定, 2024).

From 2025-01-01 the age rises by one month every four months: men from 60 towards 63, women in professional and
managerial posts from 55 towards 58 (the base that applies to 专业技术人员). Those born before the first affected
month keep the old age. Professionals who are retired cannot apply for titles (人社部令第40号).
"""
from __future__ import annotations

import datetime as dt

# (base age, first affected birth month, most months of delay) by sex.
_RULES = {"male": (60, dt.date(1965, 1, 1), 36), "female": (55, dt.date(1970, 1, 1), 36)}


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, 1)


def retirement_month(birth: dt.date, female: bool) -> dt.date:
    """The first day of the month in which a person reaches the statutory retirement age."""
    base, first, cap = _RULES["female" if female else "male"]
    months = base * 12
    born_month = birth.replace(day=1)
    if born_month >= first:
        elapsed = (born_month.year - first.year) * 12 + born_month.month - first.month
        months += min(elapsed // 4 + 1, cap)
    return _add_months(born_month, months)


def is_retired(birth: dt.date | None, female: bool, on: dt.date) -> bool:
    """Whether the person has reached the retirement age by `on` (unknown birth dates are not judged)."""
    return birth is not None and on >= retirement_month(birth, female)
