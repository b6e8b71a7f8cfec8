"""Charts drawn on the server as inline SVG: pure functions, numbers in, markup out.

A chart is a list of horizontal bars, each with its label on a line of its own above the bar
and its value written at the bar's end, so nothing is said by colour alone and long labels
never collide with the bars. The SVG scales with its viewBox (width 100% in CSS), so it fits a
phone; the numbers are always also given as a table beside it (the template's job).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from markupsafe import Markup, escape

WIDTH: Final = 340  # viewBox units: at the page's 26rem the labels are about 18px, on a phone 14px
LABEL_SIZE: Final = 15
VALUE_SIZE: Final = 14
LABEL_HEIGHT: Final = 20  # the label line above a bar
BAR_HEIGHT: Final = 18
GAP: Final = 10  # below each bar
VALUE_ROOM: Final = 110  # kept free right of the longest bar for its value
LABEL_MAX: Final = 40  # characters; the table beside the chart has the whole label


@dataclass(frozen=True)
class Bar:
    """One bar: its label, the number its length shows, and the text written at its end."""

    label: str
    value: float
    text: str


@dataclass(frozen=True)
class PlacedBar:
    bar: Bar
    label_y: float  # the label's baseline
    y: float  # the bar's top
    width: float  # 0 for a zero value
    short_label: str


@dataclass(frozen=True)
class BarLayout:
    width: int
    height: int
    bar_height: int
    bars: Sequence[PlacedBar]


def percent(part: int, whole: int) -> float:
    """`part` of `whole` in percent, one decimal; 0 when nothing was counted."""
    return round(100 * part / whole, 1) if whole else 0.0


def shorten(text: str, limit: int = LABEL_MAX) -> str:
    """One line of at most `limit` characters, cut at a word where possible, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def layout(bars: Sequence[Bar], maximum: float | None = None) -> BarLayout:
    """Where each bar goes. Lengths are relative to `maximum` (default: the largest value), so
    percentages can be drawn against 100 and counts against the largest count."""
    top = maximum if maximum is not None else max((b.value for b in bars), default=0)
    room = WIDTH - VALUE_ROOM
    placed = []
    y = 0.0
    for bar in bars:
        share = min(max(bar.value / top, 0.0), 1.0) if top > 0 else 0.0
        placed.append(
            PlacedBar(
                bar=bar,
                label_y=y + LABEL_SIZE,
                y=y + LABEL_HEIGHT + 2,
                width=round(room * share, 1),
                short_label=shorten(bar.label),
            )
        )
        y += LABEL_HEIGHT + 2 + BAR_HEIGHT + GAP
    return BarLayout(width=WIDTH, height=max(int(y), 1), bar_height=BAR_HEIGHT, bars=placed)


def bar_chart(
    chart_id: str, title: str, description: str, bars: Sequence[Bar], maximum: float | None = None
) -> Markup:
    """The SVG of a horizontal bar chart, every text escaped. Screen readers get the title and
    description (the table beside it holds the numbers); the drawing itself is hidden from
    them so the bars are not read twice."""
    chart = layout(bars, maximum)
    parts = [
        Markup(
            '<svg class="bar-chart" viewBox="0 0 {w} {h}" role="img" '
            'aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMinYMin meet">'
            '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
            '<g aria-hidden="true">'
        ).format(w=chart.width, h=chart.height, id=chart_id, title=title, desc=description)
    ]
    for placed in chart.bars:
        parts.append(
            Markup(
                '<text class="bar-chart__label" x="0" y="{ly}" font-size="{ls}">{label}</text>'
                '<rect class="bar-chart__track" x="0" y="{y}" width="{room}" height="{bh}"/>'
                '<rect class="bar-chart__bar" x="0" y="{y}" width="{bw}" height="{bh}"/>'
                '<text class="bar-chart__value" x="{tx}" y="{ty}" font-size="{vs}">{text}</text>'
            ).format(
                ly=placed.label_y,
                ls=LABEL_SIZE,
                label=placed.short_label,
                y=placed.y,
                room=WIDTH - VALUE_ROOM,
                bw=placed.width,
                bh=chart.bar_height,
                tx=round(placed.width + 6, 1),
                ty=round(placed.y + chart.bar_height - 4, 1),
                vs=VALUE_SIZE,
                text=placed.bar.text,
            )
        )
    parts.append(Markup("</g></svg>"))
    return Markup("").join(escape(part) for part in parts)
