"""The console's charts: inline SVG with the figures, titles for screen readers, nothing outside."""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from bot.web.admin import charts

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(markup: str) -> ElementTree.Element:
    inner = markup.split("</figcaption>", 1)[1].rsplit("</figure>", 1)[0]
    return ElementTree.fromstring(inner)


def test_bars_are_as_long_as_their_values_and_labelled() -> None:
    markup = charts.bar_chart(
        [("Estuaire", 10), ("Woleu-Ntem", 5), ("Ogooué-Lolo", 0)], title="Par province"
    )
    svg = svg_of(markup)
    widths = [float(rect.get("width", "0")) for rect in svg.iter(f"{SVG}rect")]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert svg.get("role") == "img" and svg.find(f"{SVG}title").text == "Par province"  # type: ignore[union-attr]
    assert "Estuaire: 10, Woleu-Ntem: 5" in (svg.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    assert "style=" not in markup and "http" not in markup.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_labels_are_escaped() -> None:
    markup = charts.bar_chart([("<script>alert(1)</script>", 1)], title="a & b")
    assert "<script>" not in markup and "&lt;script&gt;" in markup and "a &amp; b" in markup


def test_lines_share_one_axis_and_have_a_legend() -> None:
    start = datetime(2027, 5, 14, 9, tzinfo=UTC)
    steps = [start + timedelta(minutes=minute) for minute in range(3)]
    markup = charts.line_chart(
        {
            "sent": list(zip(steps, [2, 5, 8], strict=True)),
            "read": list(zip(steps, [0, 1, 4], strict=True)),
        },
        title="Over time",
        x_label=lambda moment: f"{moment:%H:%M}" if isinstance(moment, datetime) else "",
    )
    svg = svg_of(markup)
    lines = list(svg.iter(f"{SVG}polyline"))
    assert len(lines) == 2 and lines[0].get("stroke") != lines[1].get("stroke")
    first = [tuple(map(float, point.split(","))) for point in lines[0].get("points", "").split()]
    assert first[0][0] < first[1][0] < first[2][0] and first[0][1] > first[2][1]
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert {"09:00", "09:01", "09:02", "sent", "read"} <= set(texts)


def test_columns_and_histograms() -> None:
    columns = svg_of(charts.column_chart([("lun", 3), ("mar", 6)], title="Par jour"))
    heights = [float(rect.get("height", "0")) for rect in columns.iter(f"{SVG}rect")]
    assert heights[1] == 2 * heights[0]
    histogram = svg_of(charts.histogram([1, 2, 2, 3, 9, 10], bins=3, title="Délais"))
    counts = [rect.find(f"{SVG}title").text for rect in histogram.iter(f"{SVG}rect")]  # type: ignore[union-attr]
    assert [text.rsplit(": ", 1)[1] for text in counts] == ["4", "0", "2"]  # type: ignore[union-attr]


def test_nothing_to_draw_says_so() -> None:
    for markup in (
        charts.bar_chart([], title="Vide", empty="Pas encore de données."),
        charts.line_chart({"sent": []}, title="Vide", empty="Pas encore de données."),
        charts.histogram([], title="Vide", empty="Pas encore de données."),
    ):
        assert "<svg" not in markup and "Pas encore de données." in markup
