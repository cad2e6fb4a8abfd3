"""Import of accounts: staff accounts (admin, the user screen's rules) and persons (a unit's bulk registration).

Every account gets a random first-login password, hashed at once; the plain passwords live only in the
result of the commit, which the page shows once.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.errors import ErrorCollector
from app.extensions import db
from app.models import AppUser, Org, OrgKind, OrgStatus
from app.models.account import COUNTRY_LABELS, GENDER_LABELS
from app.scope.resolve import resolve_scope
from app.security import roles as r
from app.services import accounts, dictionaries, identity, passwords, registration
from app.services.imports.runner import Context, ImportKind, Issued
from app.services.imports.workbook import ImportColumn, choice, date, multi, text, yes_no
from app.services.uscc import normalise

YES_NO = lambda: [(True, "是"), (False, "否")]  # noqa: E731


def _staff_roles():
    """The roles a staff account may be given by import: every staff role except the administrator."""
    return [(name, str(spec.label)) for name, spec in r.ROLES.items() if spec.is_staff and name != r.ADMIN]


def _org_by_reference(value: str) -> Org | None:
    code = normalise(value)
    return db.session.scalars(
        select(Org).where(or_(Org.name == value.strip(), Org.uscc == code)).order_by(Org.id).limit(1)
    ).first()


def _orgs_parse(value):
    """Organisation names or codes separated by 、 (checked against the database in apply)."""
    raw = text(2000)(value)
    if raw is None:
        return None
    for separator in ",，;；\n":
        raw = raw.replace(separator, "、")
    parts = []
    for part in (p.strip() for p in raw.split("、")):
        if part and part not in parts:
            parts.append(part)
    return parts or None


def _issue_password(user, ctx: Context, name: str, extra: str = "") -> None:
    if not ctx.commit:
        return
    password = passwords.generate_initial()
    passwords.set_initial_password(user, password, generated=True)
    ctx.issued.append(Issued(username=user.username, name=name, password=password, extra=extra))


class StaffImport(ImportKind):
    """工作人员账号导入 (administrator)."""

    code = "staff"
    title = _l("Import staff accounts")
    sheet_title = "工作人员账号"
    unique_keys = (("username",), ("email",))
    issues_accounts = True
    notes = [
        _l("Fill in one staff account per row below the header row; do not change the headers. Red headers are required."),
        _l("Each account gets a random initial password, shown once after the import; the user must change it at the first sign-in."),
        _l("Organisations are given by name or unified social credit code, several separated by 、; each role needs an organisation of its kind."),
        _l("Administrator accounts cannot be imported; create them on the user screen."),
        _l("The import is all or nothing: when any row has an error, no row is imported."),
    ]
    columns = [
        ImportColumn("username", "用户名", text(64), required=True, as_text=True, width=18,
                     note=_l("4 to 30 letters, digits or underscores; unique.")),
        ImportColumn("last_name", "姓", text(64), required=True, width=10),
        ImportColumn("first_name", "名", text(64), required=True, width=12),
        ImportColumn("email", "电子邮箱", text(320), required=True, width=26, note=_l("Unique.")),
        ImportColumn("mobile", "手机号码", text(20), as_text=True, width=16, note=_l("Optional; 11 digits.")),
        ImportColumn("roles", "角色", multi(_staff_roles), required=True, options=_staff_roles, width=24,
                     note=_l("Choose from the list; several roles separated by 、.")),
        ImportColumn("orgs", "所属机构", _orgs_parse, required=True, width=36,
                     note=_l("Names or unified social credit codes of existing organisations, separated by 、.")),
        ImportColumn("active", "是否启用", yes_no, options=YES_NO, default=True, width=10,
                     note=_l("是 or 否; empty means 是.")),
    ]

    def apply(self, values: dict, ctx: Context):
        errors = ErrorCollector()
        orgs = []
        for reference in values.get("orgs") or []:
            org = _org_by_reference(reference)
            if org is None:
                errors.add("orgs", _("No organisation 「%(value)s」 exists.", value=reference))
            else:
                orgs.append(org)
        errors.raise_if_any()
        sm = current_app.appbuilder.sm
        user = AppUser(
            username=values.get("username"), last_name=values.get("last_name"), first_name=values.get("first_name"),
            email=values.get("email"), mobile=values.get("mobile"), active=values.get("active", True),
            must_change_password=True, password="!",
        )
        user.roles = [sm.find_role(name) for name in values.get("roles") or []]
        user.orgs = orgs
        accounts.check_new_staff(user)
        _issue_password(user, ctx, f"{user.last_name}{user.first_name}", "、".join(org.name for org in orgs))
        db.session.add(user)
        db.session.flush()
        return user


def _id_types():
    return dictionaries.choices("id_type")


def _genders():
    return [(member.value, str(label)) for member, label in GENDER_LABELS.items()]


def _countries():
    return [(member.value, str(label)) for member, label in COUNTRY_LABELS.items()]


def _own_units(actor) -> list[Org]:
    """The units an actor may register persons into: their own unit orgs (an administrator: any active unit)."""
    scope = resolve_scope(actor)
    query = select(Org).where(Org.kind == OrgKind.unit, Org.status == OrgStatus.active).order_by(Org.name)
    if not scope.everything:
        query = query.where(Org.id.in_(sorted(scope.org_ids)))
    return list(db.session.scalars(query))


class PersonImport(ImportKind):
    """个人账号批量导入 (a unit's staff, into their own unit)."""

    code = "persons"
    title = _l("Import personal accounts")
    sheet_title = "个人账号"
    unique_keys = (("username",), ("id_number",), ("email",))
    issues_accounts = True
    notes = [
        _l("Fill in one person per row below the header row; do not change the headers. Red headers are required."),
        _l("The ID number, sex and birth date are checked as at registration: they must agree with each other."),
        _l("Each account gets a random initial password, shown once after the import; the person must change it at the first sign-in."),
        _l("The persons are bound to your own unit; leave the unit empty when you work for one unit only."),
        _l("The import is all or nothing: when any row has an error, no row is imported."),
    ]
    columns = [
        ImportColumn("username", "用户名", text(64), required=True, as_text=True, width=18,
                     note=_l("4 to 30 letters, digits or underscores; unique.")),
        ImportColumn("name", "姓名", text(30), required=True, width=12, note=_l("The name on the ID document.")),
        ImportColumn("id_type", "证件类型", choice(_id_types), required=True, options=_id_types, width=22,
                     note=_l("Choose from the list.")),
        ImportColumn("id_number", "证件号码", text(32), required=True, as_text=True, width=22,
                     note=_l("Format the column as text so Excel keeps all 18 characters.")),
        ImportColumn("gender", "性别", choice(_genders), required=True, options=_genders, width=8),
        ImportColumn("birth_date", "出生日期", date, required=True, width=14, note=_l("YYYY-MM-DD; must agree with the ID number.")),
        ImportColumn("country", "国家/地区", choice(_countries), options=_countries, width=14,
                     note=_l("Empty: taken from the ID type when it allows only one.")),
        ImportColumn("mobile", "手机号码", text(20), required=True, as_text=True, width=16, note=_l("11 digits.")),
        ImportColumn("email", "电子邮箱", text(320), required=True, width=26, note=_l("Unique; used to recover the password.")),
        ImportColumn("phone", "联系电话", text(30), as_text=True, width=16, note=_l("Optional.")),
        ImportColumn("unit", "人事管理单位", text(200), width=30,
                     note=_l("Name or unified social credit code of your unit; empty when you have one unit.")),
    ]

    def apply(self, values: dict, ctx: Context):
        units = ctx.cache.get("units")
        if units is None:
            units = ctx.cache["units"] = _own_units(ctx.actor)
        errors = ErrorCollector()
        unit = _pick_unit(errors, values.get("unit"), units)
        country = values.get("country")
        if country is None:
            allowed = identity.COUNTRIES_FOR_TYPE.get(values.get("id_type"), set())
            country = next(iter(allowed)).value if len(allowed) == 1 else None
        data = registration.RegistrationInput(
            username=values.get("username") or "", id_type=values.get("id_type") or "",
            id_number=values.get("id_number") or "", name=values.get("name") or "",
            gender=values.get("gender") or "", birth_date=values.get("birth_date"), mobile=values.get("mobile") or "",
            email=values.get("email") or "", phone=values.get("phone") or "", country=country or "",
        )
        username = registration.check_username(errors, data.username)
        person = registration.check_person(errors, data, dt.date.today())
        errors.raise_if_any()
        password = passwords.generate_initial() if ctx.commit else None
        user = registration.create_for_unit(username, person, unit.id, password)
        if password is not None:
            ctx.issued.append(Issued(username=user.username, name=user.full_name, password=password, extra=unit.name))
        return user


def _pick_unit(errors: ErrorCollector, reference: str | None, units: list[Org]) -> Org | None:
    if not reference:
        if len(units) == 1:
            return units[0]
        errors.add("unit", _("Give the unit: you work for several units.") if units
                   else _("You belong to no employer unit, so you cannot import persons."))
        return None
    code = normalise(reference)
    for unit in units:
        if unit.name == reference.strip() or (unit.uscc and unit.uscc == code):
            return unit
    errors.add("unit", _("「%(value)s」 is not your unit; persons can be imported only into your own unit.",
                         value=reference))
    return None
