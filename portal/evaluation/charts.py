"""Charts as plain SVG drawn on the server: no scripts, no third-party requests.

Every chart carries a title and a text description for screen readers (``role="img"`` with
``aria-labelledby``), and the page shows the same numbers as a table next to it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Colour-blind-safe sequential blues for ordered answers, with enough contrast between steps.
SEQUENTIAL = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b")
#: Okabe-Ito colours for unordered answers.
QUALITATIVE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442",
               "#000000", "#999999")
HIDDEN = "#bdbdbd"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    #: 0..1 of the chart's scale; None draws no bar (a hidden or missing value).
    value: float | None
    #: What the reader sees at the end of the bar, e.g. "42 %" or "<5".
    text: str


@dataclass(frozen=True)
class Segment:
    label: str
    share: float
    text: str
    #: Position in the legend, which gives the colour; hidden segments are grey.
    index: int = 0
    hidden: bool = False


def _dark(colour: str) -> bool:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * red + 0.587 * green + 0.114 * blue < 140


def _frame(width: int, height: int, title: str, description: str, body: list[str]) -> Markup:
    uid = next(_ids)
    # Every piece of text in ``body``, the title and the description is escaped here.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="chart-{uid}-title chart-{uid}-desc" '
        f'font-family="system-ui, sans-serif" font-size="13">'
        f'<title id="chart-{uid}-title">{escape(title)}</title>'
        f'<desc id="chart-{uid}-desc">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def bar_chart(title: str, bars: list[Bar], *, label_width: int = 220) -> Markup:
    """Horizontal bars, one per row, values from 0 to 1 of the full width."""
    width, row, bar_area = 640, 28, 640 - label_width - 70
    height = row * len(bars) + 10
    body: list[str] = []
    for index, bar in enumerate(bars):
        y = 5 + index * row
        body.append(
            f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end">{escape(bar.label)}</text>'
        )
        length = 0.0
        if bar.value is not None:
            length = max(0.0, min(1.0, bar.value)) * bar_area
            body.append(
                f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
                f'fill="{QUALITATIVE[0]}"><title>{escape(bar.label)}: {escape(bar.text)}</title>'
                "</rect>"
            )
        body.append(
            f'<text x="{label_width + length + 6:.1f}" y="{y + 18}">{escape(bar.text)}</text>'
        )
    description = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return _frame(width, height, title, description, body)


def stacked_bars(
    title: str,
    rows: list[tuple[str, list[Segment]]],
    legend: list[str],
    *,
    ordered: bool = True,
    hidden_label: str | None = None,
    label_width: int = 220,
) -> Markup:
    """One 100 % bar per row, split into segments; a legend names the colours in order.

    ``hidden_label`` names the grey segment of folded small counts, if there is one.
    """
    width, row = 640, 30
    bar_area = width - label_width - 10
    palette = _palette(len(legend), ordered)
    entries = [(name, palette[i % len(palette)]) for i, name in enumerate(legend)]
    if hidden_label:
        entries.append((hidden_label, HIDDEN))
    legend_rows = (len(entries) + 1) // 2
    height = row * len(rows) + 20 * legend_rows + 20
    body: list[str] = []
    for index, (label, segments) in enumerate(rows):
        y = 5 + index * row
        body.append(
            f'<text x="{label_width - 8}" y="{y + 19}" text-anchor="end">{escape(label)}</text>'
        )
        x = float(label_width)
        for segment in segments:
            colour = HIDDEN if segment.hidden else palette[segment.index % len(palette)]
            length = segment.share * bar_area
            body.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
                f'fill="{colour}"><title>{escape(segment.label)}: {escape(segment.text)}</title>'
                "</rect>"
            )
            if length >= 34:
                ink = "#ffffff" if _dark(colour) else "#000000"
                body.append(
                    f'<text x="{x + length / 2:.1f}" y="{y + 19}" text-anchor="middle" '
                    f'fill="{ink}">{escape(segment.text)}</text>'
                )
            x += length
    top = 10 + row * len(rows)
    for number, (name, colour) in enumerate(entries):
        # Column by column, so the legend reads down (as the answers are ordered), not across.
        lx = 10 + (number // legend_rows) * 315
        ly = top + (number % legend_rows) * 20
        body.append(
            f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{colour}" stroke="#555"/>'
            f'<text x="{lx + 18}" y="{ly + 11}">{escape(name)}</text>'
        )
    description = " | ".join(
        f"{label}: " + ", ".join(f"{s.label} {s.text}" for s in segments)
        for label, segments in rows
    )
    return _frame(width, height, title, description, body)


def _palette(n: int, ordered: bool) -> tuple[str, ...]:
    if not ordered:
        return QUALITATIVE
    if n <= len(SEQUENTIAL):
        # Spread n steps over the scale, skipping the palest for small n.
        start = len(SEQUENTIAL) - n
        return SEQUENTIAL[start:] if n > 1 else SEQUENTIAL[-1:]
    return QUALITATIVE


def percent(share: float) -> str:
    return f"{round(share * 100)} %"
