"""The server-side SVG charts: well-formed, accessible (role, title, description, text labels), escaped, scaled."""

import pytest
from defusedxml import ElementTree as ET
from django.utils import translation

from kompeten.reporting import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup):
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    return root


def texts(root) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def test_bar_chart_is_accessible_svg_with_text_labels():
    bars = [charts.Bar("Mining", 1200, "/laporan/orang/?year=2025&stage=certified&key=mining", target=1500),
            charts.Bar("Trade", 300)]
    root = parse(charts.bar_chart(bars, title="Certified per sector", chart_id="c1", description="Two sectors"))
    assert root.get("role") == "group"  # not "img": an image may hold no links (axe: nested-interactive)
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Certified per sector" and root.find(f"{SVG}title").get("id") == "c1-title"
    assert root.find(f"{SVG}desc").text == "Two sectors"
    assert {"Mining", "Trade", "1,200", "300"} <= set(texts(root))
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links == ["/laporan/orang/?year=2025&stage=certified&key=mining"]  # parsed back: the & was escaped
    tips = [g.find(f"{SVG}title").text for g in root.findall(f"{SVG}g")]
    assert tips == ["Mining: 1,200 · Target: 1,500", "Trade: 300"]


def test_bars_are_scaled_to_the_largest_value_or_target():
    bars = [charts.Bar("A", 50, target=100), charts.Bar("B", 100)]
    root = parse(charts.bar_chart(bars, title="t", chart_id="c", width=640))
    plot = 640 - charts.LABEL_WIDTH - charts.VALUE_SPACE
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths == [plot / 2, plot]
    tick = next(line for line in root.iter(f"{SVG}line") if line.get("stroke") == charts.TARGET_COLOUR)
    assert float(tick.get("x1")) == charts.LABEL_WIDTH + plot


def test_text_is_escaped_and_long_labels_shortened():
    label = '<script>alert("x")</script> & a very long vocation name indeed'
    markup = str(charts.bar_chart([charts.Bar(label, 3, href='/x?a=1&b="2"')], title="A & <B>", chart_id='i"d'))
    assert "<script>" not in markup
    root = parse(markup)
    assert root.find(f"{SVG}title").text == "A & <B>"
    shown = texts(root)[0]
    assert shown.endswith("…") and len(shown) == 30 and shown.startswith("<script>")
    assert root.find(f"{SVG}g").find(f"{SVG}title").text.startswith(label)
    assert next(root.iter(f"{SVG}a")).get("href") == '/x?a=1&b="2"'


def test_empty_and_zero_charts_are_still_well_formed():
    parse(charts.bar_chart([], title="Nothing", chart_id="e"))
    root = parse(charts.bar_chart([charts.Bar("A", 0), charts.Bar("B", 0)], title="Zeros", chart_id="z"))
    assert [float(r.get("width")) for r in root.iter(f"{SVG}rect")] == [0.0, 0.0]
    parse(charts.line_chart([], [], title="Nothing", chart_id="l"))
    parse(charts.line_chart(["Jan"], [charts.Series("s", [None])], title="None", chart_id="n"))


def test_line_chart_draws_each_series_and_skips_missing_points():
    months = ["Jan", "Feb", "Mar", "Apr"]
    series = [charts.Series("Certified, cumulative", [10, 40, None, None]),
              charts.Series("Target path", [25, 50, 75, 100], charts.TARGET_COLOUR, dashed=True)]
    root = parse(charts.line_chart(months, series, title="Cumulative", chart_id="m"))
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "Cumulative"
    lines = root.findall(f"{SVG}polyline")
    assert [len(line.get("points").split()) for line in lines] == [2, 4]
    assert lines[1].get("stroke-dasharray") and not lines[0].get("stroke-dasharray")
    assert set(months) <= set(texts(root))
    assert {"Certified, cumulative", "Target path"} <= set(texts(root))
    # Points: the solid line's, each with its value as a tooltip.
    tips = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert tips == ["Certified, cumulative · Jan: 10", "Certified, cumulative · Feb: 40"]
    # The axis: 0 … 100, the top gridline at the largest value; higher values are higher up.
    assert "0" in texts(root) and "100" in texts(root)
    first, second = (tuple(map(float, p.split(","))) for p in lines[0].get("points").split())
    assert second[1] < first[1] and second[0] > first[0]


@pytest.mark.parametrize(("largest", "expected"), [
    (0, [0, 1]), (3, [0, 1, 2, 3]), (10, [0, 5, 10]), (1500, [0, 500, 1000, 1500]), (1497, [0, 500, 1000, 1500]),
    (1000, [0, 250, 500, 750, 1000]), (7.5, [0, 2, 4, 6, 8]),
])
def test_nice_ticks(largest, expected):
    assert charts.nice_ticks(largest) == expected


def test_numbers_follow_the_active_language():
    with translation.override("id"):
        root = parse(charts.bar_chart([charts.Bar("Pertambangan", 1500)], title="t", chart_id="c"))
    assert "1.500" in texts(root)
