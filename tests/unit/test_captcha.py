"""Captcha challenges: the right answer works once, within its time, whatever the letter case."""
import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select, update

from app.extensions import db
from app.models import CaptchaChallenge
from app.services import captcha


@pytest.fixture
def ctx(tmp_path):
    """A bare app with only the captcha table: the service needs a database and SECRET_KEY."""
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/captcha.db", SECRET_KEY="k",
                      CAPTCHA_TTL_SECONDS=300)
    db.init_app(app)
    with app.app_context():
        CaptchaChallenge.__table__.create(db.engine)
        yield
        db.session.remove()
        db.engine.dispose()


def test_the_right_answer_passes_once(ctx):
    challenge = captcha.issue("AB34")
    assert captcha.verify(challenge.id, "ab34")
    assert not captcha.verify(challenge.id, "AB34")


def test_a_wrong_answer_uses_the_challenge_up(ctx):
    challenge = captcha.issue("AB34")
    assert not captcha.verify(challenge.id, "XXXX")
    assert not captcha.verify(challenge.id, "AB34")


def test_an_expired_challenge_fails_and_is_purged(ctx):
    challenge = captcha.issue("AB34")
    past = dt.datetime(2000, 1, 1)
    db.session.execute(update(CaptchaChallenge).values(expires_at=past))
    db.session.commit()
    assert not captcha.verify(challenge.id, "AB34")
    stale = captcha.issue("CD79")
    db.session.execute(update(CaptchaChallenge).where(CaptchaChallenge.id == stale.id).values(expires_at=past))
    db.session.commit()
    captcha.issue()
    assert db.session.scalar(select(CaptchaChallenge).where(CaptchaChallenge.id == stale.id)) is None


def test_answers_are_stored_only_as_keyed_hashes(ctx):
    challenge = captcha.issue()
    assert len(challenge.answer) == 4 and set(challenge.answer) <= set(captcha.ALPHABET)
    row = db.session.get(CaptchaChallenge, challenge.id)
    assert challenge.answer not in row.answer_hash and len(row.answer_hash) == 64
    assert len(challenge.id) >= 40


def test_the_picture_is_a_png(ctx):
    assert captcha.render_png("AB34")[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_answer_or_challenge_fails(ctx):
    challenge = captcha.issue("AB34")
    assert not captcha.verify(None, "AB34")
    assert not captcha.verify(challenge.id, "")
    assert not captcha.verify(challenge.id, "AB34")
