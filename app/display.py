"""How plain values are shown on list and detail pages: no "None", Chinese yes/no, readable dates."""
import datetime as dt

from flask import Flask
from flask_babel import gettext as _

from app.models import OBJECTION_STATUS_LABELS, REVIEW_ACTION_LABELS, REVIEW_STAGE_LABELS
from app.services.workdays import local_time


def display(value) -> str:
    """Render a column value for people."""
    if value is None:
        return ""
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, dt.datetime):
        return local_time(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return "、".join(display(v) for v in value)
    return str(value)


def install(app: Flask) -> None:
    """Make `zp_display` available to the templates."""
    app.jinja_env.filters["zp_display"] = display
    app.jinja_env.globals["review_action_label"] = lambda action: str(REVIEW_ACTION_LABELS.get(action, action))
    app.jinja_env.globals["review_stage_label"] = lambda stage: str(REVIEW_STAGE_LABELS.get(stage, stage))
    app.jinja_env.globals["objection_status_label"] = lambda status: str(OBJECTION_STATUS_LABELS.get(status, status))

    def pdf_status() -> dict:
        """Whether the PDF links of documents work and, if not, why (shown beside them)."""
        from app.documents import pdf
        available, reason = pdf.status()
        return {"available": available, "reason": reason}

    app.jinja_env.globals["pdf_status"] = pdf_status
