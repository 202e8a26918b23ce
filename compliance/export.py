"""Small-cell suppression and the CSV export: what leaves the office.

Every figure that leaves the office (CSV, PDF, the dashboard's "as exported" view) goes
through `suppress_report`, so a count hidden in one of them is hidden in all of them, and no
hidden count can be worked out from the printed ones (docs/codebook.md, "Small cells").
"""

from .metrics import INEQUALITIES, METRICS, PARTITIONS
from .suppression import suppress


def percent(numerator, denominator):
    """A percentage with one decimal, or "" when a part is suppressed or there is no total.

    A share printed beside a hidden count would give the count back (share × total), so it is
    left empty whenever either is hidden."""
    if isinstance(numerator, str) or isinstance(denominator, str) or not denominator:
        return ""
    return f"{100 * numerator / denominator:.1f}"


# --- The report's cells -------------------------------------------------------------------------

TREND_METRICS = {"trend_conveyed": "offers_conveyed", "trend_compliant": "offers_compliant"}


def trend_key(metric, month):
    """The cell of one month of the trend, e.g. "trend_conveyed:2025-03"."""
    return f"{metric}:{month:%Y-%m}"


def report_cells(report):
    """Every count the report prints: the period's figures and each month of the trend."""
    cells = dict(report.counts)
    for point in report.trend:
        cells[trend_key("trend_conveyed", point["month"])] = point["conveyed"]
        cells[trend_key("trend_compliant", point["month"])] = point["compliant"]
    return cells


def report_partitions(report):
    """`PARTITIONS` and the trend's: the months' offers add up to the period's offers conveyed,
    and the months' compliant offers to the period's compliant offers."""
    months = [point["month"] for point in report.trend]
    return [
        *PARTITIONS,
        *(
            (total, [trend_key(metric, month) for month in months])
            for metric, total in TREND_METRICS.items()
        ),
    ]


def report_inequalities(report):
    """`INEQUALITIES` and the trend's: a month's compliant offers are at most its offers."""
    return [
        *INEQUALITIES,
        *(
            (
                [trend_key("trend_compliant", point["month"])],
                [trend_key("trend_conveyed", point["month"])],
            )
            for point in report.trend
        ),
    ]


def suppress_report(report):
    """The report as it may leave the office: (counts, trend), with the same keys and shape as
    `report.counts` and `report.trend`, hidden cells "<5", and a month's rate left out (None)
    when either of its counts is hidden."""
    shown = suppress(report_cells(report), report_partitions(report), report_inequalities(report))
    counts = {key: shown[key] for key in report.counts}
    trend = []
    for point in report.trend:
        conveyed = shown[trend_key("trend_conveyed", point["month"])]
        compliant = shown[trend_key("trend_compliant", point["month"])]
        hidden = isinstance(conveyed, str) or isinstance(compliant, str)
        trend.append(
            {
                **point,
                "conveyed": conveyed,
                "compliant": compliant,
                "rate": None if hidden else point["rate"],
            }
        )
    return counts, trend


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
    shown, trend = suppress_report(report)
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
    for point in trend:
        conveyed, compliant = point["conveyed"], point["compliant"]
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


def codebook_metric_keys():
    """Every value the CSV's `metric` column can take."""
    return list(METRICS) + list(TREND_METRICS)
