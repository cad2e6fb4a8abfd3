"""Per-model scope policies: each turns a Scope into a SQL clause on its model."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import ColumnElement, Select, false, or_, select, true

from app.models import AppUser, Org, user_org
from app.scope.resolve import Scope, current_scope

Policy = Callable[[Scope], ColumnElement[bool]]
_POLICIES: dict[type, Policy] = {}


def register_policy(model: type) -> Callable[[Policy], Policy]:
    """Declare how rows of `model` are scoped."""

    def decorator(policy: Policy) -> Policy:
        _POLICIES[model] = policy
        return policy

    return decorator


def clause_for(model: type, scope: Scope | None = None) -> ColumnElement[bool]:
    """The WHERE clause limiting `model` to the scope; models without a policy are closed."""
    scope = scope if scope is not None else current_scope()
    if scope.everything:
        return true()
    policy = _POLICIES.get(model)
    if policy is None:
        for base in model.__mro__[1:]:
            policy = _POLICIES.get(base)
            if policy is not None:
                break
    return policy(scope) if policy is not None else false()


def scoped_select(model: type, scope: Scope | None = None) -> Select:
    """`select(model)` limited to the scope."""
    return select(model).where(clause_for(model, scope))


def org_clause(scope: Scope) -> ColumnElement[bool]:
    """Orgs the scope reaches: its own orgs, and every org below a subtree root."""
    terms: list[ColumnElement[bool]] = []
    if scope.org_ids:
        terms.append(Org.id.in_(sorted(scope.org_ids)))
    terms.extend(Org.path.startswith(path, autoescape=True) for path in sorted(scope.subtree_paths))
    return or_(*terms) if terms else false()


@register_policy(Org)
def _orgs(scope: Scope) -> ColumnElement[bool]:
    return org_clause(scope)


@register_policy(AppUser)
def _users(scope: Scope) -> ColumnElement[bool]:
    # Staff users are reachable through the orgs they belong to; everyone reaches their own account.
    if not scope.reaches_orgs:
        return AppUser.id == scope.user_id if scope.user_id else false()
    in_reach = select(user_org.c.user_id).join(Org, Org.id == user_org.c.org_id).where(org_clause(scope))
    return AppUser.id.in_(in_reach)
