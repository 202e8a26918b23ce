"""The dashboard's figures counted from the raw rows: four aggregate queries over the offers,
worksheets, overrides and reviews of a period.

This is the bare-SQL path (`report.build_report(..., use_rollups=False)`), the reference the
monthly rollups must agree with (tests/test_rollups.py), and the path the rollups themselves
take for what they cannot answer: the partial months at a period's edges, a month in which a
policy version took effect, a viewer whose visibility is not a condition on the rollup's keys.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, Sum

from cases.models import FlagOverride
from consequences.statuses import Ground

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
class Figures:
    counts: dict  # metric key → count
    trend: list  # [{"month", "conveyed", "compliant", "rate"}], every month of the period
    turnaround_total: dt.timedelta  # of the decided reviews
    average_turnaround: dt.timedelta | None


def counted(metrics):
    return {metric.key: Count("pk", filter=metric.condition) for metric in metrics}


def by_source():
    return {source: [m for m in METRICS.values() if m.source == source] for source in SOURCES}


def trend_row(month, conveyed, compliant):
    return {
        "month": month,
        "conveyed": conveyed,
        "compliant": compliant,
        "rate": 100 * compliant / conveyed if conveyed else None,
    }


def as_duration(value):
    if value is None or isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=value)  # SQLite returns durations in microseconds


def count_raw(report_filter, user):
    """Every figure of the dashboard, in four aggregate queries whatever the volume."""
    sources = by_source()
    counts: dict[str, int] = {}
    trend = _offers_by_month(report_filter, user, sources[OFFERS], counts)
    overrides = [m for m in sources[WORKSHEETS] if m.section == "overrides"]
    plain = [m for m in sources[WORKSHEETS] if m not in overrides]
    # Decisions, parity and the flagged-ground mix (bits on the worksheet): one pass over the
    # worksheets' covering index.
    counts.update(worksheets(report_filter, user).aggregate(**counted(plain)))
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
        average_turnaround=Avg(TURNAROUND, filter=DECIDED),
        turnaround_total=Sum(TURNAROUND, filter=DECIDED),
        **counted(sources[REVIEWS]),
    )
    average_turnaround = review_figures.pop("average_turnaround")
    turnaround_total = review_figures.pop("turnaround_total")
    counts.update(review_figures)
    return Figures(
        counts=counts,
        trend=trend,
        turnaround_total=as_duration(turnaround_total) or dt.timedelta(0),
        average_turnaround=as_duration(average_turnaround),
    )


def _offers_by_month(report_filter, user, metrics, counts):
    """The offer figures per month (the trend) and for the period, from one GROUP BY month.

    Groups on the offer's stored local month (`Disposition.conveyed_month`), a plain column the
    planner can count groups on, so PostgreSQL aggregates in parallel. The period's figures are
    the sums of at most 120 monthly counts — one pass over the offers instead of two. Months
    without offers are included as zeros.
    """
    months = list(report_filter.months())
    per_month = (
        offers(report_filter, user).order_by().values("conveyed_month").annotate(**counted(metrics))
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
        trend.append(trend_row(month, row["offers_conveyed"], row["offers_compliant"]))
    return trend
