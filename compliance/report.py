"""The dashboard's figures: every metric counted for one filter in four aggregate queries."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q

from cases.models import FlagOverride
from consequences.statuses import Ground

from .filters import ReportFilter
from .metrics import (
    DECIDED,
    METRICS,
    OFFERS,
    REVIEWS,
    SOURCES,
    TURNAROUND,
    WORKSHEETS,
    offers,
    reviews,
    signed_in_period,
    worksheets,
)


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


def _counted(metrics):
    return {metric.key: Count("pk", filter=metric.condition) for metric in metrics}


def build_report(report_filter, user, goal_percent):
    """Every figure of the dashboard, in four aggregate queries whatever the volume."""
    by_source = {source: [m for m in METRICS.values() if m.source == source] for source in SOURCES}
    counts: dict[str, int] = {}
    trend = _offers_by_month(report_filter, user, by_source[OFFERS], counts)
    overrides = [m for m in by_source[WORKSHEETS] if m.section == "overrides"]
    plain = [m for m in by_source[WORKSHEETS] if m not in overrides]
    # Decisions, parity and the flagged-ground mix (bits on the worksheet): one pass over the
    # worksheets' covering index.
    counts.update(worksheets(report_filter, user).aggregate(**_counted(plain)))
    # The override mix counts the override rows joined to the same worksheets: one pass
    # instead of an EXISTS per worksheet and ground.
    signed = signed_in_period(report_filter, user, prefix="worksheet__")
    counts.update(
        FlagOverride.objects.filter(signed).aggregate(
            overrides_any=Count("worksheet", distinct=True),
            **{
                f"override_{g.value}": Count("worksheet", distinct=True, filter=Q(ground=g))
                for g in Ground
            },
        )
    )
    review_figures = reviews(report_filter, user).aggregate(
        average_turnaround=Avg(TURNAROUND, filter=DECIDED), **_counted(by_source[REVIEWS])
    )
    average_turnaround = review_figures.pop("average_turnaround")
    counts.update(review_figures)
    return Report(
        filter=report_filter,
        goal_percent=goal_percent,
        counts=counts,
        trend=trend,
        average_turnaround=_as_duration(average_turnaround),
    )


def _as_duration(value):
    if value is None or isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=value)  # SQLite returns the average in microseconds


def _offers_by_month(report_filter, user, metrics, counts):
    """The offer figures per month (the trend) and for the period, from one GROUP BY month.

    Groups on the offer's stored local month (`Disposition.conveyed_month`), a plain column the
    planner can count groups on, so PostgreSQL aggregates in parallel. The period's figures are
    the sums of at most 120 monthly counts — one pass over the offers instead of two. Months
    without offers are included as zeros.
    """
    months = list(report_filter.months())
    per_month = (
        offers(report_filter, user)
        .order_by()
        .values("conveyed_month")
        .annotate(**_counted(metrics))
    )
    found = {row.pop("conveyed_month"): row for row in per_month}
    outside = found.keys() - set(months)
    if outside:  # cannot happen for offers in the period; but never drop a count silently
        raise ValueError(f"offers outside the period's months: {sorted(outside)}")
    zero = dict.fromkeys((m.key for m in metrics), 0)
    counts.update(zero)
    trend = []
    for month in months:
        row = found.get(month, zero)
        for key in zero:
            counts[key] += row[key]
        conveyed, compliant = row["offers_conveyed"], row["offers_compliant"]
        trend.append(
            {
                "month": month,
                "conveyed": conveyed,
                "compliant": compliant,
                "rate": 100 * compliant / conveyed if conveyed else None,
            }
        )
    return trend
