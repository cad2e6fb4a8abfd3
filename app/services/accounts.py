"""Rules for staff accounts."""
from __future__ import annotations

from flask_babel import gettext as _

from app.errors import ErrorCollector
from app.scope.resolve import ROLE_REACH
from app.security.roles import role_label
from app.models.org import ORG_KIND_LABELS


def check_staff_account(user) -> None:
    """A staff role needs at least one organisation of the kind it works for."""
    errors = ErrorCollector()
    if not user.roles:
        errors.add("roles", _("Choose at least one role."))
    kinds = {org.kind for org in user.orgs or []}
    for role in user.roles or []:
        reach = ROLE_REACH.get(role.name)
        if reach and reach[0] not in kinds:
            errors.add(
                "orgs",
                _(
                    "The role %(role)s needs an organisation of the kind %(kind)s.",
                    role=role_label(role.name),
                    kind=ORG_KIND_LABELS[reach[0]],
                ),
            )
    errors.raise_if_any()
