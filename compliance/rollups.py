"""Monthly rollups: the dashboard's cost follows the months and the scope shown, not the offers
stored (issue 19 item 4).

`MonthlyRollup` holds, per office, local month and key, the count of every metric of the
dashboard; the report sums the rows of the months shown under the filter's and the viewer's
conditions on the keys. The keys are what those conditions ask about: the unit and assigned
deputy (the filters, and the visibility of admins, supervisors and deputies: `visible_q` on the
same column names), and the case's attributes (felony, offense group, and the worksheet
scope's attributes, `cases.policy.SCOPE_ATTRIBUTES`). Offers are counted before office policy:
the version in force in a month is applied as a condition on the keys when the rows are read
(`cases.policy.scope_on_attributes`, the same ladder the raw query uses).

Why "mark stale, rebuild on read" rather than incremental counters or a materialized view:

- Exact by construction. A month is rebuilt by the same querysets and conditions as the raw
  report (`metrics.offers/worksheets/reviews`, one GROUP BY per source over one month), so the
  rollup cannot drift from the bare SQL through a missed increment. Incremental counters would
  need every writer to know every metric's condition (a late signature moves an offer from
  "missing" to "late", an amendment takes a worksheet out of "final", a count edit moves a
  case's rows between keys), which is the duplication `report_columns` exists to avoid.
- Writers only say *which* months may have changed: `report_columns.mark_case_months_stale`, in
  the writing action's transaction, for every month the case is counted in. A write and its mark
  commit together, so no reader sees new rows with a fresh mark.
- A materialized view would refresh the whole history (cost growing with it) and needs a queue
  and PostgreSQL; this works the same on SQLite.
- With a job queue (CELERY_BROKER_URL), a page does not rebuild: it counts the stale months from
  the raw rows, exactly as the bare SQL does, and queues their rebuild (`queue_rebuild`,
  compliance/tasks.py). Under the load test's mix, amendments and conveyances marked a month
  stale between nearly every two views, and its rebuild was most of the dashboard's CPU.
- The cost of a rebuild is bounded by one month's rows; most writes touch the current month,
  which a period ending today counts from the raw rows anyway (a partial month).

What is counted raw instead (`counts.count_raw_runs`, every such sub-period in one pass): the
partial months at the period's edges, a month in which a policy version took effect (the
version applies from its effective day), and every month for a viewer whose visibility is
not a condition on the keys (counsel, who see the cases routed to them: the whole report is
raw for them), or when a request activated a time zone other than the one the months were
built in.

A partial month at an edge whose rollup is already fresh is read whole instead, less the days
outside the period counted raw, when fewer of those days have passed than are inside it
(`_by_complement`): a 3-year period ending on the 4th counts 1–3 of its first month and the
days still to come of the current one, not 28 + 4 days of raw rows. The raw rows of a partial
month are as many as the office's offers per day, which is what grew between 250,000 and
1,000,000 offers in issue 19's growth check. A stale edge month is counted raw, as before: it
is not rebuilt for that (the current month, under writes, usually is stale). The days outside
are read from the primary, as the rollup is, and if a write marked or rebuilt one of those
months between the two reads the page counts its edges raw instead: a difference must not mix
two states of the records.

Concurrency: a rebuild locks the month's `ReportMonth` row, rechecks it and replaces the month's
rows in one transaction; a writer marking the month meanwhile waits for the lock (its upsert then
marks the month stale again), and a writer that marked first holds the lock until it commits,
so the rebuild's GROUP BY sees its rows. Rebuilds read and write the primary, never the replica
(a lagging replica would freeze an old count as fresh).

A catalog update changes what "flagged" and "serious or violent" mean: each month records the
catalog version (and this module's `LAYOUT`) it was built for, and is rebuilt on the next read
under another one.

Tests: tests/test_rollups.py (random data and mutations against the bare SQL, on both
databases; the query count). Bench: bench/bench_report.py (the growth check).
"""

import datetime as dt
import logging
import math
import time
from collections import defaultdict
from dataclasses import replace
from itertools import groupby

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.choices import Role, WorksheetScope
from cases.models import Case as CaseModel
from cases.models import (
    Charge,
    DefenseSubmission,
    Disposition,
    ReportMonth,
    Review,
    Worksheet,
    visible_q,
)
from cases.policy import SCOPE_ATTRIBUTES, count_condition, scope_on_attributes, versions_between
from cases.report_columns import local_month
from consequences.catalog import get_catalog

from .counts import Figures, as_duration, by_source, count_raw_runs, counted, trend_row
from .filters import ReportFilter
from .metrics import DECIDED, METRICS, OFFERS, REVIEWS, TURNAROUND, WHOLE_OFFICE, WORKSHEETS
from .metrics import offers as offers_of
from .metrics import reviews as reviews_of
from .metrics import worksheets as worksheets_of
from .models import COUNT_FIELDS, KEY_FIELDS, MonthlyRollup
from .offense_groups import OFFENSE_GROUPS, Level

if set(COUNT_FIELDS) != set(METRICS):  # models.py cannot import METRICS; keep them in step
    raise ImproperlyConfigured(
        f"MonthlyRollup's counts differ from the metrics: {set(COUNT_FIELDS) ^ set(METRICS)}"
    )

# Bump when the keys or their meaning change (a new offense group, a new bit): every month is
# then rebuilt on its next read.
LAYOUT = "2"
GROUP_BITS = {key: 1 << number for number, key in enumerate(OFFENSE_GROUPS)}
ALL_GROUPS = 0  # `MonthlyRollup.offense_group` of the rows that count every case once
PRIMARY = "default"  # rebuilds and their reads never use the replica
DEFENSE = "defense_requested"  # the one scope attribute that is not about the counts
log = logging.getLogger(__name__)
_OFFER_COUNTS = frozenset(m.key for m in METRICS.values() if m.source == OFFERS)


def built_for():
    """What a month's rows depend on besides the records: the catalog version and the layout."""
    return f"{get_catalog().version}/{LAYOUT}"


DAY = dt.timedelta(days=1)


def _next_month(month):
    return (month + dt.timedelta(days=32)).replace(day=1)


def _month_filter(office_id, month):
    return ReportFilter(
        office_id=office_id, date_from=month, date_to=_next_month(month) - dt.timedelta(days=1)
    )


# --- Building a month ---------------------------------------------------------------------------


# Case ids per query in `_case_keys`: well under SQLite's limit on a statement's parameters.
CASE_KEYS_BATCH = 2000


def _case_keys(case_ids):
    """{case id: (felony, offense groups, flagged, serious or violent, defense requested)} for
    the cases `case_ids` (a set of ids).

    One pass over those cases' counts, grouped by case, with each attribute as "any count
    matches" (`cases.policy.count_condition` and the offense groups' `match`, the conditions the
    raw report asks through EXISTS), and one over their defense requests. Not EXISTS per case:
    PostgreSQL answers those with hashed subplans over every count of every case, a cost that
    grows with history; this is bounded by the month's cases.

    The ids are a list, not a subquery over the month's records: PostgreSQL could not estimate
    an OR of three IN subqueries, so it scanned every case and every count of the database to
    join them (22 ms a month over 20,000 cases, growing with history; 8.7 ms with the list,
    through the counts' case index)."""
    conditions = {name: count_condition(name) for name in SCOPE_ATTRIBUTES if name != DEFENSE}
    conditions.update({f"group_{key}": group.match for key, group in OFFENSE_GROUPS.items()})
    ids = sorted(case_ids)
    rows: list[dict] = []
    requested: set[int] = set()
    for start in range(0, len(ids), CASE_KEYS_BATCH):
        batch = ids[start : start + CASE_KEYS_BATCH]
        rows.extend(
            Charge.objects.using(PRIMARY)
            .filter(case_id__in=batch)
            .order_by()
            .values("case_id")
            .annotate(
                **{
                    name: Max(Case(When(condition, then=Value(1)), default=Value(0)))
                    for name, condition in conditions.items()
                }
            )
        )
        requested.update(
            DefenseSubmission.objects.using(PRIMARY)
            .filter(case_id__in=batch, consideration_requested=True)
            .values_list("case_id", flat=True)
        )
    keys: dict[int, tuple] = defaultdict(lambda: (False, 0, False, False, False))
    for row in rows:
        groups = sum(bit for key, bit in GROUP_BITS.items() if row[f"group_{key}"])
        keys[row["case_id"]] = (
            bool(row["felony"]),
            groups,
            bool(row["flagged"]),
            bool(row["serious_violent"]),
            row["case_id"] in requested,
        )
    for case_id in requested - set(keys):  # a request on a case without counts
        keys[case_id] = (False, 0, False, False, True)
    return keys


def _build(office_id, month):
    """The unsaved rollup rows of one month: one GROUP BY per source over the month's rows, by
    case and scope, then summed by key with the case's attributes (one more query)."""
    month_filter = _month_filter(office_id, month)
    sources = by_source()
    reviews_figures = {
        **counted(sources[REVIEWS]),
        "turnaround_total": Sum(TURNAROUND, filter=DECIDED),
    }
    parts = [
        (offers_of(month_filter, WHOLE_OFFICE, by_policy=False), "case_id", OFFERS),
        (worksheets_of(month_filter, WHOLE_OFFICE), "case_id", WORKSHEETS),
        (reviews_of(month_filter, WHOLE_OFFICE), "worksheet__case_id", REVIEWS),
    ]
    by_case: list[tuple[int, dict]] = []
    for queryset, case_id, source in parts:
        queryset = queryset.using(PRIMARY).order_by()
        figures = reviews_figures if source == REVIEWS else counted(sources[source])
        rows = queryset.values(case_id, "unit_id", "assigned_deputy_id").annotate(**figures)
        by_case.extend((row.pop(case_id), row) for row in rows)
    if not by_case:
        return []
    # Every case counted in the month has a row above: those rows name the cases to key.
    keys_of = _case_keys({case_pk for case_pk, _row in by_case})
    found: dict[tuple, dict] = {}
    for case_pk, row in by_case:
        scope = (row.pop("unit_id"), row.pop("assigned_deputy_id"))
        felony, groups, flagged, serious_violent, defense_requested = keys_of[case_pk]
        # Counted once whatever its groups (offense_group 0, what a report without a group
        # filter reads), and once in each group it is in (the group's bit): a row per group
        # instead of per combination of groups keeps the rows few (issue 19's growth check).
        for group in [ALL_GROUPS, *(bit for bit in GROUP_BITS.values() if groups & bit)]:
            key = (*scope, felony, group, flagged, serious_violent, defense_requested)
            total = found.setdefault(key, {"turnaround_total": dt.timedelta()})
            for name, value in row.items():
                if name == "turnaround_total":
                    total[name] += as_duration(value) or dt.timedelta()
                else:
                    total[name] = total.get(name, 0) + value
    return [
        MonthlyRollup(
            office_id=office_id, month=month, **dict(zip(KEY_FIELDS, key, strict=True)), **values
        )
        for key, values in found.items()
    ]


def rebuild_month(office_id, month, version=None):
    """Replace one month's rows, unless another request rebuilt it meanwhile. True if built."""
    version = version or built_for()
    with transaction.atomic(using=PRIMARY):
        marker = (
            ReportMonth.objects.using(PRIMARY)
            .select_for_update()
            .filter(office_id=office_id, month=month)
            .first()
        )
        if marker is None:
            marker = ReportMonth(office_id=office_id, month=month)
        elif not marker.stale and marker.built_for == version:
            return False
        MonthlyRollup.objects.using(PRIMARY).filter(office_id=office_id, month=month).delete()
        MonthlyRollup.objects.using(PRIMARY).bulk_create(_build(office_id, month), batch_size=500)
        marker.stale = False
        marker.built_for = version
        marker.built_at = timezone.now()
        marker.save(using=PRIMARY)
    return True


def unbuilt(office_id, months):
    """Those of `months` that are missing, stale or built for another catalog (one query)."""
    fresh = _built_at(office_id, months)
    return [month for month in months if month not in fresh]


def _built_at(office_id, months):
    """{month: when it was built} for those of `months` that are fresh (one query)."""
    if not months:
        return {}
    return dict(
        ReportMonth.objects.using(PRIMARY)
        .filter(office_id=office_id, month__in=months, stale=False, built_for=built_for())
        .values_list("month", "built_at")
    )


def refresh(office_id, months):
    """Rebuild those of `months` that are missing, stale or built for another catalog: one query
    when none is. Returns how many were rebuilt."""
    return rebuild_months(office_id, unbuilt(office_id, months))


def rebuild_months(office_id, todo):
    """Rebuild `todo`, months `unbuilt` returned. Returns how many."""
    if todo:
        # The markers must exist before a rebuild can lock them (concurrent rebuilds of a new
        # month then wait for each other instead of both inserting rows).
        ReportMonth.objects.using(PRIMARY).bulk_create(
            [ReportMonth(office_id=office_id, month=month) for month in todo],
            ignore_conflicts=True,
        )
        version = built_for()
        for month in todo:
            rebuild_month(office_id, month, version)
    return len(todo)


# A broker that refused a job is not asked again for this long (per process): each try waits
# up to CELERY_BROKER_CONNECTION_TIMEOUT, and the page rebuilds inline meanwhile.
BROKER_RETRY_SECONDS = 30
# A month queued for a rebuild is not queued again by this process for this long: the pages
# viewed meanwhile count it from the raw rows, and a job that finds it fresh does nothing.
REQUEUE_SECONDS = 30
_broker_down_until = 0.0
_queued: dict[tuple[int, dt.date], float] = {}


def queue_rebuild(office_id, months):
    """Ask the worker to rebuild `months`; False when no broker is configured or it is down.

    A rebuild inside a page view was most of the dashboard's CPU under the load test's mix
    (amendments and conveyances mark months stale between two views). With a job queue, the
    page counts those months from the raw rows, exactly, and the worker rebuilds them."""
    global _broker_down_until
    if not settings.CELERY_BROKER_URL or time.monotonic() < _broker_down_until:
        return False
    now = time.monotonic()
    due = [m for m in months if now - _queued.get((office_id, m), -math.inf) >= REQUEUE_SECONDS]
    if not due:
        return True
    from .tasks import rebuild_months

    try:
        rebuild_months.apply_async(
            args=[office_id, [month.isoformat() for month in due]], retry=False
        )
    except Exception:  # the broker is down: this page rebuilds them itself
        log.warning("Rollup rebuild for office %s not queued: broker unavailable", office_id)
        _broker_down_until = time.monotonic() + BROKER_RETRY_SECONDS
        return False
    for month in due:
        _queued[(office_id, month)] = now
    return True


def rebuild_rollups(office):
    """Rebuild every month the office has records in (after a bulk load that bypassed the
    actions, such as `seed_volume`). Returns how many months were built.

    All of them at once (`rebuild_history`): one GROUP BY per source over the whole range
    instead of three per month, and the summing by key done by the database, not in Python
    case by case. At a million offers the month-by-month rebuild took minutes of Python
    (issue 19's seed); tests/test_rollups.py checks that both give exactly the same rows."""
    office_id = getattr(office, "pk", office)
    bounds = [
        Disposition.objects.filter(office_id=office_id).aggregate(
            first=Min("conveyed_at"), last=Max("conveyed_at")
        ),
        Worksheet.objects.filter(office_id=office_id).aggregate(
            first=Min("signed_at"), last=Max("signed_at")
        ),
        Review.objects.filter(office_id=office_id).aggregate(
            first=Min("requested_at"), last=Max("requested_at")
        ),
    ]
    firsts = [local_month(b["first"]) for b in bounds if b["first"]]
    lasts = [local_month(b["last"]) for b in bounds if b["last"]]
    if not firsts:
        return 0
    months = []
    month = min(firsts)
    while month <= max(lasts):
        months.append(month)
        month = _next_month(month)
    return rebuild_history(office_id, months)


def rebuild_history(office_id, months):
    """Replace the rows of `months` (consecutive, in order) by those `_build` would give month
    by month, in one transaction. Returns how many months were built.

    It holds the locks of all the months' markers while it counts, as `rebuild_month` holds
    one month's: a writer marking one of them waits and marks it stale again after, so nothing
    is lost, but its writes wait for the whole rebuild. Meant for a bulk load or a quiet hour,
    not for the request path (which rebuilds the months it reads one by one: `refresh`)."""
    version = built_for()
    # The months are counted in settings.TIME_ZONE (`local_month`), and so are their bounds.
    with timezone.override(timezone.get_default_timezone()), transaction.atomic(using=PRIMARY):
        if connections[PRIMARY].vendor == "postgresql":
            with connections[PRIMARY].cursor() as cursor:
                # The planner's cost of these GROUP BYs (an EXISTS per ground and row) sends
                # them to JIT compilation, which took longer than the queries (measured: 24 s
                # of 27 at 20,000 cases).
                cursor.execute("SET LOCAL jit = off")
                # The case's keys are IN subqueries over the office's counts, which PostgreSQL
                # answers with one hashed set each only if the set fits in work_mem; past it
                # (4 MB by default, about 400,000 cases) each row rescans the subquery's
                # materialized rows, a cost that grows with the square of the history (the
                # seed's rebuild at 1,000,000 offers ran past 17 minutes). Planner's cost with
                # 4 MB: 1.4e11; with 64 MB: 2.1e6.
                cursor.execute("SET LOCAL work_mem = '64MB'")
        markers = ReportMonth.objects.using(PRIMARY)
        markers.bulk_create(
            [ReportMonth(office_id=office_id, month=month) for month in months],
            ignore_conflicts=True,
        )
        # In the order of the months, as concurrent rebuilds of single months lock them.
        list(
            markers.select_for_update()
            .filter(office_id=office_id, month__in=months)
            .order_by("month")
            .values_list("pk", flat=True)
        )
        MonthlyRollup.objects.using(PRIMARY).filter(office_id=office_id, month__in=months).delete()
        if connections[PRIMARY].vendor == "postgresql":
            _insert_history(office_id, months[0], months[-1])
        else:
            _insert(_build_history(office_id, months[0], months[-1]))
        markers.filter(office_id=office_id, month__in=months).update(
            stale=False, built_for=version, built_at=timezone.now()
        )
    return len(months)


def _keys_of_case(office_id, case_id):
    """The case's attributes that are keys, each as "the case is among those with such a count"
    (or such a defense request): the conditions `_case_keys` reads, as uncorrelated IN
    subqueries, which the database answers with one hashed set per condition over the office's
    counts rather than one lookup per row and condition (EXISTS: several times slower here)."""

    def among(queryset):
        return ExpressionWrapper(
            Q(**{f"{case_id}__in": queryset.values("case_id")}), output_field=BooleanField()
        )

    charges = Charge.objects.using(PRIMARY).filter(case__office_id=office_id)
    keys = {
        name: among(charges.filter(count_condition(name)))
        for name in SCOPE_ATTRIBUTES
        if name != DEFENSE
    }
    keys[DEFENSE] = among(
        DefenseSubmission.objects.using(PRIMARY).filter(
            case__office_id=office_id, consideration_requested=True
        )
    )
    keys.update(
        {
            f"group_{key}": among(charges.filter(group.match))
            for key, group in OFFENSE_GROUPS.items()
        }
    )
    return keys


def _insert(rollups, per_statement=100):
    """INSERT the unsaved `rollups`, a hundred rows per statement. `bulk_create` prepares each
    of the sixty values of a row through its field, which took two thirds of the Python time of
    a whole rebuild; only the month and the turnaround need adapting (SQLite stores a date as
    text and a duration as microseconds), the rest are ints and booleans."""
    connection = connections[PRIMARY]
    fields = [f for f in MonthlyRollup._meta.concrete_fields if not f.primary_key]
    adapted = {"month", "turnaround_total"}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row_placeholder = "(" + ", ".join("%s" for _ in fields) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rollups), per_statement):
            batch = rollups[start : start + per_statement]
            values = [
                field.get_db_prep_save(getattr(rollup, field.attname), connection)
                if field.name in adapted
                else getattr(rollup, field.attname)
                for rollup in batch
                for field in fields
            ]
            cursor.execute(
                f"INSERT INTO {MonthlyRollup._meta.db_table} ({columns}) "  # noqa: S608
                f"VALUES {', '.join(row_placeholder for _ in batch)}",
                values,
            )


def _history_sources(office_id, first_month, last_month, *, by_case=False):
    """Per source, the GROUP BY over the months from `first_month` to `last_month` by local
    month, scope and the case's keys (the same querysets and conditions as `_build`): rows of
    in_month, unit_id, assigned_deputy_id, the keys (`_keys_of_case`) and the source's counts;
    with `by_case`, by the case (`of_case`) instead of its keys (`_insert_history`)."""
    whole = ReportFilter(
        office_id=office_id,
        date_from=first_month,
        date_to=_next_month(last_month) - dt.timedelta(days=1),
    )
    sources = by_source()
    reviews_figures = {
        **counted(sources[REVIEWS]),
        "turnaround_total": Sum(TURNAROUND, filter=DECIDED),
    }
    parts = [
        (offers_of(whole, WHOLE_OFFICE, by_policy=False), "case_id", "conveyed_at", OFFERS),
        (worksheets_of(whole, WHOLE_OFFICE), "case_id", "signed_at", WORKSHEETS),
        (reviews_of(whole, WHOLE_OFFICE), "worksheet__case_id", "requested_at", REVIEWS),
    ]
    zone = timezone.get_default_timezone()
    for queryset, case_id, moment, source in parts:
        keys = {"of_case": F(case_id)} if by_case else _keys_of_case(office_id, case_id)
        figures = reviews_figures if source == REVIEWS else counted(sources[source])
        yield (
            (
                queryset.using(PRIMARY)
                .order_by()
                .annotate(in_month=TruncMonth(moment, tzinfo=zone), **keys)
                .values("in_month", "unit_id", "assigned_deputy_id", *keys)
                .annotate(**figures)
            ),
            list(figures),
        )


def _build_history(office_id, first_month, last_month):
    """The unsaved rollup rows of the months from `first_month` to `last_month`: each source's
    GROUP BY (`_history_sources`), then each group's row added to the rows of the offense
    groups it is in."""
    found: dict[tuple, dict] = {}
    for rows, _figures in _history_sources(office_id, first_month, last_month):
        for row in rows:
            month = local_month(row.pop("in_month"))
            scope = (row.pop("unit_id"), row.pop("assigned_deputy_id"))
            attributes = tuple(bool(row.pop(name)) for name in SCOPE_ATTRIBUTES)
            in_groups = [bit for key, bit in GROUP_BITS.items() if row.pop(f"group_{key}")]
            for group in [ALL_GROUPS, *in_groups]:  # as `_build` counts a case
                felony, flagged, serious_violent, defense_requested = attributes
                key = (month, *scope, felony, group, flagged, serious_violent, defense_requested)
                total = found.setdefault(key, {"turnaround_total": dt.timedelta()})
                for name, value in row.items():
                    if name == "turnaround_total":
                        total[name] += as_duration(value) or dt.timedelta()
                    else:
                        total[name] = total.get(name, 0) + value
    return [
        MonthlyRollup(
            office_id=office_id,
            month=key[0],
            **dict(zip(KEY_FIELDS, key[1:], strict=True)),
            **values,
        )
        for key, values in found.items()
    ]


def _insert_history(office_id, first_month, last_month):
    """On PostgreSQL, `_build_history`'s rows written by one INSERT ... SELECT, counted as
    `_build` counts: each source's GROUP BY by month, scope and case (`_history_sources`),
    joined to the keys of the office's cases, computed once with `_keys_of_case`'s conditions
    (evaluated by each of the three sources, they were most of the time), then to the offense
    groups each case is in, and summed by key. Building and inserting the rows in Python took a
    third of a seed's rollup time (issue 19); tests/test_rollups.py checks the rows equal the
    month-by-month rebuild's, on both databases."""
    connection = connections[PRIMARY]
    quote = connection.ops.quote_name
    counts = list(COUNT_FIELDS)
    keys = ["felony", "flagged", "serious_violent", "defense_requested"]
    if set(keys) != set(SCOPE_ATTRIBUTES):  # the order of MonthlyRollup's key columns
        raise ImproperlyConfigured(f"Rollup keys {keys} differ from {SCOPE_ATTRIBUTES}")
    case_keys = _keys_of_case(office_id, "pk")
    keys_sql, keys_params = (
        CaseModel.objects.using(PRIMARY)
        .filter(office_id=office_id)
        .order_by()
        .annotate(**case_keys)
        .values("pk", *case_keys)
        .query.get_compiler(using=PRIMARY)
        .as_sql()
    )
    selects, sources_params = [], []
    for queryset, figures in _history_sources(office_id, first_month, last_month, by_case=True):
        sql, params = queryset.query.get_compiler(using=PRIMARY).as_sql()
        # The local month as a date (`local_month`: TruncMonth is already local), and the
        # counts this source does not have as 0.
        columns = [
            "in_month::date",
            "unit_id",
            "assigned_deputy_id",
            quote("of_case"),
            *(quote(name) if name in figures else "0" for name in counts),
            "turnaround_total" if "turnaround_total" in figures else "NULL::interval",
        ]
        selects.append(f"SELECT {', '.join(columns)} FROM ({sql}) source")  # noqa: S608
        sources_params.extend(params)
    # The keys in a table of their own, analysed: with no statistics (a CTE) the planner
    # expected every case many times over and sorted the join instead of hashing it.
    keys_table = quote("rollup_case_keys")
    names = [quote(name) for name in case_keys if name != "pk"]
    in_group = " OR ".join(
        [f"group_bit = {ALL_GROUPS}"]
        + [f"(group_bit = {bit} AND {quote(f'group_{name}')})" for name, bit in GROUP_BITS.items()]
    )
    bits = ", ".join(f"({bit})" for bit in [ALL_GROUPS, *GROUP_BITS.values()])
    by_key = ["month", "unit_id", "assigned_deputy_id", *names]
    columns = ["office_id", "month", "unit_id", "assigned_deputy_id", "felony", "offense_group"]
    columns += [*keys[1:], "turnaround_total", *counts]
    sums = ", ".join(f"SUM({quote(name)}) AS {quote(name)}" for name in counts)
    # Summed by month, scope and keys (offense groups included) first, then fanned out to the
    # offense groups each row is in and summed by the rollup's key.
    keyed = (
        f"SELECT {', '.join(by_key[:3])}, "  # noqa: S608 - names from models
        f"{', '.join(f'COALESCE(case_keys.{n}, false) AS {n}' for n in names)}, "
        f"SUM(turnaround_total) AS turnaround_total, {sums} "
        f"FROM ({' UNION ALL '.join(selects)}) grouped(month, unit_id, assigned_deputy_id, "
        f"case_id, {', '.join(quote(name) for name in counts)}, turnaround_total) "
        f"LEFT JOIN {keys_table} case_keys ON case_keys.pk = grouped.case_id "
        f"GROUP BY {', '.join(by_key[:3])}, "
        f"{', '.join(f'COALESCE(case_keys.{n}, false)' for n in names)}"
    )
    out_key = ["month", "unit_id", "assigned_deputy_id", "felony", "group_bit", *keys[1:]]
    sql = (
        f"INSERT INTO {quote(MonthlyRollup._meta.db_table)} "  # noqa: S608 - names from models
        f"({', '.join(quote(c) for c in columns)}) "
        f"SELECT %s, {', '.join(out_key)}, COALESCE(SUM(turnaround_total), INTERVAL '0'), "
        f"{', '.join(f'SUM({quote(name)})::integer' for name in counts)} "
        f"FROM ({keyed}) keyed JOIN (VALUES {bits}) offense(group_bit) ON {in_group} "
        f"GROUP BY {', '.join(out_key)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {keys_table} ON COMMIT DROP AS {keys_sql}", keys_params
        )
        cursor.execute(f"ANALYZE {keys_table}")
        cursor.execute(sql, [office_id, *sources_params])
        cursor.execute(f"DROP TABLE {keys_table}")


# --- Reading ------------------------------------------------------------------------------------


def _keys_hold_visibility(user):
    """Can `visible_q(user)` be written on the rollup's keys (office, unit, assigned deputy)?
    Not for counsel, who see the cases routed to them: a fact of the case, not a key."""
    membership = getattr(user, "membership", None)
    return membership is None or membership.role != Role.COUNSEL


def _filter_on_keys(report_filter):
    """The filter's unit, deputy, level and offense group as conditions on the keys: the raw
    report's `metrics._scope` read on the case's attributes stored in the row."""
    q = Q(office_id=report_filter.office_id)
    if report_filter.unit_id:
        q &= Q(unit_id=report_filter.unit_id)
    if report_filter.deputy_id:
        q &= Q(assigned_deputy_id=report_filter.deputy_id)
    if report_filter.level:
        q &= Q(felony=report_filter.level == Level.FELONY)
    if report_filter.offense_group:
        q &= Q(offense_group=GROUP_BITS[report_filter.offense_group])
    else:
        q &= Q(offense_group=ALL_GROUPS)
    return q


def _plan(report_filter):
    """(whole months read from the rollup, {month: policy version in force all that month},
    {partial month at an edge of the period: the version in force all that month})."""
    months = list(report_filter.months())
    spans = versions_between(report_filter.office_id, months[0], _next_month(months[-1]))
    in_force, edges = {}, {}
    for month in months:
        following = _next_month(month)
        covering = [
            span
            for span in spans
            if span.start < following and (span.end is None or span.end > month)
        ]
        if len(covering) != 1:  # a version took effect within the month: count it raw
            continue
        if report_filter.date_from <= month and following - DAY <= report_filter.date_to:
            in_force[month] = covering[0].policy
        else:
            edges[month] = covering[0].policy
    return list(in_force), in_force, edges


def _outside(report_filter, month):
    """The days of `month` outside the period, as filters: before it starts, after it ends."""
    last = _next_month(month) - dt.timedelta(days=1)
    pieces = []
    if report_filter.date_from > month:
        pieces.append(
            replace(report_filter, date_from=month, date_to=report_filter.date_from - DAY)
        )
    if report_filter.date_to < last:
        pieces.append(replace(report_filter, date_from=report_filter.date_to + DAY, date_to=last))
    return pieces


def _by_complement(report_filter, month, today):
    """Is the partial `month` cheaper as its whole month's rollup minus the days outside the
    period, counted raw, than as the days inside counted raw? Days still to come hold no records
    (offers are conveyed, worksheets signed and reviews requested when they happen), so they
    cost nothing to count: the current month, in a period ending today, is its rollup minus the
    rest of the month. Only a cost estimate: the count is exact either way."""
    inside = (
        min(report_filter.date_to, _next_month(month) - DAY) - max(report_filter.date_from, month)
    ).days + 1
    passed = sum(
        max(0, (min(piece.date_to, today) - piece.date_from).days + 1)
        for piece in _outside(report_filter, month)
    )
    return passed < inside


def _offer_condition(in_force):
    """Office policy on the keys: each month's version's worksheet scope, for that month."""
    by_version: dict[int, tuple] = {}
    for month, policy in in_force.items():
        if policy.worksheet_scope == WorksheetScope.NONE:
            continue  # no offer needed a worksheet that month
        by_version.setdefault(id(policy), (policy, []))[1].append(month)
    if len(by_version) == 1 and len(next(iter(by_version.values()))[1]) == len(in_force):
        # One version for every month read: the months are already the query's condition;
        # repeated in each offer count's FILTER they cost a list comparison per row and count.
        return scope_on_attributes(next(iter(by_version.values()))[0])
    condition = None
    for policy, months in by_version.values():
        part = Q(month__in=months) & scope_on_attributes(policy)
        condition = part if condition is None else condition | part
    return condition


def _raw_runs(report_filter, rolled):
    """The sub-periods counted from the raw rows: runs of the period's months not rolled up,
    clipped to the period."""
    rolled = set(rolled)
    months = list(report_filter.months())
    for is_rolled, grouped in groupby(months, key=lambda month: month in rolled):
        if is_rolled:
            continue
        run = list(grouped)
        yield replace(
            report_filter,
            date_from=max(run[0], report_filter.date_from),
            date_to=min(_next_month(run[-1]) - dt.timedelta(days=1), report_filter.date_to),
        )


def count(report_filter, user, *, by_complement=True):
    """The dashboard's figures: whole months from the rollup, the rest from the raw rows.
    Stale or missing months are rebuilt first, here, or with a job queue by the worker while
    this page counts them from the raw rows (`queue_rebuild`). None when the rollup cannot
    answer for this viewer. `by_complement`: edge months may be read whole, less the days
    outside the period (`_by_complement`)."""
    if not _keys_hold_visibility(user):
        return None
    if timezone.get_current_timezone_name() != settings.TIME_ZONE:
        return None  # months were built in settings.TIME_ZONE
    rolled, in_force, edges = _plan(report_filter)
    counts = dict.fromkeys(COUNT_FIELDS, 0)
    turnaround_total = dt.timedelta()
    by_month = {}
    built_at = _built_at(report_filter.office_id, rolled + list(edges))
    todo = [month for month in rolled + list(edges) if month not in built_at]
    # A partial month at an edge whose rollup is fresh may be read as its whole month minus the
    # days outside the period (`_by_complement`): the raw rows of a partial month are as many
    # as the office's offers per day, the cost that grew with the volume stored (issue 19).
    # Never rebuilt or queued for that: a stale one is counted raw, as before.
    today = timezone.localdate()
    outside = []
    for month, policy in edges.items():
        if by_complement and month in built_at and _by_complement(report_filter, month, today):
            rolled.append(month)
            in_force[month] = policy
            outside.extend(_outside(report_filter, month))
    todo = [month for month in todo if month not in edges]
    if todo and queue_rebuild(report_filter.office_id, todo):
        rolled = [month for month in rolled if month not in todo]  # counted raw below
        in_force = {month: in_force[month] for month in rolled}
    elif todo:
        rebuild_months(report_filter.office_id, todo)
    if rolled:
        offer_condition = _offer_condition(in_force)
        sums = {
            name: Sum(name, filter=offer_condition)
            if name in _OFFER_COUNTS and offer_condition  # an empty Q(): every offer counts
            else Sum(name)
            for name in COUNT_FIELDS
            if name not in _OFFER_COUNTS or offer_condition is not None
        }
        rows = (
            MonthlyRollup.objects.using(PRIMARY)
            .filter(_filter_on_keys(report_filter), visible_q(user), month__in=rolled)
            .order_by()
            .values("month")
            .annotate(**sums, turnaround_total=Sum("turnaround_total"))
        )
        for row in rows:
            month = row.pop("month")
            turnaround_total += as_duration(row.pop("turnaround_total")) or dt.timedelta()
            for name, value in row.items():
                counts[name] += value or 0
            by_month[month] = row
    runs = list(_raw_runs(report_filter, rolled))
    if runs:  # the partial months at both edges, and any other month not rolled up: one pass
        raw = count_raw_runs(runs, user)
        for name in COUNT_FIELDS:
            counts[name] += raw.counts[name]
        turnaround_total += raw.turnaround_total
        for row in raw.trend:
            by_month[row["month"]] = {
                "offers_conveyed": row["conveyed"],
                "offers_compliant": row["compliant"],
            }
    if outside:  # the days outside the period of the edge months read whole: one pass
        # From the primary, as the rollup (a lagging replica would subtract too little).
        pieces = sorted(outside, key=lambda piece: piece.date_from)
        raw = count_raw_runs(pieces, user, using=PRIMARY)
        complemented = [month for month in edges if month in rolled]
        if _built_at(report_filter.office_id, complemented) != {
            month: built_at[month] for month in complemented
        }:
            # A write to one of those months committed between the rollup's read and these
            # raw rows' (it marks its months stale in its own transaction): the difference
            # would mix two states of the records. Count the edges from the raw rows instead.
            return count(report_filter, user, by_complement=False)
        for name in COUNT_FIELDS:
            counts[name] -= raw.counts[name]
        turnaround_total -= raw.turnaround_total
        for row in raw.trend:
            month_row = by_month.setdefault(row["month"], {})
            for name, key in [("offers_conveyed", "conveyed"), ("offers_compliant", "compliant")]:
                month_row[name] = (month_row.get(name) or 0) - row[key]
    trend = []
    for month in report_filter.months():
        row = by_month.get(month, {})
        trend.append(
            trend_row(month, row.get("offers_conveyed") or 0, row.get("offers_compliant") or 0)
        )
    decided = counts["reviews_decided"]
    return Figures(
        counts=counts,
        trend=trend,
        turnaround_total=turnaround_total,
        average_turnaround=turnaround_total / decided if decided else None,
    )
