"""Small charts drawn on the server as inline SVG: no script, no library, no outside asset.

Four functions, each returning markup to put in a template as is (`{{ chart }}`):

- `bar_chart(bars, title=...)`: one horizontal bar per (label, value), longest first if the
  caller sorts them so; fits long labels (provinces, legal forms) on a phone screen.
- `column_chart(bars, title=...)`: vertical columns over short labels, for counts by period or
  a histogram's bins.
- `line_chart(series, title=...)`: one line per named series of (x, y) points over the same
  axis; x may be numbers or datetimes (drawn in the order given, labelled with `x_label`).
- `histogram(values, bins=..., title=...)`: counts numbers into equal bins and draws them as
  columns.

Every chart carries `role="img"`, its title and a text summary for screen readers, and a
figure next to every bar. Colours come from `PALETTE`, in the order of the series; an empty
input draws a short "no data" text (`empty`) instead of a blank box. Only SVG presentation
attributes are used (no `style`), so the console's content security policy lets them through.
The drawing is laid out left to right in every language (an Arabic page keeps its axes where
a reader of figures expects them); labels in Arabic script still read right to left.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from math import ceil, floor, log10

from markupsafe import Markup, escape

PALETTE = ("#0b5d3b", "#2f6fb0", "#c77c02", "#a4262c", "#6b4fa0", "#4a6d62")
# Drawing units: about the CSS pixels of a phone's width, so that text stays readable there.
WIDTH = 400
BAR_HEIGHT = 22
BAR_GAP = 7
LABEL_WIDTH = 130
PLOT_HEIGHT = 170
MARGIN = 34


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    empty: str = "—",
    color: str = PALETTE[0],
) -> Markup:
    """Draw labelled horizontal bars, one per (label, value), with the value at each bar's end."""
    if not bars:
        return _empty(title, empty)
    top = max(value for _label, value in bars) or 1
    height = len(bars) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    room = WIDTH - LABEL_WIDTH - 40
    parts = []
    for index, (label, value) in enumerate(bars):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        length = max(room * value / top, 1 if value else 0)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 16}" text-anchor="end" font-size="15">'
            f"{escape(_short(label, 15))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'rx="3" fill="{color}"><title>{escape(label)}: {_number(value)}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 5:.1f}" y="{y + 16}" font-size="15">'
            f"{_number(value)}</text>"
        )
    summary = ", ".join(f"{label}: {_number(value)}" for label, value in bars)
    return _svg(title, summary, height, "".join(parts))


def column_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    empty: str = "—",
    color: str = PALETTE[0],
) -> Markup:
    """Draw vertical columns, one per (label, value), labels under them, values above."""
    if not bars:
        return _empty(title, empty)
    top = _nice_top(max(value for _label, value in bars))
    step = (WIDTH - 2 * MARGIN) / len(bars)
    width = max(step * 0.75, 1)
    every = max(1, ceil(len(bars) / 12))
    parts = [_y_axis(top)]
    for index, (label, value) in enumerate(bars):
        x = MARGIN + index * step + (step - width) / 2
        high = PLOT_HEIGHT * value / top
        y = MARGIN / 2 + PLOT_HEIGHT - high
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{high:.1f}" '
            f'fill="{color}"><title>{escape(label)}: {_number(value)}</title></rect>'
        )
        if value and len(bars) <= 24:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                f'font-size="11">{_number(value)}</text>'
            )
        if index % every == 0:
            parts.append(_x_label(x + width / 2, label))
    summary = ", ".join(f"{label}: {_number(value)}" for label, value in bars)
    return _svg(title, summary, PLOT_HEIGHT + MARGIN + 10, "".join(parts))


def histogram(
    values: Sequence[float],
    *,
    bins: int = 10,
    title: str,
    empty: str = "—",
    label: Callable[[float, float], str] | None = None,
) -> Markup:
    """Count values into `bins` equal ranges and draw them as columns.

    Each column is labelled "low–high", or by `label(low, high)` when given.
    """
    if not values:
        return _empty(title, empty)
    low, high = min(values), max(values)
    size = (high - low) / bins or 1
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / size), bins - 1)] += 1
    name = label or (lambda start, end: f"{_number(start)}–{_number(end)}")
    columns = [
        (name(low + i * size, low + (i + 1) * size), count) for i, count in enumerate(counts)
    ]
    return column_chart(columns, title=title, empty=empty)


def line_chart(
    series: Mapping[str, Sequence[tuple[float | datetime, float]]],
    *,
    title: str,
    empty: str = "—",
    x_label: Callable[[float | datetime], str] | None = None,
) -> Markup:
    """Draw one line per named series of (x, y) points, with a legend of the names.

    The x values of every series share one axis: numbers, or datetimes (aware or not, not
    mixed). `x_label` writes the first, middle and last x under the axis (str() by default).
    """
    points = [point for line in series.values() for point in line]
    if not points:
        return _empty(title, empty)
    xs = [_x_value(x) for x, _y in points]
    x_low, x_high = min(xs), max(xs)
    span = (x_high - x_low) or 1
    top = _nice_top(max(y for _x, y in points))
    plot_width = WIDTH - 2 * MARGIN

    def at(x: float | datetime, y: float) -> str:
        px = MARGIN + plot_width * (_x_value(x) - x_low) / span
        py = MARGIN / 2 + PLOT_HEIGHT - PLOT_HEIGHT * y / top
        return f"{px:.1f},{py:.1f}"

    parts = [_y_axis(top)]
    legend = []
    for index, (name, line) in enumerate(series.items()):
        color = PALETTE[index % len(PALETTE)]
        if line:
            path = " ".join(at(x, y) for x, y in line)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5" '
                f'stroke-linejoin="round"><title>{escape(name)}</title></polyline>'
            )
            if len(line) == 1:
                cx, cy = at(*line[0]).split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3.5" fill="{color}"/>')
        x = MARGIN + index * (WIDTH - MARGIN) / max(len(series), 1)
        legend.append(
            f'<rect x="{x:.1f}" y="{PLOT_HEIGHT + MARGIN + 16}" width="12" height="12" '
            f'fill="{color}"/><text x="{x + 16:.1f}" y="{PLOT_HEIGHT + MARGIN + 27}" '
            f'font-size="12">{escape(_short(name, 12))}</text>'
        )
    write = x_label or str
    ordered = sorted({(_x_value(x), x) for x, _y in points}, key=lambda pair: pair[0])
    for position in sorted({0, len(ordered) // 2, len(ordered) - 1}):
        value, original = ordered[position]
        parts.append(
            _x_label(MARGIN + plot_width * (value - x_low) / span, write(original), rotate=False)
        )
    summary = "; ".join(
        f"{name}: {_number(line[-1][1]) if line else 0}" for name, line in series.items()
    )
    height = PLOT_HEIGHT + MARGIN + 40
    return _svg(title, summary, height, "".join(parts + legend))


def _svg(title: str, summary: str, height: float, body: str) -> Markup:
    return Markup(
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}" '
        f'font-family="system-ui, sans-serif" fill="#1d2327" direction="ltr">'
        f"<title>{escape(title)}</title><desc>{escape(summary)}</desc>{body}</svg></figure>"
    )


def _empty(title: str, text: str) -> Markup:
    return Markup(
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
        f'<p class="hint">{escape(text)}</p></figure>'
    )


def _y_axis(top: float) -> str:
    lines = []
    for fraction in (0, 0.5, 1):
        y = MARGIN / 2 + PLOT_HEIGHT - PLOT_HEIGHT * fraction
        lines.append(
            f'<line x1="{MARGIN}" x2="{WIDTH - MARGIN}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d7dcda" stroke-width="1"/>'
            f'<text x="{MARGIN - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{_number(top * fraction)}</text>"
        )
    return "".join(lines)


def _x_label(x: float, text: str, *, rotate: bool = True) -> str:
    y = MARGIN / 2 + PLOT_HEIGHT + 14
    anchor = "end" if rotate else "middle"
    turn = f' transform="rotate(-30 {x:.1f} {y})"' if rotate else ""
    return (
        f'<text x="{x:.1f}" y="{y}" text-anchor="{anchor}" font-size="11"{turn}>'
        f"{escape(_short(text, 14))}</text>"
    )


def _x_value(x: float | datetime) -> float:
    return x.timestamp() if isinstance(x, datetime) else float(x)


def _nice_top(value: float) -> float:
    """Round the axis's top up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1
    power = 10.0 ** floor(log10(value))
    return float(next(step * power for step in (1, 2, 5, 10) if step * power >= value))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
