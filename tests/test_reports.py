"""The compliance report: every figure and every filter on a hand-built dataset, access,
suppression, the CSV against its codebook, drill-downs against their counts, hostile filters.

The dataset (period 2025-01-01 to 2025-06-30, office Alpha, times in America/Los_Angeles;
F = Felony Unit of alice, bob and carol; M = Misdemeanor Unit of frank):

- C1 (F, alice, PC 273.5(a) wobbler): O1 conveyed Mar 10 with a signed worksheet before.
  W1 signed Mar 5: modified, parity same; DV on the chosen offer, CIMT on the other one
  considered; review approved in 1 day.
- C2 (F, bob, HS 11351 felony): O2 conveyed Mar 20, worksheet signed after (late).
  W2 signed Mar 25: standard kept, parity different; CS and AF; one override (CS);
  review returned after 5 days.
- C3 (M, frank, VC 23152(a) misdemeanor): O3a Apr 2 and O3b Apr 3, no worksheet (missing).
- C4 (F, alice, PC 459 felony): O4 conveyed May 1 with a signed worksheet before. W4 signed
  Apr 30 is superseded by W4v2 signed May 2: declined, not applicable; review pending.
- C5 (F, alice, PC 484 misdemeanor): O5a Dec 31 2024 23:30 (outside), O5b Jun 30 23:59
  (missing), O5c a draft.
- Omega office (olivia): one conveyed offer in the period that must never appear.
"""

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import compliance
from cases import actions, report_columns
from cases.choices import (
    ChargeLevel,
    Decision,
    DispositionStatus,
    ParityAnswer,
    ReviewOutcome,
)
from cases.models import (
    GROUND_BITS,
    AuditEvent,
    Disposition,
    FlagOverride,
    LateSignature,
    Review,
    Worksheet,
    ground_mask,
)
from compliance.export import CSV_COLUMNS
from compliance.filters import ReportFilterForm
from compliance.metrics import METRICS, PARTITIONS, rows_for
from compliance.offense_groups import OFFENSE_GROUPS, offense_group_of
from compliance.report import build_report
from compliance.suppression import suppress
from consequences.statuses import Ground
from tests import factories

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": "2025-01-01", "date_to": "2025-06-30"}
# The dashboard's own statements: the aggregates and the offers grouped by month.
FIGURE_SQL = re.compile(r'^SELECT (COUNT|AVG|"cases_disposition"\."conveyed_month")')
CODEBOOK = Path(__file__).resolve().parent.parent / "docs" / "codebook.md"
COMPLIANCE_APP = Path(compliance.__file__).resolve().parent


def at(text):
    """An aware datetime in the office's zone from 'YYYY-MM-DD HH:MM'."""
    return timezone.make_aware(dt.datetime.strptime(text, "%Y-%m-%d %H:%M"))


def convey(disposition, when, *, compliant):
    """Conveyed at a chosen time, its report columns written the way `actions.convey_offer`
    writes them (the compliance is given: the dataset says which offers had a worksheet)."""
    disposition.status = DispositionStatus.CONVEYED
    report_columns.mark_conveyed(disposition, at(when), with_signed_worksheet=compliant)
    disposition.save()
    report_columns.mark_case_months_stale(disposition.case)
    return disposition


def signed_worksheet(
    case,
    by,
    when,
    *,
    considered,
    chosen=None,
    decision,
    parity,
    grounds=(),
    chosen_grounds=(),
    amends=None,
    version=1,
    overrides=(),
):
    """A signed worksheet built by hand (the engine is not what is under test here), with its
    report columns written the way `actions.sign_worksheet` writes them."""
    worksheet = Worksheet.objects.create(
        case=case,
        version=version,
        amends=amends,
        decision=decision,
        parity_answer=parity,
        chosen_disposition=chosen,
        reasons="Reasons.",
        created_by=by,
    )
    worksheet.dispositions_considered.set(considered)
    for disposition, charge, ground in overrides:  # before signing: then they are frozen
        FlagOverride.objects.create(
            worksheet=worksheet,
            disposition=disposition,
            charge=charge,
            ground=ground,
            engine_verdict="yes",
            deputy_verdict="no",
            reason="The record of conviction does not show it.",
        )
    offers = {str(d.pk): {"grounds_flagged": []} for d in considered}
    for disposition in considered:
        is_chosen = chosen is not None and disposition.pk == chosen.pk
        offers[str(disposition.pk)]["grounds_flagged"] = list(
            chosen_grounds if is_chosen else grounds
        )
    worksheet.engine_output = {"status": "unknown", "dispositions": offers}
    worksheet.catalog_version = "test"
    worksheet.signed_content = {"schema": 1}
    worksheet.content_hash = "0" * 64
    worksheet.signed_by = by
    worksheet.signed_at = at(when)
    worksheet.flagged_grounds = report_columns.flagged_grounds(worksheet)
    worksheet.overridden_grounds = report_columns.overridden_grounds(worksheet)
    worksheet.save()
    report_columns.record_late_signatures(worksheet)
    report_columns.mark_case_months_stale(case)
    return worksheet


def review(
    worksheet, requested, decided=None, *, outcome=ReviewOutcome.PENDING, by=None, comments=""
):
    made = Review.objects.create(
        worksheet=worksheet,
        requested_at=at(requested),
        outcome=outcome,
        reviewer=by,
        decided_at=at(decided) if decided else None,
        comments=comments,
    )
    report_columns.mark_case_months_stale(worksheet.case)
    return made


@pytest.fixture
def data(office, unit, other_unit, alice, bob, carol, frank, olivia):
    c1 = factories.make_case(office, unit, alice, number="C1")
    factories.make_charge(c1, 1, "PC 273.5(a)", level=ChargeLevel.WOBBLER)
    c2 = factories.make_case(office, unit, bob, number="C2")
    factories.make_charge(c2, 1, "HS 11351", level=ChargeLevel.FELONY)
    c3 = factories.make_case(office, other_unit, frank, number="C3")
    factories.make_charge(c3, 1, "VC 23152(a)", level=ChargeLevel.MISDEMEANOR)
    c4 = factories.make_case(office, unit, alice, number="C4")
    factories.make_charge(c4, 1, "PC 459", level=ChargeLevel.FELONY)
    c5 = factories.make_case(office, unit, alice, number="C5")
    factories.make_charge(c5, 1, "PC 484", level=ChargeLevel.MISDEMEANOR)

    o1 = factories.make_disposition(c1)
    o1_alternative = factories.make_disposition(c1)  # considered, never conveyed
    w1 = signed_worksheet(
        c1,
        alice,
        "2025-03-05 10:00",
        considered=[o1_alternative, o1],
        chosen=o1,
        decision=Decision.MODIFIED,
        parity=ParityAnswer.SAME,
        grounds=["cimt"],
        chosen_grounds=["domestic_violence"],
    )
    convey(o1, "2025-03-10 09:00", compliant=True)
    review(w1, "2025-03-05 10:00", "2025-03-06 10:00", outcome=ReviewOutcome.APPROVED, by=carol)

    o2 = factories.make_disposition(c2)
    convey(o2, "2025-03-20 09:00", compliant=False)
    charge2 = c2.charges.get()
    # Built step by step: the override must exist before signing (a signed worksheet is frozen).
    w2 = Worksheet.objects.create(
        case=c2,
        decision=Decision.STANDARD_KEPT,
        parity_answer=ParityAnswer.DIFFERENT,
        reasons="Reasons.",
        chosen_disposition=o2,
    )
    w2.dispositions_considered.set([o2])
    FlagOverride.objects.create(
        worksheet=w2,
        disposition=o2,
        charge=charge2,
        ground="controlled_substance",
        engine_verdict="yes",
        deputy_verdict="no",
        reason="The record names no substance.",
    )
    w2.engine_output = {
        "dispositions": {
            str(o2.pk): {"grounds_flagged": ["aggravated_felony", "controlled_substance"]}
        }
    }
    w2.catalog_version, w2.signed_content, w2.content_hash = "test", {}, "1" * 64
    w2.signed_by, w2.signed_at = bob, at("2025-03-25 12:00")
    w2.flagged_grounds = report_columns.flagged_grounds(w2)
    w2.overridden_grounds = report_columns.overridden_grounds(w2)
    w2.save()
    report_columns.record_late_signatures(w2)
    review(
        w2,
        "2025-03-25 12:00",
        "2025-03-30 12:00",
        outcome=ReviewOutcome.RETURNED,
        by=carol,
        comments="Explain the parity answer.",
    )

    o3a = factories.make_disposition(c3)
    o3b = factories.make_disposition(c3)
    convey(o3a, "2025-04-02 09:00", compliant=False)
    convey(o3b, "2025-04-03 09:00", compliant=False)

    o4 = factories.make_disposition(c4)
    w4 = signed_worksheet(
        c4,
        alice,
        "2025-04-30 09:00",
        considered=[o4],
        chosen=o4,
        decision=Decision.DIVERSION,
        parity=ParityAnswer.NOT_APPLICABLE,
    )
    convey(o4, "2025-05-01 09:00", compliant=True)
    w4v2 = signed_worksheet(
        c4,
        alice,
        "2025-05-02 09:00",
        considered=[o4],
        chosen=o4,
        decision=Decision.DECLINED,
        parity=ParityAnswer.NOT_APPLICABLE,
        amends=w4,
        version=2,
    )
    review(w4v2, "2025-05-02 09:00")

    o5a = factories.make_disposition(c5)
    convey(o5a, "2024-12-31 23:30", compliant=False)
    o5b = factories.make_disposition(c5)
    convey(o5b, "2025-06-30 23:59", compliant=False)
    factories.make_disposition(c5)  # a draft: never counted

    omega_unit = olivia.membership.unit
    omega = factories.make_case(olivia.membership.office, omega_unit, olivia, number="OMEGA-1")
    factories.make_charge(omega, 1, "HS 11351", level=ChargeLevel.FELONY)
    convey(factories.make_disposition(omega), "2025-03-15 09:00", compliant=False)
    return {"o1": o1, "o2": o2, "o4": o4, "w1": w1, "w2": w2, "w4": w4, "w4v2": w4v2}


def run(user, **params):
    form = ReportFilterForm({**PERIOD, **params}, user=user)
    assert form.is_valid(), form.errors
    return build_report(form.report_filter(), user, goal_percent=90)


def nonzero(report):
    return {key: value for key, value in report.counts.items() if value}


# --- Each metric ------------------------------------------------------------------------------


def test_every_figure_for_the_office(data, dave):
    report = run(dave)
    assert nonzero(report) == {
        "offers_conveyed": 6,
        "offers_compliant": 2,
        "offers_late": 1,
        "offers_missing": 3,
        "worksheets_signed": 3,
        "decision_modified": 1,
        "decision_standard_kept": 1,
        "decision_declined": 1,
        "parity_same": 1,
        "parity_different": 1,
        "parity_not_applicable": 1,
        "ground_domestic_violence": 1,
        "ground_cimt": 1,
        "ground_controlled_substance": 1,
        "ground_aggravated_felony": 1,
        "overrides_any": 1,
        "override_controlled_substance": 1,
        "reviews_requested": 3,
        "reviews_approved": 1,
        "reviews_returned": 1,
        "reviews_pending": 1,
        "reviews_decided": 2,
        "reviews_within_2_days": 1,
        "reviews_3_to_7_days": 1,
    }
    assert set(report.counts) == set(METRICS)
    assert report.rate() == pytest.approx(100 * 2 / 6)
    assert report.average_turnaround == dt.timedelta(days=3)


def test_monthly_trend_has_every_month_and_the_goal(data, dave):
    report = run(dave)
    assert [(p["month"].month, p["conveyed"], p["compliant"]) for p in report.trend] == [
        (1, 0, 0),
        (2, 0, 0),
        (3, 2, 1),
        (4, 2, 0),
        (5, 1, 1),
        (6, 1, 0),
    ]
    assert report.trend[2]["rate"] == 50
    assert report.trend[0]["rate"] is None
    assert report.goal_percent == 90


def test_period_boundaries_are_local_days(data, dave):
    assert run(dave, date_from="2024-12-31", date_to="2024-12-31").counts["offers_conveyed"] == 1
    assert run(dave, date_from="2025-06-30", date_to="2025-06-30").counts["offers_conveyed"] == 1
    assert run(dave, date_from="2025-07-01", date_to="2025-07-31").counts["offers_conveyed"] == 0


def test_flagged_grounds_cover_every_offer_considered(data):
    """W1 flagged DV on the chosen offer and CIMT on the other one considered: both count."""
    data["w1"].refresh_from_db()
    assert data["w1"].flagged_grounds == ground_mask(["domestic_violence", "cimt"])


# --- Each filter ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "conveyed", "compliant", "late", "missing"),
    [
        ({"unit": "unit"}, 4, 2, 1, 1),
        ({"unit": "other_unit"}, 2, 0, 0, 2),
        ({"deputy": "alice"}, 3, 2, 0, 1),
        ({"deputy": "frank"}, 2, 0, 0, 2),
        ({"level": "felony"}, 3, 2, 1, 0),
        ({"level": "misdemeanor"}, 3, 0, 0, 3),
        ({"offense_group": "drugs"}, 1, 0, 1, 0),
        ({"offense_group": "domestic_violence"}, 1, 1, 0, 0),
        ({"offense_group": "vehicle"}, 2, 0, 0, 2),
        ({"offense_group": "property"}, 2, 1, 0, 1),
        ({"offense_group": "weapons"}, 0, 0, 0, 0),
        ({"offense_group": "drugs", "level": "felony", "unit": "unit"}, 1, 0, 1, 0),
        ({"date_from": "2025-03-01", "date_to": "2025-03-31"}, 2, 1, 1, 0),
    ],
)
def test_filters_on_offers(
    data, dave, unit, other_unit, alice, frank, params, conveyed, compliant, late, missing
):
    named = {"unit": unit, "other_unit": other_unit, "alice": alice, "frank": frank}
    params = {
        key: str(named[value].pk) if value in named else value for key, value in params.items()
    }
    counts = run(dave, **params).counts
    assert (
        counts["offers_conveyed"],
        counts["offers_compliant"],
        counts["offers_late"],
        counts["offers_missing"],
    ) == (conveyed, compliant, late, missing)


def test_filters_on_worksheets_and_reviews(data, dave, alice, other_unit):
    counts = run(dave, deputy=str(alice.pk)).counts
    assert counts["worksheets_signed"] == 2  # W1 and W4v2; W4 is superseded
    assert counts["reviews_requested"] == 2
    assert counts["reviews_pending"] == 1
    counts = run(dave, offense_group="drugs").counts
    assert (counts["worksheets_signed"], counts["overrides_any"], counts["reviews_returned"]) == (
        1,
        1,
        1,
    )
    counts = run(dave, unit=str(other_unit.pk)).counts
    assert counts["worksheets_signed"] == counts["reviews_requested"] == 0
    counts = run(dave, level="misdemeanor").counts
    assert counts["worksheets_signed"] == 0


def test_offense_groups_by_code_family(case):
    from cases.models import Charge

    expected = {
        "PC 273.5(a)": "domestic_violence",
        "PC 243(e)(1)": "domestic_violence",
        "PC 243(a)": "persons",
        "PC 273a(a)": "domestic_violence",
        "PC 211": "persons",
        "PC 288(a)": "sex_offense",
        "PC 647(b)": "sex_offense",
        "PC 647(f)": "public_order",
        "PC 29800(a)(1)": "weapons",
        "PC 459": "property",
        "PC 594(b)(1)": "property",
        "HS 11350(a)": "drugs",
        "BP 4060": "drugs",
        "VC 23152(a)": "vehicle",
        "PC 148(a)(1)": "public_order",
        "PC 166(c)(1)": "domestic_violence",
        "PC 166(a)(4)": "public_order",
        "WI 10980(c)": "other",
        "nonsense": "other",
    }
    Charge.objects.filter(case=case).delete()
    for number, statute in enumerate(expected, start=1):
        charge = factories.make_charge(case, number, statute)
        assert offense_group_of(charge) == expected[statute], statute


# --- Access -----------------------------------------------------------------------------------


def test_supervisor_sees_only_their_unit(data, carol, other_unit):
    counts = run(carol).counts
    assert counts["offers_conveyed"] == 4
    form = ReportFilterForm({**PERIOD, "unit": str(other_unit.pk)}, user=carol)
    assert not form.is_valid()
    assert "unit" in form.errors


def test_deputy_cannot_read_the_dashboard(client, data, alice, frank):
    for user in (alice, frank):
        client.force_login(user)
        for name in ("report_dashboard", "report_export_csv", "report_drilldown"):
            assert (
                client.get(reverse(name), {**PERIOD, "metric": "offers_conveyed"}).status_code
                == 403
            )


def test_supervisor_cannot_read_another_units_dashboard(client, data, carol, other_unit):
    client.force_login(carol)
    response = client.get(reverse("report_dashboard"), {**PERIOD, "unit": other_unit.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    response = client.get(
        reverse("report_drilldown"),
        {**PERIOD, "metric": "offers_conveyed", "unit": other_unit.pk},
    )
    assert response.status_code == 400
    # As the drill-down would print it: a bare "C3" can turn up inside the random CSRF token.
    assert ">C3</a>" not in response.content.decode()


def test_other_office_never_counted(data, olivia, dave):
    factories.make_user("oscar", olivia.membership.office, "admin")
    from django.contrib.auth import get_user_model

    oscar = get_user_model().objects.get(username="oscar")
    assert run(oscar).counts["offers_conveyed"] == 1
    assert run(dave).counts["offers_conveyed"] == 6


def test_deputy_filter_choices_are_limited_to_the_office(data, dave, olivia):
    form = ReportFilterForm({**PERIOD, "deputy": str(olivia.pk)}, user=dave)
    assert not form.is_valid()
    assert "deputy" in form.errors


# --- Pages ------------------------------------------------------------------------------------


def test_dashboard_shows_numbers_with_links_and_is_audited(client, data, dave):
    client.force_login(dave)
    response = client.get(reverse("report_dashboard"), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-metric="offers_late">1</a>' in html
    assert "<svg" in html and '<title id="chart-trend-title">' in html
    assert "Goal 90%" in html
    assert AuditEvent.objects.filter(object_type="compliance_report", user=dave).exists()


def test_dashboard_query_count_does_not_grow_with_rows(client, data, dave, office, unit, alice):
    """The bare SQL path: three aggregates whatever the rows (tests/test_rollups.py checks the
    page's rollup path)."""
    report_filter = run(dave).filter
    build_report(report_filter, dave, 90, use_rollups=False)  # warm content types and catalog
    with CaptureQueriesContext(connection) as small:
        build_report(report_filter, dave, 90, use_rollups=False)
    for index in range(15):
        case = factories.make_case(office, unit, alice, number=f"MORE-{index}")
        factories.make_charge(case, 1, "PC 459", level=ChargeLevel.FELONY)
        convey(factories.make_disposition(case), "2025-02-10 09:00", compliant=index % 2 == 0)
    with CaptureQueriesContext(connection) as large:
        report = build_report(report_filter, dave, 90, use_rollups=False)
    assert report.counts["offers_conveyed"] == 21
    assert len(large) == len(small)
    figures = [q for q in large.captured_queries if FIGURE_SQL.search(q["sql"])]
    assert len(figures) == 3  # offers by month, worksheets (grounds and overrides), reviews


def test_drilldown_lists_match_every_count(data, dave):
    report = run(dave)
    report_filter = report.filter
    for key, metric in METRICS.items():
        rows = rows_for(metric, report_filter, dave)
        assert rows.count() == report.counts[key], key


def test_drilldown_page_matches_and_links_cases(client, data, dave):
    client.force_login(dave)
    response = client.get(reverse("report_drilldown"), {**PERIOD, "metric": "offers_missing"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 3
    html = response.content.decode()
    assert len(re.findall(r'href="/cases/\d+/"', html)) == 3  # the three cases, not the nav
    assert "OMEGA" not in html


def test_drilldown_by_month_matches_the_trend(client, data, dave):
    client.force_login(dave)
    response = client.get(
        reverse("report_drilldown"), {**PERIOD, "metric": "offers_conveyed", "month": "2025-04"}
    )
    assert response.context["page"].paginator.count == 2
    response = client.get(
        reverse("report_drilldown"), {**PERIOD, "metric": "offers_conveyed", "month": "2026-04"}
    )
    assert response.status_code == 404


def test_drilldown_query_count_is_constant(client, data, dave, office, unit, alice):
    client.force_login(dave)
    params = {**PERIOD, "metric": "offers_conveyed"}
    client.get(reverse("report_drilldown"), params)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("report_drilldown"), params)
    for index in range(10):
        case = factories.make_case(office, unit, alice, number=f"MORE-{index}")
        convey(factories.make_disposition(case), "2025-02-10 09:00", compliant=False)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("report_drilldown"), params)
    assert len(large) == len(small)


# --- Suppression and export -------------------------------------------------------------------


def test_suppression_hides_small_cells_and_their_complement():
    counts = dict.fromkeys(METRICS, 0)
    counts.update(offers_conveyed=30, offers_compliant=20, offers_late=3, offers_missing=7)
    shown = suppress(counts, PARTITIONS)
    assert shown["offers_late"] == "<5"
    assert shown["offers_missing"] == "<5"  # else 30 - 20 - 7 gives the 3 away
    assert shown["offers_compliant"] == 20
    assert shown["offers_conveyed"] == 30
    assert shown["worksheets_signed"] == 0  # a zero is not a small cell


def test_suppression_leaves_large_cells_alone():
    counts = dict.fromkeys(METRICS, 10)
    assert suppress(counts, PARTITIONS) == counts


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_csv_suppresses_counts_under_5(client, data, dave):
    client.force_login(dave)
    response = client.get(reverse("report_export_csv"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = {(row["metric"], row["month"]): row for row in _csv(response)}
    assert rows[("offers_conveyed", "")]["count"] == "6"
    for key in ("offers_compliant", "offers_late", "offers_missing", "worksheets_signed"):
        assert rows[(key, "")]["count"] == "<5", key
        assert rows[(key, "")]["percent"] == ""
    assert rows[("trend_conveyed", "2025-03")]["count"] == "<5"
    for row in rows.values():
        assert row["count"] in ("<5", "0") or int(row["count"]) >= 5
    assert AuditEvent.objects.filter(object_type="compliance_csv", action="export").exists()


def test_csv_shows_counts_of_5_and_more(client, data, dave, office, unit, alice):
    for index in range(5):
        case = factories.make_case(office, unit, alice, number=f"MORE-{index}")
        convey(factories.make_disposition(case), "2025-02-10 09:00", compliant=True)
    client.force_login(dave)
    rows = {
        (r["metric"], r["month"]): r for r in _csv(client.get(reverse("report_export_csv"), PERIOD))
    }
    assert rows[("offers_compliant", "")]["count"] == "7"
    assert rows[("offers_conveyed", "")]["count"] == "11"
    assert rows[("offers_compliant", "")]["percent"] == "63.6"
    assert rows[("trend_conveyed", "2025-02")]["count"] == "5"
    # February's 5 compliant offers are hidden: the other months' (March 1, May 1) must add up
    # to 7 - 5 = 2, so printing the 5 would give both hidden 1s away (issue 13, item 6).
    assert rows[("trend_compliant", "2025-02")]["count"] == "<5"
    assert rows[("trend_compliant", "2025-02")]["percent"] == ""


def _codebook_table(heading):
    text = CODEBOOK.read_text()
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return list(re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE))


def test_csv_columns_and_metrics_match_the_codebook(client, data, dave):
    client.force_login(dave)
    response = client.get(reverse("report_export_csv"), PERIOD)
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header == _codebook_table("Columns")
    exported = {row["metric"] for row in _csv(response)}
    assert exported == set(_codebook_table("Metrics"))
    assert set(_codebook_table("Offense groups")) == set(OFFENSE_GROUPS)


def test_codebook_download_lists_the_same_columns(client, dave):
    client.force_login(dave)
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("report_codebook_csv")).content.decode()))
    )
    columns = [name for kind, name, _ in rows[1:] if kind == "column"]
    assert columns == CSV_COLUMNS == _codebook_table("Columns")


def test_no_breakdown_by_status_or_nationality(client, data, dave):
    client.force_login(dave)
    html = client.get(reverse("report_dashboard"), PERIOD).content.decode().lower()
    body = client.get(reverse("report_export_csv"), PERIOD).content.decode().lower()
    for word in (
        "nationality",
        "citizenship",
        "lawful permanent",
        "undocumented",
        "daca recipient",
    ):
        assert word not in body
    assert "status_disclosure" not in html
    # Nothing in the compliance app so much as names the status records.
    for module in COMPLIANCE_APP.glob("*.py"):
        assert "StatusDisclosure" not in module.read_text(), module.name


# --- Hostile filters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"unit": "1 OR 1=1"},
        {"deputy": "1; DROP TABLE cases_case; --"},
        {"offense_group": "drugs' OR '1'='1"},
        {"level": "felony' --"},
        {"date_from": "2025-01-01' OR 1=1 --"},
        {"date_to": "2025-06-30); DELETE FROM cases_disposition; --"},
    ],
)
def test_injection_in_filters_is_a_validation_error(client, data, dave, params):
    from cases.models import Disposition

    before = Disposition.objects.count()
    client.force_login(dave)
    response = client.get(reverse("report_dashboard"), {**PERIOD, **params})
    assert response.status_code == 400
    assert response.context["report"] is None
    assert response.context["form"].errors
    assert Disposition.objects.count() == before == 10


def test_injection_in_metric_or_month_is_not_found(client, data, dave):
    client.force_login(dave)
    for params in (
        {"metric": "offers_conveyed' OR '1'='1"},
        {"metric": "offers_conveyed", "month": "2025-04' OR 1=1"},
    ):
        assert client.get(reverse("report_drilldown"), {**PERIOD, **params}).status_code == 404


def test_period_must_be_in_order(dave):
    form = ReportFilterForm({"date_from": "2025-06-30", "date_to": "2025-01-01"}, user=dave)
    assert not form.is_valid()
    assert "date_to" in form.errors


def test_default_period_is_the_last_twelve_months(dave):
    form = ReportFilterForm({}, user=dave)
    assert form.is_valid(), form.errors
    f = form.report_filter()
    assert len(list(f.months())) == 12
    assert f.date_to == timezone.localdate()


# --- Grounds written at signing ---------------------------------------------------------------


def test_signing_writes_the_flagged_grounds(case, alice):
    disposition = factories.make_disposition(case)
    for charge in case.charges.all():
        factories.make_term(disposition, charge, level="felony", custody_days_imposed=365)
    worksheet = factories.ready_worksheet(case, alice, disposition)
    signed = actions.sign_worksheet(worksheet, by_user=alice)
    expected = set()
    for offer in signed.engine_output["dispositions"].values():
        expected.update(offer["grounds_flagged"])
    assert expected, "PC 273.5 and HS 11351 as felonies with 365 days must flag something"
    assert signed.flagged_grounds == ground_mask(expected)
    signed.refresh_from_db()
    assert signed.flagged_grounds == ground_mask(expected)


def test_every_ground_has_its_own_bit():
    assert set(GROUND_BITS) == {g.value for g in Ground}
    bits = list(GROUND_BITS.values())
    assert len(set(bits)) == len(bits) and all(bit & (bit - 1) == 0 for bit in bits)
    assert ground_mask(["cimt", "firearm"]) == GROUND_BITS["cimt"] | GROUND_BITS["firearm"]


# --- Conveyance columns ----------------------------------------------------------------------


def test_conveying_keeps_the_local_month_the_offer_was_conveyed_in(case, alice):
    """The trend groups on it: 23:30 on 30 November in California is already December in UTC,
    and must count in November, whatever zone the request activated."""
    disposition = factories.make_disposition(case)
    case.filed_on = dt.date(2026, 11, 2)  # a conveyance is never before the case was filed
    case.save(update_fields=["filed_on"])
    with time_machine.travel(at("2026-11-30 23:30"), tick=False), timezone.override("UTC"):
        actions.convey_offer(disposition, by_user=alice)
    disposition.refresh_from_db()
    assert disposition.conveyed_at.astimezone(dt.UTC).month == 12
    assert disposition.conveyed_month == dt.date(2026, 11, 1)
    assert disposition.conveyed_with_signed_worksheet is False


# --- Scope copied onto offers, worksheets and reviews ----------------------------------------


def test_moving_a_case_moves_its_offers_worksheets_and_reviews(
    data, dave, carol, frank, other_unit
):
    """update_case keeps the copied scope (models.CaseScope) in step, signed worksheets and
    their reviews included (on PostgreSQL the frozen-worksheet trigger lets exactly that
    through), so the report counts the case where it is now."""
    case = data["w1"].case
    assert Review.objects.filter(worksheet__case=case).exists()
    before = run(dave).counts
    unit_before = run(carol).counts
    other_before = run(dave, unit=other_unit.pk).counts
    assert case.unit_id != other_unit.pk
    actions.update_case(
        case,
        by_user=dave,
        version=case.lock_version,
        fields={"unit": other_unit, "assigned_deputy": frank},
    )
    for model, rows in (
        (Disposition, Disposition.objects.filter(case=case)),
        (Worksheet, Worksheet.objects.filter(case=case)),
        (Review, Review.objects.filter(worksheet__case=case)),
    ):
        assert rows.exists(), model
        assert set(rows.values_list("office_id", "unit_id", "assigned_deputy_id")) == {
            (case.office_id, other_unit.pk, frank.pk)
        }, model
    signed = Worksheet.objects.get(pk=data["w1"].pk)
    assert signed.content_hash == data["w1"].content_hash and signed.is_signed
    assert run(dave).counts == before  # the office's figures do not change
    assert run(carol).counts != unit_before  # the case left carol's unit
    other_after = run(dave, unit=other_unit.pk).counts
    for key in ("offers_conveyed", "worksheets_signed", "reviews_requested"):
        left = unit_before[key] - run(carol).counts[key]
        assert left > 0, key
        assert other_after[key] - other_before[key] == left, key


# --- PDF --------------------------------------------------------------------------------------


def test_report_pdf_is_suppressed_and_audited(client, data, dave):
    from pypdf import PdfReader

    client.force_login(dave)
    response = client.get(reverse("report_pdf"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="compliance-20250101-20250630.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "compliance report" in text
    assert "<5" in text
    assert "Page 1 of" in text
    assert "The rate is not shown" in text  # 2 of 6 compliant: the rate would reveal the 2
    assert reader.metadata.title == "Compliance report, Alpha County District Attorney"
    assert AuditEvent.objects.filter(object_type="compliance_pdf", action="export").exists()


def test_report_pdf_charts_hide_small_cells(data, dave, rf):
    from compliance import charts

    chart = charts.bar_chart(
        "c", "T", "D", [("A", 3, None), ("B", 12, None)], total=15, suppressed=True
    )
    assert chart.rows[0][1] == "<5" and chart.rows[0][2] == ""
    assert chart.svg.count("<rect") == 1
    trend = charts.trend_chart(
        "t",
        "T",
        "D",
        [
            {"label": "Jan", "conveyed": 20, "compliant": 3, "rate": 15.0},
            {"label": "Feb", "conveyed": 20, "compliant": 18, "rate": 90.0},
        ],
        goal=90,
        suppressed=True,
    )
    assert trend.rows[0][3] == "—" and trend.rows[1][3] == "90.0%"
    assert (
        '<title id="t-title">T</title>' in trend.svg and '<desc id="t-desc">D</desc>' in trend.svg
    )


def test_signing_after_conveyance_records_a_late_signature(case, alice):
    from cases.models import Disposition

    disposition = factories.make_disposition(case)
    for charge in case.charges.all():
        factories.make_term(disposition, charge)
    actions.convey_offer(disposition, by_user=alice)
    worksheet = factories.ready_worksheet(case, alice)
    signed = actions.sign_worksheet(worksheet, by_user=alice)
    disposition = Disposition.objects.select_related("late_signature").get(pk=disposition.pk)
    assert disposition.conveyed_with_signed_worksheet is False
    assert disposition.late_signature.signed_at == signed.signed_at
    assert disposition.late_signature.worksheet_id == signed.pk
    assert disposition.signed_late is True
    draft = factories.make_disposition(case)  # considered later, never conveyed: not late
    assert not LateSignature.objects.filter(disposition=draft).exists()


def test_an_amendment_signed_after_a_compliant_conveyance_is_not_late(case, alice):
    """Late needs a conveyance without a signed worksheet: an offer conveyed after version 1
    was signed stays compliant when version 2 is signed later."""
    disposition = factories.make_disposition(case)
    for charge in case.charges.all():
        factories.make_term(disposition, charge)
    worksheet = factories.ready_worksheet(case, alice)
    actions.sign_worksheet(worksheet, by_user=alice)
    actions.convey_offer(disposition, by_user=alice)
    amendment = actions.amend_worksheet(worksheet, by_user=alice, reason="A correction.")
    actions.sign_worksheet(amendment, by_user=alice)
    disposition.refresh_from_db()
    assert disposition.conveyed_with_signed_worksheet is True
    assert disposition.signed_late is False
    assert not LateSignature.objects.filter(disposition=disposition).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_trigger_lets_only_the_scope_of_a_signed_worksheet_change(data, other_unit):
    from django.db import IntegrityError, transaction

    signed = data["w1"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_worksheet SET unit_id = %s WHERE id = %s", [other_unit.pk, signed.pk]
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(
                "UPDATE cases_worksheet SET unit_id = %s, reasons = 'Changed.' WHERE id = %s",
                [signed.unit_id, signed.pk],
            )
    signed.refresh_from_db()
    assert signed.unit_id == other_unit.pk and signed.reasons == data["w1"].reasons


def test_csv_neutralises_a_formula_in_a_unit_name(client, data, dave, unit):
    # The scope columns carry names an administrator typed: the same csv_safe as the audit log.
    unit.name = '=HYPERLINK("http://evil")'
    unit.save()
    client.force_login(dave)
    rows = _csv(client.get(reverse("report_export_csv"), {**PERIOD, "unit": unit.pk}))
    assert rows
    assert {row["unit"] for row in rows} == {"'" + unit.name}
