"""继续教育学时要求: the yearly CE requirement per region and year, kept by the administrator, read by the authority."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import CePolicy
from app.security import roles as r
from app.views.base import ScopedModelView
from app.views.fields import DictSelectField, dict_formatter
from app.workflow import ce_compliance


class CePolicyView(ScopedModelView):
    """One row per region and year from which it applies; no region means the national rule."""

    route_base = "/ce-policies"
    class_permission_name = r.CE_POLICY
    datamodel = SQLAInterface(CePolicy, db.session)
    list_title = show_title = _l("Continuing-education requirements")
    add_title = _l("Add a continuing-education requirement")
    edit_title = _l("Edit a continuing-education requirement")
    label_columns = {
        "region_code": _l("Region (empty: nationwide)"), "year": _l("In force from (year)"),
        "min_total": _l("Minimum hours a year"),
        "professional_share_numerator": _l("Professional share: numerator"),
        "professional_share_denominator": _l("Professional share: denominator"),
        "min_public": _l("Minimum public compulsory hours"), "min_professional": _l("Minimum professional hours"),
        "min_elective": _l("Minimum elective hours"), "hours_per_day": _l("Hours per day of study"),
        "minutes_per_hour": _l("Minutes per hour of study"), "basis": _l("Basis"),
    }
    list_columns = ["region_code", "year", "min_total", "min_public", "min_professional", "min_elective", "basis"]
    show_columns = add_columns = edit_columns = [
        "region_code", "year", "min_total", "professional_share_numerator", "professional_share_denominator",
        "min_public", "min_professional", "min_elective", "hours_per_day", "minutes_per_hour", "basis",
    ]
    search_columns = ["region_code", "year"]
    order_columns = ["region_code", "year"]
    base_order = ("year", "desc")
    formatters_columns = {"region_code": dict_formatter("region")}
    description_columns = {
        "professional_share_numerator": _l("专业科目 (专业课 and 个人选修课) must be at least this fraction of the total."),
        "min_public": _l("Leave empty where the rule sets no minimum for the course type."),
    }
    add_form_extra_fields = {"region_code": DictSelectField(_l("Region (empty: nationwide)"), type_code="region")}
    edit_form_extra_fields = add_form_extra_fields

    def validate_item(self, item, is_new):
        ce_compliance.validate_policy(item)
