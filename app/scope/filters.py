"""The FAB filter that applies the current user's scope to any query of a scoped model."""
from flask_appbuilder.models.filters import BaseFilter

from sqlalchemy import false

from app.scope.policy import clause_for, own_credit_records
from app.scope.resolve import current_scope


class ScopeFilter(BaseFilter):
    """Limit a query to the rows of the current user's scope; use as a base filter or rel-field filter."""

    name = "scope"
    arg_name = "scope"

    def apply(self, query, value):
        return query.filter(clause_for(self.model))


SCOPED = [["id", ScopeFilter, None]]
"""A ready base_filters / *_query_rel_fields entry."""


class OwnRowsFilter(BaseFilter):
    """Limit a query to the signed-in user's own rows (personal pages, whatever the user's role)."""

    name = "own"
    arg_name = "own"

    def apply(self, query, value):
        user_id = current_scope().user_id
        return query.filter(getattr(self.model, self.column_name) == user_id if user_id else false())


class OwnCreditFilter(BaseFilter):
    """The 失信记录 about the signed-in person, whatever their role (失信信息查看)."""

    name = "own"
    arg_name = "own_credit"

    def apply(self, query, value):
        return query.filter(own_credit_records(current_scope().user_id))


OWN = [["user_id", OwnRowsFilter, None]]
"""base_filters for views of the signed-in person's own records."""
