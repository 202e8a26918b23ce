"""The dashboard's figures for one filter and viewer: from the monthly rollups where they can
answer (`rollups`), otherwise from the raw rows (`counts`)."""

import datetime as dt
from dataclasses import dataclass

from . import rollups
from .counts import count_raw
from .filters import ReportFilter
from .metrics import METRICS


@dataclass
class Report:
    filter: ReportFilter
    goal_percent: int
    counts: dict  # metric key → count
    trend: list  # [{"month", "conveyed", "compliant", "rate"}]
    average_turnaround: dt.timedelta | None

    def rate(self, numerator="offers_compliant", denominator="offers_conveyed"):
        total = self.counts[denominator]
        return None if not total else 100 * self.counts[numerator] / total

    def section(self, name):
        return [metric for metric in METRICS.values() if metric.section == name]


def build_report(report_filter, user, goal_percent, *, use_rollups=True):
    """Every figure of the dashboard. With `use_rollups` (the pages), whole months come from
    the monthly rollup, so the cost follows the months shown, not the offers stored; without,
    the bare SQL over the raw rows (three aggregate queries), which the rollup must equal."""
    figures = rollups.count(report_filter, user) if use_rollups else None
    if figures is None:
        figures = count_raw(report_filter, user)
    return Report(
        filter=report_filter,
        goal_percent=goal_percent,
        counts=figures.counts,
        trend=figures.trend,
        average_turnaround=figures.average_turnaround,
    )
