"""The password policy (8–16 characters mixing letters and digits), hashing, and password changes."""
from __future__ import annotations

import re
import secrets

from flask import current_app, has_app_context
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import ErrorCollector
from app.models.mixins import utcnow

MIN_LENGTH = 8
MAX_LENGTH = 16
ALLOWED_RE = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII without spaces


def policy_problems(password: str | None) -> list[str]:
    """Every way a proposed password breaks the policy (empty when it is acceptable)."""
    password = password or ""
    if not password:
        return [_("Please enter the password.")]
    problems = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problems.append(_("The password must be 8 to 16 characters long."))
    if not ALLOWED_RE.match(password):
        problems.append(_("The password may contain only letters, digits and symbols, without spaces."))
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        problems.append(_("The password must mix letters and digits."))
    return problems


def check_new_password(errors: ErrorCollector, password: str | None, confirmation: str | None,
                       field: str = "password", confirm_field: str = "confirm_password") -> None:
    """Add the policy problems of a new password and a mismatched confirmation to `errors`."""
    for problem in policy_problems(password):
        errors.add(field, problem)
    if (password or "") != (confirmation or ""):
        errors.add(confirm_field, _("The two passwords do not match."))


def hash_password(password: str) -> str:
    """A salted hash of a password, as FAB stores it."""
    config = current_app.config if has_app_context() else {}
    return generate_password_hash(
        password,
        method=config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )


def matches(password_hash: str | None, password: str | None) -> bool:
    """Whether a password matches a stored hash (never for an empty password or hash)."""
    if not password_hash or not password:
        return False
    return check_password_hash(password_hash, password)


def set_password(user, password: str) -> None:
    """Store a new password on the user: the hash, when it changed, and no pending forced change."""
    user.password = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = False


def change_password(user, old_password: str | None, new_password: str | None, confirmation: str | None) -> None:
    """A signed-in user's change: the old password must match, the new one follow the policy and differ.

    Raises ValidationFailed on the fields old_password / new_password / confirm_password; the caller commits.
    """
    errors = ErrorCollector()
    if not old_password:
        errors.add("old_password", _("Please enter the current password."))
    elif not matches(user.password, old_password):
        errors.add("old_password", _("The current password is wrong."))
    check_new_password(errors, new_password, confirmation, "new_password", "confirm_password")
    if new_password and new_password == old_password:
        errors.add("new_password", _("The new password must differ from the current one."))
    errors.raise_if_any()
    set_password(user, new_password)


INITIAL_ALPHABET_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz"   # no I, l, O, o: easy to read out
INITIAL_ALPHABET_DIGITS = "23456789"
INITIAL_SYMBOLS = "@#%+=?"


def generate_initial(length: int = 12) -> str:
    """A strong random first-login password that meets the policy (letters, digits and a symbol)."""
    while True:
        chars = [secrets.choice(INITIAL_ALPHABET_LETTERS) for _ in range(length - 3)]
        chars += [secrets.choice(INITIAL_ALPHABET_DIGITS) for _ in range(2)] + [secrets.choice(INITIAL_SYMBOLS)]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        if not policy_problems(password) and password[0] not in INITIAL_SYMBOLS:
            return password


# A generated initial password has about 70 bits of entropy and lives until the first login, so a lighter
# key derivation than a chosen password's is safe, and keeps an import of thousands of accounts within a request.
INITIAL_HASH_METHOD = "pbkdf2:sha256:20000"


def set_initial_password(user, password: str, *, generated: bool = False) -> None:
    """Store a password chosen for the user by staff or an import: it must be changed at the first login (S2)."""
    user.password = (generate_password_hash(password, method=INITIAL_HASH_METHOD, salt_length=16)
                     if generated else hash_password(password))
    user.password_changed_at = None
    user.must_change_password = True
