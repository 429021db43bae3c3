"""Charts for the report as inline SVG (matplotlib with the Agg backend, no pyplot state).

Text in the SVG is drawn as paths (``svg.fonttype = path``), so the page needs no font
files. The charts carry no words at all, only dates, hours and counts: the bundled
DejaVu Sans has no Chinese glyphs (Chinese labels would show as boxes), and a CJK font
would add tens of megabytes to the install for a few labels. The titles, axis names and
the legend (:data:`DAY_SERIES`, :func:`legend_html`) are Chinese HTML around the chart,
so the page reads as one language.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

FONT = "DejaVu Sans"  # ships with matplotlib
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
DAY_SERIES = (  # (Chinese label for the HTML legend, outcomes, colour): stacked bottom to top
    ("直接回答", ("faq",), "#2e7d32"),
    ("反问确认", ("clarify",), "#9ccc65"),
    ("未能回答", ("fallback",), "#e53935"),
    ("转人工", ("handoff",), "#fb8c00"),
    ("其他（问候、进度查询等）", None, "#90a4ae"),
)


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "font.family": FONT}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    svg = _METADATA.sub("", text[text.find("<svg"):])  # RDF boilerplate naming external vocabularies
    # let the page scale the chart: keep the viewBox, drop the fixed size of the root element
    head_end = svg.index(">")
    head = re.sub(r'\s(?:width|height)="[^"]*"', "", svg[:head_end])
    return head + svg[head_end:]


def _figure(width: float = 8.0, height: float = 3.0) -> Figure:
    with matplotlib.rc_context({"font.family": FONT}):
        figure = Figure(figsize=(width, height), dpi=100)
    return figure


def messages_per_day_svg(per_day: dict[date, Counter]) -> str:
    """Stacked bars: messages per day by outcome."""
    days = sorted(per_day)
    figure = _figure()
    with matplotlib.rc_context({"font.family": FONT}):
        axes = figure.add_subplot()
        known = {o for _, outcomes, _ in DAY_SERIES if outcomes for o in outcomes}
        bottoms = [0] * len(days)
        x = list(range(len(days)))
        for label, outcomes, colour in DAY_SERIES:
            if outcomes is None:
                values = [sum(n for o, n in per_day[d].items() if o not in known) for d in days]
            else:
                values = [sum(per_day[d][o] for o in outcomes) for d in days]
            axes.bar(x, values, bottom=bottoms, color=colour, label=label, width=0.8)
            bottoms = [b + v for b, v in zip(bottoms, values)]
        step = max(1, len(days) // 14)
        axes.set_xticks(x[::step], [d.strftime("%m-%d") for d in days][::step], rotation=45 if len(days) > 14 else 0)
        axes.set_xlim(-0.6, len(days) - 0.4)
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def messages_per_hour_svg(per_hour: list[int]) -> str:
    """Bars: messages per hour of the day (Beijing time)."""
    figure = _figure()
    with matplotlib.rc_context({"font.family": FONT}):
        axes = figure.add_subplot()
        axes.bar(range(24), per_hour, color="#1565c0", width=0.8)
        axes.set_xticks(range(24), [f"{h:02d}" for h in range(24)], fontsize=8)
        axes.set_xlim(-0.6, 23.6)
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def legend_html() -> str:
    """The legend of :func:`messages_per_day_svg` as HTML (colour swatch and Chinese label per series)."""
    return "".join(f'<span class="swatch" style="background:{colour}"></span>{label} ' for label, _, colour in DAY_SERIES)
