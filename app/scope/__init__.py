"""The data-scope mechanism: what rows the current user may reach, applied as one SQL clause per model.

`current_scope()` resolves the user once per request; `clause_for(Model)` turns it into a WHERE clause
through the policy registered for that model; `ScopeFilter` plugs the clause into every FAB query
(lists, show/edit/delete, actions, relation and search drop-downs).
"""
from app.scope.resolve import Scope, current_scope, resolve_scope
from app.scope.policy import clause_for, register_policy, scoped_select
from app.scope.filters import ScopeFilter

__all__ = [
    "Scope",
    "ScopeFilter",
    "clause_for",
    "current_scope",
    "register_policy",
    "resolve_scope",
    "scoped_select",
]
