"""The password policy (8–16 characters mixing letters and digits), hashing, and password changes."""
from __future__ import annotations

import datetime as dt
import re
import secrets

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import ErrorCollector
from app.extensions import db
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


def _hash_method() -> str:
    config = current_app.config if has_app_context() else {}
    return config.get("FAB_PASSWORD_HASH_METHOD", "scrypt")


def needs_rehash(password_hash: str | None) -> bool:
    """Whether a stored hash was made with another method than the current one (e.g. pbkdf2 before scrypt)."""
    if not password_hash or "$" not in password_hash:
        return False
    stored = password_hash.split("$", 1)[0].split(":", 1)[0]
    return stored != _hash_method().split(":", 1)[0]


def rehash_if_needed(user, password: str) -> bool:
    """After a successful sign-in with `password`: store it again with the current method when the stored hash
    is of an older one. The password itself is unchanged (no history row, no new change date). The caller commits.
    """
    if not needs_rehash(user.password):
        return False
    user.password = hash_password(password)
    return True


def history_count() -> int:
    config = current_app.config if has_app_context() else {}
    return max(0, int(config.get("PASSWORD_HISTORY_COUNT", 5) or 0))


def recent_hashes(user) -> list[str]:
    """The hashes of the account's last N passwords, the current one first (N = PASSWORD_HISTORY_COUNT)."""
    from app.models import PasswordHistory

    count = history_count()
    if not count or user.id is None:
        return []
    rows = db.session.scalars(
        select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc()).limit(count)
    ).all()
    current = user.password if user.password and "$" in user.password else None
    if current and current not in rows:
        # An account older than the history (or changed outside it): its current password counts as the latest.
        rows = [current, *rows[: count - 1]]
    return list(rows)


def was_used_recently(user, password: str | None) -> bool:
    """Whether `password` is one of the account's last N passwords."""
    return bool(password) and any(matches(old, password) for old in recent_hashes(user))


def check_history(errors: ErrorCollector, user, password: str | None, field: str = "new_password") -> None:
    """Refuse, on `field`, a new password that repeats one of the last N."""
    if field in errors.errors or not password:
        return  # the policy already refused it: no need to spend hash checks
    if was_used_recently(user, password):
        errors.add(field, _("The new password must not repeat any of your last %(count)d passwords.",
                            count=history_count()))


def remember(user) -> None:
    """Add the account's current hash to its password history (after any set). The caller commits."""
    from app.models import PasswordHistory

    if user.password and "$" in user.password:
        db.session.add(PasswordHistory(user=user, password_hash=user.password))


def before_change(user) -> None:
    """Call before replacing a password: an account older than the history gets its current hash recorded first,
    so the password it had before the history existed still counts. The caller commits."""
    from app.models import PasswordHistory

    if user.id is None or not user.password or "$" not in user.password:
        return
    known = db.session.scalar(select(PasswordHistory.id).where(PasswordHistory.user_id == user.id).limit(1))
    if known is None:
        db.session.add(PasswordHistory(user=user, password_hash=user.password,
                                       created_at=user.password_changed_at or user.created_on or utcnow()))


def max_age_days() -> int:
    config = current_app.config if has_app_context() else {}
    return max(0, int(config.get("PASSWORD_MAX_AGE_DAYS", 0) or 0))


def expired(user) -> bool:
    """Whether the password is older than PASSWORD_MAX_AGE_DAYS (never when expiry is off)."""
    days = max_age_days()
    if not days or user is None:
        return False
    since = getattr(user, "password_changed_at", None) or getattr(user, "created_on", None)
    return since is not None and utcnow() - since > dt.timedelta(days=days)


def matches(password_hash: str | None, password: str | None) -> bool:
    """Whether a password matches a stored hash (never for an empty password or hash)."""
    if not password_hash or not password:
        return False
    return check_password_hash(password_hash, password)


def set_password(user, password: str) -> None:
    """Store a new password on the user: the hash, when it changed, and no pending forced change."""
    before_change(user)
    user.password = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    remember(user)


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
    elif not errors.errors:
        check_history(errors, user, new_password, "new_password")
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
    before_change(user)
    user.password = (generate_password_hash(password, method=INITIAL_HASH_METHOD, salt_length=16)
                     if generated else hash_password(password))
    user.password_changed_at = None
    user.must_change_password = True
    remember(user)
