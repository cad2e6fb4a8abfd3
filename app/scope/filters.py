"""The FAB filter that applies the current user's scope to any query of a scoped model."""
from flask_appbuilder.models.filters import BaseFilter

from app.scope.policy import clause_for


class ScopeFilter(BaseFilter):
    """Limit a query to the rows of the current user's scope; use as a base filter or rel-field filter."""

    name = "scope"
    arg_name = "scope"

    def apply(self, query, value):
        return query.filter(clause_for(self.model))


SCOPED = [["id", ScopeFilter, None]]
"""A ready base_filters / *_query_rel_fields entry."""
