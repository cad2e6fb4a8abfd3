"""业务整体流程图: an SVG flow chart drawn on the server from the same table the engine enforces.

The chain runs top to bottom in the middle column; draft sits above it and the side states (退回修改, 未通过,
已终止, 已结束) in a column on the right. Every edge carries data attributes naming its transition, so a test
can compare the chart with the table.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from app.models import APP_STATE_LABELS, AppState
from app.workflow.engine import Actor, Business

BOX_W, BOX_H, ROW_H = 170, 38, 78
MAIN_X, SIDE_X = 60, 420
SIDE_STATES = (AppState.returned, AppState.rejected, AppState.terminated, AppState.ended)
ACTOR_COLOURS = {
    Actor.applicant: "#2b6cb0", Actor.unit: "#2f855a", Actor.supervisor: "#6b46c1", Actor.committee: "#b7791f",
    Actor.authority: "#c53030", Actor.system: "#718096",
}


@dataclass(frozen=True)
class Edge:
    event: str
    source: AppState
    target: AppState
    actor: Actor
    label: str


def edges(business: Business) -> list[Edge]:
    """Every (transition, source, target) of the table; resubmission fans out to the levels that can return."""
    returning = sorted({s for t in business.transitions if t.target == AppState.returned for s in t.sources},
                       key=lambda s: list(AppState).index(s))
    found = []
    for transition in business.transitions:
        targets = returning if transition.target is None else [transition.target]
        for source in transition.sources:
            for target in targets:
                found.append(Edge(transition.event, source, target, transition.actor, str(transition.label)))
    return found


def _positions(business: Business) -> dict[AppState, tuple[int, int]]:
    positions = {AppState.draft: (MAIN_X, 20)}
    for row, state in enumerate(business.chain, start=1):
        positions[state] = (MAIN_X, 20 + row * ROW_H)
    used = {t.target for t in business.transitions} | {s for t in business.transitions for s in t.sources}
    side = [state for state in SIDE_STATES if state in used]
    for index, state in enumerate(side):
        positions[state] = (SIDE_X, 20 + (index * 2 + 1) * ROW_H)
    return positions


def flow_chart_svg(business: Business, actor_labels: dict[Actor, str] | None = None) -> str:
    """The chart of one business as an SVG document (no script, no external reference)."""
    positions = _positions(business)
    height = max(y for _x, y in positions.values()) + BOX_H + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="zp-flow" width="{SIDE_X + BOX_W + 220}" '
        f'height="{height}" role="img" data-business="{business.type.value}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#4a5568"/></marker></defs>',
    ]
    for index, edge in enumerate(edges(business)):
        parts.append(_edge(edge, positions, index))
    for state, (x, y) in positions.items():
        final = state in (AppState.completed,) + SIDE_STATES
        parts.append(
            f'<g class="zp-state" data-state="{state.value}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" '
            f'rx="{4 if not final else 18}" fill="{"#f0fff4" if state == AppState.completed else "#f7fafc"}" '
            f'stroke="#4a5568"/><text x="{x + BOX_W / 2}" y="{y + BOX_H / 2 + 5}" text-anchor="middle" '
            f'font-size="14">{escape(str(APP_STATE_LABELS[state]))}</text></g>'
        )
    if actor_labels:
        for row, (actor, label) in enumerate(actor_labels.items()):
            y = height - 20 - row * 18
            parts.append(f'<text x="{SIDE_X + BOX_W + 40}" y="{y}" font-size="12" fill="{ACTOR_COLOURS[actor]}">'
                         f'■ {escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _edge(edge: Edge, positions, index: int) -> str:
    (sx, sy), (tx, ty) = positions[edge.source], positions[edge.target]
    colour = ACTOR_COLOURS[edge.actor]
    attrs = (f'class="zp-edge" data-event={quoteattr(edge.event)} data-from="{edge.source.value}" '
             f'data-to="{edge.target.value}" data-actor="{edge.actor.value}"')
    if sx == tx:
        # Along the chain: a straight arrow when adjacent, otherwise an arc to the left.
        down = ty > sy
        x = sx + BOX_W / 2 if abs(ty - sy) == ROW_H else sx
        y1, y2 = (sy + BOX_H, ty) if down else (sy, ty + BOX_H)
        if abs(ty - sy) == ROW_H:
            path = f"M {x} {y1} L {x} {y2}"
            lx, ly = x + 6 + (0 if down else -150), (y1 + y2) / 2
        else:
            bend = sx - 30 - (index % 3) * 8
            path = f"M {sx} {sy + BOX_H / 2} C {bend} {sy + BOX_H / 2}, {bend} {ty + BOX_H / 2}, {sx} {ty + BOX_H / 2}"
            lx, ly = bend - 4, (sy + ty) / 2 + BOX_H / 2
            return (f'<g {attrs}><path d="{path}" fill="none" stroke="{colour}" marker-end="url(#arrow)"/>'
                    f'<text x="{lx}" y="{ly}" font-size="11" text-anchor="end" fill="{colour}">'
                    f'{escape(edge.label)}</text></g>')
    else:
        x1 = sx + BOX_W if tx > sx else sx
        x2 = tx if tx > sx else tx + BOX_W
        y1, y2 = sy + BOX_H / 2 + (index % 3 - 1) * 6, ty + BOX_H / 2
        path = f"M {x1} {y1} L {x2} {y2}"
        lx, ly = (x1 + x2) / 2, (y1 + y2) / 2 - 4
    return (f'<g {attrs}><path d="{path}" fill="none" stroke="{colour}" marker-end="url(#arrow)"/>'
            f'<text x="{lx}" y="{ly}" font-size="11" fill="{colour}">{escape(edge.label)}</text></g>')
