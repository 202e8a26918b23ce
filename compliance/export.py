"""Small-cell suppression and the CSV export: what leaves the office."""

import re

from .metrics import METRICS, PARTITIONS

SUPPRESSION_THRESHOLD = 5  # counts under this are shown as "<5" in anything exported
SUPPRESSED = "<5"


def suppress(counts):
    """Counts as exported: under 5 becomes "<5", and where that would let a reader subtract
    it back out of a total, the next smallest cell of the same total is suppressed too."""
    hidden = {key for key, value in counts.items() if value < SUPPRESSION_THRESHOLD}
    changed = True
    while changed:
        changed = False
        for total, members in PARTITIONS:
            if total in hidden:
                continue
            shown = [key for key in members if key not in hidden]
            if len(members) - len(shown) == 1 and shown:
                hidden.add(min(shown, key=lambda key: (counts[key], key)))
                changed = True
    return {key: (SUPPRESSED if key in hidden else value) for key, value in counts.items()}


def suppressed_value(value):
    return SUPPRESSED if value < SUPPRESSION_THRESHOLD else value


def percent(numerator, denominator):
    """A percentage with one decimal, or "" when a part is suppressed or there is no total."""
    if isinstance(numerator, str) or isinstance(denominator, str) or not denominator:
        return ""
    return f"{100 * numerator / denominator:.1f}"


CSV_COLUMNS = [
    "section",
    "metric",
    "label",
    "month",
    "count",
    "denominator",
    "percent",
    "period_start",
    "period_end",
    "unit",
    "deputy",
    "level",
    "offense_group",
]

DENOMINATORS = {
    "compliance": "offers_conveyed",
    "decisions": "worksheets_signed",
    "parity": "worksheets_signed",
    "grounds": "worksheets_signed",
    "overrides": "worksheets_signed",
    "reviews": "reviews_requested",
    "turnaround": "reviews_requested",
}


def export_rows(report, *, unit_label="", deputy_label=""):
    """The report as CSV rows (dicts keyed by CSV_COLUMNS), small cells suppressed."""
    f = report.filter
    common = {
        "period_start": f.date_from.isoformat(),
        "period_end": f.date_to.isoformat(),
        "unit": unit_label,
        "deputy": deputy_label,
        "level": f.level,
        "offense_group": f.offense_group,
    }
    shown = suppress(report.counts)
    rows = []
    for metric in METRICS.values():
        denominator_key = DENOMINATORS[metric.section]
        count, denominator = shown[metric.key], shown[denominator_key]
        rows.append(
            {
                "section": metric.section,
                "metric": metric.key,
                "label": metric.label,
                "month": "",
                "count": count,
                "denominator": "" if metric.key == denominator_key else denominator,
                "percent": "" if metric.key == denominator_key else percent(count, denominator),
                **common,
            }
        )
    for point in report.trend:
        conveyed = suppressed_value(point["conveyed"])
        compliant = suppressed_value(point["compliant"])
        month = point["month"].strftime("%Y-%m")
        rows.append(
            {
                "section": "trend",
                "metric": "trend_conveyed",
                "label": "Offers conveyed",
                "month": month,
                "count": conveyed,
                "denominator": "",
                "percent": "",
                **common,
            }
        )
        rows.append(
            {
                "section": "trend",
                "metric": "trend_compliant",
                "label": "Conveyed with a signed worksheet beforehand",
                "month": month,
                "count": compliant,
                "denominator": conveyed,
                "percent": percent(compliant, conveyed),
                **common,
            }
        )
    return rows


TREND_METRICS = {"trend_conveyed": "offers_conveyed", "trend_compliant": "offers_compliant"}


def codebook_metric_keys():
    """Every value the CSV's `metric` column can take."""
    return list(METRICS) + list(TREND_METRICS)


_SAFE_LABEL = re.compile(r"^[=+\-@\t\r]")


def csv_safe(value):
    """Neutralise spreadsheet formulas in a cell (CSV injection): prefix with an apostrophe."""
    text = str(value)
    return "'" + text if _SAFE_LABEL.match(text) else text
