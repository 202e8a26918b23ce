"""Review with the evidence (issue 14, item 4): the review page shows the grid, the departure
from the standard offer, the overrides with their reasons and the defense's request above
approve and return; the queue shows defendant, top risk, hearing and waiting time; the
navigation shows how many wait."""

import re

import pytest
from django.urls import reverse

from cases.models import DefenseSubmission, FlagOverride, Review
from tests.worksheet_builder import build_worksheet


@pytest.fixture
def signed(office, unit, alice):
    worksheet = build_worksheet(
        {"office": office, "unit": unit, "court_case_number": "REV-0001"},
        deputy=alice,
        counts=2,
        offers=2,
    )
    assert Review.objects.filter(worksheet=worksheet).exists()  # a departure: sent for review
    return worksheet


def text_of(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_review_page_shows_what_was_weighed_above_the_decision(client, carol, signed):
    client.force_login(carol)
    response = client.get(reverse("review_decide", args=[signed.pk]))
    page = response.content.decode()
    text = text_of(response)
    evidence = [
        'class="risk-grid-wrap',
        "Departure from the standard offer",
        "The deputy's overrides",
        "Record the review",
    ]
    positions = [page.index(marker) for marker in evidence]
    assert positions == sorted(positions)
    assert "against A: Standard offer 1" in text
    assert "cleared:" in text or "added:" in text or "→" in text


def test_overrides_and_the_defense_request_are_shown_with_their_reasons(
    client, carol, signed, alice
):
    override = signed.signed_content["overrides"]
    assert override == []  # the builder records none: the page says so
    client.force_login(carol)
    text = text_of(client.get(reverse("review_decide", args=[signed.pk])))
    assert "None: the deputy accepted every flag" in text
    DefenseSubmission.objects.create(
        case=signed.case, claimed_consequences="Deportation.", equities="Two children here."
    )
    text = text_of(client.get(reverse("review_decide", args=[signed.pk])))
    # Recorded after signing: listed apart, not shown as what the deputy weighed
    # (tests/test_record_truth.py has a request frozen at signing).
    assert "The defense's request" in text and "Recorded after this version was signed" in text
    assert "Two children here." not in text
    assert not FlagOverride.objects.exists()


def test_the_queue_shows_defendant_top_risk_hearing_and_waiting_and_the_nav_counts(
    client, carol, signed
):
    client.force_login(carol)
    response = client.get(reverse("review_queue"))
    text = text_of(response)
    for heading in ("Defendant", "Top risk", "Hearing", "Waiting"):
        assert heading in text
    assert signed.case.defendant_name in text
    assert signed.flagged_grounds and "No ground flagged" not in text
    assert re.search(r"Review queue\s*<span class=\"badge[^>]*>1<", response.content.decode())
