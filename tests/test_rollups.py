"""The monthly rollups answer exactly what the bare SQL answers (issue 19 item 4).

Random offices, cases, counts, offers, worksheets (amended or not), overrides, reviews, defense
requests and policy versions, built from a seeded RNG; random filters (viewer, unit, deputy,
level, offense group, periods starting and ending mid-month); the dashboard through the rollups
must equal `build_report(..., use_rollups=False)` for every metric and the trend, before and
after random mutations made through the actions (compliance/rollups.py says why the rollup is
rebuilt from the month's rows when an action marks the month stale).
"""

import datetime as dt
import random
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import actions, defense_requests
from cases.choices import (
    ChargeLevel,
    Decision,
    DispositionLabel,
    ParityAnswer,
    ReviewOutcome,
    WorksheetScope,
)
from cases.forms import statute_fields
from cases.models import DefenseSubmission, FlagOverride, ReportMonth
from compliance import rollups
from compliance.filters import ReportFilter
from compliance.metrics import METRICS, rows_for, worksheets
from compliance.models import MonthlyRollup
from compliance.offense_groups import OFFENSE_GROUPS, Level
from compliance.report import build_report
from consequences.statuses import Ground
from tests import factories
from tests.test_reports import convey, review, signed_worksheet

pytestmark = pytest.mark.django_db

# Statutes across the offense groups, catalogued or not, serious or violent or not.
STATUTES = [
    "PC 273.5(a)",
    "PC 245(a)(1)",
    "PC 459",
    "PC 487(a)",
    "HS 11350(a)",
    "HS 11378",
    "VC 23152(a)",
    "PC 148(a)(1)",
    "PC 211",
    "PC 261(a)(2)",
    "PC 29800(a)(1)",
    "PC 594(a)",
    "WI 10980(c)(2)",
]
LEVELS = [ChargeLevel.FELONY, ChargeLevel.WOBBLER, ChargeLevel.MISDEMEANOR]
FIRST_DAY, LAST_DAY = dt.date(2025, 1, 1), dt.date(2025, 8, 31)


def moment(rng, first=FIRST_DAY, last=LAST_DAY):
    day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
    return f"{day.isoformat()} {rng.randrange(0, 24):02d}:{rng.choice(['00', '30', '59'])}"


def random_policy(rng):
    return {
        "worksheet_scope": rng.choice(list(WorksheetScope)),
        "exclude_serious_violent": rng.random() < 0.4,
        "defense_request_required": rng.random() < 0.3,
    }


class World:
    """The random records of one seed, and the people who read and change them."""

    def __init__(self, rng, office, units, deputies, signer, supervisor, admin=None):
        self.rng, self.office, self.units, self.deputies = rng, office, units, deputies
        self.signer, self.supervisor, self.admin = signer, supervisor, admin
        self.cases, self.offers, self.worksheets = [], [], []

    def build(self, cases=14):
        rng = self.rng
        for _ in range(rng.randrange(0, 3)):
            factories.set_policy(
                self.office,
                effective_from=dt.date(2025, rng.randrange(1, 9), rng.choice([1, 1, 10, 17])),
                **random_policy(rng),
            )
        if rng.random() < 0.5:
            factories.set_policy(self.office, **random_policy(rng))  # the first version
        for _ in range(cases):
            unit = rng.choice(self.units)
            case = factories.make_case(self.office, unit, rng.choice(self.deputies[unit.pk]))
            for count in range(rng.randrange(1, 4)):
                factories.make_charge(
                    case, count + 1, rng.choice(STATUTES), level=rng.choice(LEVELS)
                )
            if rng.random() < 0.3:
                DefenseSubmission.objects.create(case=case, consideration_requested=True)
            self.cases.append(case)
            self.add_offers(case)

    def add_offers(self, case):
        rng = self.rng
        for _ in range(rng.randrange(1, 4)):
            label = DispositionLabel.DEFENSE if rng.random() < 0.1 else DispositionLabel.STANDARD
            offer = factories.make_disposition(case, label=label)
            if rng.random() < 0.8:
                convey(offer, moment(rng), compliant=rng.random() < 0.5)
            self.offers.append(offer)
        if rng.random() < 0.7:
            self.sign(case)

    def sign(self, case, amends=None):
        rng = self.rng
        considered = [offer for offer in self.offers if offer.case_id == case.pk]
        considered = rng.sample(considered, rng.randrange(1, len(considered) + 1))
        grounds = rng.sample([g.value for g in Ground], rng.randrange(0, 4))
        charge = case.charges.first()
        overrides = [
            (considered[0], charge, ground)
            for ground in rng.sample([g.value for g in Ground], rng.randrange(0, 3))
        ]
        worksheet = signed_worksheet(
            case,
            self.signer,
            moment(rng),
            considered=considered,
            decision=rng.choice(list(Decision)),
            parity=rng.choice([*ParityAnswer, ""]),
            grounds=grounds,
            amends=amends,
            version=amends.version + 1 if amends else 1,
            overrides=overrides,
        )
        if rng.random() < 0.6:
            requested = worksheet.signed_at + dt.timedelta(hours=rng.randrange(1, 400))
            if rng.random() < 0.5:
                review(worksheet, _text(requested))
            else:
                decided = requested + dt.timedelta(minutes=rng.randrange(1, 20000))
                outcome = rng.choice([ReviewOutcome.APPROVED, ReviewOutcome.RETURNED])
                review(
                    worksheet,
                    _text(requested),
                    _text(decided),
                    outcome=outcome,
                    by=self.supervisor,
                    comments="Check the parity answer.",
                )
        self.worksheets.append(worksheet)
        return worksheet

    # --- Mutations, through the actions where there is one ----------------------------------

    def mutate(self):
        rng = self.rng
        kind = rng.choice(["sign", "move", "review", "charges", "defense", "policy"])
        case = rng.choice(self.cases)
        if kind == "sign":  # late for offers conveyed without one; replaces an earlier version
            signed = [w for w in self.worksheets if w.case_id == case.pk]
            self.sign(case, amends=signed[-1] if signed else None)
        elif kind == "move":
            case.refresh_from_db()
            unit = rng.choice(self.units)
            actions.update_case(
                case,
                by_user=self.admin,
                version=case.lock_version,
                fields={"unit": unit, "assigned_deputy": rng.choice(self.deputies[unit.pk])},
            )
        elif kind == "review":
            pending = [
                w
                for w in self.worksheets
                if hasattr(w, "review") and w.review.outcome == ReviewOutcome.PENDING
            ]
            if pending:
                worksheet = rng.choice(pending)
                actions.review_worksheet(
                    worksheet, by_user=self.supervisor, outcome=ReviewOutcome.APPROVED
                )
        elif kind == "charges":
            case.refresh_from_db()
            charges = [
                {
                    "pk": charge.pk,
                    **statute_fields(rng.choice(STATUTES)),
                    "statute_as_entered": charge.statute_as_entered,
                    "level": rng.choice(LEVELS),
                }
                for charge in case.charges.all()
            ]
            actions.update_case(
                case, by_user=self.admin, version=case.lock_version, fields={}, charges=charges
            )
        elif kind == "defense":
            defense_requests.record_request(
                case,
                by_user=self.signer,
                fields={"consideration_requested": True, "counsel": "Public Defender"},
            )
        else:  # a new policy version (fixtures may date it in the past; the action may not)
            factories.set_policy(
                self.office,
                effective_from=dt.date(2025, rng.randrange(1, 9), rng.choice([1, 5, 20])),
                **random_policy(rng),
            )
        return kind


def _text(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def random_filter(rng, world, viewers):
    first = FIRST_DAY - dt.timedelta(days=40) + dt.timedelta(days=rng.randrange(0, 120))
    if rng.random() < 0.4:
        first = first.replace(day=1)  # whole months from the first
    last = first + dt.timedelta(days=rng.randrange(0, 260))
    if rng.random() < 0.4:
        last = (last.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    viewer = rng.choice(viewers)
    unit = rng.choice([None, None, *world.units])
    deputies = [d for unit_deputies in world.deputies.values() for d in unit_deputies if d]
    return viewer, ReportFilter(
        office_id=world.office.pk,
        date_from=first,
        date_to=last,
        unit_id=unit.pk if unit else None,
        deputy_id=rng.choice(deputies).pk if rng.random() < 0.25 else None,
        level=rng.choice(["", "", Level.FELONY, Level.MISDEMEANOR]),
        offense_group=rng.choice(["", "", *OFFENSE_GROUPS]),
    )


def assert_same(report_filter, viewer):
    rolled = build_report(report_filter, viewer, 90)
    bare = build_report(report_filter, viewer, 90, use_rollups=False)
    assert rolled.counts == bare.counts, (report_filter, viewer)
    assert rolled.trend == bare.trend, (report_filter, viewer)
    if bare.average_turnaround is None:
        assert rolled.average_turnaround is None
    else:  # a sum divided by a count, against the database's AVG: the same to the microsecond
        difference = abs(rolled.average_turnaround - bare.average_turnaround)
        assert difference <= dt.timedelta(microseconds=1), (report_filter, viewer)
    return bare


@pytest.fixture
def world_for(office, unit, other_unit, alice, bob, frank, carol, dave, olivia, other_office):
    def make(seed):
        rng = random.Random(seed)
        deputies = {unit.pk: [alice, bob, None], other_unit.pk: [frank, None]}
        world = World(rng, office, [unit, other_unit], deputies, alice, carol, dave)
        world.build()
        # Records of another office in the same months: never counted for this one.
        noise_unit = factories.make_unit(other_office)
        noise = World(rng, other_office, [noise_unit], {noise_unit.pk: [olivia]}, olivia, carol)
        noise.build(cases=3)
        return world

    return make


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_equals_the_bare_sql_on_random_data(world_for, seed, dave, carol):
    world = world_for(seed)
    rng = random.Random(seed * 7919)
    viewers = [dave, dave, carol]
    seen_something = 0
    for _ in range(10):
        viewer, report_filter = random_filter(rng, world, viewers)
        bare = assert_same(report_filter, viewer)
        seen_something += bare.counts["offers_conveyed"] + bare.counts["worksheets_signed"]
    assert seen_something > 0  # the random data is not empty
    assert MonthlyRollup.objects.filter(office=world.office).exists()  # the rollup answered
    kinds = set()
    for _ in range(8):
        kinds.add(world.mutate())
        for _ in range(3):
            viewer, report_filter = random_filter(rng, world, viewers)
            assert_same(report_filter, viewer)
    whole_year = ReportFilter(world.office.pk, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert_same(whole_year, dave)
    assert kinds  # (which kinds ran depends on the seed; all seven run over the three seeds)


def test_a_policy_version_that_takes_effect_mid_month_applies_from_its_day(
    office, unit, alice, dave
):
    """February is counted from the raw rows: the version of 2025-02-15 applies from that day."""
    case = factories.make_case(office, unit, alice)
    factories.make_charge(case, 1, "PC 148(a)(1)", level=ChargeLevel.MISDEMEANOR)
    for when in ["2025-02-03 10:00", "2025-02-20 10:00", "2025-03-04 10:00"]:
        convey(factories.make_disposition(case), when, compliant=False)
    factories.set_policy(office, effective_from=dt.date(2025, 2, 15), worksheet_scope="felonies")
    report_filter = ReportFilter(office.pk, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    bare = assert_same(report_filter, dave)
    assert [row["conveyed"] for row in bare.trend] == [0, 1, 0]  # March: felonies only
    assert rollups._plan(report_filter)[0] == [dt.date(2025, 1, 1), dt.date(2025, 3, 1)]


def test_one_version_for_every_month_read_still_applies_its_scope(office, unit, alice, dave):
    """With one version in force over all the months read, the months are no longer repeated
    in each offer count's condition: the version's scope still is."""
    factories.set_policy(office, effective_from=dt.date(2024, 12, 1), worksheet_scope="felonies")
    for number, level in [("F-1", ChargeLevel.FELONY), ("M-1", ChargeLevel.MISDEMEANOR)]:
        case = factories.make_case(office, unit, alice, number=number)
        factories.make_charge(case, 1, "PC 459", level=level)
        convey(factories.make_disposition(case), "2025-02-10 09:00", compliant=True)
    report_filter = ReportFilter(office.pk, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert assert_same(report_filter, dave).counts["offers_conveyed"] == 1
    assert rollups._plan(report_filter)[0] == [dt.date(2025, m, 1) for m in (1, 2, 3)]


def test_counsel_is_counted_from_the_raw_rows(office, unit, alice, erin):
    """Counsel see the cases routed to them: not a key of the rollup, so no rollup for them."""
    case = factories.make_case(office, unit, alice)
    factories.make_charge(case, 1)
    convey(factories.make_disposition(case), "2025-02-03 10:00", compliant=True)
    report_filter = ReportFilter(office.pk, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert rollups.count(report_filter, erin) is None
    assert_same(report_filter, erin)


def test_an_action_marks_the_months_it_changes_stale(office, unit, other_unit, alice, dave):
    case = factories.make_case(office, unit, alice)
    factories.make_charge(case, 1)
    convey(factories.make_disposition(case), "2025-02-03 10:00", compliant=True)
    report_filter = ReportFilter(office.pk, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert build_report(report_filter, dave, 90).counts["offers_conveyed"] == 1
    assert not ReportMonth.objects.filter(office=office, stale=True).exists()
    case.refresh_from_db()
    actions.update_case(case, by_user=dave, version=case.lock_version, fields={"unit": other_unit})
    assert list(ReportMonth.objects.filter(stale=True).values_list("month", flat=True)) == [
        dt.date(2025, 2, 1)
    ]
    moved = ReportFilter(office.pk, dt.date(2025, 1, 1), dt.date(2025, 3, 31), unit_id=unit.pk)
    assert build_report(moved, dave, 90).counts["offers_conveyed"] == 0


def test_a_catalog_update_rebuilds_the_months(office, unit, alice, dave, monkeypatch):
    case = factories.make_case(office, unit, alice)
    factories.make_charge(case, 1)
    convey(factories.make_disposition(case), "2025-02-03 10:00", compliant=True)
    report_filter = ReportFilter(office.pk, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    build_report(report_filter, dave, 90)
    assert rollups.refresh(office.pk, [dt.date(2025, 2, 1)]) == 0
    monkeypatch.setattr(rollups, "built_for", lambda: "another-catalog/1")
    assert rollups.refresh(office.pk, [dt.date(2025, 2, 1)]) == 1


def test_dashboard_query_count_does_not_grow_with_offers(client, office, unit, alice, dave):
    """Whole months read from the rollup: the page's queries are the same in number with 1 or
    16 offers, and none of them reads the offers themselves."""
    case = factories.make_case(office, unit, alice)
    factories.make_charge(case, 1, "PC 459", level=ChargeLevel.FELONY)
    convey(factories.make_disposition(case), "2025-02-10 09:00", compliant=True)
    period = {"date_from": "2025-01-01", "date_to": "2025-06-30"}
    client.force_login(dave)
    client.get(reverse("report_dashboard"), period)  # builds the months, warms the session
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("report_dashboard"), period)
    for index in range(15):
        more = factories.make_case(office, unit, alice, number=f"MORE-{index}")
        factories.make_charge(more, 1, "PC 459", level=ChargeLevel.FELONY)
        convey(factories.make_disposition(more), "2025-02-10 09:00", compliant=index % 2 == 0)
    client.get(
        reverse("report_dashboard"), period
    )  # rebuilds February, which the writes marked stale
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("report_dashboard"), period)
    assert response.context["report"].counts["offers_conveyed"] == 16
    assert len(large) == len(small)
    offers_read = [q for q in large.captured_queries if '"cases_disposition"' in q["sql"]]
    assert offers_read == []


def test_the_partial_months_at_both_edges_are_counted_in_one_pass(office, unit, alice, dave):
    """A period from mid-January to mid-May: February to April from the rollup, the two partial
    months from the raw rows together, so the offers are read once, not once per edge (building
    each aggregate was most of the 3-year dashboard's time, issue 19)."""
    case = factories.make_case(office, unit, alice)
    factories.make_charge(case, 1, "PC 459", level=ChargeLevel.FELONY)
    for when in ["2025-01-10 10:00", "2025-01-20 10:00", "2025-03-10 10:00", "2025-05-05 10:00"]:
        convey(factories.make_disposition(case), when, compliant=True)
    report_filter = ReportFilter(office.pk, dt.date(2025, 1, 15), dt.date(2025, 5, 10))
    assert rollups._plan(report_filter)[0] == [dt.date(2025, m, 1) for m in (2, 3, 4)]
    build_report(report_filter, dave, 90)  # builds the whole months
    with CaptureQueriesContext(connection) as captured:
        report = build_report(report_filter, dave, 90)
    assert [row["conveyed"] for row in report.trend] == [1, 0, 1, 0, 1]
    offers_read = [q for q in captured.captured_queries if '"cases_disposition"' in q["sql"]]
    assert len(offers_read) == 1
    assert_same(report_filter, dave)


def _rollup_rows(office):
    fields = [f.attname for f in MonthlyRollup._meta.concrete_fields if not f.primary_key]
    return Counter(MonthlyRollup.objects.filter(office=office).values_list(*fields))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rebuilding_the_whole_history_gives_the_rows_of_the_month_by_month_rebuild(world_for, seed):
    """`rebuild_rollups` counts every month in one GROUP BY per source (for the seed); the rows
    must be exactly those the per-month rebuild of the read path (`refresh`) gives."""
    world = world_for(seed)
    for _ in range(6):  # amendments, moves, count edits, defense requests, late signatures
        world.mutate()
    every_month = ReportFilter(world.office.pk, dt.date(2024, 6, 1), dt.date(2026, 6, 30))
    rollups.refresh(world.office.pk, list(every_month.months()))
    month_by_month = _rollup_rows(world.office)
    assert month_by_month  # the random data is not empty
    ReportMonth.objects.update(stale=True)
    MonthlyRollup.objects.all().delete()

    built = rollups.rebuild_rollups(world.office)

    assert built > 0
    assert _rollup_rows(world.office) == month_by_month
    assert ReportMonth.objects.filter(office=world.office, stale=False).count() == built
    assert not MonthlyRollup.objects.exclude(office=world.office).exists()  # the other office's


def test_a_month_with_more_cases_than_one_batch_keys_every_case(world_for, monkeypatch):
    """A month's cases are keyed in batches of CASE_KEYS_BATCH ids: with batches of two, every
    month's rows are those of the default batch, and some month did need several batches."""
    world = world_for(1)
    every_month = list(
        ReportFilter(world.office.pk, dt.date(2024, 6, 1), dt.date(2026, 6, 30)).months()
    )
    rollups.refresh(world.office.pk, every_month)
    in_one_batch = _rollup_rows(world.office)
    assert in_one_batch
    ReportMonth.objects.update(stale=True)
    MonthlyRollup.objects.all().delete()
    keyed = []
    case_keys = rollups._case_keys
    monkeypatch.setattr(rollups, "CASE_KEYS_BATCH", 2)
    monkeypatch.setattr(rollups, "_case_keys", lambda ids: keyed.append(len(ids)) or case_keys(ids))

    rollups.refresh(world.office.pk, every_month)

    assert max(keyed) > 2  # a month of more than one batch
    assert _rollup_rows(world.office) == in_one_batch


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_override_bits_say_what_the_override_rows_say_on_random_data(world_for, seed, dave):
    """The override mix counts `Worksheet.overridden_grounds`, bits set at signing, not the
    FlagOverride rows (reading every override stored grew with history, issue 19): for every
    override figure, the worksheets behind it are exactly those with such an override row."""
    world = world_for(seed)
    for _ in range(6):  # amendments copy the overrides into the new version
        world.mutate()
    every_month = ReportFilter(world.office.pk, dt.date(2024, 6, 1), dt.date(2026, 6, 30))
    signed = worksheets(every_month, dave)
    seen = 0
    for metric in METRICS.values():
        if metric.section != "overrides":
            continue
        overrides = FlagOverride.objects.filter(worksheet__in=signed)
        if metric.key != "overrides_any":
            overrides = overrides.filter(ground=metric.key.removeprefix("override_"))
        expected = set(overrides.values_list("worksheet_id", flat=True))
        assert set(rows_for(metric, every_month, dave).values_list("pk", flat=True)) == expected
        seen += len(expected)
    assert seen  # the random data has overrides


def test_a_fresh_partial_month_is_its_rollup_minus_the_days_outside_the_period(
    office, unit, alice, dave, monkeypatch
):
    """January and May, partial in a period from 5 January to 28 May, are read whole from the
    rollup, less the days outside the period counted raw (1–4 January, 29–31 May): fewer raw
    rows than the days inside (the raw rows of the edges grew with the offers per day, issue
    19). A stale edge month is counted raw, and not rebuilt for that."""
    case = factories.make_case(office, unit, alice)
    factories.make_charge(case, 1, "PC 459", level=ChargeLevel.FELONY)
    offers = []
    for when, compliant in [
        ("2025-01-03 10:00", True),  # before the period
        ("2025-01-20 10:00", False),
        ("2025-03-10 10:00", True),
        ("2025-05-20 10:00", True),
        ("2025-05-30 10:00", False),  # after it
    ]:
        offers.append(convey(factories.make_disposition(case), when, compliant=compliant))
    signed = {"considered": offers[:1], "decision": Decision.STANDARD_KEPT, "parity": ""}
    first = signed_worksheet(case, alice, "2025-01-02 09:00", **signed)  # before the period
    review(first, "2025-01-02 12:00", "2025-01-03 12:00", outcome=ReviewOutcome.APPROVED, by=dave)
    second = signed_worksheet(case, alice, "2025-01-06 09:00", **signed, amends=first, version=2)
    review(
        second,
        "2025-01-06 12:00",
        "2025-01-09 12:00",
        outcome=ReviewOutcome.RETURNED,
        by=dave,
        comments="Parity.",
    )
    review(
        signed_worksheet(case, alice, "2025-05-30 09:00", **signed, version=3), "2025-05-31 12:00"
    )
    build_report(ReportFilter(office.pk, dt.date(2025, 1, 1), dt.date(2025, 5, 31)), dave, 90)
    report_filter = ReportFilter(office.pk, dt.date(2025, 1, 5), dt.date(2025, 5, 28))
    raw_runs = []
    count_raw_runs = rollups.count_raw_runs

    def recording(runs, user, **options):
        raw_runs.append([(run.date_from, run.date_to) for run in runs])
        return count_raw_runs(runs, user, **options)

    monkeypatch.setattr(rollups, "count_raw_runs", recording)
    bare = assert_same(report_filter, dave)
    assert [row["conveyed"] for row in bare.trend] == [1, 0, 1, 0, 1]
    assert bare.counts["worksheets_signed"] == 1  # the amendment of 6 January
    assert bare.counts["reviews_decided"] == 1
    assert raw_runs == [
        [(dt.date(2025, 1, 1), dt.date(2025, 1, 4)), (dt.date(2025, 5, 29), dt.date(2025, 5, 31))]
    ]

    convey(factories.make_disposition(case), "2025-01-25 10:00", compliant=True)  # stale
    raw_runs.clear()
    assert assert_same(report_filter, dave).counts["offers_conveyed"] == 4
    # The write marked every month the case is counted in: both edges are now counted raw.
    assert raw_runs == [
        [(dt.date(2025, 1, 5), dt.date(2025, 1, 31)), (dt.date(2025, 5, 1), dt.date(2025, 5, 28))]
    ]
    assert ReportMonth.objects.get(office=office, month=dt.date(2025, 1, 1)).stale


def test_days_still_to_come_cost_nothing_to_subtract():
    """The current month in a period ending today is its rollup minus the rest of the month; a
    month that has passed is, only when fewer of its days are outside the period than in it."""
    may = dt.date(2025, 5, 1)
    to_the_4th = ReportFilter(1, dt.date(2024, 5, 4), dt.date(2025, 5, 4))
    assert rollups._by_complement(to_the_4th, may, today=dt.date(2025, 5, 4))
    assert not rollups._by_complement(to_the_4th, may, today=dt.date(2025, 6, 10))
    assert rollups._by_complement(to_the_4th, dt.date(2024, 5, 1), today=dt.date(2025, 5, 4))


def test_a_write_between_the_rollup_and_the_days_outside_is_not_subtracted(
    office, unit, alice, dave, monkeypatch
):
    """A conveyance on a day outside the period, committed after the rollup of its month was
    read and before the days outside were counted, would be subtracted without having been
    added: the month is then stale (or rebuilt), and the edges are counted raw instead."""
    case = factories.make_case(office, unit, alice)
    factories.make_charge(case, 1, "PC 459", level=ChargeLevel.FELONY)
    for when in ["2025-01-20 10:00", "2025-03-10 10:00"]:
        convey(factories.make_disposition(case), when, compliant=True)
    build_report(ReportFilter(office.pk, dt.date(2025, 1, 1), dt.date(2025, 3, 31)), dave, 90)
    report_filter = ReportFilter(office.pk, dt.date(2025, 1, 5), dt.date(2025, 3, 31))
    count_raw_runs = rollups.count_raw_runs

    def with_a_write_first(runs, user, **options):
        if runs[0].date_from == dt.date(2025, 1, 1):  # the days outside: 1–4 January
            convey(factories.make_disposition(case), "2025-01-02 10:00", compliant=True)
        return count_raw_runs(runs, user, **options)

    monkeypatch.setattr(rollups, "count_raw_runs", with_a_write_first)
    assert build_report(report_filter, dave, 90).counts["offers_conveyed"] == 2
    assert_same(report_filter, dave)
