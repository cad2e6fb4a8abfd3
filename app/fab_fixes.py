"""Corrections to Flask-AppBuilder 5.3 behaviour that would otherwise answer a user's bad input with a 500."""
from __future__ import annotations

import functools

from flask import abort, request
from flask_appbuilder.fields import EnumField
from flask_appbuilder.views import ModelView
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


_action_post = ModelView.action_post


@functools.wraps(_action_post)  # keeps FAB's route marks (_urls) on the replacement
def _known_action_post(self):
    """FAB's bulk action calls `.func` on whatever the form names, so an unknown action name (or none) was a 500
    for anyone whose role passes the permission check; it is a 404 like an unknown record."""
    if request.form.get("action") not in self.actions:
        abort(404)
    return _action_post(self)


def install() -> None:
    """Apply the corrections (idempotent)."""
    EnumField.pre_validate = _enum_pre_validate
    EnumField.process_formdata = _enum_process_formdata
    if ModelView.action_post is _action_post:
        ModelView.action_post = _known_action_post
