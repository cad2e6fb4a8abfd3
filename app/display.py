"""How plain values are shown on list and detail pages: no "None", Chinese yes/no, readable dates."""
import datetime as dt

from flask import Flask
from flask_babel import gettext as _


def display(value) -> str:
    """Render a column value for people."""
    if value is None:
        return ""
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return "、".join(display(v) for v in value)
    return str(value)


def install(app: Flask) -> None:
    """Make `zp_display` available to the templates."""
    app.jinja_env.filters["zp_display"] = display
