"""Dictionary screens: types and their values."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from app.extensions import db
from app.models import DictItem, DictType
from app.security import roles as r
from app.services import dictionaries
from app.views.base import SafeModelView

ITEM_LABELS = {
    "dict_type": _l("Dictionary"),
    "code": _l("Code"),
    "label": _l("Label"),
    "label_en": _l("English label"),
    "parent": _l("Parent value"),
    "sort_order": _l("Order"),
    "active": _l("Active"),
    "attrs": _l("Attributes"),
}


class DictItemView(SafeModelView):
    """The values of the dictionaries; shipped values can be deactivated but not deleted."""

    show_template = "change_log/model_show.html"
    extra_args = {"change_owner_type": "DictItem"}

    route_base = "/dictionary-items"
    class_permission_name = r.DICT_ITEM
    datamodel = SQLAInterface(DictItem, db.session)
    list_title = _l("Dictionary values")
    show_title = _l("Dictionary value")
    add_title = _l("Add dictionary value")
    edit_title = _l("Edit dictionary value")
    label_columns = ITEM_LABELS
    list_columns = ["dict_type", "code", "label", "parent", "sort_order", "active"]
    show_columns = ["dict_type", "code", "label", "label_en", "parent", "sort_order", "active", "attrs"]
    add_columns = ["dict_type", "code", "label", "label_en", "parent", "sort_order", "active"]
    edit_columns = add_columns
    search_columns = ["dict_type", "code", "label", "active"]
    order_columns = ["code", "label", "sort_order"]
    base_order = ("sort_order", "asc")
    page_size = 50
    # FAB makes a NOT NULL boolean "required", which an unticked box can never satisfy.
    add_form_extra_fields = {"active": BooleanField(_l("Active"), default=True)}
    edit_form_extra_fields = add_form_extra_fields

    def validate_item(self, item, is_new):
        dictionaries.validate_item(item)

    def post_add(self, item):
        dictionaries.invalidate()

    def post_update(self, item):
        dictionaries.invalidate()

    def pre_delete(self, item):
        dictionaries.check_deletable_item(item)

    def post_delete(self, item):
        dictionaries.invalidate()


class DictTypeView(SafeModelView):
    """Dictionary types, each with its values as a related list."""

    show_template = "change_log/model_show.html"
    extra_args = {"change_owner_type": "DictType"}

    route_base = "/dictionaries"
    class_permission_name = r.DICT_TYPE
    datamodel = SQLAInterface(DictType, db.session)
    list_title = _l("Dictionaries")
    show_title = _l("Dictionary")
    add_title = _l("Add dictionary")
    edit_title = _l("Edit dictionary")
    label_columns = {
        "code": _l("Code"),
        "name": _l("Name"),
        "name_en": _l("English name"),
        "description": _l("Description"),
        "hierarchical": _l("Hierarchical"),
        "builtin": _l("Built in"),
    }
    list_columns = ["code", "name", "hierarchical", "builtin"]
    show_columns = ["code", "name", "name_en", "description", "hierarchical", "builtin"]
    add_columns = ["code", "name", "name_en", "description", "hierarchical"]
    add_form_extra_fields = {"hierarchical": BooleanField(_l("Hierarchical"))}
    edit_columns = ["name", "name_en", "description"]
    search_columns = ["code", "name"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")
    related_views = [DictItemView]

    def validate_item(self, item, is_new):
        dictionaries.validate_type(item)

    def pre_delete(self, item):
        dictionaries.check_deletable_type(item)

    def post_update(self, item):
        dictionaries.invalidate()
