"""GB 32100 checks of the unified social credit code."""
import pytest

from app.services.uscc import UsccProblem, check, normalise


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91440300708461136T", "91110000101623741K"])
def test_valid_codes_from_the_spec(code):
    assert check(code) == (UsccProblem.none, None)


def test_a_wrong_check_character_names_the_expected_one():
    assert check("91350100M000100Y44") == (UsccProblem.checksum, "3")


@pytest.mark.parametrize("code", ["9135010", "91350100M000100I43", "91350100M000100Y4O3"])
def test_bad_format(code):
    assert check(code)[0] is UsccProblem.format


def test_normalise():
    assert normalise(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert normalise("  ") is None
