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
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from functools import reduce

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from cases import policy
from cases.models import Disposition, OfficePolicy, Review, Worksheet, visibility
from consequences.catalog import get_catalog

from .metrics import (
    DECIDED,
    METRICS,
    OFFERS,
    REVIEWS,
    SOURCES,
    TURNAROUND,
    WHOLE_OFFICE,
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
    counts is built and compiled once per process for the same runs and viewer (`_Kept`), not
    once per view: that Python work, not the database's, was most of the dashboard's time
    (issue 19). `using`: the database to read, when it must be the one the rollup is read from
    (`rollups.count` subtracts these)."""
    sources = by_source()
    kept = _Kept(runs, user, using)
    counts: dict[str, int] = {}
    trend = _offers_by_month(runs, user, sources[OFFERS], counts, kept)
    # Decisions, parity, the flagged-ground and the override mix (bits on the worksheet): one
    # pass over the worksheets' covering index. The overrides were a join of every override
    # stored to these worksheets, a cost that grew with history (issue 19).
    worksheet_counts = counted(sources[WORKSHEETS])
    (row,) = kept.rows(
        Worksheet,
        list(worksheet_counts),
        lambda: _either(runs, worksheets, user, "signed_at", using),
        lambda rows: [rows.aggregate(**worksheet_counts)],
    )
    counts.update(row)
    review_aggregates = {
        "average_turnaround": Avg(TURNAROUND, filter=DECIDED),
        "turnaround_total": Sum(TURNAROUND, filter=DECIDED),
        **counted(sources[REVIEWS]),
    }
    (review_figures,) = kept.rows(
        Review,
        list(review_aggregates),
        lambda: _either(runs, reviews, user, "requested_at", using),
        lambda rows: [rows.aggregate(**review_aggregates)],
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


# The three statements of `count_raw_runs`, by the facts they are built from (`_Kept.key`).
# Building and compiling them, some sixty filtered counts, cost the dashboard more CPU than
# running them (issue 19); they are rebuilt when a fact changes, and run afresh on every view,
# so a write in any process shows at once. Cleared when full: a day's dashboards at most.
_KEPT_SQL: dict = {}
_KEPT_SQL_SIZE = 1024


class _Kept:
    """The SQL of `count_raw_runs`'s reads for these runs and this viewer, kept per process.

    The key names every fact the three querysets are built from: the runs (office, unit,
    deputy, level, offense group, dates), the viewer's visibility, the database, the time zone
    (the runs' bounds are local midnights), the catalog (serious and violent statutes in the
    worksheet scope) and every setting of every policy version of the office (the scope of each
    day). A condition that comes to read another fact must add it here:
    tests/test_report_kept_sql.py checks that kept statements count what fresh ones count after
    each of these changes.
    """

    def __init__(self, runs, user, using):
        self.runs, self.using = runs, using
        self.key = None
        if user is WHOLE_OFFICE:
            return  # the rollup's builder: not a reader, and rare
        office_id = runs[0].office_id
        versions = policy.all_versions(office_id)
        fields = [field.attname for field in OfficePolicy._meta.concrete_fields]
        membership = getattr(user, "membership", None)
        self.versions = (office_id, versions)
        shape, ids = visibility(user)
        self.key = (
            tuple(runs),
            shape,
            tuple(sorted(ids.items())),
            getattr(membership, "role", None),
            timezone.get_current_timezone_name(),
            get_catalog().version,
            tuple(tuple(getattr(version, name) for name in fields) for version in versions),
        )

    def rows(self, model, names, build, read):
        """`read(build())`, a list of dicts of `names` in the statement's column order: through
        the ORM the first time, recording its one statement; from the kept statement after
        that, with the database's values as they come (SQLite's durations and dates unconverted:
        `as_duration` and `_as_date` take either)."""
        alias = self.using or router.db_for_read(model)
        if self.key is None:
            return read(build())
        key = (*self.key, alias, model._meta.label, tuple(names))
        kept = _KEPT_SQL.get(key)
        if kept is not None:
            sql, params = kept
            if sql is None:  # a condition that can match nothing: `params` is the answer
                return [dict(row) for row in params]
            with connections[alias].cursor() as cursor:
                cursor.execute(sql, params)
                if [column[0] for column in cursor.description] == names:
                    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            del _KEPT_SQL[key]  # not the columns it was kept for (never seen): build it again
        # Built without reading anything (the policy versions were read for the key), so that
        # nothing but the key's facts can shape the statement; a read here keeps nothing.
        with _recording(connections.all()) as reads, policy.versions_known(*self.versions):
            queryset = build()
        with _recording([connections[alias]]) as statements:
            rows = read(queryset)
        if reads or len(statements) > 1:
            return rows
        if statements:
            _keep(key, statements[0])
        elif _matches_nothing(queryset, alias):  # the ORM answered from the conditions alone
            _keep(key, (None, [dict(row) for row in rows]))
        return rows


@contextmanager
def _recording(databases):
    """The statements run on these connections within the block, as (SQL, params)."""
    statements: list[tuple] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with ExitStack() as stack:
        for connection in databases:
            stack.enter_context(connection.execute_wrapper(record))
        yield statements


def _keep(key, statement):
    if len(_KEPT_SQL) >= _KEPT_SQL_SIZE:
        _KEPT_SQL.clear()
    _KEPT_SQL[key] = statement


def _matches_nothing(queryset, alias):
    """Does the queryset's condition match no row whatever the data (the ORM then runs no
    statement: a scope of no offers, a viewer who may see nothing)?"""
    try:
        queryset.query.get_compiler(using=alias).as_sql()
    except EmptyResultSet:
        return True
    return False


def _as_date(value):
    """A date column as the ORM gives it: SQLite's driver returns text on a kept statement."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _offers_by_month(runs, user, metrics, counts, kept):
    """The offer figures per month (the trend) and for the runs' period, from one GROUP BY month.

    Groups on the offer's stored local month (`Disposition.conveyed_month`), a plain column the
    planner can count groups on, so PostgreSQL aggregates in parallel. The period's figures are
    the sums of at most 120 monthly counts — one pass over the offers instead of two. Months
    without offers are included as zeros.
    """
    months = [month for run in runs for month in run.months()]
    offer_counts = counted(metrics)
    per_month = kept.rows(
        Disposition,
        ["conveyed_month", *offer_counts],
        lambda: _either(runs, offers, user, "conveyed_at", kept.using),
        lambda rows: list(rows.order_by().values("conveyed_month").annotate(**offer_counts)),
    )
    found = {_as_date(row.pop("conveyed_month")): row for row in per_month}
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
