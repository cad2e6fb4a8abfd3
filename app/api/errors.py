"""Chinese messages for the REST API: schema errors and domain errors, keyed by field."""
from __future__ import annotations

import re

from flask_babel import gettext as _

# marshmallow's default messages, matched so that an API client gets the same Chinese as a form user.
_PATTERNS = (
    (re.compile(r"^Missing data for required field\.$"), lambda m: _("This field is required.")),
    (re.compile(r"^Field may not be null\.$"), lambda m: _("This field is required.")),
    (re.compile(r"^Unknown field\.$"), lambda m: _("This field is not accepted.")),
    (re.compile(r"^Not a valid date\.$"), lambda m: _("Not a valid date (use YYYY-MM-DD).")),
    (re.compile(r"^Not a valid integer\.$"), lambda m: _("Not a valid whole number.")),
    (re.compile(r"^Not a valid (number|decimal)\.$"), lambda m: _("Not a valid number.")),
    (re.compile(r"^Not a valid string\.$"), lambda m: _("Not a valid text.")),
    (re.compile(r"^Not a valid boolean\.$"), lambda m: _("Not a valid yes/no value.")),
    (re.compile(r"^Must be one of: (.*)\.$"), lambda m: _("Must be one of: %(values)s.", values=m.group(1))),
    (re.compile(r"^Longer than maximum length (\d+)\.$"),
     lambda m: _("At most %(n)s characters.", n=m.group(1))),
    (re.compile(r"^Number too large\.$"), lambda m: _("The number is out of range.")),
    (re.compile(r"^Special numeric values \(nan or infinity\) are not permitted\.$"),
     lambda m: _("Not a valid number.")),
    (re.compile(r"^Invalid input type\.$"), lambda m: _("The request body must be a JSON object.")),
)


def translate_message(message: str) -> str:
    """One schema message in the current language; unknown messages pass through."""
    for pattern, render in _PATTERNS:
        found = pattern.match(message)
        if found:
            return render(found)
    return message


def translate_errors(messages):
    """marshmallow's error structure (dicts and lists of messages) with every message translated."""
    if isinstance(messages, dict):
        return {key: translate_errors(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [translate_errors(value) for value in messages]
    return translate_message(str(messages))
