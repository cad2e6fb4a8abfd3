"""The captcha picture, and the check of a submitted answer against the challenge this browser was shown."""
from __future__ import annotations

from flask import make_response, session
from flask_appbuilder import BaseView, expose

from app.services import captcha

SESSION_KEY = "captcha_challenge"


def check_submitted(answer: str | None) -> bool:
    """Whether the answer solves the browser's current challenge; the challenge is used up either way."""
    if not captcha.enabled():
        return True
    return captcha.verify(session.pop(SESSION_KEY, None), answer)


class CaptchaView(BaseView):
    """A fresh captcha picture for whoever asks (public: the login and registration pages need it)."""

    route_base = "/captcha"
    default_view = "image"

    @expose("/image.png")
    def image(self):
        # Each picture is a new challenge; only the latest one shown to this browser can be answered.
        challenge = captcha.issue()
        session[SESSION_KEY] = challenge.id
        response = make_response(captcha.render_png(challenge.answer))
        response.headers["Content-Type"] = "image/png"
        response.headers["Cache-Control"] = "no-store"
        return response
