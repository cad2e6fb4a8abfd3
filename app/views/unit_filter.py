"""A report's unit condition: a drop-down of the units in reach, or, for a wide reach, the unit's typed name."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from sqlalchemy import Select

from app.workflow import ce_reports

# Up to this many units are offered as a drop-down; a wider reach (a province's twenty thousand) types the name.
UNIT_CHOICES = 200


def offered(units: Select) -> list[tuple[int, str]] | None:
    """The drop-down's units by name, or None when the page should ask for the unit's name instead."""
    return ce_reports.unit_choices(units, UNIT_CHOICES)


def chosen(units: Select, problems: list) -> tuple[int | None, str]:
    """The unit asked for, by id (the drop-down, links) or by typed name, if it is among `units`; else a problem."""
    raw_unit = (request.args.get("unit") or "").strip()
    if raw_unit:
        name = ce_reports.unit_name(units, int(raw_unit)) if raw_unit.isdigit() else None
        if name is not None:
            return int(raw_unit), name
        problems.append(_("%(field)s: not a valid choice; this condition was ignored.", field=_("Unit")))
        return None, ""
    typed = (request.args.get("unit_name") or "").strip()[:200]
    if not typed:
        return None, ""
    found = ce_reports.units_named(units, typed)
    if len(found) == 1:
        return found[0]
    if found:
        problems.append(_("%(field)s: several units' names contain 「%(text)s」 (%(names)s …); type more of the "
                          "name. This condition was ignored.", field=_("Unit"), text=typed,
                          names="、".join(name for _id, name in found)))
    else:
        problems.append(_("%(field)s: no unit in your reach is called 「%(text)s」; this condition was ignored.",
                          field=_("Unit"), text=typed))
    return None, typed
