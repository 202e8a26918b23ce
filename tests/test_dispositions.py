"""Plea offers: terms per count with record facts, an engine alternative in one click, and
conveying an offer with or without a signed worksheet."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions
from cases.choices import DispositionLabel, DispositionStatus, TermAction
from cases.models import AuditEvent, Disposition, PleaTerm
from tests import factories

pytestmark = pytest.mark.django_db


def offer_data(case, per_count=None):
    """A valid POST for an offer: every count pleaded as a misdemeanor unless overridden."""
    data = {"label": "standard", "name": "Standard offer", "proposed_by": "prosecution"}
    data.update({"diversion": "", "notes": ""})
    for charge in case.charges.all():
        prefix = f"term-{charge.pk}-"
        term = {
            "action": "plead",
            "statute_pleaded": charge.statute,
            "level_at_plea": "misdemeanor",
            "plea_type": "no_contest",
            "reduction_17b": "none",
            "sentence_form": "iss",
            "custody_days_imposed": "90",
            "custody_days_suspended": "0",
            "probation_months": "36",
            "factual_basis": "",
            "factual_basis_text": "",
            "substance_named": "unknown",
            "victim_minor": "unknown",
            "domestic_relationship": "unknown",
            "offensive_touching_only": "unknown",
            "temporary_taking": "unknown",
            "firearm_in_record": "unknown",
            "grams": "",
            "loss_amount": "",
            "admitted_enhancements": "",
        }
        term.update((per_count or {}).get(charge.number, {}))
        for name, value in term.items():
            data[prefix + name] = value
    return data


def test_an_offer_is_saved_with_its_terms_and_record_facts(client, alice, case):
    client.force_login(alice)
    data = offer_data(
        case,
        {
            1: {
                "statute_pleaded": "PC 243(e)(1)",
                "offensive_touching_only": "true",
                "conditions": ["pc1203_097", "stay_away"],
            },
            2: {"statute_pleaded": "HS 11350(a)", "substance_named": "false", "grams": "1.50"},
        },
    )
    response = client.post(reverse("disposition_create", args=[case.pk]), data)
    offer = Disposition.objects.get(case=case)
    assert response.status_code == 302
    assert response.url == f"{case.get_absolute_url()}#disp-{offer.pk}"
    first, second = offer.terms.order_by("charge__number")
    assert first.statute_pleaded == "PC 243(e)(1)" and first.offensive_touching_only is True
    assert first.conditions == ["pc1203_097", "stay_away"]
    assert first.victim_minor is None  # "record silent" stays unknown
    # HS 11350's entry reads no quantity: the grams field is hidden, and not kept if posted.
    assert second.substance_named is False and second.grams is None
    assert offer.created_by == alice
    assert AuditEvent.objects.filter(action="create", object_type="disposition").exists()


def test_the_case_page_shows_each_plea_with_its_flags(client, alice, case):
    client.force_login(alice)
    client.post(reverse("disposition_create", args=[case.pk]), offer_data(case))
    offer = case.dispositions.get()
    page = client.get(case.get_absolute_url()).content.decode()
    # Each plea is a cell of the risk grid that opens the count's flags for that offer.
    assert f'href="#flags-c1-o{offer.pk}"' in page and f'id="flags-c1-o{offer.pk}"' in page
    assert "citations, how to avoid it" in page and "<details" in page
    assert "Offense catalog version" in page


def test_a_misdemeanor_over_364_days_is_refused_next_to_the_field(client, alice, case):
    client.force_login(alice)
    data = offer_data(case, {1: {"custody_days_imposed": "365", "custody_days_suspended": "0"}})
    data[f"term-{case.charges.get(number=2).pk}-custody_days_suspended"] = "120"
    response = client.post(reverse("disposition_create", args=[case.pk]), data)
    assert response.status_code == 200
    forms = response.context["term_forms"]
    assert "cannot exceed 364 days (PC 18.5)" in str(forms[0].errors["custody_days_imposed"])
    assert "cannot exceed the days imposed" in str(forms[1].errors["custody_days_suspended"])
    assert 'value="365"' in response.content.decode()  # kept as typed
    assert not Disposition.objects.exists()


def test_a_dismissed_count_needs_no_plea_terms(client, alice, case):
    client.force_login(alice)
    data = offer_data(case, {2: {"action": "dismiss", "statute_pleaded": "", "level_at_plea": ""}})
    assert client.post(reverse("disposition_create", args=[case.pk]), data).status_code == 302
    term = PleaTerm.objects.get(charge__number=2)
    assert term.action == TermAction.DISMISS and term.statute_pleaded == ""


def test_a_second_offer_defaults_to_an_alternative(client, alice, case):
    factories.make_disposition(case)
    client.force_login(alice)
    response = client.get(reverse("disposition_create", args=[case.pk]))
    assert response.context["disposition"].label == DispositionLabel.ALTERNATIVE


def test_editing_a_draft_offer_and_not_a_conveyed_one(client, alice, case):
    offer = factories.make_disposition(case, name="Old name")
    client.force_login(alice)
    data = offer_data(case)
    data["name"] = "New name"
    data["version"] = str(offer.lock_version)
    assert client.post(reverse("disposition_edit", args=[offer.pk]), data).status_code == 302
    offer.refresh_from_db()
    assert offer.name == "New name" and offer.terms.count() == 2
    actions.convey_offer(offer, by_user=alice)
    response = client.get(reverse("disposition_edit", args=[offer.pk]), follow=True)
    assert "was conveyed, so its terms stay as they are" in response.content.decode()


def test_using_an_engine_alternative_makes_a_new_offer_in_one_click(client, alice, case):
    standard = factories.make_disposition(case, name="Standard offer")
    count = case.charges.get(number=1)
    factories.make_term(standard, count, "PC 273.5(a)", level="felony", custody_days_imposed=365)
    factories.make_term(standard, case.charges.get(number=2), "HS 11351", level="felony")
    client.force_login(alice)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Use this alternative" in page
    response = client.post(
        reverse("disposition_from_alternative", args=[case.pk]),
        {"charge": count.pk, "code": "PC 243(e)(1)", "source": standard.pk},
    )
    new = Disposition.objects.exclude(pk=standard.pk).get()
    assert response.status_code == 302 and response.url.endswith(f"#disp-{new.pk}")
    assert new.label == DispositionLabel.ALTERNATIVE
    first, second = new.terms.order_by("charge__number")
    assert first.statute_pleaded == "PC 243(e)(1)" and first.level_at_plea == "misdemeanor"
    assert first.custody_days_imposed == 364  # capped: a misdemeanor (PC 18.5)
    assert second.statute_pleaded == "HS 11351"  # the rest of the offer as it was


def test_an_alternative_the_engine_does_not_suggest_is_refused(client, alice, case):
    client.force_login(alice)
    response = client.post(
        reverse("disposition_from_alternative", args=[case.pk]),
        {"charge": case.charges.get(number=1).pk, "code": "PC 187(a)"},
        follow=True,
    )
    assert "no longer suggests" in response.content.decode()
    assert not Disposition.objects.exists()


def test_conveying_without_a_signed_worksheet_is_allowed_and_recorded(client, alice, case):
    offer = factories.make_disposition(case)
    client.force_login(alice)
    response = client.post(reverse("disposition_convey", args=[offer.pk]), follow=True)
    offer.refresh_from_db()
    assert offer.status == DispositionStatus.CONVEYED
    assert offer.conveyed_with_signed_worksheet is False
    assert "without a signed worksheet" in response.content.decode()
    assert AuditEvent.objects.get(action="convey").summary == "without signed worksheet"


def test_conveying_after_signing_is_recorded_as_covered(client, alice, case):
    offer = factories.make_disposition(case)
    factories.make_term(offer, case.charges.get(number=1), "PC 243(e)(1)")
    worksheet = actions.start_worksheet(case, by_user=alice)
    actions.update_worksheet(
        worksheet,
        by_user=alice,
        version=worksheet.lock_version,
        fields={"decision": "standard_kept", "reasons": "Fair.", "parity_answer": "same"},
    )
    actions.sign_worksheet(worksheet, by_user=alice)
    client.force_login(alice)
    response = client.post(reverse("disposition_convey", args=[offer.pk]), follow=True)
    offer.refresh_from_db()
    assert offer.conveyed_with_signed_worksheet is True
    assert "with a signed worksheet" in response.content.decode()


def test_conveying_needs_post_and_an_editing_role(client, alice, dave, olivia, case):
    offer = factories.make_disposition(case)
    client.force_login(alice)
    assert client.get(reverse("disposition_convey", args=[offer.pk])).status_code == 405
    client.force_login(dave)
    assert client.post(reverse("disposition_convey", args=[offer.pk])).status_code == 403
    client.force_login(olivia)
    assert client.post(reverse("disposition_convey", args=[offer.pk])).status_code == 404
    offer.refresh_from_db()
    assert offer.status == DispositionStatus.DRAFT


def test_roles_on_the_offer_pages(client, bob, dave, olivia, case):
    offer = factories.make_disposition(case, name="Bob's offer")
    client.force_login(bob)
    for url in (
        reverse("disposition_create", args=[case.pk]),
        reverse("disposition_edit", args=[offer.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and case.court_case_number in response.content.decode()
    assert "Bob&#x27;s offer" in response.content.decode()  # the edit form holds the offer
    client.force_login(dave)
    assert client.get(reverse("disposition_create", args=[case.pk])).status_code == 403
    assert client.get(reverse("disposition_edit", args=[offer.pk])).status_code == 403
    client.force_login(olivia)
    assert client.get(reverse("disposition_create", args=[case.pk])).status_code == 404
    assert client.get(reverse("disposition_edit", args=[offer.pk])).status_code == 404


def test_offer_page_query_count_does_not_grow_with_counts(client, alice, case):
    offer = factories.make_disposition(case)
    for charge in case.charges.all():
        factories.make_term(offer, charge)
    client.force_login(alice)
    url = reverse("disposition_edit", args=[offer.pk])
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200 and case.court_case_number in response.content.decode()
    for number in range(3, 10):
        factories.make_term(offer, factories.make_charge(case, number, "PC 459"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200 and "PC 459" in response.content.decode()
    assert len(many) == len(few)


def test_opening_the_offer_page_is_audited_as_a_view_of_the_case(client, alice, case):
    client.force_login(alice)
    client.get(reverse("disposition_create", args=[case.pk]))
    event = AuditEvent.objects.get(action="view", object_type="case")
    assert event.summary == "offer" and event.object_id == str(case.pk)


def test_a_stale_offer_edit_is_a_conflict_and_keeps_what_was_typed(client, alice, bob, case):
    """Two deputies edit the same draft offer: the second save is refused, not overwritten."""
    offer = factories.make_disposition(case, name="Draft offer")
    client.force_login(alice)
    data = offer_data(case)
    data["version"] = str(offer.lock_version)
    data["name"] = "Alice's version"
    assert client.post(reverse("disposition_edit", args=[offer.pk]), data).status_code == 302
    client.force_login(bob)
    data["name"] = "Bob's version"  # built from the version alice has since replaced
    response = client.post(reverse("disposition_edit", args=[offer.pk]), data)
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    assert "Bob&#x27;s version" in response.content.decode()
    offer.refresh_from_db()
    assert offer.name == "Alice's version"


def test_the_offer_action_refuses_to_change_a_conveyed_offer(alice, case):
    from cases.integrity import ConflictError

    offer = factories.make_disposition(case, name="Conveyed")
    actions.convey_offer(offer, by_user=alice)
    with pytest.raises(ConflictError):
        actions.save_disposition(
            case,
            by_user=alice,
            fields={"name": "Changed after conveying"},
            terms={},
            disposition=offer,
            version=offer.lock_version,
        )
    offer.refresh_from_db()
    assert offer.name == "Conveyed"
