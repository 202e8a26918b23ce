"""The dashboard's raw counts run kept SQL (compliance.counts._Kept): built and compiled once
per process for the same runs and viewer, run afresh on every view. A kept statement must count
what a freshly built one counts, after every write and every change of a fact it was built from.
"""

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.choices import ChargeLevel, Decision, ParityAnswer, ReviewOutcome, WorksheetScope
from compliance import counts
from compliance.filters import ReportFilter
from tests import factories
from tests.test_reports import convey, review, signed_worksheet
from tests.test_rollups import random_filter, world_for  # noqa: F401 (a fixture)


def fresh(runs, user, **options):
    """count_raw_runs with its statements built now, as every view did before they were kept."""
    counts._KEPT_SQL.clear()
    return counts.count_raw_runs(runs, user, **options)


def kept(runs, user, monkeypatch, **options):
    """count_raw_runs from the statements kept by an earlier call: building one is refused."""
    with monkeypatch.context() as patched:
        patched.setattr(counts, "_either", _refused)
        return counts.count_raw_runs(runs, user, **options)


def _refused(*args, **kwargs):
    raise AssertionError("a kept statement was built again")


def as_next_request(user):
    """The user as the next page reads them: membership, office and unit afresh."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.parametrize("seed", [4, 5])
def test_kept_statements_count_what_fresh_ones_count_on_random_data(
    world_for,  # noqa: F811
    seed,
    dave,
    carol,
    monkeypatch,
):
    world = world_for(seed)
    rng = random.Random(seed * 104729)
    seen = 0
    for _round in range(6):
        for _ in range(4):
            viewer, report_filter = random_filter(rng, world, [dave, carol])
            month = report_filter.date_from.replace(day=1)
            second = ReportFilter(  # a second run, as the rollup asks for both edges of a period
                **{**report_filter.__dict__, "date_from": month + dt.timedelta(days=70)},
            )
            runs = [report_filter]
            if second.date_from > report_filter.date_to and rng.random() < 0.5:
                second = ReportFilter(
                    **{**second.__dict__, "date_to": second.date_from + dt.timedelta(days=20)}
                )
                runs.append(second)
            expected = fresh(runs, viewer)
            assert kept(runs, viewer, monkeypatch) == expected, (runs, viewer)
            seen += expected.counts["offers_conveyed"] + expected.counts["reviews_requested"]
            # A write: the statement kept above now reads the new rows. A new policy version
            # is a fact the statement is built from: it is built again.
            if world.mutate() == "policy":
                after = counts.count_raw_runs(runs, viewer)
            else:
                after = kept(runs, viewer, monkeypatch)
            assert after == fresh(runs, viewer), (runs, viewer)
    assert seen > 0  # the random data is not empty


def test_kept_statement_follows_each_fact_it_is_built_from(
    office, unit, other_unit, alice, carol, monkeypatch, settings
):
    """Kept SQL is reused only while every fact it was built from is unchanged: the policy
    versions' settings, the viewer's visibility (unit, role), the time zone and the catalog."""
    felony = factories.make_case(office, unit, alice, "F-1")
    factories.make_charge(felony, 1, "PC 459", level=ChargeLevel.FELONY)
    misdemeanor = factories.make_case(office, unit, alice, "M-1")
    factories.make_charge(misdemeanor, 1, "PC 148(a)(1)", level=ChargeLevel.MISDEMEANOR)
    elsewhere = factories.make_case(office, other_unit, None, "O-1")
    factories.make_charge(elsewhere, 1, "PC 459", level=ChargeLevel.FELONY)
    offers = [
        convey(factories.make_disposition(case), "2025-03-03 23:30", compliant=False)
        for case in (felony, misdemeanor, elsewhere)
    ]
    worksheet = signed_worksheet(
        felony,
        alice,
        "2025-03-04 09:00",
        considered=offers[:1],
        decision=Decision.STANDARD_KEPT,
        parity=ParityAnswer.SAME,
    )
    review(
        worksheet, "2025-03-05 10:00", "2025-03-06 10:00", outcome=ReviewOutcome.APPROVED, by=carol
    )
    runs = [ReportFilter(office.pk, dt.date(2025, 3, 1), dt.date(2025, 3, 31))]

    def check(user, offers, reviews=1):
        user = as_next_request(user)
        expected = fresh(runs, user)
        counts._KEPT_SQL.clear()
        counts.count_raw_runs(runs, user)  # kept now, for the facts as they are
        assert kept(runs, user, monkeypatch) == expected
        assert expected.counts["offers_conveyed"] == offers
        assert expected.counts["reviews_requested"] == reviews
        return counts.count_raw_runs(runs, user)

    def changed(user, offers, reviews=1):
        """After a change of fact, the statement kept before it is not reused."""
        user = as_next_request(user)
        figures = counts.count_raw_runs(runs, user)  # built again: _either is not refused here
        assert figures == fresh(runs, user)
        assert figures.counts["offers_conveyed"] == offers
        assert figures.counts["reviews_requested"] == reviews

    check(carol, 2)  # her unit's two offers (every offer needs a worksheet by default)
    counts.count_raw_runs(runs, as_next_request(carol))
    factories.set_policy(office, worksheet_scope=WorksheetScope.FELONIES)  # a first version
    changed(carol, 1)
    factories.set_policy(office, worksheet_scope=WorksheetScope.ALL_OFFERS)  # edited in place
    changed(carol, 2)
    factories.set_policy(office, worksheet_scope=WorksheetScope.FELONIES)
    changed(carol, 1)
    factories.set_policy(office, dt.date(2025, 3, 4), worksheet_scope=WorksheetScope.NONE)
    changed(carol, 1)  # a version from the 4th: the offers of the 3rd keep the felony scope
    carol.membership.unit = other_unit
    carol.membership.save()
    changed(carol, 1, reviews=0)  # the other unit's felony, and none of its reviews
    carol.membership.role = "admin"
    carol.membership.save()
    changed(carol, 2)  # the whole office's felonies
    counts.count_raw_runs(runs, as_next_request(carol))
    catalog = counts.get_catalog()
    monkeypatch.setattr(counts, "get_catalog", lambda: SimpleNamespace(version="a later one"))
    with pytest.raises(AssertionError, match="built again"):
        kept(runs, as_next_request(carol), monkeypatch)  # a new catalog: not the kept statement
    monkeypatch.setattr(counts, "get_catalog", lambda: catalog)
    assert kept(runs, as_next_request(carol), monkeypatch).counts["offers_conveyed"] == 2
    # The offers of 23:30 on the 3rd in Los Angeles are of the 4th in Chicago: after the
    # version of the 4th, which requires no worksheet.
    settings.TIME_ZONE = "America/Chicago"
    with timezone.override("America/Chicago"):
        changed(carol, 0)


def test_a_kept_statement_costs_no_more_queries_than_building_it(office, unit, alice, carol):
    case = factories.make_case(office, unit, alice)
    factories.make_charge(case, 1, "PC 459", level=ChargeLevel.FELONY)
    convey(factories.make_disposition(case), "2025-03-03 10:00", compliant=True)
    runs = [ReportFilter(office.pk, dt.date(2025, 3, 1), dt.date(2025, 3, 31))]
    carol = as_next_request(carol)
    assert carol.membership.unit_id == unit.pk  # read once, as the request's middleware does
    counts._KEPT_SQL.clear()
    with CaptureQueriesContext(connection) as built:
        first = counts.count_raw_runs(runs, carol)
    with CaptureQueriesContext(connection) as reused:
        again = counts.count_raw_runs(runs, carol)
    assert first == again
    assert first.counts["offers_compliant"] == 1
    assert [q["sql"] for q in reused.captured_queries] == [q["sql"] for q in built.captured_queries]


def test_an_answer_given_without_a_statement_is_kept_whole(office, unit, alice):
    """A viewer who may see nothing: the ORM answers without running a statement, and that
    answer is kept; each view gets its own copy (the caller takes figures out of it)."""
    case = factories.make_case(office, unit, alice)
    convey(factories.make_disposition(case), "2025-03-03 10:00", compliant=True)
    runs = [ReportFilter(office.pk, dt.date(2025, 3, 1), dt.date(2025, 3, 31))]
    nobody = get_user_model().objects.create_user("nobody", password="x")
    counts._KEPT_SQL.clear()
    with CaptureQueriesContext(connection) as queries:
        views = [counts.count_raw_runs(runs, nobody) for _ in range(3)]
    assert views[0] == views[1] == views[2]
    assert views[2].counts["offers_conveyed"] == views[2].counts["reviews_requested"] == 0
    assert views[2].average_turnaround is None
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]


def test_a_statement_whose_build_read_the_database_is_not_kept(
    office, unit, alice, carol, monkeypatch
):
    """Only the key's facts may shape a kept statement: a build that reads anything (here the
    policy versions, read again when not handed over) keeps nothing."""
    from contextlib import nullcontext

    case = factories.make_case(office, unit, alice)
    convey(factories.make_disposition(case), "2025-03-03 10:00", compliant=True)
    runs = [ReportFilter(office.pk, dt.date(2025, 3, 1), dt.date(2025, 3, 31))]
    carol = as_next_request(carol)
    counts._KEPT_SQL.clear()
    monkeypatch.setattr(counts.policy, "versions_known", lambda *args: nullcontext())
    assert counts.count_raw_runs(runs, carol).counts["offers_compliant"] == 1
    assert not [key for key in counts._KEPT_SQL if "cases.Disposition" in key]


def test_a_kept_statement_with_other_columns_is_built_again(office, unit, alice, carol):
    case = factories.make_case(office, unit, alice)
    convey(factories.make_disposition(case), "2025-03-03 10:00", compliant=True)
    runs = [ReportFilter(office.pk, dt.date(2025, 3, 1), dt.date(2025, 3, 31))]
    carol = as_next_request(carol)
    expected = fresh(runs, carol)
    (key,) = [key for key in counts._KEPT_SQL if "cases.Disposition" in key]
    sql, params = counts._KEPT_SQL[key]
    counts._KEPT_SQL[key] = (sql.replace('AS "offers_compliant"', 'AS "compliant"'), params)
    assert counts.count_raw_runs(runs, carol) == expected
    assert counts._KEPT_SQL[key] == (sql, params)  # built again, as it was
