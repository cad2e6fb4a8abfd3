"""Charts drawn on the server as SVG (no script, nothing from the internet): pure functions returning markup.

Sizes follow the data (one band per category, the label column as wide as the longest label); every label is
escaped; an empty series gives a small chart saying so.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = 12
BAR = 18            # thickness of a horizontal bar
GAP = 8
PLOT_WIDTH = 360    # length of the longest horizontal bar
COLORS = ("#3c78b4", "#e0a030", "#5aa05a", "#c05050", "#8064a8", "#40a0a8", "#909090")
PASS_COLOR, FAIL_COLOR = "#5aa05a", "#d9534f"


def text_width(text: str, size: int = FONT) -> float:
    """Approximate drawn width: wide (CJK) characters a full em, others about half."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in str(text))


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


def _svg(width: float, height: float, title: str, body: list[str]) -> Markup:
    label = escape(title)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="zp-chart" role="img" aria-label="{label}" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'font-size="{FONT}" font-family="sans-serif"><title>{label}</title>' + "".join(body) + "</svg>"
    )


def empty_chart(title: str, empty_text: str) -> Markup:
    """The chart of no data: a framed line of text."""
    width = max(text_width(empty_text) + 40, 200)
    return _svg(width, 40, title, [
        f'<rect x="0.5" y="0.5" width="{width - 1:.0f}" height="39" fill="#fafafa" stroke="#ddd"/>',
        f'<text x="{width / 2:.0f}" y="24" text-anchor="middle" fill="#777">{escape(empty_text)}</text>',
    ])


def horizontal_bars(items: list[tuple[str, float]], *, title: str, empty_text: str, suffix: str = "") -> Markup:
    """One horizontal bar per (label, value), longest value spanning the plot; the value written after each bar."""
    items = [(str(label), value or 0) for label, value in items]
    if not items or not any(value for _label, value in items):
        return empty_chart(title, empty_text)
    label_width = max(text_width(label) for label, _value in items) + 10
    top = max(value for _label, value in items)
    value_width = max(text_width(_number(value) + suffix) for _label, value in items) + 10
    width = label_width + PLOT_WIDTH + value_width
    height = len(items) * (BAR + GAP) + GAP
    body = []
    for index, (label, value) in enumerate(items):
        y = GAP + index * (BAR + GAP)
        length = PLOT_WIDTH * value / top if top else 0
        color = COLORS[index % len(COLORS)]
        body.append(f'<text x="{label_width - 6:.0f}" y="{y + BAR - 5}" text-anchor="end">{escape(label)}</text>')
        body.append(f'<rect x="{label_width:.0f}" y="{y}" width="{length:.1f}" height="{BAR}" fill="{color}">'
                    f'<title>{escape(label)}: {escape(_number(value) + suffix)}</title></rect>')
        body.append(f'<text x="{label_width + length + 4:.1f}" y="{y + BAR - 5}">'
                    f'{escape(_number(value) + suffix)}</text>')
    return _svg(width, height, title, body)


def columns(items: list[tuple[str, float]], *, title: str, empty_text: str, height: int = 180) -> Markup:
    """Vertical bars for a few short categories (levels, years): the value above, the label below each bar."""
    items = [(str(label), value or 0) for label, value in items]
    if not items or not any(value for _label, value in items):
        return empty_chart(title, empty_text)
    band = max(max(text_width(label) for label, _value in items) + 12, 44)
    top = max(value for _label, value in items)
    plot = height - 2 * (FONT + 8)
    width = band * len(items) + 10
    body = [f'<line x1="5" y1="{plot + FONT + 8}" x2="{width - 5:.0f}" y2="{plot + FONT + 8}" stroke="#999"/>']
    for index, (label, value) in enumerate(items):
        x = 5 + index * band
        bar_height = plot * value / top if top else 0
        y = FONT + 8 + plot - bar_height
        color = COLORS[index % len(COLORS)]
        body.append(f'<rect x="{x + band * 0.2:.1f}" y="{y:.1f}" width="{band * 0.6:.1f}" height="{bar_height:.1f}" '
                    f'fill="{color}"><title>{escape(label)}: {escape(_number(value))}</title></rect>')
        body.append(f'<text x="{x + band / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{escape(_number(value))}</text>')
        body.append(f'<text x="{x + band / 2:.1f}" y="{height - 6}" text-anchor="middle">{escape(label)}</text>')
    return _svg(width, height, title, body)


@dataclass(frozen=True)
class Share:
    """One row of a percentage bar: its label, the part that counts as good and the rest."""

    label: str
    good: int
    bad: int


def percentage_bars(rows: list[Share], *, title: str, empty_text: str, good_label: str, bad_label: str) -> Markup:
    """A 100% stacked bar per row (good part green, the rest red) with the good share written after it."""
    rows = [row for row in rows if row.good + row.bad]
    if not rows:
        return empty_chart(title, empty_text)
    label_width = max(text_width(row.label) for row in rows) + 10
    width = label_width + PLOT_WIDTH + 60
    legend_y = GAP + FONT
    height = len(rows) * (BAR + GAP) + GAP + FONT + 12
    body = [
        f'<rect x="{label_width:.0f}" y="{legend_y - 10}" width="10" height="10" fill="{PASS_COLOR}"/>',
        f'<text x="{label_width + 14:.0f}" y="{legend_y}">{escape(good_label)}</text>',
        f'<rect x="{label_width + 24 + text_width(good_label):.0f}" y="{legend_y - 10}" width="10" height="10" '
        f'fill="{FAIL_COLOR}"/>',
        f'<text x="{label_width + 38 + text_width(good_label):.0f}" y="{legend_y}">{escape(bad_label)}</text>',
    ]
    for index, row in enumerate(rows):
        y = legend_y + GAP + index * (BAR + GAP)
        total = row.good + row.bad
        good = PLOT_WIDTH * row.good / total
        share = f"{100 * row.good / total:.1f}%"
        body.append(f'<text x="{label_width - 6:.0f}" y="{y + BAR - 5}" text-anchor="end">{escape(row.label)}</text>')
        body.append(f'<rect x="{label_width:.0f}" y="{y}" width="{good:.1f}" height="{BAR}" fill="{PASS_COLOR}">'
                    f'<title>{escape(row.label)}: {escape(good_label)} {row.good}</title></rect>')
        body.append(f'<rect x="{label_width + good:.1f}" y="{y}" width="{PLOT_WIDTH - good:.1f}" height="{BAR}" '
                    f'fill="{FAIL_COLOR}"><title>{escape(row.label)}: {escape(bad_label)} {row.bad}</title></rect>')
        body.append(f'<text x="{label_width + PLOT_WIDTH + 6:.0f}" y="{y + BAR - 5}">{share}</text>')
    return _svg(width, height, title, body)
