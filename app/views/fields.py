"""Form fields and list formatters that show dictionary labels and enum labels."""
from __future__ import annotations

from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from wtforms import SelectField, validators

from app.models import DictItem, DictType
from app.services import dictionaries


class DictSelectField(SelectField):
    """A select whose options are the active values of one dictionary type, loaded per request."""

    def __init__(self, label=None, type_code: str = "", required: bool = False, **kwargs):
        self.type_code = type_code
        extra = [validators.InputRequired()] if required else [validators.Optional()]
        kwargs.setdefault("widget", Select2Widget())
        super().__init__(
            label,
            validators=extra + list(kwargs.pop("validators", [])),
            choices=lambda: [("", "")] + dictionaries.choices(type_code),
            **kwargs,
        )

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data == "":
            self.data = None

    def pre_validate(self, form):
        if self.data is None:
            return
        if not dictionaries.is_valid_code(self.type_code, self.data):
            raise validators.ValidationError(_("Not a valid choice."))


class EnumSelectField(SelectField):
    """A select over a Python enum with translated labels; the data is the enum member."""

    def __init__(self, label=None, enum=None, labels=None, **kwargs):
        self.enum = enum
        kwargs.setdefault("widget", Select2Widget())
        kwargs.setdefault("validators", [validators.InputRequired()])
        super().__init__(
            label,
            choices=lambda: [(m.value, str(labels[m])) for m in enum],
            coerce=lambda v: v if isinstance(v, enum) or v is None else enum(v),
            **kwargs,
        )

    def _value(self):
        return self.data.value if isinstance(self.data, self.enum) else (self.data or "")

    def iter_choices(self):
        current = self.data.value if isinstance(self.data, self.enum) else self.data
        for value, label in self.choices:
            yield (value, label, value == current, {})

    def pre_validate(self, form):
        if self.data is not None and not isinstance(self.data, self.enum):
            raise validators.ValidationError(_("Not a valid choice."))


def dict_formatter(type_code: str):
    """A list/show formatter that turns a stored code into its label."""
    return lambda code: dictionaries.label(type_code, code)


def enum_formatter(labels: dict):
    """A list/show formatter for enum columns (FAB hands over the member or, for plain enums, its value)."""
    by_value = {getattr(member, "value", member): text for member, text in labels.items()}

    def format_value(value) -> str:
        if value is None:
            return ""
        text = labels.get(value) if value in labels else by_value.get(value, value)
        return str(text)

    return format_value


class DictTypeFilter(BaseFilter):
    """Limit a DictItem relation drop-down to the active values of one dictionary type."""

    name = "dictionary type"
    arg_name = "dict_type"

    def apply(self, query, value):
        return query.join(DictType, DictType.id == DictItem.type_id).filter(
            DictType.code == value, DictItem.active.is_(True)
        )
