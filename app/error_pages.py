"""Chinese error pages for HTTP errors, including a failed CSRF check."""
from flask import Flask, g, render_template, request
from flask_login import current_user
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to do this.")),
    404: (_l("Not found"), _l("The page or record does not exist, or is outside your scope.")),
    405: (_l("Method not allowed"), _l("This operation cannot be performed this way.")),
    413: (_l("File too large"), _l("The uploaded file is larger than allowed.")),
    429: (_l("Too many requests"), _l("Too many attempts. Please wait a moment and try again.")),
    500: (_l("Server error"), _l("Something went wrong on the server. Please try again later.")),
}


def render_error(code: int, detail=None):
    """The Chinese error page (a JSON message under /api/) for an HTTP error code."""
    return _render(code, detail)


def _render(code: int, detail=None):
    # A CSRF failure stops the request before FAB sets g.user; the layout needs it.
    if "user" not in g:
        g.user = current_user
    title, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if request.path.startswith("/api/"):
        return {"message": str(detail or message)}, code
    return render_template("error.html", code=code, title=title, message=detail or message), code


def install(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(CSRFError)
    def _csrf_failed(error):
        return _render(400, _l("The form has expired or was not sent from this site. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http_error(error):
        if error.code is None or error.code < 400:
            return error
        return _render(error.code)
