"""The fixed list of security questions (账号安全), and hashing and checking their answers."""
from __future__ import annotations

import functools
import hashlib

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

QUESTION_COUNT = 3
# Stable keys are stored; the labels are translated where they are shown.
QUESTIONS = {
    "mother_name": _l("What is your mother's name?"),
    "spouse_birthday": _l("What is your spouse's birthday?"),
    "student_number": _l("What is your student number (or staff number)?"),
    "childhood_friend": _l("What was the name of your best friend as a teenager?"),
    "childhood_nickname": _l("What was your childhood nickname?"),
    "first_boss": _l("What was the name of your first boss?"),
    "primary_school": _l("What was the name of your primary school?"),
    "birthplace": _l("In which town or county were you born?"),
}


@functools.cache
def _dummy_answer_hash() -> str:
    # Checked when there is no stored answer, so that every path costs the same hash checks.
    return generate_password_hash("unknown-account-answer")


def label(key: str) -> str:
    """The question in the current language (an imported free-text question is shown as stored)."""
    return str(QUESTIONS[key]) if key in QUESTIONS else key


def choices() -> list[tuple[str, str]]:
    """(key, question) pairs for a select."""
    return [(key, str(text)) for key, text in QUESTIONS.items()]


def normalise_answer(answer: str | None) -> str:
    """Answers are compared trimmed and case-insensitively."""
    return (answer or "").strip().lower()


def hash_answer(answer: str) -> str:
    """The stored form of an answer."""
    return generate_password_hash(normalise_answer(answer))


def answer_matches(answer_hash: str | None, answer: str | None) -> bool:
    """Whether a given answer matches the stored hash; always spends one hash check."""
    normalised = normalise_answer(answer)
    if not answer_hash or not normalised:
        check_password_hash(_dummy_answer_hash(), normalised or "-")
        return False
    return check_password_hash(answer_hash, normalised)


def placeholder_questions(account: str, secret: str) -> list[str]:
    """Three plausible questions for an account that cannot recover by questions, the same on every try."""
    keys = list(QUESTIONS)
    digest = hashlib.sha256(f"{secret}:{account.strip().lower()}".encode()).digest()
    chosen: list[str] = []
    for byte in digest:
        key = keys[byte % len(keys)]
        if key not in chosen:
            chosen.append(key)
        if len(chosen) == QUESTION_COUNT:
            break
    return chosen
