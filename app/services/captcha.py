"""Local image captchas: issue a challenge, draw it, and check an answer exactly once."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from io import BytesIO

from captcha.image import DEFAULT_FONTS, ImageCaptcha
from flask import current_app
from sqlalchemy import delete

from app.extensions import db
from app.models import CaptchaChallenge
from app.models.mixins import utcnow

# No 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B: characters people confuse on a distorted image.
ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
LENGTH = 4
IMAGE_WIDTH = 120
IMAGE_HEIGHT = 44


@dataclass(frozen=True)
class Challenge:
    """A stored challenge's id and, only in the process that issued it, its answer."""

    id: str
    answer: str


def enabled() -> bool:
    """Whether forms ask for a captcha (CAPTCHA_ENABLED)."""
    return bool(current_app.config.get("CAPTCHA_ENABLED", True))


def _answer_hash(answer: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, answer.strip().upper().encode(), hashlib.sha256).hexdigest()


def issue(answer: str | None = None) -> Challenge:
    """Store a new challenge (random answer unless one is given) and commit; expired ones are purged."""
    answer = (answer or "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))).upper()
    now = utcnow()
    db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < now))
    challenge = CaptchaChallenge(
        id=secrets.token_urlsafe(32),
        answer_hash=_answer_hash(answer),
        expires_at=now + dt.timedelta(seconds=current_app.config.get("CAPTCHA_TTL_SECONDS", 300)),
    )
    db.session.add(challenge)
    db.session.commit()
    return Challenge(challenge.id, answer)


def render_png(answer: str) -> bytes:
    """The distorted picture of an answer, drawn with the font the captcha package ships."""
    image = ImageCaptcha(width=IMAGE_WIDTH, height=IMAGE_HEIGHT, fonts=DEFAULT_FONTS, font_sizes=(30, 34, 38))
    buffer = BytesIO()
    image.generate_image(answer).save(buffer, format="PNG")
    return buffer.getvalue()


def verify(challenge_id: str | None, answer: str | None) -> bool:
    """Consume the challenge and say whether the answer was right and in time; commits.

    The challenge is deleted whatever the answer, so no challenge can be guessed at twice or reused.
    """
    if not challenge_id or not answer:
        if challenge_id:
            _burn(challenge_id)
        return False
    now = utcnow()
    result = db.session.execute(
        delete(CaptchaChallenge).where(
            CaptchaChallenge.id == challenge_id,
            CaptchaChallenge.answer_hash == _answer_hash(answer),
            CaptchaChallenge.expires_at >= now,
        )
    )
    solved = result.rowcount == 1
    if not solved:
        db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.id == challenge_id))
    db.session.commit()
    return solved


def _burn(challenge_id: str) -> None:
    db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.id == challenge_id))
    db.session.commit()
