"""Small-cell suppression cannot be undone by subtraction (issue 13, item 6).

Random partitions (hypothesis) and random reports of the real shape go through
`compliance.suppression.suppress`; an exact attacker (`tests.disclosure.recovered`) then solves
everything the printed figures imply and must not pin down a single hidden count. Rates printed
beside the counts must rest on printed counts only. At the end, the finding itself (a total of
13 and a January of 10) through the screen "as exported", the CSV and the PDF.
"""

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import report_columns
from cases.choices import Decision, DispositionStatus, ParityAnswer
from compliance.export import (
    export_rows,
    report_cells,
    report_inequalities,
    report_partitions,
    suppress_report,
    trend_key,
)
from compliance.metrics import METRICS, PARTITIONS
from compliance.suppression import SUPPRESSED, suppress
from consequences.statuses import Ground
from tests import factories
from tests.disclosure import recovered
from tests.pdf_tools import pdf_text

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- The attacker itself -----------------------------------------------------------------------


def test_the_attacker_finds_the_subtraction_of_the_finding():
    """Issue 13: a total of 13 and a January of 10 give away a hidden February of 3."""
    true = {"total": 13, "jan": 10, "feb": 3}
    naive = {"total": 13, "jan": 10, "feb": SUPPRESSED}
    assert recovered(true, naive, [("total", ["jan", "feb"])]) == {"feb": 3}


def test_the_attacker_knows_a_hidden_cell_is_at_least_1():
    """Two hidden 1s that must add up to 2 are both 1, though no cell is alone."""
    true = {"total": 7, "a": 5, "b": 1, "c": 1}
    shown = {"total": 7, "a": 5, "b": SUPPRESSED, "c": SUPPRESSED}
    assert recovered(true, shown, [("total", ["a", "b", "c"])]) == {"b": 1, "c": 1}


def test_the_attacker_uses_inequalities():
    """Hidden x + y = 10 with y <= 5 printed elsewhere: x is at least 5; with x <= 5, x is 5."""
    true = {"t": 10, "x": 5, "y": 5, "cap_x": 5, "cap_y": 5}
    shown = {"t": 10, "x": SUPPRESSED, "y": SUPPRESSED, "cap_x": 5, "cap_y": 5}
    pinned = recovered(true, shown, [("t", ["x", "y"])], [(["x"], ["cap_x"]), (["y"], ["cap_y"])])
    assert pinned == {"x": 5, "y": 5}


def test_the_attacker_sees_through_crossed_partitions():
    """Each partition has two hidden cells, but together they pin the hidden total: w = 8 from
    the first, so the second partition's lone hidden part is 8 - 5 = 3."""
    true = {"w": 8, "a": 4, "b": 4, "c": 5, "d": 3}
    shown = {"w": SUPPRESSED, "a": 4, "b": 4, "c": 5, "d": SUPPRESSED}
    assert recovered(true, shown, [("w", ["a", "b"]), ("w", ["c", "d"])]) == {"w": 8, "d": 3}


# --- The rule on small examples -------------------------------------------------------------


def _months(values):
    cells = {"total": sum(values), **{f"m{i}": v for i, v in enumerate(values)}}
    return cells, [("total", [f"m{i}" for i in range(len(values))])]


def test_the_finding_is_fixed():
    cells, partitions = _months([10, 3])
    shown = suppress(cells, partitions)
    assert shown == {"total": 13, "m0": SUPPRESSED, "m1": SUPPRESSED}
    assert recovered(cells, shown, partitions) == {}


def test_zeros_are_shown_and_never_chosen_to_hide():
    cells, partitions = _months([0, 3, 0, 9, 12])
    shown = suppress(cells, partitions)
    assert shown == {"total": 24, "m0": 0, "m1": SUPPRESSED, "m2": 0, "m3": SUPPRESSED, "m4": 12}


def test_hidden_ones_that_must_add_up_get_a_third():
    cells, partitions = _months([5, 1, 1])
    shown = suppress(cells, partitions)
    assert shown == {"total": 7, "m0": SUPPRESSED, "m1": SUPPRESSED, "m2": SUPPRESSED}
    assert recovered(cells, shown, partitions) == {}


def test_a_small_total_is_hidden():
    cells, partitions = _months([3, 0, 1])
    assert suppress(cells, partitions) == {
        "total": SUPPRESSED,
        "m0": SUPPRESSED,
        "m1": 0,
        "m2": SUPPRESSED,
    }


def test_ones_with_nothing_else_to_hide_hide_the_total():
    cells, partitions = _months([1, 1, 1, 1, 1, 0])
    shown = suppress(cells, partitions)
    assert shown["total"] == SUPPRESSED and shown["m5"] == 0
    assert recovered(cells, shown, partitions) == {}


def test_a_hidden_total_hides_a_part_of_its_other_partition():
    """reviews_decided hidden as the partner of a small `pending` must not be the sum of its
    three printed turnaround buckets."""
    counts = dict.fromkeys(METRICS, 0)
    counts.update(
        reviews_requested=20,
        reviews_approved=10,
        reviews_returned=7,
        reviews_pending=3,
        reviews_decided=17,
        reviews_within_2_days=5,
        reviews_3_to_7_days=6,
        reviews_over_7_days=6,
    )
    shown = suppress(counts, PARTITIONS)
    assert shown["reviews_pending"] == SUPPRESSED
    assert shown["reviews_decided"] == SUPPRESSED
    assert SUPPRESSED in [shown[f"reviews_{b}"] for b in ("within_2_days", "3_to_7_days")]
    assert recovered(counts, shown, PARTITIONS) == {}


def test_inequalities_are_used_too():
    """x + y = 10 with y <= 7 gives x >= 3; cx + w = 9 with w >= 6 gives cx <= 3; x <= cx then
    pins x = cx = 3 (and so y and w), though each partition has two hidden cells."""
    counts = {"t": 10, "x": 3, "y": 7, "cy": 7, "u": 9, "cx": 3, "w": 6, "cw": 6}
    partitions = [("t", ["x", "y"]), ("u", ["cx", "w"])]
    inequalities = [(["y"], ["cy"]), (["cw"], ["w"]), (["x"], ["cx"])]
    naive = suppress(counts, partitions)  # the sums alone
    assert recovered(counts, naive, partitions, inequalities) == {"x": 3, "y": 7, "cx": 3, "w": 6}
    shown = suppress(counts, partitions, inequalities)
    assert recovered(counts, shown, partitions, inequalities) == {}


# --- Random partitions ------------------------------------------------------------------------

count = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def split(draw, value):
    """`value` cut into 2 to 5 whole numbers >= 0."""
    cuts = sorted(draw(st.lists(st.integers(0, value), min_size=1, max_size=4)))
    return [b - a for a, b in zip([0, *cuts], [*cuts, value], strict=True)]


@st.composite
def partitioned(draw):
    """A random table: a total split into parts, some parts split again (nested partitions), and
    some totals split a second way (crossed partitions, as decisions and parity both split the
    worksheets signed). Returns (counts, partitions)."""
    counts, partitions = {}, []
    names = iter(f"c{i}" for i in range(10_000))

    def grow(key, depth):
        for _ in range(draw(st.integers(1, 2)) if depth < 2 else 1):
            if partitions:
                values = draw(split(counts[key]))
            else:  # the first split draws its parts, small ones likely; the total follows
                values = draw(st.lists(count, min_size=2, max_size=5))
                counts[key] = sum(values)
            parts = []
            for value in values:
                parts.append(next(names))
                counts[parts[-1]] = value
            partitions.append((key, parts))
            for part in parts:
                if depth < 2 and draw(st.integers(0, 3)) == 0:
                    grow(part, depth + 1)

    grow(next(names), 0)
    return counts, partitions


@PROPERTY
@given(partitioned())
def test_no_hidden_cell_of_random_partitions_can_be_recovered(table):
    counts, partitions = table
    for total, parts in partitions:
        assert counts[total] == sum(counts[part] for part in parts)
    shown = suppress(counts, partitions)
    for key, value in counts.items():
        if 0 < value < 5:
            assert shown[key] == SUPPRESSED, key
        if value == 0:
            assert shown[key] == 0, key
    assert recovered(counts, shown, partitions) == {}


# --- Random reports of the real shape ---------------------------------------------------------

GROUNDS = [g.value for g in Ground]


@st.composite
def reports(draw):
    """A report as `build_report` returns it, made from random records, so every sum and
    inequality of the real report holds."""
    months = [dt.date(2025, m, 1) for m in range(1, draw(st.integers(1, 8)) + 1)]
    counts = dict.fromkeys(METRICS, 0)
    trend = []
    for month in months:
        compliant, late, missing = (draw(count) for _ in range(3))
        conveyed = compliant + late + missing
        trend.append(
            {
                "month": month,
                "conveyed": conveyed,
                "compliant": compliant,
                "rate": 100 * compliant / conveyed if conveyed else None,
            }
        )
        counts["offers_conveyed"] += conveyed
        counts["offers_compliant"] += compliant
        counts["offers_late"] += late
        counts["offers_missing"] += missing
    worksheet = st.tuples(
        st.sampled_from(Decision.values),
        st.sampled_from([*ParityAnswer.values, ""]),
        st.sets(st.sampled_from(GROUNDS[:4]), max_size=3),
        st.sets(st.sampled_from(GROUNDS[:4]), max_size=2),
    )
    for decision, parity, grounds, overridden in draw(st.lists(worksheet, max_size=40)):
        counts["worksheets_signed"] += 1
        counts[f"decision_{decision}"] += 1
        counts[f"parity_{parity or 'not_answered'}"] += 1
        for ground in grounds:
            counts[f"ground_{ground}"] += 1
        for ground in overridden:
            counts[f"override_{ground}"] += 1
        counts["overrides_any"] += bool(overridden)
    outcome = st.sampled_from(["approved", "returned", "pending"])
    bucket = st.sampled_from(["within_2_days", "3_to_7_days", "over_7_days"])
    for result, days in draw(st.lists(st.tuples(outcome, bucket), max_size=30)):
        counts["reviews_requested"] += 1
        counts[f"reviews_{result}"] += 1
        if result != "pending":
            counts["reviews_decided"] += 1
            counts[f"reviews_{days}"] += 1
    return SimpleNamespace(counts=counts, trend=trend, filter=_FILTER)


_FILTER = SimpleNamespace(
    date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 8, 31), level="", offense_group=""
)


def attacker_partitions(report):
    """Every sum the report's structure implies, stated here apart from the code under test
    (`PARTITIONS`, `export.report_partitions`), so that a sum the code forgets is still one the
    attacker uses."""
    decisions = [f"decision_{d}" for d in Decision.values]
    parity = [f"parity_{p}" for p in ParityAnswer.values] + ["parity_not_answered"]
    months = [point["month"] for point in report.trend]
    return [
        ("offers_conveyed", ["offers_compliant", "offers_late", "offers_missing"]),
        ("offers_conveyed", [trend_key("trend_conveyed", month) for month in months]),
        ("offers_compliant", [trend_key("trend_compliant", month) for month in months]),
        ("worksheets_signed", decisions),
        ("worksheets_signed", parity),
        ("reviews_requested", ["reviews_approved", "reviews_returned", "reviews_pending"]),
        ("reviews_requested", ["reviews_decided", "reviews_pending"]),
        (
            "reviews_decided",
            ["reviews_within_2_days", "reviews_3_to_7_days", "reviews_over_7_days"],
        ),
    ]


def attacker_inequalities(report):
    """What the report's structure says beyond its sums, stated here apart from the code under
    test, so that a fact the code forgets is still one the attacker uses."""
    inequalities = [
        ([trend_key("trend_compliant", p["month"])], [trend_key("trend_conveyed", p["month"])])
        for p in report.trend
    ]
    for ground in GROUNDS:
        inequalities += [
            ([f"ground_{ground}"], ["worksheets_signed"]),
            ([f"override_{ground}"], ["overrides_any"]),
        ]
    inequalities += [
        (["overrides_any"], ["worksheets_signed"]),
        (["overrides_any"], [f"override_{ground}" for ground in GROUNDS]),
    ]
    return inequalities


@PROPERTY
@given(reports())
def test_no_hidden_count_of_a_random_report_can_be_recovered(report):
    cells = report_cells(report)
    shown = suppress(cells, report_partitions(report), report_inequalities(report))
    for key, value in cells.items():
        if 0 < value < 5:
            assert shown[key] == SUPPRESSED, key
        if value == 0:
            assert shown[key] == 0, key
    pinned = recovered(cells, shown, attacker_partitions(report), attacker_inequalities(report))
    assert pinned == {}


@PROPERTY
@given(reports())
def test_no_printed_rate_rests_on_a_hidden_count(report):
    """A share printed beside a hidden count would give it back (share × total)."""
    counts, trend = suppress_report(report)
    cells = suppress(report_cells(report), report_partitions(report), report_inequalities(report))
    assert counts == {key: cells[key] for key in report.counts}
    for point in trend:
        month = point["month"]
        assert point["conveyed"] == cells[trend_key("trend_conveyed", month)]
        assert point["compliant"] == cells[trend_key("trend_compliant", month)]
        if SUPPRESSED in (point["conveyed"], point["compliant"]):
            assert point["rate"] is None
    for row in export_rows(report):
        if SUPPRESSED in (row["count"], row["denominator"]):
            assert row["percent"] == "", row
        elif row["percent"]:
            assert float(row["percent"]) == round(100 * row["count"] / row["denominator"], 1)


# --- The finding through the screen, the CSV and the PDF --------------------------------------

PERIOD = {"date_from": "2025-01-01", "date_to": "2025-03-31"}


@pytest.fixture
def finding(office, unit, alice):
    """Issue 13's finding: 13 offers conveyed in the period, 10 in January (6 of them with a
    signed worksheet beforehand) and 3 in February; none in March."""
    conveyed = [(dt.datetime(2025, 1, day + 1, 10), day < 6) for day in range(10)]
    conveyed += [(dt.datetime(2025, 2, day + 1, 10), False) for day in range(3)]
    for index, (when, compliant) in enumerate(conveyed):
        case = factories.make_case(office, unit, alice, number=f"F-{index}")
        offer = factories.make_disposition(case)
        offer.status = DispositionStatus.CONVEYED
        report_columns.mark_conveyed(
            offer, timezone.make_aware(when), with_signed_worksheet=compliant
        )
        offer.save()


def _true_cells(dave):
    from compliance.filters import ReportFilterForm
    from compliance.report import build_report

    form = ReportFilterForm(PERIOD, user=dave)
    assert form.is_valid(), form.errors
    report = build_report(form.report_filter(), dave, 90)
    return report, report_cells(report)


def _assert_nothing_recovered(report, true, shown):
    assert set(shown) == set(true)
    assert recovered(true, shown, attacker_partitions(report), attacker_inequalities(report)) == {}


def test_the_csv_does_not_give_february_away(client, finding, dave):
    client.force_login(dave)
    response = client.get(reverse("report_export_csv"), PERIOD)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    shown = {}
    for row in rows:
        key = row["metric"] if not row["month"] else f"{row['metric']}:{row['month']}"
        count = row["count"]
        shown[key] = count if count == SUPPRESSED else int(count)
    assert shown["offers_conveyed"] == 13
    assert shown["trend_conveyed:2025-02"] == SUPPRESSED  # the 3
    assert shown["trend_conveyed:2025-01"] == SUPPRESSED  # else 13 - 10 gives the 3 away
    assert shown["trend_conveyed:2025-03"] == 0  # a zero is shown as 0
    assert shown["trend_compliant:2025-02"] == 0
    january = next(r for r in rows if r["metric"] == "trend_compliant" and r["month"] == "2025-01")
    assert january["count"] == "6" and january["percent"] == ""  # 6 / hidden 10: no rate
    report, true = _true_cells(dave)
    _assert_nothing_recovered(report, true, shown)


def test_the_screen_as_exported_does_not_give_february_away(client, finding, dave):
    client.force_login(dave)
    response = client.get(reverse("report_dashboard"), {**PERIOD, "view": "exported"})
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("report_drilldown") not in html  # no link leads to the cases behind a count
    assert "Show exact counts" in html
    trend = next(chart for chart in response.context["charts"] if chart.id == "chart-trend")
    by_month = {row[0]: row[1:] for row in trend.rows}
    assert by_month == {
        "Jan 25": [SUPPRESSED, 6, "—"],
        "Feb 25": [SUPPRESSED, 0, "—"],
        "Mar 25": [0, 0, "—"],
    }
    assert "<circle" not in trend.svg  # no month's rate is drawn: each rests on a hidden count
    sections = {r["metric"].key: r for s in response.context["sections"] for r in s["rows"]}
    assert sections["offers_conveyed"]["count"] == 13
    assert sections["offers_missing"]["count"] == 7 and sections["offers_missing"]["share"]
    report, true = _true_cells(dave)
    shown = {key: sections[key]["count"] for key in report.counts}
    for point, month in zip(trend.rows, report.trend, strict=True):
        shown[trend_key("trend_conveyed", month["month"])] = point[1]
        shown[trend_key("trend_compliant", month["month"])] = point[2]
    _assert_nothing_recovered(report, true, shown)


def test_the_screen_itself_stays_exact(client, finding, dave):
    """In the office, each number links to the cases behind it: hiding it would hide nothing."""
    client.force_login(dave)
    response = client.get(reverse("report_dashboard"), PERIOD)
    trend = next(chart for chart in response.context["charts"] if chart.id == "chart-trend")
    assert [row[1][0] for row in trend.rows] == [10, 3, 0]
    assert "view=exported" in response.content.decode()


def test_the_pdf_does_not_give_february_away(client, finding, dave):
    client.force_login(dave)
    response = client.get(reverse("report_pdf"), PERIOD)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Jan 25 <5 6 —" in text
    assert "Feb 25 <5 0 —" in text
    assert "Mar 25 0 0 —" in text
    assert "Jan 25 10" not in text and "Feb 25 3" not in text
    assert "The rate is not shown" not in text  # 6 of 13: both printed, so the rate is
    assert "46.2% of the offers conveyed" in text


def test_counts_that_break_a_sum_are_still_printed():
    """The report's three queries are not one snapshot: a row written between them can leave a
    sum broken. The export must still be written, with the small cell hidden."""
    assert suppress({"total": 0, "part": 2}, [("total", ["part"])]) == {
        "total": 0,
        "part": SUPPRESSED,
    }
