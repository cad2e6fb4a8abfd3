"""Base views: FAB's ModelView with the data scope applied on every entry point, and safe list args."""
from __future__ import annotations

import logging

from flask import abort, current_app, flash, g, redirect, request
from flask_appbuilder import ModelView
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_appbuilder.baseviews import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField

from app.errors import DomainError, ValidationFailed
from app.models.mixins import SoftDeleteMixin
from app.models.soft_delete import soft_delete
from app.scope.filters import SCOPED
from app.services import audit
from app.views.export import ListExportMixin

log = logging.getLogger(__name__)

STALE_MESSAGE = _l("The record was changed by someone else; please refresh and try again.")
CONFLICT_MESSAGE = _l("The data conflicts with an existing record; nothing was saved.")


VERSION_FIELD = "seen_version"


def _versioned(model) -> bool:
    """Whether the model has optimistic locking (VersionedMixin's version_id_col)."""
    mapper = getattr(model, "__mapper__", None)
    return mapper is not None and mapper.version_id_col is not None


def _int_arg(name: str) -> int | None:
    """An integer URL argument, or None when it is missing or not a number."""
    raw = request.args.get(name)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def flash_failure(error: Exception) -> None:
    """Show a refused operation's messages: each field message of a ValidationFailed, or the DomainError's text."""
    if isinstance(error, ValidationFailed):
        for messages in error.errors.values():
            for message in messages:
                flash(message, "danger")
    else:
        flash(str(error), "danger")


class SafeCrudMixin(ListExportMixin):
    """Bounded pages, validated sort/filter arguments, rule errors shown on the fields, and 导出Excel."""

    page_size = 20
    # No file is ever served through FAB's generic download route (FAB_NOTES 5).
    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename):
        abort(404)

    # ----- list arguments (FAB_NOTES 13, 14) -----
    def _order_args(self) -> tuple[str, str]:
        """The page's sort column and direction, or ("", "") when the URL asks for something not offered."""
        order_column, order_direction = get_order_args().get(self.__class__.__name__, ("", ""))
        if order_column not in self.order_columns or order_direction not in ("asc", "desc"):
            return "", ""
        return order_column, order_direction

    def _list(self, **kwargs):
        name = self.__class__.__name__
        order_column, order_direction = self._order_args()
        page = max(_int_arg(f"page_{name}") or 0, 0)
        max_size = current_app.config.get("MAX_PAGE_SIZE", 100)
        page_size = _int_arg(f"psize_{name}") or self.page_size
        page_size = min(max(page_size, 1), max_size)
        filters = self._request_filters()
        get_filter_args(filters)
        try:
            widgets = self._get_list_widget(
                filters=filters,
                order_column=order_column,
                order_direction=order_direction,
                page=page,
                page_size=page_size,
                **kwargs,
            )
        except (ValueError, TypeError, SQLAlchemyError):
            self.datamodel.session.rollback()
            flash(_("The search conditions are invalid and were ignored."), "warning")
            filters = self._request_filters()
            widgets = self._get_list_widget(
                filters=filters, page=0, page_size=page_size, **kwargs
            )
        form = self.search_form.refresh()
        self.update_redirect()
        widgets["search"] = self.search_widget(
            route_base=self.route_base, form=form, include_cols=self.search_columns,
            exclude_cols=[], filters=filters,
        )
        return widgets

    def _request_filters(self):
        """A filter set of this request alone: FAB's shared one leaks between concurrent requests (FAB_NOTES 14)."""
        return self.datamodel.get_filters(self.search_columns)

    # ----- add / edit: rules raise ValidationFailed, shown on the fields; nothing is saved -----
    def validate_item(self, item, is_new: bool) -> None:
        """Check domain rules on the populated item; raise ValidationFailed to refuse."""

    def _save(self, form, item, is_new: bool) -> bool:
        session = self.datamodel.session
        try:
            form.populate_obj(item)
            self.validate_item(item, is_new)
            self.pre_add(item) if is_new else self.pre_update(item)
            if is_new:
                session.add(item)
            session.flush()
            if not audit.pending_for(item):  # a service's own row (e.g. org_create) says it better; log once
                audit.record("add" if is_new else "edit", item)
            session.commit()
        except ValidationFailed as failure:
            session.rollback()
            attach_errors(form, failure)
            return False
        except StaleDataError:
            session.rollback()
            flash(str(STALE_MESSAGE), "danger")
            return False
        except DomainError as error:
            session.rollback()
            flash(str(error), "danger")
            return False
        except IntegrityError:
            session.rollback()
            log.info("integrity error saving %s", self.datamodel.obj.__name__, exc_info=True)
            flash(str(CONFLICT_MESSAGE), "danger")
            return False
        self.post_add(item) if is_new else self.post_update(item)
        flash(str(self.add_row_message if is_new else self.edit_row_message), "success")
        return True

    def _add(self):
        filters = self._request_filters()
        get_filter_args(filters, disallow_if_not_in_search=False)
        exclude_cols = filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                if self._save(form, self.datamodel.obj(), is_new=True):
                    return None
        else:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    # ----- optimistic locking: the edit form carries the version it was loaded at (VersionedMixin rows) -----
    def _init_forms(self):
        super()._init_forms()
        if _versioned(self.datamodel.obj):
            self.edit_form = type(self.edit_form.__name__, (self.edit_form,), {VERSION_FIELD: HiddenField()})

    def _stale(self, item) -> bool:
        """Whether the posted form was loaded at another version than the row's now (a missing one: not known)."""
        if not _versioned(type(item)):
            return False
        seen = request.form.get(VERSION_FIELD)
        if seen is None or seen == "":
            return False
        return seen != str(item.version)

    def _edit(self, pk):
        filters = self._request_filters()
        get_filter_args(filters, disallow_if_not_in_search=False)
        exclude_cols = filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if self._stale(item):
                flash(str(STALE_MESSAGE), "danger")
            elif form.validate():
                self.process_form(form, False)
                if VERSION_FIELD in form:
                    del form[VERSION_FIELD]  # not a column: populate_obj must not see it
                if self._save(form, item, is_new=False):
                    return None
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
            if VERSION_FIELD in form:
                form[VERSION_FIELD].data = item.version
            self.update_redirect()
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(
            item, filters={}, orders={}, pages={}, page_sizes={}, widgets=widgets
        )

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        session = self.datamodel.session
        if self._stale(item):
            flash(str(STALE_MESSAGE), "danger")
            return
        try:
            self.pre_delete(item)
            audit.record("delete", item)
            if isinstance(item, SoftDeleteMixin):  # to the recycle bin (回收站), restorable
                soft_delete(item, g.user.id if getattr(g, "user", None) else None)
            else:
                session.delete(item)
            session.commit()
        except DomainError as error:
            session.rollback()
            flash(str(error), "danger")
            return
        except StaleDataError:
            session.rollback()
            flash(str(STALE_MESSAGE), "danger")
            return
        except IntegrityError:
            session.rollback()
            flash(_("The record is still in use and cannot be deleted."), "danger")
            return
        self.post_delete(item)
        flash(str(self.delete_row_message), "success")
        self.update_redirect()


class SafeModelView(SafeCrudMixin, ModelView):
    """FAB's ModelView with the safe list arguments and rule-checked saving."""


class ScopedModelView(SafeModelView):
    """A view whose every entry point is limited to the current user's scope (FAB_NOTES 3–5).

    Lists, show, edit and delete go through the scoped base filter; single and bulk actions check each
    primary key against it; relation drop-downs of subclasses use `SCOPED` in their *_query_rel_fields.
    """

    base_filters = SCOPED

    def _scoped_item(self, pk):
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        if item is None:
            abort(404)
        return item

    def _show_with(self, pk, **extra):
        """The detail page of one scoped row, with the row and `extra` given to the template by name."""
        item = self._scoped_item(pk)
        return self.render_template(self.show_template, pk=item.id, title=self.show_title,
                                    widgets=self._show(item.id), related_views=self._related_views,
                                    item=item, **extra)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if not self.is_get_mutation_allowed():
            abort(405)
        action = self.actions.get(name)
        if action is None:
            abort(404)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name):
            abort(403)
        return action.func(self._scoped_item(pk))

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        action = self.actions.get(name)
        if action is None:
            abort(404)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name):
            abort(403)
        items = [self._scoped_item(pk) for pk in request.form.getlist("rowid")]
        if not items:
            flash(_("No record was selected."), "warning")
            return redirect(self.get_redirect())
        return action.func(items)


def attach_errors(form, failure: ValidationFailed) -> None:
    """Put each rule message on its form field; messages for fields not on the form are flashed."""
    for field_name, messages in failure.errors.items():
        field = form._fields.get(field_name) if hasattr(form, "_fields") else None
        if field is not None:
            field.errors = list(field.errors or []) + messages
        else:
            for message in messages:
                flash(message, "danger")
