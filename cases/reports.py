"""Compliance metrics for § 1016.3(b): every figure is an SQL aggregate over the records.

A report is a `ReportFilter` (period, office, unit, deputy, felony or misdemeanor, offense group)
read for a viewer. Each figure is a `Metric`: a source (offers, worksheets, reviews, grounds,
overrides) and a condition. The dashboard counts each metric with one conditional aggregate per
source, and the drill-down lists the rows of the same source under the same condition, so a
number and the list behind it cannot disagree (tests/test_reports.py checks that they don't).

What is counted (docs/codebook.md says the same for readers of the export):

- offers: plea offers conveyed in the period (Disposition.conveyed_at), whatever their status
  since. Compliant: a signed worksheet considering the offer was in place when it was conveyed
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

Nothing here reads immigration status or nationality, and no figure is broken down by them.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
)
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from consequences.statuses import Ground

from .choices import ChargeLevel, Decision, ParityAnswer, ReviewOutcome, Role
from .models import (
    GROUND_BITS,
    Charge,
    Disposition,
    FlagOverride,
    Review,
    Unit,
    Worksheet,
    visible_q,
)

SUPPRESSION_THRESHOLD = 5  # counts under this are shown as "<5" in anything exported
SUPPRESSED = "<5"
MAX_PERIOD_DAYS = 366 * 10


# --- Offense groups ---------------------------------------------------------------------------


def _int_range_regex(low, high):
    """A regular expression matching a section whose whole-number part is in [low, high].

    Sections are text ("273.5", "273a", "11350"), so a numeric range is written as a pattern
    (the to-regex-range method: split into runs with a fixed digit prefix). It is the same
    pattern on SQLite (Python's re) and PostgreSQL (POSIX ARE): only [0-9], |, (), ^ and $.
    """
    stops = {high}
    nines = 1
    stop = int(str(low)[:-nines] + "9" * nines)
    while low <= stop < high:
        stops.add(stop)
        nines += 1
        stop = int(str(low)[:-nines] + "9" * nines)
    zeros = 1
    stop = (high + 1) - (high + 1) % 10**zeros - 1
    while low < stop <= high:
        stops.add(stop)
        zeros += 1
        stop = (high + 1) - (high + 1) % 10**zeros - 1
    parts = []
    start = low
    for stop in sorted(stops):
        parts.append(_digits_pattern(str(start), str(stop)))
        start = stop + 1
    return r"^(" + "|".join(parts) + r")([^0-9]|$)"


def _digits_pattern(start, stop):
    pattern, any_digits = "", 0
    for a, b in zip(start, stop, strict=True):
        if a == b:
            pattern += a
        elif a == "0" and b == "9":
            any_digits += 1
        else:
            pattern += f"[{a}-{b}]"
    return pattern + "[0-9]" * any_digits


def _sections(code, *ranges, exact=(), subdivisions=()):
    """Counts of one code: whole-number ranges, exact sections, (section, subdivision prefix)."""
    q = Q()
    for low, high in ranges:
        q |= Q(section__regex=_int_range_regex(low, high))
    if exact:
        q |= Q(section__in=exact)
    for section, subdivision in subdivisions:
        q |= Q(section=section, subdivision__startswith=subdivision)
    return Q(code=code) & q


@dataclass(frozen=True)
class OffenseGroup:
    key: str
    label: str
    definition: str  # as docs/codebook.md prints it
    match: Q = field(repr=False)


# Code families, checked in this order: a count belongs to the first group it matches, so the
# groups never overlap. A case is in a group when any of its counts as charged is. Derived from
# the Penal Code's titles and parts and the catalog's tags (docs/catalog.md); the codebook
# lists them. Counts whose statute could not be read fall in "other".
_DV = _sections(
    "PC",
    exact=("273.5", "273.6", "273a", "273ab", "273d", "646.9"),
    subdivisions=(("243", "(e)"), ("166", "(c)")),
)
_SEX = _sections("PC", (261, 269), (281, 290), (311, 314), subdivisions=(("647", "(b)"),))
_PERSONS = _sections("PC", (187, 248), (270, 273), (368, 368), (422, 422))
_WEAPONS = _sections("PC", (16000, 34370), (417, 417))
_PROPERTY = _sections("PC", (450, 625))
_DRUGS = _sections("HS", (11000, 11999)) | _sections("BP", exact=("4060", "4140"))
_VEHICLE = Q(code="VC")
_PUBLIC = _sections("PC", (67, 186), (369, 421), (640, 653), (1320, 1320), (4500, 4600))

_ORDERED = [
    (
        "domestic_violence",
        "Domestic violence, stalking, child abuse, protective orders",
        _DV,
        "PC 273.5, 273.6, 273a, 273ab, 273d, 646.9, 243(e), 166(c)",
    ),
    ("sex_offense", "Sex offenses and prostitution", _SEX, "PC 261–269, 281–290, 311–314, 647(b)"),
    (
        "persons",
        "Other offenses against the person",
        _PERSONS,
        "PC 187–248 (homicide, kidnapping, robbery, assault, battery), 270–273, 368, 422",
    ),
    ("weapons", "Weapons", _WEAPONS, "PC 16000–34370 (Part 6), 417"),
    (
        "property",
        "Property, theft and fraud",
        _PROPERTY,
        "PC 450–625 (arson, burglary, forgery, theft, fraud, receiving, vandalism)",
    ),
    ("drugs", "Controlled substances", _DRUGS, "HS 11000–11999, BP 4060, BP 4140"),
    ("vehicle", "Driving and vehicle offenses", _VEHICLE, "every VC section"),
    (
        "public_order",
        "Justice and public order",
        _PUBLIC,
        "PC 67–186 (obstruction, contempt), 369–421, 640–653, 1320, 4500–4600",
    ),
]


def _build_groups():
    groups, earlier = [], Q()
    for key, label, match, definition in _ORDERED:
        groups.append(OffenseGroup(key, label, definition, match & ~earlier if earlier else match))
        earlier |= match
    groups.append(OffenseGroup("other", "Other", "any count in none of the groups above", ~earlier))
    return {group.key: group for group in groups}


OFFENSE_GROUPS = _build_groups()


def offense_group_of(charge):
    """The group of one count, by the same rule as the SQL filter (for pages and tests)."""
    matches = Charge.objects.filter(pk=charge.pk)
    for group in OFFENSE_GROUPS.values():
        if matches.filter(group.match).exists():
            return group.key
    return "other"  # pragma: no cover - "other" matches whatever the others do not


class Level:
    FELONY = "felony"
    MISDEMEANOR = "misdemeanor"
    CHOICES = [
        ("", "Felony and misdemeanor"),
        (FELONY, "Felony cases"),
        (MISDEMEANOR, "Misdemeanor cases"),
    ]


# --- The filter -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers. `date_to` is inclusive; dates are the office's local calendar."""

    office_id: int
    date_from: dt.date
    date_to: dt.date
    unit_id: int | None = None
    deputy_id: int | None = None
    level: str = ""
    offense_group: str = ""

    @property
    def start(self):
        return _local_midnight(self.date_from)

    @property
    def end(self):
        return _local_midnight(self.date_to + dt.timedelta(days=1))

    def months(self):
        """The first day of every month the period touches, in order."""
        month = self.date_from.replace(day=1)
        while month <= self.date_to:
            yield month
            month = (month + dt.timedelta(days=32)).replace(day=1)

    def for_month(self, month):
        """The same filter narrowed to one month of the period (for the trend's drill-down)."""
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        return ReportFilter(
            office_id=self.office_id,
            date_from=max(self.date_from, month),
            date_to=min(self.date_to, next_month - dt.timedelta(days=1)),
            unit_id=self.unit_id,
            deputy_id=self.deputy_id,
            level=self.level,
            offense_group=self.offense_group,
        )

    def as_query(self):
        """The filter as GET parameters, for links from a figure to its drill-down."""
        params = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.unit_id:
            params["unit"] = str(self.unit_id)
        if self.deputy_id:
            params["deputy"] = str(self.deputy_id)
        if self.level:
            params["level"] = self.level
        if self.offense_group:
            params["offense_group"] = self.offense_group
        return params

    def audit_summary(self):
        """The filter for the audit log: ids and codes only, never names."""
        return " ".join(f"{key}={value}" for key, value in self.as_query().items())


def _local_midnight(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def default_period(today=None):
    """The last twelve months, this one included."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, today


class ReportFilterForm(forms.Form):
    """The filter as the viewer chooses it; units and deputies are limited to what they may see.

    Everything is a date or a choice from a fixed list, so nothing typed reaches SQL: an
    unknown unit, deputy or group is a validation error in plain words.
    """

    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"})
    )
    unit = forms.ModelChoiceField(
        label="Unit", queryset=Unit.objects.none(), required=False, empty_label="All units"
    )
    deputy = forms.ModelChoiceField(
        label="Deputy",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="All deputies",
    )
    level = forms.ChoiceField(label="Felony or misdemeanor", choices=Level.CHOICES, required=False)
    offense_group = forms.ChoiceField(label="Offense group", required=False)

    def __init__(self, data=None, *, user, **kwargs):
        self.membership = user.membership
        if data is not None and not data.get("date_from") and not data.get("date_to"):
            data = data.copy()
            data["date_from"], data["date_to"] = (d.isoformat() for d in default_period())
        super().__init__(data, **kwargs)
        units = Unit.objects.filter(office_id=self.membership.office_id)
        deputies = get_user_model().objects.filter(
            membership__office_id=self.membership.office_id,
            membership__role__in=[Role.DEPUTY, Role.SUPERVISOR],
        )
        if self.membership.role != Role.ADMIN and self.membership.unit_id:
            units = units.filter(pk=self.membership.unit_id)
            deputies = deputies.filter(membership__unit_id=self.membership.unit_id)
        self.fields["unit"].queryset = units
        self.fields["deputy"].queryset = deputies.order_by("last_name", "first_name", "username")
        self.fields["deputy"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["offense_group"].choices = [("", "All offense groups")] + [
            (group.key, group.label) for group in OFFENSE_GROUPS.values()
        ]

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                self.add_error("date_to", "The end date must be on or after the start date.")
            elif (date_to - date_from).days > MAX_PERIOD_DAYS:
                self.add_error("date_from", "Choose a period of ten years or less.")
        return cleaned

    def report_filter(self):
        data = self.cleaned_data
        return ReportFilter(
            office_id=self.membership.office_id,
            date_from=data["date_from"],
            date_to=data["date_to"],
            unit_id=data["unit"].pk if data.get("unit") else None,
            deputy_id=data["deputy"].pk if data.get("deputy") else None,
            level=data.get("level") or "",
            offense_group=data.get("offense_group") or "",
        )


# --- Metrics ----------------------------------------------------------------------------------


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
    signing (the same grounds as its WorksheetGround rows)."""
    return Q(GreaterThan(F("flagged_grounds").bitand(GROUND_BITS[ground.value]), 0))


def _has_override(ground=None):
    overrides = FlagOverride.objects.filter(worksheet_id=OuterRef("pk"))
    if ground:
        overrides = overrides.filter(ground=ground)
    return Exists(overrides)


_TURNAROUND = ExpressionWrapper(F("decided_at") - F("requested_at"), output_field=DurationField())
_DECIDED = ~Q(outcome=ReviewOutcome.PENDING)
_WITHIN_2_DAYS = _DECIDED & Q(decided_at__lte=F("requested_at") + dt.timedelta(days=2))
_WITHIN_7_DAYS = _DECIDED & Q(decided_at__lte=F("requested_at") + dt.timedelta(days=7))


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
            Q(_has_override()),
            "overrides",
        )
    )
    metrics += [
        Metric(
            f"override_{g.value}",
            f"{g.label} (overridden)",
            WORKSHEETS,
            Q(_has_override(g)),
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
        Metric("reviews_decided", "Decided", REVIEWS, _DECIDED, "turnaround"),
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
            _DECIDED & ~_WITHIN_7_DAYS,
            "turnaround",
        ),
    ]
    return {metric.key: metric for metric in metrics}


METRICS = _metrics()

# Sets of metrics that add up to a total: a total minus the others would give away a suppressed
# cell, so exports suppress a second cell where only one is (see `suppress`).
PARTITIONS = [
    ("offers_conveyed", ["offers_compliant", "offers_late", "offers_missing"]),
    ("worksheets_signed", [f"decision_{d.value}" for d in Decision]),
    ("worksheets_signed", [f"parity_{p.value}" for p in ParityAnswer] + ["parity_not_answered"]),
    ("reviews_requested", ["reviews_approved", "reviews_returned", "reviews_pending"]),
    ("reviews_requested", ["reviews_decided", "reviews_pending"]),
    ("reviews_decided", ["reviews_within_2_days", "reviews_3_to_7_days", "reviews_over_7_days"]),
]


# --- Querysets --------------------------------------------------------------------------------


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
    membership = getattr(user, "membership", None)
    if membership is not None and membership.role == Role.COUNSEL:
        return visible_q(user, prefix=case_id.removesuffix("_id") + "__")
    return visible_q(user, prefix=path)


def offers(report_filter, user):
    """Offers conveyed in the period, in scope."""
    return Disposition.objects.filter(
        _scope(report_filter, user),
        conveyed_at__gte=report_filter.start,
        conveyed_at__lt=report_filter.end,
    )


def _signed_in_period(report_filter, user, prefix=""):
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
    return Worksheet.objects.filter(_signed_in_period(report_filter, user))


def reviews(report_filter, user):
    """Supervisor reviews requested in the period, in scope."""
    return Review.objects.filter(
        _scope(report_filter, user, case_id="worksheet__case_id"),
        requested_at__gte=report_filter.start,
        requested_at__lt=report_filter.end,
    )


SOURCES = {OFFERS: offers, WORKSHEETS: worksheets, REVIEWS: reviews}


def rows_for(metric, report_filter, user):
    """The rows behind one figure: the drill-down's queryset."""
    return SOURCES[metric.source](report_filter, user).filter(metric.condition)


# --- The report -------------------------------------------------------------------------------


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
    counts = {}
    trend = _offers_by_month(report_filter, user, by_source[OFFERS], counts)
    overrides = [m for m in by_source[WORKSHEETS] if m.section == "overrides"]
    plain = [m for m in by_source[WORKSHEETS] if m not in overrides]
    # Decisions, parity and the flagged-ground mix (bits on the worksheet): one pass over the
    # worksheets' covering index.
    counts.update(worksheets(report_filter, user).aggregate(**_counted(plain)))
    # The override mix counts the override rows joined to the same worksheets: one pass
    # instead of an EXISTS per worksheet and ground.
    signed = _signed_in_period(report_filter, user, prefix="worksheet__")
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
        average_turnaround=Avg(_TURNAROUND, filter=_DECIDED), **_counted(by_source[REVIEWS])
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


# --- Suppression and export -------------------------------------------------------------------


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
