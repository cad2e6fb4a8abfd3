"""Organisation rules: validation of a record and its place in the tree, moves, status changes."""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.errors import ErrorCollector
from app.extensions import db
from app.models import Org, OrgKind, OrgStatus
from app.models.mixins import utcnow
from app.models.org import ALLOWED_PARENT_KINDS, ORG_KIND_LABELS
from app.services import audit
from app.services.uscc import UsccProblem, check, normalise

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{5,30}$")
MAX_FILING_YEARS = 3


def validate(org: Org, *, actor_is_admin: bool) -> None:
    """Check every rule on a populated org; raise ValidationFailed listing each failing field."""
    errors = ErrorCollector()
    _normalise_text(org)
    if not org.name:
        errors.add("name", _("Please enter the organisation name."))
    elif _exists(Org.name == org.name, org):
        errors.add("name", _("An organisation with this name already exists."))
    if org.kind is None:
        errors.add("kind", _("Please choose the kind of organisation."))
    else:
        _check_parent(org, errors)
        with db.session.no_autoflush:  # reading the series loads them: the org is not written before it is valid
            _check_committee(org, errors)
    _check_uscc(org, errors, actor_is_admin)
    if org.contact_email and not EMAIL_RE.match(org.contact_email):
        errors.add("contact_email", _("The e-mail address is not valid."))
    if org.contact_phone and not PHONE_RE.match(org.contact_phone):
        errors.add("contact_phone", _("The telephone number may contain only digits, spaces and + - ( )."))
    errors.raise_if_any()


def _normalise_text(org: Org) -> None:
    for attr in ("name", "short_name", "address", "contact_person", "contact_phone", "contact_email"):
        value = getattr(org, attr)
        if isinstance(value, str):
            setattr(org, attr, value.strip() or None)
    org.uscc = normalise(org.uscc)


def _exists(condition, org: Org) -> bool:
    query = select(func.count()).select_from(Org).where(condition)
    if org.id is not None:
        query = query.where(Org.id != org.id)
    with db.session.no_autoflush:
        return db.session.scalar(query) > 0


def _check_parent(org: Org, errors: ErrorCollector) -> None:
    parent = org.parent
    allowed = ALLOWED_PARENT_KINDS[org.kind]
    if parent is None:
        if None not in allowed:
            errors.add("parent", _("A %(kind)s must have a parent organisation.", kind=ORG_KIND_LABELS[org.kind]))
        return
    if org.id is not None and (parent.id == org.id or parent.path.startswith(f"{org.path}")):
        errors.add("parent", _("The parent cannot be the organisation itself or one below it."))
        return
    if parent.kind not in allowed:
        errors.add(
            "parent",
            _(
                "A %(kind)s cannot be placed under a %(parent_kind)s.",
                kind=ORG_KIND_LABELS[org.kind],
                parent_kind=ORG_KIND_LABELS[parent.kind],
            ),
        )
    if parent.status == OrgStatus.disabled:
        errors.add("parent", _("The parent organisation is disabled."))


def _check_committee(org: Org, errors: ErrorCollector) -> None:
    if org.kind != OrgKind.committee:
        org.committee_full_name = None
        org.member_count = None
        org.filing_number = None
        org.filing_valid_from = None
        org.filing_valid_until = None
        org.series = []
        org.levels = []
        return
    if not org.member_count or org.member_count < 1:
        errors.add("member_count", _("A committee needs its number of members."))
    if not org.series:
        errors.add("series", _("Choose at least one series the committee may review."))
    if not org.levels:
        errors.add("levels", _("Choose at least one level the committee may review."))
    start, end = org.filing_valid_from, org.filing_valid_until
    if start and end:
        if end < start:
            errors.add("filing_valid_until", _("The end of validity cannot be before its start."))
        elif end > _add_years(start, MAX_FILING_YEARS):
            errors.add("filing_valid_until", _("A filing is valid for at most 3 years."))
    elif start or end or org.filing_number:
        errors.add("filing_valid_until", _("Give the filing number with both dates of its validity."))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _check_uscc(org: Org, errors: ErrorCollector, actor_is_admin: bool) -> None:
    code = org.uscc
    if code is None:
        org.uscc_override = False
        if org.kind in (OrgKind.unit, OrgKind.provider):
            errors.add("uscc", _("Please enter the unified social credit code."))
        return
    problem, expected = check(code)
    if problem is UsccProblem.format:
        errors.add("uscc", _("The unified social credit code must be 18 characters of digits and capital letters (no I, O, S, V, Z)."))
    elif problem is UsccProblem.checksum and not (actor_is_admin and org.uscc_override):
        errors.add(
            "uscc",
            _(
                "The check character of the unified social credit code is wrong (it should be %(expected)s). An administrator may keep it by ticking the override with a reason.",
                expected=expected,
            ),
        )
    elif problem is UsccProblem.checksum and not (org.uscc_override_reason or "").strip():
        errors.add("uscc_override_reason", _("Give the reason for keeping a code whose check fails."))
    if problem is UsccProblem.none:
        org.uscc_override = False
        org.uscc_override_reason = None
    if _exists(Org.uscc == code, org):
        errors.add("uscc", _("Another organisation already has this unified social credit code."))


def save(org: Org, *, actor, actor_is_admin: bool, is_new: bool) -> Org:
    """Validate, fix the org's place in the tree, record overrides and log; the caller commits."""
    validate(org, actor_is_admin=actor_is_admin)
    db.session.add(org)
    db.session.flush()
    place_in_tree(org)
    if org.uscc_override and org.uscc_override_by_id is None:
        org.uscc_override_by_id = getattr(actor, "id", None)
        org.uscc_override_at = utcnow()
        audit.record("uscc_override", org, actor, detail=f"{org.uscc}: {org.uscc_override_reason}")
    audit.record("org_create" if is_new else "org_update", org, actor)
    return org


def place_in_tree(org: Org) -> None:
    """Set the org's path and depth from its parent, and carry a move down to its subtree."""
    new_path = f"{org.parent.path if org.parent else '/'}{org.id}/"
    new_depth = org.parent.depth + 1 if org.parent else 0
    old_path, old_depth = org.path, org.depth
    org.path, org.depth = new_path, new_depth
    if old_path in ("/", new_path) or not old_path.endswith(f"/{org.id}/"):
        return
    # A move: every descendant's path starts with the old path; swap that prefix in one statement.
    db.session.execute(
        update(Org)
        .where(Org.path.startswith(old_path, autoescape=True), Org.id != org.id)
        .values(
            path=new_path + func.substr(Org.path, len(old_path) + 1),
            depth=Org.depth + (new_depth - old_depth),
            version=Org.version + 1,
        )
        .execution_options(synchronize_session="fetch")
    )


def set_status(orgs: list[Org], status: OrgStatus, *, actor) -> int:
    """Enable or disable orgs; returns how many changed. The caller commits."""
    changed = 0
    for org in orgs:
        if org.status != status:
            org.status = status
            audit.record(f"org_{status.value}", org, actor)
            changed += 1
    return changed


def subtree_ids(org: Org) -> list[int]:
    """Ids of the org and every org below it."""
    return list(db.session.scalars(select(Org.id).where(Org.path.startswith(org.path, autoescape=True))))
