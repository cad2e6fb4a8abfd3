"""Corrections to Flask-AppBuilder 5.3 behaviour that would otherwise answer a user's bad input with a 500."""
from __future__ import annotations

from flask_appbuilder.fields import EnumField
from wtforms.validators import ValidationError


def _enum_pre_validate(self, form) -> None:
    """FAB raises a bare ValueError for a missing or unknown enum choice, which WTForms 3 no longer turns into a
    field error; raise the ValidationError it expects, so the form shows 选项无效 beside the field."""
    for value, _label in self.choices:
        if self.data == self.coerce(value):
            return
    raise ValidationError(self.gettext("Not a valid choice"))


_process_formdata = EnumField.process_formdata


def _enum_process_formdata(self, valuelist) -> None:
    """FAB's coerce looks an unknown name up with [] and lets the KeyError through; WTForms turns a ValueError
    into the field's error instead."""
    try:
        _process_formdata(self, valuelist)
    except KeyError:
        self.data = None
        raise ValueError(self.gettext("Not a valid choice")) from None


def install() -> None:
    """Apply the corrections (idempotent)."""
    EnumField.pre_validate = _enum_pre_validate
    EnumField.process_formdata = _enum_process_formdata
