"""Offer entry that shows consequences as you type (issue 15 item 3): the live preview of one
count, only the record facts its statute can use, the level pre-filled from the catalog, and
"did you mean" for a statute the catalog does not know. The browser half is in
tests/browser/test_offer_entry_live.py."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases import offer_entry
from cases.models import RECORD_FACTS, AuditEvent, Disposition, PleaTerm
from tests import factories
from tests.test_dispositions import offer_data

pytestmark = pytest.mark.django_db


def preview_data(charge, **terms):
    """One count's fields as the offer page posts them, a felony 273.5(a) at 365 days by default."""
    values = {
        "action": "plead",
        "statute_pleaded": charge.statute,
        "level_at_plea": "felony",
        "plea_type": "no_contest",
        "reduction_17b": "none",
        "sentence_form": "iss",
        "custody_days_imposed": "365",
        "custody_days_suspended": "0",
        "probation_months": "36",
        **terms,
    }
    return {f"term-{charge.pk}-{name}": value for name, value in values.items()}


def preview_url(case, charge):
    return reverse("offer_count_preview", args=[case.pk, charge.pk])


def flagged_part(html):
    """The flags shown as flagged, before the "Not flagged" fold."""
    return html.split("Not flagged")[0]


# --- The preview endpoint ---------------------------------------------------------------------


def test_364_days_clears_the_aggravated_felony_that_365_flags(client, alice, case):
    client.force_login(alice)
    charge = case.charges.get(number=1)
    at_365 = client.post(preview_url(case, charge), preview_data(charge)).content.decode()
    assert "Aggravated felony" in flagged_part(at_365)
    at_364 = client.post(
        preview_url(case, charge), preview_data(charge, custody_days_imposed="364")
    ).content.decode()
    assert "Aggravated felony" not in flagged_part(at_364)
    assert "Aggravated felony" in at_364  # still listed, as not flagged
    assert "before saving" in at_364


def test_an_impossible_term_shows_its_error_in_place_and_saves_nothing(client, alice, case):
    client.force_login(alice)
    charge = case.charges.get(number=1)
    before = AuditEvent.objects.count()
    response = client.post(
        preview_url(case, charge),
        preview_data(charge, level_at_plea="misdemeanor", custody_days_imposed="400"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not assessed" in html and "A misdemeanor cannot exceed 364 days (PC 18.5)" in html
    assert "Aggravated felony" not in html
    assert not Disposition.objects.exists() and not PleaTerm.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_term_the_engine_refuses_says_why_in_place(client, alice, case):
    client.force_login(alice)
    charge = case.charges.get(number=1)
    html = client.post(
        preview_url(case, charge), preview_data(charge, statute_pleaded="PC 243(e)(1)")
    ).content.decode()
    assert "Not assessed" in html and "cannot be a felony" in html


def test_the_preview_writes_nothing_and_records_no_audit_event(client, alice, case):
    offer = factories.make_disposition(case)
    factories.make_term(offer, case.charges.get(number=1), custody_days_imposed=90)
    client.force_login(alice)
    charge = case.charges.get(number=1)
    before = AuditEvent.objects.count(), Disposition.objects.count(), PleaTerm.objects.count()
    stored = PleaTerm.objects.values().get()
    response = client.post(
        preview_url(case, charge),
        preview_data(charge, custody_days_imposed="365", statute_pleaded="PC 245(a)(1)"),
    )
    assert response.status_code == 200
    after = AuditEvent.objects.count(), Disposition.objects.count(), PleaTerm.objects.count()
    assert after == before
    assert PleaTerm.objects.values().get() == stored


def test_the_preview_makes_a_fixed_number_of_queries(
    client, alice, case, django_assert_max_num_queries
):
    client.force_login(alice)
    charge = case.charges.get(number=1)
    # Session, user, second factor, membership, office, case, permissions, the count, and the
    # session's touch: none per flag, fact or alternative (the engine reads no database).
    with django_assert_max_num_queries(13):
        response = client.post(preview_url(case, charge), preview_data(charge))
    assert response.status_code == 200


def test_an_outsider_gets_404_and_a_read_only_role_403(client, olivia, dave, bob, case):
    charge = case.charges.get(number=1)
    client.force_login(olivia)
    assert client.post(preview_url(case, charge), preview_data(charge)).status_code == 404
    client.force_login(bob)  # a colleague in the unit may work on the offer
    assert client.post(preview_url(case, charge), preview_data(charge)).status_code == 200
    client.force_login(dave)  # the office administrator reads cases, does not enter offers
    assert client.post(preview_url(case, charge), preview_data(charge)).status_code == 403


def test_a_count_of_another_case_is_404(client, alice, case, office, unit):
    other = factories.make_case(office, unit, alice, number="ALPHA-0002")
    foreign = factories.make_charge(other, 1, "PC 211")
    client.force_login(alice)
    assert client.post(preview_url(case, foreign), preview_data(foreign)).status_code == 404


def test_the_preview_needs_a_login_a_post_and_the_csrf_token(alice, case):
    charge = case.charges.get(number=1)
    anonymous = Client()
    response = anonymous.post(preview_url(case, charge), preview_data(charge))
    assert response.status_code == 302 and "/login/" in response.url
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(alice)
    assert checked.post(preview_url(case, charge), preview_data(charge)).status_code == 403
    page = checked.get(reverse("disposition_create", args=[case.pk]))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    ok = checked.post(
        preview_url(case, charge), {**preview_data(charge), "csrfmiddlewaretoken": token}
    )
    assert ok.status_code == 200
    assert checked.get(preview_url(case, charge)).status_code == 405


def test_an_unknown_statute_is_unknown_in_the_preview_never_safe(client, alice, case):
    client.force_login(alice)
    charge = case.charges.get(number=1)
    html = client.post(
        preview_url(case, charge), preview_data(charge, statute_pleaded="PC 2735a")
    ).content.decode()
    assert "Not in catalog — no analysis" in html
    assert "No ground is flagged" not in html
    # Every record fact stays on offer for a statute nobody has analysed.
    assert f'data-facts="{" ".join(RECORD_FACTS)}"' in html


# --- Only the facts the entry uses ------------------------------------------------------------


def test_the_fields_follow_the_entrys_facts():
    assert offer_entry.record_fields_used("PC 273.5(a)") == ()
    assert offer_entry.record_fields_used("PC 487(a)") == ("loss_amount",)  # as loss_over_10000
    assert offer_entry.record_fields_used("HS 11350") == ("substance_named",)
    assert offer_entry.record_fields_used("PC 9999") == RECORD_FACTS
    assert offer_entry.record_fields_used("") == ()


def counts_of(html):
    """Each count's fieldset on the offer page, in order."""
    return html.split('<fieldset class="border rounded p-2 mb-3 term" id="term-')[1:]


def fact_cells(html):
    """{fact: hidden?} for each record-fact column of one count on the offer page."""
    cells = {}
    for match in re.finditer(r'<div[^>]*data-fact="(\w+)"[^>]*>', html):
        cells[match[1]] = "hidden" in match[0]
    return cells


def test_a_dv_count_hides_every_fact_and_a_drug_count_shows_the_substance(client, alice, case):
    client.force_login(alice)
    html = client.get(reverse("disposition_create", args=[case.pk])).content.decode()
    dv, drug = counts_of(html)
    assert set(fact_cells(dv)) == set(RECORD_FACTS)
    assert all(fact_cells(dv).values())  # PC 273.5(a): all eight hidden
    assert "No other record fact changes this count" in dv
    shown = [name for name, hidden in fact_cells(drug).items() if not hidden]
    assert shown == ["substance_named"]  # HS 11351


def test_a_hidden_fact_posted_anyway_is_not_saved(client, alice, case):
    client.force_login(alice)
    data = offer_data(
        case,
        {
            # A hidden field's bad value is ignored too: it is not kept, so it cannot be wrong.
            1: {"loss_amount": "50000", "grams": "-3", "victim_minor": "true"},
            2: {"substance_named": "true", "loss_amount": "20000", "firearm_in_record": "true"},
        },
    )
    response = client.post(reverse("disposition_create", args=[case.pk]), data)
    assert response.status_code == 302
    dv, drug = PleaTerm.objects.order_by("charge__number")
    assert (dv.loss_amount, dv.grams, dv.victim_minor) == (None, None, None)
    assert drug.substance_named is True
    assert (drug.loss_amount, drug.firearm_in_record) == (None, None)


def test_a_stored_fact_stays_in_sight_until_the_offer_is_saved_again(client, alice, case):
    offer = factories.make_disposition(case)
    factories.make_term(offer, case.charges.get(number=1), loss_amount=500)  # from before
    client.force_login(alice)
    html = client.get(reverse("disposition_edit", args=[offer.pk])).content.decode()
    cells = fact_cells(counts_of(html)[0])
    assert cells["loss_amount"] is False and cells["grams"] is True


def test_a_fact_the_new_statute_uses_is_kept(client, alice, case):
    client.force_login(alice)
    data = offer_data(
        case,
        {1: {"statute_pleaded": "PC 487(a)", "loss_amount": "12000", "level_at_plea": "felony"}},
    )
    assert client.post(reverse("disposition_create", args=[case.pk]), data).status_code == 302
    assert PleaTerm.objects.get(charge__number=1).loss_amount == 12000


# --- The level from the catalog ----------------------------------------------------------------


def selected_level(html, charge):
    select = re.search(rf'<select name="term-{charge.pk}-level_at_plea".*?</select>', html, re.S)[0]
    chosen = re.search(r'<option value="(\w*)"[^>]*selected', select)
    return chosen[1] if chosen else ""


def test_the_level_is_pre_filled_from_the_catalog(client, alice, office, unit):
    case = factories.make_case(office, unit, alice, number="ALPHA-0009")
    misdemeanor_only = factories.make_charge(case, 1, "PC 243(e)(1)", level="felony")
    felony_only = factories.make_charge(case, 2, "PC 211", level="wobbler")
    wobbler_as_charged = factories.make_charge(case, 3, "PC 273.5(a)", level="felony")
    wobbler_open = factories.make_charge(case, 4, "HS 11350", level="wobbler")
    unknown = factories.make_charge(case, 5, "PC 99999", level="misdemeanor")
    client.force_login(alice)
    html = client.get(reverse("disposition_create", args=[case.pk])).content.decode()
    assert selected_level(html, misdemeanor_only) == "misdemeanor"  # the catalog, not the charge
    assert selected_level(html, felony_only) == "felony"
    assert selected_level(html, wobbler_as_charged) == "felony"
    assert selected_level(html, wobbler_open) == ""  # a wobbler charged as one: the deputy picks
    assert selected_level(html, unknown) == "misdemeanor"  # unknown: as charged
    assert 'data-prefilled="1"' in html


def test_the_preview_tells_the_page_the_level_of_a_new_statute(client, alice, case):
    client.force_login(alice)
    charge = case.charges.get(number=1)
    html = client.post(
        preview_url(case, charge),
        preview_data(charge, statute_pleaded="PC 243(e)(1)", level_at_plea=""),
    ).content.decode()
    assert 'data-level="misdemeanor"' in html
    assert 'data-facts="offensive_touching_only"' in html


# --- Did you mean -----------------------------------------------------------------------------


def test_a_statute_typo_gets_did_you_mean(client, alice):
    client.force_login(alice)
    html = client.get(
        reverse("statute_suggest"), {"key": "term-1", "term-1-statute_pleaded": "PC 2735a"}
    ).content.decode()
    assert "Not in catalog — no analysis" in html
    assert "Did you mean" in html and 'data-statute-code="PC 273.5(a)"' in html
    assert '<option value="PC 273.5(a)"' in html  # offered in the field's list too
    known = client.get(
        reverse("statute_suggest"), {"key": "term-1", "term-1-statute_pleaded": "PC 273.5(a)"}
    ).content.decode()
    assert "Did you mean" not in known


# --- Without JavaScript -----------------------------------------------------------------------


def test_without_javascript_the_page_shows_each_counts_flags_and_errors(client, alice, case):
    offer = factories.make_disposition(case)
    factories.make_term(offer, case.charges.get(number=1), level="felony", custody_days_imposed=365)
    client.force_login(alice)
    html = client.get(reverse("disposition_edit", args=[offer.pk])).content.decode()
    first = counts_of(html)[0]
    assert "Aggravated felony" in flagged_part(first.split("before saving")[1])
    data = offer_data(case, {1: {"custody_days_imposed": "400"}})  # a misdemeanor of 400 days
    response = client.post(reverse("disposition_edit", args=[offer.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not assessed" in page and 'value="400"' in page  # what was typed stays
    assert PleaTerm.objects.get(charge__number=1).custody_days_imposed == 365
