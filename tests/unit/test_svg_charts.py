"""The server-side SVG charts: escaped labels, Chinese text, sizes from the data, an empty chart for no data."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from app.services import svg_charts

NASTY = '<script>alert("x")</script> & 广东'


def parsed(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # well-formed XML, or this raises


def test_labels_are_escaped_and_the_chart_is_well_formed():
    for chart in (
        svg_charts.horizontal_bars([(NASTY, 3), ("待单位审核", 1)], title=NASTY, empty_text="暂无数据"),
        svg_charts.columns([(NASTY, 3)], title=NASTY, empty_text="暂无数据"),
        svg_charts.percentage_bars([svg_charts.Share(NASTY, 2, 1)], title=NASTY, empty_text="暂无数据",
                                   good_label="通过", bad_label=NASTY),
    ):
        text = str(chart)
        assert "<script>" not in text and "&lt;script&gt;" in text
        root = parsed(chart)
        assert NASTY in "".join(root.itertext())  # shown as text, not markup


def test_empty_data_gives_a_chart_saying_so():
    for chart in (svg_charts.horizontal_bars([], title="t", empty_text="暂无数据"),
                  svg_charts.horizontal_bars([("a", 0)], title="t", empty_text="暂无数据"),
                  svg_charts.columns([], title="t", empty_text="暂无数据"),
                  svg_charts.percentage_bars([svg_charts.Share("a", 0, 0)], title="t", empty_text="暂无数据",
                                             good_label="g", bad_label="b")):
        root = parsed(chart)
        assert "暂无数据" in "".join(root.itertext())
        assert not root.findall(".//{http://www.w3.org/2000/svg}rect[@fill='#3c78b4']")


def _size(chart) -> tuple[float, float]:
    root = parsed(chart)
    return float(root.get("width")), float(root.get("height"))


def test_sizes_follow_the_data():
    one = svg_charts.horizontal_bars([("待单位审核", 4)], title="t", empty_text="-")
    three = svg_charts.horizontal_bars([("待单位审核", 4), ("公示中", 2), ("已办结", 1)], title="t", empty_text="-")
    long_label = svg_charts.horizontal_bars([("广东省工程系列电子信息专业高级职称评审委员会", 4)], title="t", empty_text="-")
    assert _size(three)[1] > _size(one)[1]
    assert _size(long_label)[0] > _size(one)[0]
    # Bars are proportional: the longest value spans the plot, half the value half the length.
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)"', str(
        svg_charts.horizontal_bars([("a", 4), ("b", 2)], title="t", empty_text="-")))]
    assert widths[0] == svg_charts.PLOT_WIDTH and widths[1] == svg_charts.PLOT_WIDTH / 2


def test_percentage_bar_shows_the_share():
    chart = svg_charts.percentage_bars([svg_charts.Share("评委会 2025", 2, 1)], title="t", empty_text="-",
                                       good_label="通过", bad_label="未通过")
    assert "66.7%" in str(chart)


def test_chinese_text_is_measured_wider_than_latin():
    assert svg_charts.text_width("工程师") > svg_charts.text_width("abc")
