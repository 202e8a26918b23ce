"""The dashboard's figures counted from the raw rows: three aggregate queries over the offers,
worksheets (with their overrides, as bits) and reviews of a period.

This is the bare-SQL path (`report.build_report(..., use_rollups=False)`), the reference the
monthly rollups must agree with (tests/test_rollups.py), and the path the rollups themselves
take for what they cannot answer: the partial months at a period's edges, a month in which a
policy version took effect, a viewer whose visibility is not a condition on the rollup's keys.
Those sub-periods are counted together, in the same three queries (`count_raw_runs`).
"""

import datetime as dt
import operator
from dataclasses import dataclass, replace
from functools import reduce

from django.db.models import Avg, Count, Q, Sum

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
    """Every figure of the dashboard, in three aggregate queries whatever the volume."""
    return count_raw_runs([report_filter], user)


def _in_runs(runs, field):
    """`field` (a moment) within any of the runs."""
    return reduce(
        operator.or_, (Q(**{f"{field}__gte": run.start, f"{field}__lt": run.end}) for run in runs)
    )


def _either(runs, source, user, field, using=None):
    """The rows of `source` in any of the runs, as one queryset: the source's conditions for
    the span from the first run to the last, narrowed to the runs' dates. Not the runs' own
    querysets joined by OR: PostgreSQL then repeats each condition per run and loses the
    anti-join of `metrics.signed_in_period`."""
    if len(runs) == 1:
        rows = source(runs[0], user)
    else:
        span = replace(runs[0], date_to=runs[-1].date_to)
        rows = source(span, user).filter(_in_runs(runs, field))
    return rows.using(using) if using else rows


def count_raw_runs(runs, user, using=None):
    """Every figure of the dashboard over the disjoint sub-periods `runs` (filters that differ
    only in their dates, in order), in three aggregate queries: the rollup's partial months at
    both edges of a period are counted in one pass. Each aggregate with its dozens of filtered
    counts is built and compiled once, not once per run: that Python work, not the database's,
    was most of the dashboard's time over 1,000,000 offers (issue 19). `using`: the database to
    read, when it must be the one the rollup is read from (`rollups.count` subtracts these)."""
    sources = by_source()
    counts: dict[str, int] = {}
    trend = _offers_by_month(runs, user, sources[OFFERS], counts, using)
    # Decisions, parity, the flagged-ground and the override mix (bits on the worksheet): one
    # pass over the worksheets' covering index. The overrides were a join of every override
    # stored to these worksheets, a cost that grew with history (issue 19).
    counts.update(
        _either(runs, worksheets, user, "signed_at", using).aggregate(
            **counted(sources[WORKSHEETS])
        )
    )
    review_figures = _either(runs, reviews, user, "requested_at", using).aggregate(
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


def _offers_by_month(runs, user, metrics, counts, using=None):
    """The offer figures per month (the trend) and for the runs' period, from one GROUP BY month.

    Groups on the offer's stored local month (`Disposition.conveyed_month`), a plain column the
    planner can count groups on, so PostgreSQL aggregates in parallel. The period's figures are
    the sums of at most 120 monthly counts — one pass over the offers instead of two. Months
    without offers are included as zeros.
    """
    months = [month for run in runs for month in run.months()]
    per_month = (
        _either(runs, offers, user, "conveyed_at", using)
        .order_by()
        .values("conveyed_month")
        .annotate(**counted(metrics))
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
