"""Organisation screens: the admin's full management and every staff user's own slice of the tree."""
from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, validators

from app.extensions import db
from app.models import ORG_KIND_LABELS, ORG_STATUS_LABELS, Org, OrgStatus
from app.models.org import OrgKind
from app.scope import clause_for
from app.scope.filters import SCOPED
from app.security import roles as r
from app.services import orgs
from app.views.base import ScopedModelView
from app.views.fields import DictSelectField, DictTypeFilter, EnumSelectField, dict_formatter, enum_formatter

ORG_LABELS = {
    "name": _l("Name"),
    "short_name": _l("Short name"),
    "kind": _l("Kind"),
    "uscc": _l("Unified social credit code"),
    "uscc_override": _l("Keep a code whose check fails"),
    "uscc_override_reason": _l("Reason for keeping the code"),
    "uscc_override_by": _l("Kept by"),
    "uscc_override_at": _l("Kept at"),
    "parent": _l("Parent organisation"),
    "region_code": _l("Region"),
    "address": _l("Address"),
    "contact_person": _l("Contact person"),
    "contact_phone": _l("Contact telephone"),
    "contact_email": _l("Contact e-mail"),
    "status": _l("Status"),
    "committee_full_name": _l("Full committee name"),
    "series": _l("Series it may review"),
    "levels": _l("Levels it may review"),
    "member_count": _l("Number of members"),
    "filing_number": _l("Approval filing number"),
    "filing_valid_from": _l("Filing valid from"),
    "filing_valid_until": _l("Filing valid until"),
    "remarks": _l("Remarks"),
    "children": _l("Organisations below"),
    "created_at": _l("Created at"),
    "updated_at": _l("Updated at"),
}
FORMATTERS = {
    "kind": enum_formatter(ORG_KIND_LABELS),
    "status": enum_formatter(ORG_STATUS_LABELS),
    "region_code": dict_formatter("region"),
}
BASIC = ["name", "short_name", "kind", "uscc", "parent", "region_code", "status"]
CONTACT = ["address", "contact_person", "contact_phone", "contact_email"]
COMMITTEE = [
    "committee_full_name", "series", "levels", "member_count",
    "filing_number", "filing_valid_from", "filing_valid_until",
]


class OrgInterface(SQLAInterface):
    """FAB's model access for orgs, with a committee's series and levels loaded as the org is fetched."""

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        org = super().get(id, filters, select_columns=select_columns, outer_default_load=outer_default_load)
        if org is not None:
            # The edit form replaces these collections after it has written the other fields into the org;
            # loading them only then would first flush the half-edited org (and fail on its own bad input).
            db.session.scalars(select(Org).where(Org.id == org.id)
                               .options(selectinload(Org.series), selectinload(Org.levels))).one()
        return org


class OrgViewMixin:
    """What both organisation views share: labels, formatters, the tree on the detail page."""

    datamodel = OrgInterface(Org, db.session)
    label_columns = ORG_LABELS
    formatters_columns = FORMATTERS
    list_columns = ["name", "kind", "parent", "region_code", "status"]
    order_columns = ["name", "kind", "status"]
    base_order = ("name", "asc")
    export_columns = BASIC + CONTACT + ["created_at"]
    show_template = "org/show.html"
    show_fieldsets = [
        (_l("Basic information"), {"fields": BASIC + ["uscc_override", "uscc_override_reason", "uscc_override_by", "uscc_override_at"]}),
        (_l("Contact"), {"fields": CONTACT}),
        (_l("Review committee"), {"fields": COMMITTEE, "expanded": False}),
    ]
    search_columns = ["name", "kind", "uscc", "status", "region_code", "parent"]
    search_form_query_rel_fields = {"parent": SCOPED}
    search_form_extra_fields = {"region_code": StringField(_l("Region"))}

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """The detail page with the org's parent chain and the orgs below it (within scope)."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        children = db.session.scalars(
            select(Org).where(Org.parent_id == item.id, clause_for(Org)).order_by(Org.name)
        ).all()
        widgets = self._get_show_widget(pk, item)
        self.update_redirect()
        return self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            related_views=self._related_views,
            org_item=item,
            org_children=children,
            child_url=lambda child_id: url_for(f"{self.endpoint}.show", pk=child_id),
        )


class OrgAdminView(OrgViewMixin, ScopedModelView):
    """The administrator's organisation management: create, edit, move in the tree, disable, search."""

    route_base = "/admin/orgs"
    class_permission_name = r.ORG_ADMIN
    list_title = _l("Organisations")
    show_title = _l("Organisation")
    add_title = _l("Add organisation")
    edit_title = _l("Edit organisation")
    add_columns = BASIC + ["uscc_override", "uscc_override_reason"] + CONTACT + COMMITTEE + ["remarks"]
    edit_columns = add_columns
    add_fieldsets = [
        (_l("Basic information"), {"fields": BASIC + ["uscc_override", "uscc_override_reason"]}),
        (_l("Contact"), {"fields": CONTACT}),
        (_l("Review committee (only for committees)"), {"fields": COMMITTEE}),
        (_l("Other"), {"fields": ["remarks"]}),
    ]
    edit_fieldsets = add_fieldsets
    add_form_extra_fields = {
        "kind": EnumSelectField(_l("Kind"), enum=OrgKind, labels=ORG_KIND_LABELS),
        "status": EnumSelectField(_l("Status"), enum=OrgStatus, labels=ORG_STATUS_LABELS),
        "region_code": DictSelectField(_l("Region"), type_code="region"),
        "uscc": StringField(
            _l("Unified social credit code"),
            validators=[validators.Optional(), validators.Length(max=18)],
            widget=BS3TextFieldWidget(),
        ),
        "uscc_override": BooleanField(
            _l("Keep a code whose check fails"),
            description=_l("Only when the code on the licence really fails the GB 32100 check; the decision is recorded."),
        ),
    }
    edit_form_extra_fields = add_form_extra_fields
    add_form_query_rel_fields = {
        "parent": SCOPED,
        "series": [["id", DictTypeFilter, "title_series"]],
        "levels": [["id", DictTypeFilter, "title_level"]],
    }
    edit_form_query_rel_fields = add_form_query_rel_fields
    validators_columns = {"name": [validators.InputRequired(), validators.Length(max=200)]}

    def validate_item(self, item, is_new):
        orgs.save(item, actor=g.user, actor_is_admin=True, is_new=is_new)

    @action("disable", _l("Disable"), _l("Disable the selected organisations?"), "fa-ban")
    def disable(self, items):
        return self._set_status(items, OrgStatus.disabled)

    @action("enable", _l("Enable"), _l("Enable the selected organisations?"), "fa-check")
    def enable(self, items):
        return self._set_status(items, OrgStatus.active)

    def _set_status(self, items, status):
        items = items if isinstance(items, list) else [items]
        changed = orgs.set_status(items, status, actor=g.user)
        db.session.commit()
        flash(_("%(count)d organisation(s) changed.", count=changed), "success")
        return redirect(self.get_redirect())


class MyOrgView(OrgViewMixin, ScopedModelView):
    """A staff user's own organisations (and, for supervisors and authorities, those below)."""

    route_base = "/orgs"
    class_permission_name = r.MY_ORG
    list_title = _l("My organisations")
    show_title = _l("Organisation")
    edit_title = _l("Edit contact details")
    edit_columns = CONTACT
    base_permissions = ["can_list", "can_show", "can_edit"]

    def validate_item(self, item, is_new):
        orgs.save(item, actor=g.user, actor_is_admin=False, is_new=False)
