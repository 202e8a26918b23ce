"""Compliance metrics for § 1016.3(b): every figure is an SQL aggregate over the records.

A report is a `ReportFilter` (period, office, unit, deputy, felony or misdemeanor, offense group)
read for a viewer. Each figure is a `Metric`: a source (offers, worksheets, reviews, grounds,
overrides) and a condition. The dashboard counts each metric with one conditional aggregate per
source, and the drill-down lists the rows of the same source under the same condition, so a
number and the list behind it cannot disagree (tests/test_reports.py checks that they don't).

What is counted (docs/codebook.md says the same for readers of the export):

- offers: plea offers conveyed in the period (Disposition.conveyed_at), whatever their status
  since, that office policy required a worksheet for (`cases.policy.requires_worksheet`: the
  worksheet scope, the serious-or-violent exclusion and the defense-request setting of the
  version in force on the day the offer was conveyed). Compliant: a signed worksheet
  considering the offer was in place when it was conveyed
  (`conveyed_with_signed_worksheet`, recorded by `actions.convey_offer`). Late: not compliant,
  but a worksheet considering it was signed after it was conveyed. Missing: neither.
- worksheets: the final signed version of each case's worksheet, counted in the month it was
  signed; a version later replaced by a signed amendment is not counted again.
- reviews: supervisor reviews requested in the period, by outcome and turnaround.
- scope: the case's office, unit and assigned deputy (as they are now; copied onto offers,
  worksheets and reviews and kept in step by the actions), its counts as charged
  (felony: any count charged as a felony or a wobbler), and the offense group of any of its
  counts (`OFFENSE_GROUPS`, by code family). Always within what the viewer may open
  (`Case.objects.visible_to`).

The shortcut columns counted here (scope, `conveyed_month`, `signed_late`, `flagged_grounds`,
`overridden_grounds`) are written in one place, `cases.report_columns`; this module only reads them.

Nothing here reads immigration status or nationality, and no figure is broken down by them.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import (
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.lookups import GreaterThan

from cases.choices import (
    ChargeLevel,
    Decision,
    DispositionLabel,
    ParityAnswer,
    ReviewOutcome,
    Role,
)
from cases.models import (
    GROUND_BITS,
    Charge,
    Disposition,
    Review,
    Worksheet,
    visible_q,
)
from cases.policy import requires_worksheet_q
from consequences.statuses import Ground

from .offense_groups import OFFENSE_GROUPS, Level

OFFERS, WORKSHEETS, REVIEWS = "offers", "worksheets", "reviews"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    source: str  # OFFERS, WORKSHEETS or REVIEWS: what the drill-down lists
    condition: Q = field(default_factory=Q, repr=False)
    section: str = ""


_COMPLIANT = Q(conveyed_with_signed_worksheet=True)
# Set with the offer's LateSignature row at signing (in the covering index): no join.
_SIGNED_LATE = Q(signed_late=True)


def _has_ground(ground):
    """Flagged on any offer the worksheet considered: its bit in `flagged_grounds`, set at
    signing (`cases.report_columns.flagged_grounds`)."""
    return Q(GreaterThan(F("flagged_grounds").bitand(GROUND_BITS[ground.value]), 0))


def _has_override(ground=None):
    """A flag of the worksheet overridden (of `ground`): its bits in `overridden_grounds`, set
    at signing from its `FlagOverride` rows (`cases.report_columns.overridden_grounds`), so the
    override mix is counted in the worksheets' pass, not by reading every override stored."""
    if ground is None:
        return ~Q(overridden_grounds=0)
    return Q(GreaterThan(F("overridden_grounds").bitand(GROUND_BITS[ground.value]), 0))


TURNAROUND = ExpressionWrapper(F("decided_at") - F("requested_at"), output_field=DurationField())
DECIDED = ~Q(outcome=ReviewOutcome.PENDING)
_WITHIN_2_DAYS = DECIDED & Q(decided_at__lte=F("requested_at") + dt.timedelta(days=2))
_WITHIN_7_DAYS = DECIDED & Q(decided_at__lte=F("requested_at") + dt.timedelta(days=7))


def _metrics():
    metrics = [
        Metric("offers_conveyed", "Offers conveyed", OFFERS, Q(), "compliance"),
        Metric(
            "offers_compliant",
            "Conveyed with a signed worksheet beforehand",
            OFFERS,
            _COMPLIANT,
            "compliance",
        ),
        Metric(
            "offers_late",
            "Worksheet signed only after conveyance (late)",
            OFFERS,
            ~_COMPLIANT & _SIGNED_LATE,
            "compliance",
        ),
        Metric(
            "offers_missing",
            "No signed worksheet (missing)",
            OFFERS,
            ~_COMPLIANT & ~_SIGNED_LATE,
            "compliance",
        ),
        Metric(
            "worksheets_signed", "Worksheets signed (final versions)", WORKSHEETS, Q(), "decisions"
        ),
    ]
    metrics += [
        Metric(f"decision_{d.value}", d.label, WORKSHEETS, Q(decision=d), "decisions")
        for d in Decision
    ]
    metrics += [
        Metric(f"parity_{p.value}", p.label, WORKSHEETS, Q(parity_answer=p), "parity")
        for p in ParityAnswer
    ]
    metrics.append(
        Metric(
            "parity_not_answered",
            "Not answered (office does not ask)",
            WORKSHEETS,
            Q(parity_answer=""),
            "parity",
        )
    )
    metrics += [
        Metric(f"ground_{g.value}", g.label, WORKSHEETS, _has_ground(g), "grounds") for g in Ground
    ]
    metrics.append(
        Metric(
            "overrides_any",
            "Worksheets with a flag overridden",
            WORKSHEETS,
            _has_override(),
            "overrides",
        )
    )
    metrics += [
        Metric(
            f"override_{g.value}",
            f"{g.label} (overridden)",
            WORKSHEETS,
            _has_override(g),
            "overrides",
        )
        for g in Ground
    ]
    metrics += [
        Metric("reviews_requested", "Reviews requested", REVIEWS, Q(), "reviews"),
        Metric(
            "reviews_approved", "Approved", REVIEWS, Q(outcome=ReviewOutcome.APPROVED), "reviews"
        ),
        Metric(
            "reviews_returned",
            "Returned with comments",
            REVIEWS,
            Q(outcome=ReviewOutcome.RETURNED),
            "reviews",
        ),
        Metric(
            "reviews_pending",
            "Awaiting review",
            REVIEWS,
            Q(outcome=ReviewOutcome.PENDING),
            "reviews",
        ),
        Metric("reviews_decided", "Decided", REVIEWS, DECIDED, "turnaround"),
        Metric(
            "reviews_within_2_days", "Decided within 2 days", REVIEWS, _WITHIN_2_DAYS, "turnaround"
        ),
        Metric(
            "reviews_3_to_7_days",
            "Decided in 3 to 7 days",
            REVIEWS,
            _WITHIN_7_DAYS & ~_WITHIN_2_DAYS,
            "turnaround",
        ),
        Metric(
            "reviews_over_7_days",
            "Decided after more than 7 days",
            REVIEWS,
            DECIDED & ~_WITHIN_7_DAYS,
            "turnaround",
        ),
    ]
    return {metric.key: metric for metric in metrics}


METRICS = _metrics()

# Sets of metrics that add up to a total: a total minus the others would give away a suppressed
# cell, so exports hide more cells until none can be worked out (`export.suppress`; the trend's
# months add two more, `export.report_partitions`). Listed also where one follows from two
# others (decided = approved + returned, from the two partitions of reviews requested), so
# that the rule sees it directly.
PARTITIONS = [
    ("offers_conveyed", ["offers_compliant", "offers_late", "offers_missing"]),
    ("worksheets_signed", [f"decision_{d.value}" for d in Decision]),
    ("worksheets_signed", [f"parity_{p.value}" for p in ParityAnswer] + ["parity_not_answered"]),
    ("reviews_requested", ["reviews_approved", "reviews_returned", "reviews_pending"]),
    ("reviews_requested", ["reviews_decided", "reviews_pending"]),
    ("reviews_decided", ["reviews_approved", "reviews_returned"]),
    ("reviews_decided", ["reviews_within_2_days", "reviews_3_to_7_days", "reviews_over_7_days"]),
]

# What else a reader knows of the figures, as (smaller, larger): sum(smaller) <= sum(larger).
# A ground is flagged, and a flag overridden, on at most every signed worksheet; a worksheet
# with an override has at least one ground overridden. (An override need not be of a ground
# the engine flagged, so override <= ground is not among them.)
INEQUALITIES = [
    *(([f"ground_{g.value}"], ["worksheets_signed"]) for g in Ground),
    (["overrides_any"], ["worksheets_signed"]),
    *(([f"override_{g.value}"], ["overrides_any"]) for g in Ground),
    (["overrides_any"], [f"override_{g.value}" for g in Ground]),
]


# --- Querysets ----------------------------------------------------------------------------------

# In place of a viewer: every row of the filter's office. Only for building the monthly rollup
# (`rollups`), which the report then reads within each viewer's visibility; never a reader.
WHOLE_OFFICE = object()


def _scope(report_filter, user, path="", case_id="case_id"):
    """The filter's scope as a Q, within the viewer's access.

    Offers, worksheets and reviews carry their case's office, unit and assigned deputy
    (`models.CaseScope`), so the scope is a condition on the source's own columns at `path`
    ("" for those, "worksheet__" from a ground or an override), which the covering indexes
    by scope and period answer without joining the office's cases. `case_id` is the path to
    the case's id, for the counts-as-charged filters (EXISTS on the case's counts).
    """
    q = Q(**{path + "office_id": report_filter.office_id}) & _visible(user, path, case_id)
    if report_filter.unit_id:
        q &= Q(**{path + "unit_id": report_filter.unit_id})
    if report_filter.deputy_id:
        q &= Q(**{path + "assigned_deputy_id": report_filter.deputy_id})
    charges = Charge.objects.filter(case_id=OuterRef(case_id))
    if report_filter.level:
        felony = Exists(charges.filter(level__in=[ChargeLevel.FELONY, ChargeLevel.WOBBLER]))
        q &= Q(felony) if report_filter.level == Level.FELONY else ~Q(felony)
    if report_filter.offense_group:
        q &= Q(Exists(charges.filter(OFFENSE_GROUPS[report_filter.offense_group].match)))
    return q


def _visible(user, path, case_id):
    """`Case.objects.visible_to` on the copied scope columns. Counsel see the cases routed to
    them, which only the case records: for them (never report readers) it goes through the
    case."""
    if user is WHOLE_OFFICE:
        return Q()
    membership = getattr(user, "membership", None)
    if membership is not None and membership.role == Role.COUNSEL:
        return visible_q(user, prefix=case_id.removesuffix("_id") + "__")
    return visible_q(user, prefix=path)


def offers(report_filter, user, by_policy=True):
    """The People's offers conveyed in the period, in scope, that office policy required a
    worksheet for (cases.policy: the version in force on the day each was conveyed). A defense
    proposal is the defense's, not an offer the People conveyed: it is never counted
    (actions.convey_offer refuses to convey one; this keeps data from before that rule out too).
    `by_policy=False`: every conveyed offer, for the rollup, which applies policy as it reads."""
    conditions = [_scope(report_filter, user)]
    if by_policy:
        start, end = report_filter.start, report_filter.end
        conditions.append(requires_worksheet_q(report_filter.office_id, start, end))
    return Disposition.objects.filter(
        *conditions,
        conveyed_at__gte=report_filter.start,
        conveyed_at__lt=report_filter.end,
    ).exclude(label=DispositionLabel.DEFENSE)


def signed_in_period(report_filter, user, prefix=""):
    """Final signed worksheet versions signed in the period, in scope, on the path `prefix`.

    Final: no signed amendment replaces it (an anti-join to the few signed amendments,
    through their partial index).
    """
    worksheet_id = prefix.removesuffix("__") + "_id" if prefix else "pk"
    replaced = Worksheet.objects.filter(
        amends=OuterRef(worksheet_id), amends__isnull=False, signed_at__isnull=False
    )
    return (
        _scope(report_filter, user, prefix, prefix + "case_id")
        & ~Q(Exists(replaced))
        & Q(
            **{
                prefix + "signed_at__gte": report_filter.start,
                prefix + "signed_at__lt": report_filter.end,
            }
        )
    )


def worksheets(report_filter, user):
    """Final signed worksheet versions signed in the period, in scope."""
    return Worksheet.objects.filter(signed_in_period(report_filter, user))


def reviews(report_filter, user):
    """Supervisor reviews requested in the period, in scope."""
    return Review.objects.filter(
        _scope(report_filter, user, case_id="worksheet__case_id"),
        requested_at__gte=report_filter.start,
        requested_at__lt=report_filter.end,
    )


SOURCES: dict[str, Callable[..., QuerySet]] = {
    OFFERS: offers,
    WORKSHEETS: worksheets,
    REVIEWS: reviews,
}


def rows_for(metric, report_filter, user):
    """The rows behind one figure: the drill-down's queryset."""
    return SOURCES[metric.source](report_filter, user).filter(metric.condition)
