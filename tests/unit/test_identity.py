"""ID numbers: GB 11643 check digit, the facts a number encodes, HK/Macao/permit formats."""
import datetime as dt

import pytest

from app.models import Country, Gender
from app.services import identity


@pytest.mark.parametrize("number, birth, gender", [
    ("11010519491231002X", dt.date(1949, 12, 31), Gender.female),
    ("440524188001010014", dt.date(1880, 1, 1), Gender.male),
    ("11010119800101007X", dt.date(1980, 1, 1), Gender.male),
])
def test_valid_resident_cards_give_their_birth_date_and_sex(number, birth, gender):
    result = identity.check(identity.RESIDENT_CARD, number)
    assert result.ok, result.problem
    assert (result.birth_date, result.gender, result.country) == (birth, gender, Country.CN)


def test_a_wrong_check_digit_is_refused():
    result = identity.check(identity.RESIDENT_CARD, "210602190003180018")
    assert not result.ok and result.problem
    # The same body with the right check digit (4) passes.
    assert identity.check(identity.RESIDENT_CARD, "210602190003180014").ok


@pytest.mark.parametrize("number", ["11010519491231002", "1101051949123100XX", "11010519491331002X", "A1010519491231002X"])
def test_badly_formed_numbers_are_refused(number):
    assert not identity.check(identity.RESIDENT_CARD, number).ok


def test_a_lowercase_x_is_normalised():
    result = identity.check(identity.RESIDENT_CARD, " 11010519491231002x ")
    assert result.ok and result.number == "11010519491231002X"


def test_a_birth_date_in_the_future_is_refused():
    assert not identity.check(identity.RESIDENT_CARD, "11010519491231002X", today=dt.date(1949, 12, 30)).ok


@pytest.mark.parametrize("typed, normal", [("A123456(7)", "A123456(7)"), ("a1234567", "A123456(7)"),
                                           ("AB987654（A）", "AB987654(A)")])
def test_hong_kong_numbers(typed, normal):
    result = identity.check(identity.HONG_KONG_CARD, typed)
    assert result.ok and result.number == normal and result.country == Country.HK


@pytest.mark.parametrize("typed", ["123456(7)", "A12345(6)", "1234567(8)"])
def test_bad_hong_kong_numbers(typed):
    assert not identity.check(identity.HONG_KONG_CARD, typed).ok


def test_macao_numbers():
    assert identity.check(identity.MACAO_CARD, "1234567(8)").ok
    assert identity.check(identity.MACAO_CARD, "12345678").number == "1234567(8)"
    assert not identity.check(identity.MACAO_CARD, "A123456(7)").ok


def test_residence_permits_need_a_region_prefix_and_the_gb11643_check():
    body = "83000019900101001"
    number = body + identity.ric.calc_check_digit(body + "0")
    result = identity.check(identity.RESIDENCE_PERMIT, number)
    assert result.ok and result.country == Country.TW and result.gender == Gender.male
    wrong = body + ("0" if number[-1] != "0" else "1")
    assert not identity.check(identity.RESIDENCE_PERMIT, wrong).ok
    assert not identity.check(identity.RESIDENCE_PERMIT, "11010519491231002X").ok


def test_an_empty_number_or_unknown_type_is_refused():
    assert not identity.check(identity.RESIDENT_CARD, "").ok
    assert not identity.check("99", "11010519491231002X").ok
