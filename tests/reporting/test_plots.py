"""Charts as inline SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date

from gradbot.reporting.plots import messages_per_day_svg, messages_per_hour_svg

SVG = "{http://www.w3.org/2000/svg}"


def _check(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    assert "viewBox" in root.attrib and "width" not in root.attrib and "height" not in root.attrib
    assert root.find(f".//{SVG}text") is None  # text drawn as paths: no fonts needed
    assert root.find(f".//{SVG}image") is None
    glyphs = {use.get("{http://www.w3.org/1999/xlink}href", "") for use in root.iter(f"{SVG}use")}
    drawn = {g.rsplit("-", 1)[-1] for g in glyphs if g.startswith("#DejaVuSans-")}
    allowed = {f"{ord(c):x}" for c in "0123456789-.:"} | {"2212"}  # dates, hours, counts: no words in any language
    assert drawn and drawn <= allowed, drawn
    return root


def test_per_day_chart_draws_one_stack_per_day():
    days = {date(2026, 11, d): Counter(faq=d, fallback=1, greet=2) for d in range(20, 27)}
    root = _check(messages_per_day_svg(days))
    bars = [g for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("patch_")]
    # figure and axes backgrounds and five stacked series per day (the legend is HTML)
    assert len(bars) >= 5 * 7


def test_the_legend_is_chinese_html():
    from gradbot.reporting.plots import DAY_SERIES, legend_html

    html = legend_html()
    assert all(label in html for label, _, _ in DAY_SERIES) and "直接回答" in html


def test_per_day_chart_with_many_days_and_no_messages():
    days = {date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + i): Counter() for i in range(90)}
    _check(messages_per_day_svg(days))


def test_per_hour_chart():
    root = _check(messages_per_hour_svg([h % 5 for h in range(24)]))
    bars = [g for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("patch_")]
    assert len(bars) >= 24
