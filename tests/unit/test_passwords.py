"""The password policy: 8–16 characters mixing letters and digits."""
import pytest

from app.errors import ErrorCollector
from app.services import passwords


@pytest.mark.parametrize("password", ["abcd1234", "Demo@2026zp", "A1b2C3d4E5f6G7h8"])
def test_good_passwords_pass(password):
    assert passwords.policy_problems(password) == []


@pytest.mark.parametrize("password", ["", "abc123", "abcdefgh", "12345678", "abcd 1234", "a1" * 9, "密码abcd1234"])
def test_weak_or_malformed_passwords_are_refused(password):
    assert passwords.policy_problems(password)


def test_the_confirmation_must_match():
    errors = ErrorCollector()
    passwords.check_new_password(errors, "abcd1234", "abcd12345")
    assert list(errors.errors) == ["confirm_password"]


def test_hashes_are_salted_and_checked():
    first, second = passwords.hash_password("abcd1234"), passwords.hash_password("abcd1234")
    assert first != second
    assert passwords.matches(first, "abcd1234") and not passwords.matches(first, "abcd1235")
    assert not passwords.matches(first, "") and not passwords.matches(None, "abcd1234")
