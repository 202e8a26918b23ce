"""The case list: the deputy's and their unit's cases, searched, filtered, paged, by hearing."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)


def numbers(response):
    return [case.court_case_number for case in response.context["page"].object_list]


@pytest.fixture
def cases(office, unit, alice, bob):
    made = {
        "soon": factories.make_case(
            office, unit, alice, "C-SOON", defendant_name="Ana Soto", next_hearing=TODAY
        ),
        "later": factories.make_case(
            office,
            unit,
            bob,
            "C-LATER",
            defendant_name="Ben Lopez",
            next_hearing=TODAY + dt.timedelta(days=20),
            stage="trial",
        ),
        "none": factories.make_case(office, unit, alice, "C-NONE", defendant_name="Cy Park"),
    }
    factories.make_charge(made["soon"], 1, "PC 273.5(a)")
    factories.make_charge(made["later"], 1, "HS 11351")
    factories.make_charge(made["none"], 1, "VC 23152(a)")
    return made


def test_sorted_by_next_hearing_with_undated_last(client, alice, cases):
    client.force_login(alice)
    assert numbers(client.get(reverse("case_list"))) == ["C-SOON", "C-LATER", "C-NONE"]


def test_home_is_the_case_list_for_roles_without_needs_my_action(client, dave, cases):
    client.force_login(dave)  # a deputy's home is "Needs my action" (tests/test_inbox.py)
    assert numbers(client.get(reverse("home"))) == ["C-SOON", "C-LATER", "C-NONE"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("soto", ["C-SOON"]),
        ("PC 273.5", ["C-SOON"]),
        ("Pen. Code § 273.5(a)", ["C-SOON"]),
        ("11351", ["C-LATER"]),
        ("H&S 11351", ["C-LATER"]),
        ("nothing like it", []),
    ],
)
def test_search_by_number_defendant_or_statute(client, alice, cases, query, expected):
    client.force_login(alice)
    assert numbers(client.get(reverse("case_list"), {"q": query})) == expected


def test_filter_by_stage_and_hearing_range(client, alice, cases):
    client.force_login(alice)
    assert numbers(client.get(reverse("case_list"), {"stage": "trial"})) == ["C-LATER"]
    response = client.get(
        reverse("case_list"),
        {"hearing_from": TODAY.isoformat(), "hearing_to": (TODAY + dt.timedelta(5)).isoformat()},
    )
    assert numbers(response) == ["C-SOON"]


def test_a_backwards_date_range_is_reported_next_to_the_field(client, alice, cases):
    client.force_login(alice)
    response = client.get(
        reverse("case_list"), {"hearing_from": "2026-12-10", "hearing_to": "2026-12-01"}
    )
    assert response.context["form"].errors["hearing_to"] == [
        "The end date is before the start date."
    ]


def test_filter_by_worksheet_missing_unsigned_or_signed(client, alice, cases):
    draft = actions.start_worksheet(cases["soon"], by_user=alice)
    signed = actions.start_worksheet(cases["later"], by_user=alice)
    signed.decision, signed.reasons, signed.parity_answer = "standard_kept", "Fair.", "same"
    signed.save()
    offer = factories.make_disposition(cases["later"])
    factories.make_term(offer, cases["later"].charges.get(), "HS 11350(a)")
    signed.dispositions_considered.set([offer])
    actions.sign_worksheet(signed, by_user=alice)
    assert draft.pk
    client.force_login(alice)
    assert numbers(client.get(reverse("case_list"), {"worksheet": "missing"})) == ["C-NONE"]
    assert numbers(client.get(reverse("case_list"), {"worksheet": "unsigned"})) == ["C-SOON"]
    response = client.get(reverse("case_list"), {"worksheet": "signed"})
    assert numbers(response) == ["C-LATER"]
    assert "Signed v1" in response.content.decode()


def test_only_the_deputy_and_unit_cases_are_listed(client, frank, olivia, cases, outsider_case):
    client.force_login(frank)
    assert numbers(client.get(reverse("case_list"))) == []
    client.force_login(olivia)
    assert numbers(client.get(reverse("case_list"))) == ["OMEGA-0001"]


def test_paginated_and_filters_kept_across_pages(client, alice, office, unit):
    for n in range(30):
        factories.make_case(office, unit, alice, f"P-{n:03d}", next_hearing=TODAY)
    client.force_login(alice)
    first = client.get(reverse("case_list"), {"q": "P-"})
    assert len(numbers(first)) == 25
    assert "q=P-&amp;page=2" in first.content.decode()
    second = client.get(reverse("case_list"), {"q": "P-", "page": 2})
    assert len(numbers(second)) == 5


def test_query_count_does_not_grow_with_rows(client, alice, office, unit):
    client.force_login(alice)
    factories.make_case(office, unit, alice)
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("case_list"), {"q": "T"})
    assert len(numbers(response)) == 1
    for _ in range(8):
        case = factories.make_case(office, unit, alice)
        factories.make_charge(case, 1, "PC 242")
        factories.make_disposition(case)
        actions.start_worksheet(case, by_user=alice)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("case_list"), {"q": "T"})
    assert len(numbers(response)) == 9
    assert len(many) == len(few)
