"""The server-drawn bar charts: geometry, percentages, escaping, and charts with nothing in them."""

from __future__ import annotations

from participation import charts
from participation.charts import Bar
from tests.helpers import attr, html, one, text_of

ROOM = charts.WIDTH - charts.VALUE_ROOM  # the longest possible bar


def test_percent_rounds_to_one_decimal_and_survives_zero() -> None:
    assert charts.percent(2, 3) == 66.7
    assert charts.percent(1, 3) == 33.3
    assert charts.percent(3, 3) == 100.0
    assert charts.percent(0, 0) == 0.0


def test_bars_are_as_long_as_their_share_of_the_maximum() -> None:
    layout = charts.layout([Bar("a", 50, ""), Bar("b", 100, ""), Bar("c", 0, "")], maximum=100)
    assert [b.width for b in layout.bars] == [ROOM / 2, ROOM, 0]
    # Without a maximum the largest value fills the row.
    layout = charts.layout([Bar("a", 1, ""), Bar("b", 4, "")])
    assert [b.width for b in layout.bars] == [ROOM / 4, ROOM]


def test_bars_stack_downwards_below_their_labels() -> None:
    layout = charts.layout([Bar("a", 1, ""), Bar("b", 2, "")])
    first, second = layout.bars
    step = charts.LABEL_HEIGHT + 2 + charts.BAR_HEIGHT + charts.GAP
    assert first.label_y < first.y
    assert second.y - first.y == step
    assert layout.height == 2 * step
    assert second.y + layout.bar_height <= layout.height


def test_nothing_counted_draws_empty_bars_not_an_error() -> None:
    layout = charts.layout([Bar("a", 0, "0 (0 %)"), Bar("b", 0, "0 (0 %)")])
    assert [b.width for b in layout.bars] == [0, 0]
    assert charts.layout([]).bars == []
    svg = html(str(charts.bar_chart("c", "Titel", "Leer", [])))
    assert one(svg, "svg").select("rect") == []


def test_values_above_the_maximum_are_capped() -> None:
    [bar] = charts.layout([Bar("a", 150, "")], maximum=100).bars
    assert bar.width == ROOM


def test_long_labels_are_shortened_at_a_word() -> None:
    label = "Förderprogramme für die Digitalisierung kleiner und mittlerer Unternehmen"
    short = charts.shorten(label)
    assert short.endswith("…")
    assert len(short) <= charts.LABEL_MAX
    assert label.startswith(short[:-1])
    assert charts.shorten("  kurz \n und  gut ") == "kurz und gut"


def test_the_svg_is_an_image_with_title_description_and_value_texts() -> None:
    markup = charts.bar_chart(
        "chart-7", "Fragen 1.1", "Anteile", [Bar("Gut", 66.7, "2 (66,7 %)")], maximum=100
    )
    svg = one(html(str(markup)), "svg")
    assert attr(svg, "role") == "img"
    assert attr(svg, "aria-labelledby") == "chart-7-title chart-7-desc"
    assert attr(svg, "viewbox") == f"0 0 {charts.WIDTH} {charts.layout([Bar('', 0, '')]).height}"
    assert text_of(one(svg, "#chart-7-title")) == "Fragen 1.1"
    assert text_of(one(svg, "#chart-7-desc")) == "Anteile"
    # The numbers are written beside the bar, not left to colour or length alone.
    assert [text_of(t) for t in svg.select("text")] == ["Gut", "2 (66,7 %)"]
    bar = one(svg, ".bar-chart__bar")
    assert float(attr(bar, "width")) == round(ROOM * 0.667, 1)


def test_labels_and_titles_are_escaped() -> None:
    evil = '<script>alert("x")</script> & "quotes"'
    markup = str(charts.bar_chart('x" onload="y', evil, evil, [Bar(evil, 1, evil)]))
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    assert 'onload="y"' not in markup
    svg = one(html(markup), "svg")
    assert svg.find("script") is None
    assert text_of(one(svg, "title")) == evil
