"""The 基本信息 form and the unit picker it uses."""
from __future__ import annotations

from flask import url_for
from flask_appbuilder.fieldwidgets import DatePickerWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, Field, FileField, IntegerField, SelectField, StringField, validators

from app.bounded_request import parse_id
from app.extensions import db
from app.models import ASSESSMENT_LABELS, AssessmentResult, Org, OrgKind, OrgStatus
from app.services import dictionaries
from app.views.fields import DictSelectField, EnumSelectField


class UnitPickerWidget:
    """A select filled by searching active units on the server (select2 with AJAX, see unit_picker.js)."""

    def __call__(self, field, **kwargs):
        option = ""
        if field.unit is not None:
            option = Markup('<option value="{}" selected>{}</option>').format(field.unit.id, field.unit.name)
        return Markup(
            '<select class="form-control" id="{id}" name="{name}" data-unit-search="{url}" '
            'data-placeholder="{placeholder}"><option value=""></option>{option}</select>'
        ).format(
            id=field.id, name=field.name, url=url_for("ProfileView.units"),
            placeholder=_("Type part of the unit name to search"), option=option,
        )


class UnitPickerField(Field):
    """The 人事管理单位: an active org of kind unit, chosen by searching its name."""

    widget = UnitPickerWidget()

    def __init__(self, label=None, **kwargs):
        super().__init__(label, **kwargs)
        self.unit = None

    def process_data(self, value):
        self.data = value
        self.unit = db.session.get(Org, value) if value else None

    def process_formdata(self, valuelist):
        raw = valuelist[0].strip() if valuelist else ""
        self.data = parse_id(raw)
        self.unit = db.session.get(Org, self.data) if self.data else None
        if raw and self.data is None:
            raise validators.ValidationError(_("Please choose an active personnel management unit."))

    def pre_validate(self, form):
        if self.data is None:
            return
        if self.unit is None or self.unit.kind != OrgKind.unit or self.unit.status != OrgStatus.active:
            raise validators.ValidationError(_("Please choose an active personnel management unit."))


class SeriesPrefixedSelectField(SelectField):
    """A dictionary select whose labels carry the series, for values that repeat across series."""

    def __init__(self, label=None, type_code: str = "", leaves_only: bool = False, **kwargs):
        self.type_code = type_code
        self.leaves_only = leaves_only
        super().__init__(label, validators=[validators.Optional()], choices=self._choices, **kwargs)

    def _choices(self):
        series = dict(dictionaries.choices("title_series"))
        entries = [e for e in dictionaries.entries(self.type_code) if e.active]
        parents = {e.parent_code for e in entries if e.parent_code}
        labels = {e.code: e.label for e in entries}
        by_code = {e.code: e for e in dictionaries.entries(self.type_code)}

        def series_of(entry):  # inherited from the parents, as dictionaries.attr does (one load, not one per value)
            while entry is not None:
                if "series" in entry.attrs:
                    return entry.attrs["series"]
                entry = by_code.get(entry.parent_code)
            return None

        pairs = [("", _("None") if self.type_code == "title" else "")]
        for entry in entries:
            if self.leaves_only and entry.code in parents:
                continue
            code = series_of(entry)
            prefix = series.get(code, "")
            middle = f"{labels[entry.parent_code]} / " if entry.parent_code in labels else ""
            pairs.append((entry.code, f"{prefix} · {middle}{entry.label}" if prefix else entry.label))
        return pairs

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data == "":
            self.data = None

    def pre_validate(self, form):
        if self.data is not None and not dictionaries.is_valid_code(self.type_code, self.data):
            raise validators.ValidationError(_("Not a valid choice."))


def _date(label, required=False, description=None):
    checks = [validators.InputRequired()] if required else [validators.Optional()]
    return DateField(label, validators=checks, widget=DatePickerWidget(), description=description)


def _text(label, length, required=False):
    checks = [validators.InputRequired()] if required else [validators.Optional()]
    return StringField(label, validators=checks + [validators.Length(max=length)])


class BasicInfoForm(FlaskForm):
    """基本信息 (SPEC §4); name, sex, 证件 and birth date are the account's and are shown, not edited."""

    ethnicity = DictSelectField(_l("Ethnicity"), type_code="ethnicity", required=True)
    native_place = _text(_l("Native place"), 60)
    political_status = DictSelectField(_l("Political status"), type_code="political_status", required=True)
    photo = FileField(_l("Photo"), description=_l("A JPG or PNG portrait, at most 1 MB."))
    highest_education = DictSelectField(_l("Highest education"), type_code="education", required=True)
    highest_degree = DictSelectField(_l("Highest degree"), type_code="degree")
    major_studied = _text(_l("Major studied"), 100, required=True)
    graduated_school = _text(_l("Graduated from"), 100, required=True)
    graduation_date = _date(_l("Graduated on"))
    work_start_date = _date(_l("Started work on"), required=True)
    title_series = DictSelectField(_l("Professional series"), type_code="title_series", required=True)
    specialty = SeriesPrefixedSelectField(_l("Specialty"), type_code="specialty", leaves_only=True)
    specialty_years = IntegerField(
        _l("Years in the current specialty"), validators=[validators.Optional(), validators.NumberRange(0, 60)]
    )
    current_title = SeriesPrefixedSelectField(_l("Current title"), type_code="title")
    current_title_date = _date(
        _l("Current title obtained on"), description=_l("With no current title, the date work started is used.")
    )
    annual_assessment = EnumSelectField(
        _l("Annual assessment"), enum=AssessmentResult, labels=ASSESSMENT_LABELS,
        validators=[validators.Optional()],
    )
    foreign_language = _text(_l("Foreign language level"), 100)
    archive_unit = _text(_l("Unit holding the personnel file"), 100)
    postcode = _text(_l("Postcode"), 6)
    unit_id = UnitPickerField(_l("Personnel management unit"))

    FIELDS = (
        "ethnicity", "native_place", "political_status", "highest_education", "highest_degree", "major_studied",
        "graduated_school", "graduation_date", "work_start_date", "title_series", "specialty", "specialty_years",
        "current_title", "current_title_date", "annual_assessment", "foreign_language", "archive_unit",
        "postcode", "unit_id",
    )

    def fill(self, record) -> None:
        """Copy the form's values onto the record (not the photo, which is an upload)."""
        for name in self.FIELDS:
            setattr(record, name, self[name].data)


def unit_option_text(unit: Org, supervisor: Org | None) -> str:
    """How a unit appears in the picker: its name and the 主管单位 it would bring."""
    if supervisor is None:
        return unit.name
    return _("%(unit)s (supervisor: %(supervisor)s)", unit=unit.name, supervisor=supervisor.name)

