"""ID document numbers (证件号码): format and GB 11643 checks, and the facts a number encodes."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from stdnum.cn import ric

from app.models.account import Country, Gender

RESIDENT_CARD = "01"
HONG_KONG_CARD = "02"
MACAO_CARD = "03"
RESIDENCE_PERMIT = "04"

GB11643_RE = re.compile(r"^\d{17}[\dX]$")
HONG_KONG_RE = re.compile(r"^([A-Z]{1,2}\d{6})\(?([\dA])\)?$")
MACAO_RE = re.compile(r"^([157]\d{6})\(?(\d)\)?$")
# Residence permits carry the region in place of the area code: 81 Hong Kong, 82 Macao, 83 Taiwan.
PERMIT_REGIONS = {"810000": Country.HK, "820000": Country.MO, "830000": Country.TW}

# The 国家/地区 each document type may be registered with.
COUNTRIES_FOR_TYPE = {
    RESIDENT_CARD: {Country.CN},
    HONG_KONG_CARD: {Country.HK},
    MACAO_CARD: {Country.MO},
    RESIDENCE_PERMIT: {Country.HK, Country.MO, Country.TW},
}


@dataclass(frozen=True)
class IdCheck:
    """The outcome of checking one number: its normal form, a problem message, and the facts it encodes."""

    number: str
    problem: str | None = None
    birth_date: dt.date | None = None
    gender: Gender | None = None
    country: Country | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def normalise(number: str | None) -> str:
    """Upper-case, without spaces, and with the check character of HK/Macao numbers in parentheses."""
    value = re.sub(r"\s+", "", number or "").upper().replace("（", "(").replace("）", ")")
    for pattern in (HONG_KONG_RE, MACAO_RE):
        match = pattern.match(value)
        if match:
            return f"{match.group(1)}({match.group(2)})"
    return value


def check(id_type: str | None, number: str | None, today: dt.date | None = None) -> IdCheck:
    """Check a number against the rules of its document type."""
    value = normalise(number)
    if not value:
        return IdCheck(value, _("Please enter the ID number."))
    if id_type == RESIDENT_CARD:
        return _check_gb11643(value, today, _("A resident identity card number has 18 characters: 17 digits and a final digit or X."))
    if id_type == RESIDENCE_PERMIT:
        if value[:6] not in PERMIT_REGIONS:
            return IdCheck(value, _("A residence permit number has 18 characters and starts with 810000, 820000 or 830000."))
        return _check_gb11643(value, today, _("A residence permit number has 18 characters and starts with 810000, 820000 or 830000."))
    if id_type == HONG_KONG_CARD:
        if not HONG_KONG_RE.match(value):
            return IdCheck(value, _("A Hong Kong identity card number looks like A123456(7)."))
        return IdCheck(value, country=Country.HK)
    if id_type == MACAO_CARD:
        if not MACAO_RE.match(value):
            return IdCheck(value, _("A Macao identity card number looks like 1234567(8)."))
        return IdCheck(value, country=Country.MO)
    return IdCheck(value, _("Please choose the ID type first."))


def _check_gb11643(value: str, today: dt.date | None, format_message: str) -> IdCheck:
    if not GB11643_RE.match(value):
        return IdCheck(value, format_message)
    expected = ric.calc_check_digit(value)
    if value[-1] != expected:
        return IdCheck(value, _("The check character of the ID number is wrong; please check the number."))
    try:
        birth_date = ric.get_birth_date(value)
    except Exception:  # stdnum raises its own InvalidComponent for an impossible date
        return IdCheck(value, _("The birth date in the ID number is not a real date."))
    if birth_date > (today or dt.date.today()):
        return IdCheck(value, _("The birth date in the ID number is in the future."))
    gender = Gender.male if int(value[16]) % 2 == 1 else Gender.female
    return IdCheck(value, birth_date=birth_date, gender=gender, country=PERMIT_REGIONS.get(value[:6], Country.CN))
