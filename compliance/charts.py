"""Charts as hand-built SVG, rendered on the server: the same markup in the browser and the PDF.

Each chart carries a <title> and a <desc> (named by aria-labelledby), states its caveats, and
comes with the rows of a data table that templates print as its text alternative. No
JavaScript and no style attributes (the Content-Security-Policy forbids inline styles): colours
and fonts are SVG presentation attributes, which WeasyPrint and browsers both honour.

With `suppressed=True` (exports), counts arrive as `export.suppress_report` leaves them: a
hidden count ("<5") is drawn as no bar, and a month's rate is left out where either of its
counts is hidden, so a chart never reveals what its table hides. A count from 1 to 4 that
somehow arrives unhidden is hidden here too; 0 is drawn as 0.
"""

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.utils.safestring import mark_safe

from .suppression import SUPPRESSED, is_small

# "Considered Sans" is the shipped font the PDF pipeline declares; browsers fall back.
FONT = "Considered Sans, DejaVu Sans, Arial, sans-serif"
BAR = "#2f5f8a"
GOAL = "#b3261e"
LINE = "#1b4d3e"
AXIS = "#555555"
TEXT = "#1a1a1a"


@dataclass
class Chart:
    id: str
    title: str
    description: str
    svg: str
    headers: list
    rows: list  # each a list of cells; a cell is a value or (value, href)
    caveats: list = field(default_factory=list)


def _open(chart_id, width, height, title, description):
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart img-fluid" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}" '
        f'font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _close(chart_id, title, description, parts, headers, rows, caveats):
    """The chart from the SVG parts `_open` began, with its data table and caveats."""
    parts.append("</svg>")
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        svg=mark_safe("".join(parts)),  # noqa: S308 - every text and attribute is escaped
        headers=headers,
        rows=rows,
        caveats=list(caveats),
    )


def bar_chart(chart_id, title, description, items, *, total=None, caveats=(), suppressed=False):
    """Horizontal bars: `items` are (label, count, href or None); shares are of `total`.

    A count given as the string "<5" (already suppressed) is drawn as no bar.
    """
    label_width, bar_width, row_height = 320, 290, 24
    width = label_width + bar_width + 110
    height = row_height * max(len(items), 1) + 16
    largest = max([count for _, count, _ in items if not isinstance(count, str)] + [1])
    parts = _open(chart_id, width, height, title, description)
    rows = []
    for index, (label, count, href) in enumerate(items):
        y = 8 + index * row_height
        # A count may come already suppressed ("<5") from `export.suppress_report`.
        hidden = isinstance(count, str) or (suppressed and is_small(count))
        shown = SUPPRESSED if hidden else count
        share = (
            "" if hidden or not total or isinstance(total, str) else f"{100 * count / total:.0f}%"
        )
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" fill="{TEXT}">'
            f"{escape(_shorten(label, 46))}</text>"
        )
        length = 0 if hidden else round(bar_width * count / largest)
        if length:
            parts.append(
                f'<rect x="{label_width}" y="{y + 3}" width="{length}" height="{row_height - 8}" '
                f'fill="{BAR}"/>'
            )
        value_text = f"{shown}" + (f" ({share})" if share else "")
        parts.append(
            f'<text x="{label_width + length + 6}" y="{y + 15}" fill="{TEXT}">'
            f"{escape(value_text)}</text>"
        )
        rows.append([label, (shown, href) if href else shown, share])
    headers = ["Category", "Count", "Share"]
    return _close(chart_id, title, description, parts, headers, rows, caveats)


def trend_chart(chart_id, title, description, points, *, goal, caveats=(), suppressed=False):
    """Monthly compliance rate as a line, with the office's goal as a dashed line.

    `points` are dicts with "label", "conveyed", "compliant", "rate" (percent or None) and
    "href" (the month's drill-down, or None). Suppressed, the counts are as exported ("<5"
    where hidden) and a month's rate is drawn only where both its counts are printed.
    """
    left, right, top, bottom = 48, 16, 12, 40
    plot_width = 600  # fixed, so a long period makes a denser line, not a smaller chart
    plot_height = 180
    width, height = left + plot_width + right, top + plot_height + bottom
    parts = _open(chart_id, width, height, title, description)

    def y_of(percent):
        return top + plot_height - plot_height * percent / 100

    for tick in (0, 25, 50, 75, 100):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" '
            f'stroke="#dddddd" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}">{tick}%</text>'
        )
    step = plot_width / max(len(points), 1)
    coordinates: list[tuple[float, float] | None] = []
    rows = []
    for index, point in enumerate(points):
        x = left + step * (index + 0.5)
        if index % max(1, -(-len(points) // 9)) == 0:  # at most nine month labels
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_height + 16}" text-anchor="middle" '
                f'fill="{AXIS}" font-size="10">{escape(point["label"])}</text>'
            )
        conveyed, compliant, rate = point["conveyed"], point["compliant"], point["rate"]
        if suppressed:
            conveyed = SUPPRESSED if isinstance(conveyed, str) or is_small(conveyed) else conveyed
            compliant = (
                SUPPRESSED if isinstance(compliant, str) or is_small(compliant) else compliant
            )
            if SUPPRESSED in (conveyed, compliant):
                rate = None
        if rate is not None:
            coordinates.append((x, y_of(rate)))
        else:
            coordinates.append(None)
        rate_text = "—" if rate is None else f"{rate:.1f}%"
        href = point.get("href")
        rows.append([point["label"], (conveyed, href) if href else conveyed, compliant, rate_text])
    goal_y = y_of(goal)
    parts.append(
        f'<line x1="{left}" y1="{goal_y:.1f}" x2="{left + plot_width}" y2="{goal_y:.1f}" '
        f'stroke="{GOAL}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    parts.append(
        f'<text x="{left + 4}" y="{goal_y + 14:.1f}" text-anchor="start" '
        f'fill="{GOAL}">Goal {goal}%</text>'
    )
    # A gap in the line where a month has no offers (or a rate is suppressed).
    segment: list[tuple[float, float]] = []
    for coordinate in [*coordinates, None]:
        if coordinate is None:
            if len(segment) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>'
                )
            segment = []
        else:
            segment.append(coordinate)
    for coordinate in coordinates:
        if coordinate is not None:
            parts.append(
                f'<circle cx="{coordinate[0]:.1f}" cy="{coordinate[1]:.1f}" r="3" fill="{LINE}"/>'
            )
    headers = ["Month", "Offers conveyed", "With a signed worksheet beforehand", "Rate"]
    return _close(chart_id, title, description, parts, headers, rows, caveats)


def _shorten(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"
