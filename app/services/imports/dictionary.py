"""Import of dictionary values: the dictionary screen's rules (app/services/dictionaries.validate_item)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.errors import ValidationFailed
from app.extensions import db
from app.models import DictItem, DictType
from app.services import dictionaries
from app.services.imports.runner import Context, ImportKind
from app.services.imports.workbook import ImportColumn, choice, integer, text, yes_no

YES_NO = lambda: [(True, "是"), (False, "否")]  # noqa: E731


def _types():
    """(code, code) of every dictionary type: the template offers the codes, the 说明 sheet names them."""
    return [(code, code) for code in db.session.scalars(select(DictType.code).order_by(DictType.code))]


class DictItemImport(ImportKind):
    """字典值导入."""

    code = "dict-items"
    title = _l("Import dictionary values")
    sheet_title = "字典值"
    unique_keys = (("type_code", "code"),)
    notes = [
        _l("Fill in one dictionary value per row below the header row; do not change the headers. Red headers are required."),
        _l("Values are added to existing dictionaries; a code already used in its dictionary is refused."),
        _l("A parent is a value of the same (hierarchical) dictionary, existing or on an earlier row of this file, given by its code."),
        _l("The import is all or nothing: when any row has an error, no row is imported."),
    ]
    columns = [
        ImportColumn("type_code", "字典类型代码", choice(_types), required=True, options=_types, width=22,
                     fields=("dict_type",), note=_l("The code of an existing dictionary (see the dictionary list).")),
        ImportColumn("code", "代码", text(32), required=True, as_text=True, width=14,
                     note=_l("Letters, digits, _ and -, at most 32; unique in its dictionary.")),
        ImportColumn("label", "名称", text(100), required=True, width=24),
        ImportColumn("label_en", "英文名称", text(120), width=24, note=_l("Optional.")),
        ImportColumn("parent_code", "上级代码", text(32), as_text=True, width=14, fields=("parent",),
                     note=_l("Only for hierarchical dictionaries: the code of the parent value.")),
        ImportColumn("sort_order", "排序", integer, width=8, note=_l("A whole number; empty puts the value last.")),
        ImportColumn("active", "是否启用", yes_no, options=YES_NO, default=True, width=10,
                     note=_l("是 or 否; empty means 是.")),
    ]

    def apply(self, values: dict, ctx: Context):
        dict_type = db.session.scalar(select(DictType).where(DictType.code == values.get("type_code")))
        parent = None
        if dict_type is not None and values.get("parent_code"):
            parent = db.session.scalar(select(DictItem).where(
                DictItem.type_id == dict_type.id, DictItem.code == values["parent_code"]))
            if parent is None:
                raise ValidationFailed({"parent": [_(
                    "No value with the code 「%(value)s」 exists in this dictionary (existing, or on an earlier row).",
                    value=values["parent_code"])]})
        sort_order = values.get("sort_order")
        if sort_order is None and dict_type is not None:
            last = db.session.scalar(select(func.max(DictItem.sort_order)).where(DictItem.type_id == dict_type.id))
            sort_order = (last or 0) + 10
        item = DictItem(code=values.get("code"), label=values.get("label"), label_en=values.get("label_en"),
                        sort_order=sort_order or 0, active=values.get("active", True))
        item.dict_type = dict_type
        item.parent = parent
        dictionaries.validate_item(item)
        db.session.add(item)
        db.session.flush()
        return item

    def after_commit(self) -> None:
        dictionaries.invalidate()
