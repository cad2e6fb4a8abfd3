"""Resolve a user to their data scope."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, has_request_context
from sqlalchemy import inspect, select

from app.extensions import db
from app.models import Org, OrgKind, user_org
from app.security import roles as r

# The org kinds through which each role reaches data, and whether it reaches the subtree below them.
ROLE_REACH: dict[str, tuple[OrgKind, bool]] = {
    r.AUTHORITY: (OrgKind.authority, True),
    r.SUPERVISOR_REVIEWER: (OrgKind.supervisor, True),
    r.UNIT_REVIEWER: (OrgKind.unit, False),
    r.COMMITTEE_OFFICE: (OrgKind.committee, False),
    r.EXPERT: (OrgKind.committee, False),
    r.PROVIDER: (OrgKind.provider, False),
}


@dataclass(frozen=True)
class Scope:
    """What one user may reach: everything, or some orgs (alone or with their subtrees) and own rows."""

    everything: bool = False
    user_id: int | None = None
    org_ids: frozenset[int] = field(default_factory=frozenset)
    subtree_paths: frozenset[str] = field(default_factory=frozenset)
    role_names: frozenset[str] = field(default_factory=frozenset)

    @property
    def reaches_orgs(self) -> bool:
        return self.everything or bool(self.org_ids or self.subtree_paths)

    def reaches_below(self, org) -> bool:
        """Whether `org` lies in one of the scope's subtrees."""
        return org is not None and any(org.path.startswith(path) for path in self.subtree_paths)


NOBODY = Scope()


def resolve_scope(user) -> Scope:
    """Compute the scope of a user from their roles and organisations."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    role_names = frozenset(role.name for role in user.roles)
    if r.ADMIN in role_names:
        return Scope(everything=True, user_id=user.id, role_names=role_names)
    org_ids: set[int] = set()
    subtree_paths: set[str] = set()
    if any(name in ROLE_REACH for name in role_names):
        member_orgs = _member_orgs(user)
        for name in role_names:
            reach = ROLE_REACH.get(name)
            if reach is None:
                continue
            kind, with_subtree = reach
            for org_id, org_kind, path in member_orgs:
                if org_kind != kind:
                    continue
                if with_subtree:
                    subtree_paths.add(path)
                else:
                    org_ids.add(org_id)
    return Scope(
        user_id=user.id,
        org_ids=frozenset(org_ids),
        subtree_paths=frozenset(subtree_paths),
        role_names=role_names,
    )


def _member_orgs(user) -> list[tuple[int, OrgKind, str]]:
    """(id, kind, path) of the user's orgs: from the user when they came loaded with it (every request's user
    does, app/security/manager.load_user), else one query."""
    if "orgs" not in inspect(user).unloaded:
        return [(org.id, org.kind, org.path) for org in user.orgs]
    return [tuple(row) for row in db.session.execute(
        select(Org.id, Org.kind, Org.path).join(user_org, user_org.c.org_id == Org.id)
        .where(user_org.c.user_id == user.id))]


def request_user():
    """The user of this request: signed in through the session, or through a verified JWT (REST API)."""
    user = g.get("user")
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    jwt_user = g.get("_jwt_extended_jwt_user") or {}
    return jwt_user.get("loaded_user")


def current_scope() -> Scope:
    """The scope of the request's user, resolved once per request and user."""
    if not has_request_context():
        return NOBODY
    user = request_user()
    user_id = getattr(user, "id", None)
    cached = g.get("_zhiping_scope")
    if cached is None or cached[0] != user_id:
        cached = (user_id, resolve_scope(user))
        g._zhiping_scope = cached
    return cached[1]
