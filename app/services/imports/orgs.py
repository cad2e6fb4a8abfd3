"""Import of organisations: the admin screen's rules (app/services/orgs.save), one row per org."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.errors import ValidationFailed
from app.extensions import db
from app.models import DictItem, DictType, Org, OrgStatus
from app.models.org import ORG_KIND_LABELS, ORG_STATUS_LABELS
from app.security import roles as r
from app.services import dictionaries
from app.services import orgs as org_rules
from app.services.imports.runner import Context, ImportKind
from app.services.imports.workbook import ImportColumn, choice, date, integer, multi, text
from app.services.uscc import normalise


def _enum_options(labels):
    return lambda: [(member, str(label)) for member, label in labels.items()]


def _dict_options(type_code: str):
    return lambda: dictionaries.choices(type_code)


class OrgImport(ImportKind):
    """机构导入."""

    code = "orgs"
    title = _l("Import organisations")
    sheet_title = "机构"
    unique_keys = (("name",), ("uscc",))
    notes = [
        _l("Fill in one organisation per row below the header row; do not change the headers. Red headers are required."),
        _l("The parent is an existing organisation or one on an earlier row of this file, given by its name or its unified social credit code."),
        _l("Employer units and training providers need a unified social credit code; a code whose check character fails is refused (keep it through the organisation screen, with a reason)."),
        _l("Committee columns are needed only for review committees; several series or levels are separated by 、."),
        _l("The import is all or nothing: when any row has an error, no row is imported."),
    ]
    columns = [
        ImportColumn("name", "名称", text(200), required=True, width=30,
                     note=_l("The full name of the organisation; unique.")),
        ImportColumn("short_name", "简称", text(60), note=_l("Optional.")),
        ImportColumn("kind", "机构类型", choice(_enum_options(ORG_KIND_LABELS)), required=True,
                     options=_enum_options(ORG_KIND_LABELS), width=18, note=_l("Choose from the list.")),
        ImportColumn("uscc", "统一社会信用代码", text(18), as_text=True, width=22,
                     fields=("uscc_override_reason",), note=_l("18 characters; required for employer units and training providers.")),
        ImportColumn("parent", "上级机构", text(200), width=30,
                     note=_l("Name or unified social credit code of the parent organisation.")),
        ImportColumn("region_code", "所属地区", choice(_dict_options("region")), options=_dict_options("region"),
                     note=_l("Choose from the list (the region dictionary).")),
        ImportColumn("address", "地址", text(200), width=30),
        ImportColumn("contact_person", "联系人", text(50)),
        ImportColumn("contact_phone", "联系电话", text(30), as_text=True),
        ImportColumn("contact_email", "联系邮箱", text(120), width=24),
        ImportColumn("status", "状态", choice(_enum_options(ORG_STATUS_LABELS)), options=_enum_options(ORG_STATUS_LABELS),
                     default=OrgStatus.active, note=_l("Empty means active.")),
        ImportColumn("committee_full_name", "评委会全称", text(200), width=30, note=_l("Review committees only.")),
        ImportColumn("series", "评审系列", multi(_dict_options("title_series")), width=20,
                     note=_l("Review committees only: the series it may review, by name, separated by 、.")),
        ImportColumn("levels", "评审级别", multi(_dict_options("title_level")), width=20,
                     note=_l("Review committees only: the levels it may review, by name, separated by 、.")),
        ImportColumn("member_count", "评委人数", integer, note=_l("Review committees only: a whole number.")),
        ImportColumn("filing_number", "核准备案号", text(60), as_text=True, note=_l("Review committees only.")),
        ImportColumn("filing_valid_from", "备案有效期起", date, note=_l("YYYY-MM-DD.")),
        ImportColumn("filing_valid_until", "备案有效期止", date, note=_l("YYYY-MM-DD; at most 3 years after the start.")),
        ImportColumn("remarks", "备注", text(2000), width=30),
    ]
    example = []

    def apply(self, values: dict, ctx: Context):
        parent = None
        if values.get("parent"):
            parent = _find_org(values["parent"])
            if parent is None:
                raise ValidationFailed({"parent": [_(
                    "No organisation 「%(value)s」 exists (an existing organisation, or one on an earlier row of this file).",
                    value=values["parent"])]})
        org = Org(
            name=values.get("name"), short_name=values.get("short_name"), kind=values.get("kind"),
            uscc=values.get("uscc"), region_code=values.get("region_code"), address=values.get("address"),
            contact_person=values.get("contact_person"), contact_phone=values.get("contact_phone"),
            contact_email=values.get("contact_email"), status=values.get("status") or OrgStatus.active,
            committee_full_name=values.get("committee_full_name"), member_count=values.get("member_count"),
            filing_number=values.get("filing_number"), filing_valid_from=values.get("filing_valid_from"),
            filing_valid_until=values.get("filing_valid_until"), remarks=values.get("remarks"),
            uscc_override=False,
        )
        org.series = _items("title_series", values.get("series"))
        org.levels = _items("title_level", values.get("levels"))
        org.parent = parent
        is_admin = any(role.name == r.ADMIN for role in ctx.actor.roles)
        return org_rules.save(org, actor=ctx.actor, actor_is_admin=is_admin, is_new=True)


def _find_org(value: str) -> Org | None:
    """An org by exact name or by unified social credit code (also one flushed by an earlier row)."""
    code = normalise(value)
    return db.session.scalars(
        select(Org).where(or_(Org.name == value.strip(), Org.uscc == code)).order_by(Org.id).limit(1)
    ).first()


def _items(type_code: str, codes: list[str] | None) -> list[DictItem]:
    if not codes:
        return []
    return list(db.session.scalars(
        select(DictItem).join(DictType).where(DictType.code == type_code, DictItem.code.in_(codes))
    ))
