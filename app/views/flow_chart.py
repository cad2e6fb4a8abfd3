"""业务整体流程图: each business's chart, drawn from the table the engine enforces, for every signed-in role."""
from __future__ import annotations

from flask import abort, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from markupsafe import Markup

from app.models import BUSINESS_TYPE_LABELS, BusinessType
from app.security import roles as r
from app.security.roles import role_label
from app.workflow import chart, engine


def actor_legend() -> dict:
    """Who performs each coloured arrow, in the reader's language."""
    legend = {actor: role_label(role) for actor, role in engine.ACTOR_ROLES.items()}
    legend[engine.Actor.system] = _("System (time limit)")
    return legend


def chart_markup(kind: BusinessType) -> Markup:
    """The SVG of one business, safe to embed: every label in it is escaped by the chart builder."""
    return Markup(chart.flow_chart_svg(engine.business(kind), actor_legend()))


class FlowChartView(BaseView):
    """/flow-charts/?type=evaluation — one tab per business type."""

    route_base = "/flow-charts"
    class_permission_name = r.FLOW_CHART
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        try:
            kind = BusinessType(request.args.get("type", BusinessType.evaluation.value))
        except ValueError:
            abort(404)
        return self.render_template(
            "applications/flow_chart.html", title=_("Overall business flow chart"), kind=kind,
            kinds=[(k, str(BUSINESS_TYPE_LABELS[k])) for k in BusinessType], chart=chart_markup(kind),
        )
