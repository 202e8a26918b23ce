"""cases.case_reads: a case's counts, priors and current worksheet read with SQL compiled once per
process give what the related managers gave, each record's case set, on both databases."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions, case_reads
from cases.choices import ReviewOutcome
from cases.models import Case
from tests import factories
from tests.test_access_rules import ready_worksheet


def orm_current(case):
    """What the case page read before: the newest version, nothing amending it."""
    return (
        case.worksheets.current()
        .select_related("review", "review__reviewer")
        .order_by("-version")
        .first()
    )


def same(kept, orm):
    """The same rows with the same column values."""
    assert [(record.pk, record.__dict__.get("number")) for record in kept] == [
        (record.pk, record.__dict__.get("number")) for record in orm
    ]
    for mine, theirs in zip(kept, orm, strict=True):
        fields = [field.attname for field in type(mine)._meta.concrete_fields]
        assert [getattr(mine, f) for f in fields] == [getattr(theirs, f) for f in fields]


def test_the_kept_reads_give_what_the_related_managers_gave(case, alice, bob, carol):
    factories.make_charge(case, 4, "PC 459")
    factories.make_charge(case, 3, "PC 211")  # entered after count 4: read in count order
    other = factories.make_case(case.office, case.unit, alice, number="OTHER-1")
    factories.make_charge(other, 1, "PC 211")  # another case's records are never read
    actions.add_prior(case, by_user=bob, code="PC 484(a)", convicted_on=dt.date(2020, 5, 4))
    actions.add_prior(case, by_user=alice, code="HS 11350", convicted_on=dt.date(2019, 1, 2))
    actions.add_prior(other, by_user=alice, code="PC 211", convicted_on=dt.date(2018, 1, 2))
    case = Case.objects.get(pk=case.pk)

    same(case_reads.charges(case), list(case.charges.all()))
    charges = case_reads.charges(case)
    assert [charge.number for charge in charges] == [1, 2, 3, 4]
    assert all(charge.case is case for charge in charges)
    priors = case_reads.priors(case)
    same(priors, list(case.priors.select_related("entered_by")))
    assert [prior.code for prior in priors] == ["HS 11350", "PC 484(a)"]  # by conviction date

    assert case_reads.current_worksheet(case) is None == orm_current(case)
    draft = ready_worksheet(case, alice)
    kept = case_reads.current_worksheet(case)
    assert kept.pk == draft.pk == orm_current(case).pk
    with CaptureQueriesContext(connection) as reading:
        assert getattr(kept, "review", None) is None  # read with it: no review, and no query
        assert kept.case is case
        assert {prior.entered_by.username for prior in priors} == {"alice", "bob"}
        assert all(prior.case is case for prior in priors)
    assert len(reading) == 0

    signed = actions.sign_worksheet(draft, by_user=alice)
    actions.review_worksheet(signed, by_user=carol, outcome=ReviewOutcome.RETURNED, comments="x")
    amendment = actions.amend_worksheet(signed, by_user=alice, reason="Returned.")
    kept = case_reads.current_worksheet(case)
    assert kept.pk == amendment.pk == orm_current(case).pk  # the newest, nothing amending it
    assert getattr(kept, "review", None) is None
    assert kept.amends_id == signed.pk
    # Signed and reviewed: the review and its reviewer come with it.
    actions.sign_worksheet(amendment, by_user=alice)
    actions.review_worksheet(amendment, by_user=carol, outcome=ReviewOutcome.APPROVED)
    kept = case_reads.current_worksheet(case)
    with CaptureQueriesContext(connection) as reading:
        assert kept.review.outcome == ReviewOutcome.APPROVED
        assert kept.review.reviewer.username == "carol"
    assert len(reading) == 0
    same([kept], [orm_current(case)])


@pytest.mark.parametrize("page", ["case_detail", "compare"])
def test_the_case_pages_show_the_kept_reads(client, case, alice, page):
    actions.add_prior(case, by_user=alice, code="PC 484(a)", convicted_on=dt.date(2020, 5, 4))
    ready_worksheet(case, alice)
    client.force_login(alice)
    response = client.get(reverse(page, args=[case.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    for charge in case.charges.all():
        assert charge.statute_as_entered in text
    if page == "case_detail":
        assert "PC 484(a)" in text
        assert response.context["worksheet"].pk == orm_current(case).pk
