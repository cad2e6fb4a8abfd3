"""导出Excel for every model list: the rows of the page's scope, search filters and sort, all pages, streamed."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.const import PERMISSION_PREFIX
from flask_appbuilder.exceptions import ApplyFilterException
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import RelationshipProperty, selectinload

from app.services import excel_export
from app.services.excel_export import Column

# List arguments that say which page is shown, not which rows: not recorded as filters of an export.
PAGING_PREFIXES = ("page_", "psize_")


def loader_options(model, columns) -> list:
    """selectin loads for the relations the columns go through, so a batch of rows costs a few queries, not N."""
    options = []
    for column in columns:
        current, loader = model, None
        for part in column.split("."):
            attribute = getattr(current, part, None)
            prop = getattr(attribute, "property", None)
            if not isinstance(prop, RelationshipProperty):
                break
            loader = selectinload(attribute) if loader is None else loader.selectinload(attribute)
            current = prop.mapper.class_
        if loader is not None:
            options.append(loader)
    return options


def column_value(item, column: str):
    """The value of a (possibly dotted) list column of one row; methods are called, as FAB's list does."""
    value = item
    for part in column.split("."):
        if value is None:
            return None
        value = getattr(value, part, None)
        if callable(value):
            value = value()
    return value


def request_filters_record() -> dict:
    """The search and sort arguments of the request, as written to the operation log."""
    return {key: request.args.getlist(key) if len(request.args.getlist(key)) > 1 else request.args[key]
            for key in sorted(request.args) if not key.startswith(PAGING_PREFIXES)}


def readable_conditions(label_columns: dict, filters, order_column: str | None, order_direction: str | None
                        ) -> list[str]:
    """The search conditions and sort as people read them ("名称 包含 广东", "排序：创建时间 降序") for the log."""
    conditions = [f"{label_columns.get(flt.column_name, flt.column_name)} {flt.name} "
                  + ("、".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value))
                  for flt, value in filters.get_filters_values()]
    if order_column:
        direction = _("descending") if order_direction == "desc" else _("ascending")
        conditions.append(_("Sorted by %(column)s, %(direction)s",
                            column=label_columns.get(order_column, order_column), direction=direction))
    return conditions


class ListExportMixin:
    """Adds /export/ to a model view: what its list shows (scope, filters, sort), every page, as .xlsx.

    The export needs `can_export` on the view (FAB's name for the method `export`); `export_columns` (default:
    the list columns) are written with the list's labels and formatters. A view can switch it off with
    `exclude_route_methods = {"export"}`.
    """

    export_columns: list[str] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        included = self.include_route_methods is None or "export" in self.include_route_methods
        if included and "export" not in self.exclude_route_methods:
            permission = PERMISSION_PREFIX + self.get_method_permission("export")
            if permission not in self.base_permissions:
                self.base_permissions.append(permission)

    def _export_columns(self) -> list[Column]:
        columns = []
        for name in self.export_columns or self.list_columns:
            formatter = self.formatters_columns.get(name)
            if formatter is not None:
                getter = (lambda n, fmt: lambda item: fmt(column_value(item, n)))(name, formatter)
            else:
                getter = (lambda n: lambda item: column_value(item, n))(name)
            columns.append(Column(str(self.label_columns.get(name, name)), getter))
        return columns

    def _back_to_list(self):
        args = {key: request.args.getlist(key) for key in request.args}
        return redirect(url_for(f"{self.endpoint}.list", **args))

    @expose("/export/")
    @has_access
    def export(self):
        """导出Excel: the base (scope) filter always applies; the page's search filters and sort narrow it."""
        filters = self._request_filters()
        order_column, order_direction = self._order_args()
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        datamodel = self.datamodel
        try:
            get_filter_args(filters)
            joined = filters.get_joined_filters(self._base_filters)
            count = datamodel.query_count(datamodel.session.query(datamodel.obj), joined)
        except (ValueError, TypeError, SQLAlchemyError, ApplyFilterException):
            # A filter value the database cannot cast (PostgreSQL refuses 'abc' for an id) is bad input, not a crash.
            datamodel.session.rollback()
            flash(_("The search conditions are invalid; nothing was exported."), "warning")
            return self._back_to_list()
        try:
            excel_export.check_size(count)
        except excel_export.TooManyRows as error:
            flash(error.message(), "warning")
            return self._back_to_list()
        query = datamodel.apply_all(datamodel.session.query(datamodel.obj), joined, order_column, order_direction)
        columns = self.export_columns or self.list_columns
        query = query.options(*loader_options(datamodel.obj, columns)).yield_per(excel_export.BATCH)
        title = str(self.list_title or self.__class__.__name__)
        return excel_export.export(
            title=title, list_name=self.__class__.__name__, columns=self._export_columns(), rows=query,
            filters=request_filters_record(), actor=g.user, count=count,
            conditions=readable_conditions(self.label_columns, filters, order_column, order_direction),
        )

