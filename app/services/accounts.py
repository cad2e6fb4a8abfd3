"""Rules for staff accounts."""
from __future__ import annotations

from flask_babel import gettext as _

from app.errors import ErrorCollector, ValidationFailed
from app.scope.resolve import ROLE_REACH
from app.security.roles import role_label
from app.models.org import ORG_KIND_LABELS
from app.services import registration


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


def check_new_staff(user) -> None:
    """A new staff account from the admin's screens or an import: a free account name and e-mail, then the roles."""
    errors = ErrorCollector()
    user.username = registration.check_username(errors, user.username)
    user.email = (user.email or "").strip()
    if not registration.EMAIL_RE.match(user.email) or len(user.email) > 320:
        errors.add("email", _("Please enter a valid e-mail address."))
    elif registration.email_taken(user.email):
        errors.add("email", _("This e-mail address is already used by another account."))
    if not (user.last_name or "").strip():
        errors.add("last_name", _("Please enter the family name."))
    if not (user.first_name or "").strip():
        errors.add("first_name", _("Please enter the given name."))
    if user.mobile and not registration.MOBILE_RE.match(user.mobile):
        errors.add("mobile", _("Please enter an 11-digit mainland mobile number."))
    try:
        check_staff_account(user)
    except ValidationFailed as failed:
        for field, messages in failed.errors.items():
            for message in messages:
                errors.add(field, message)
    errors.raise_if_any()
