"""Compare: offers side by side per count and in total, against the standard offer."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.choices import DispositionLabel
from cases.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(case):
    dv, drugs = case.charges.order_by("number")
    defense = factories.make_disposition(case, DispositionLabel.DEFENSE, name="Defense proposal")
    factories.make_term(defense, dv, "PC 243(e)(1)", custody_days_imposed=364, probation_months=36)
    factories.make_term(defense, drugs, "HS 11350(a)", custody_days_imposed=90)
    standard = factories.make_disposition(case, name="Standard offer")
    factories.make_term(standard, dv, "PC 273.5(a)", level="felony", custody_days_imposed=365)
    factories.make_term(standard, drugs, "HS 11351", level="felony", custody_days_imposed=365)
    return standard, defense


def test_the_standard_offer_is_the_reference_column(client, alice, case, offers):
    standard, defense = offers
    client.force_login(alice)
    response = client.get(reverse("compare", args=[case.pk]))
    columns = response.context["columns"]
    assert [column["offer"] for column in columns] == [standard, defense]


def test_changes_from_the_standard_are_highlighted_per_count_and_in_total(
    client, alice, case, offers
):
    client.force_login(alice)
    response = client.get(reverse("compare", args=[case.pk]))
    first_row = response.context["rows"][0]["cells"]
    reference, defense = first_row
    assert defense["plea_changed"] and defense["custody_delta"] == -1 and defense["changed"]
    assert "aggravated_felony" in reference["grounds"]
    assert "aggravated_felony" in defense["cleared"]
    total = response.context["totals"][1]
    assert total["custody_delta"] == (364 + 90) - (365 + 365)
    assert "aggravated_felony" in total["cleared"]
    page = response.content.decode()
    assert 'class="changed"' in page and "plea changed" in page
    assert "276 days less than the reference" in page
    assert "Aggravated felony" in page


def test_ticked_offers_only(client, alice, case, offers):
    standard, defense = offers
    client.force_login(alice)
    response = client.get(reverse("compare", args=[case.pk]), {"offer": [defense.pk]})
    assert [column["offer"] for column in response.context["columns"]] == [defense]
    assert "no standard offer is shown" in response.content.decode()


def test_an_unknown_statute_is_never_shown_as_safe(client, alice, case, offers):
    standard, _ = offers
    other = factories.make_disposition(case, DispositionLabel.ALTERNATIVE, name="Odd plea")
    factories.make_term(other, case.charges.get(number=1), "PC 99999")
    client.force_login(alice)
    page = client.get(reverse("compare", args=[case.pk])).content.decode()
    assert "Not in catalog — no analysis" in page
    assert "do not read the absence of a ground as safe" in page


def test_viewing_the_comparison_is_audited(client, alice, case, offers):
    client.force_login(alice)
    client.get(reverse("compare", args=[case.pk]))
    event = AuditEvent.objects.get(action="view", object_type="case")
    assert event.summary == "compare" and event.object_id == str(case.pk)


def test_roles(client, bob, dave, frank, olivia, case, offers):
    url = reverse("compare", args=[case.pk])
    for reader in (bob, dave):  # dave is read-only, but may read
        client.force_login(reader)
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Standard offer" in page and "Defense proposal" in page
    client.force_login(frank)
    assert client.get(url).status_code == 404
    client.force_login(olivia)
    assert client.get(url).status_code == 404


def test_query_count_does_not_grow_with_offers_or_counts(client, alice, case, offers):
    client.force_login(alice)
    url = reverse("compare", args=[case.pk])
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200 and "Standard offer" in response.content.decode()
    for number in range(3, 7):
        factories.make_charge(case, number, "PC 459")
    for _ in range(3):
        offer = factories.make_disposition(case, DispositionLabel.ALTERNATIVE)
        for charge in case.charges.all():
            factories.make_term(offer, charge)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200 and "PC 459" in response.content.decode()
    assert len(many) == len(few)


def test_a_one_day_difference_reads_in_the_singular():
    from django.template.loader import render_to_string

    def delta(value, unit):
        context = {"value": value, "unit": unit, "against": "reference"}
        return render_to_string("cases/_delta.html", context)

    fewer, more = delta(-1, "day"), delta(3, "month")
    assert "1 day less than the reference" in fewer
    assert "3 months more than the reference" in more
