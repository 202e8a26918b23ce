"""The worksheet: record the consideration, sign it (password again after 15 minutes), amend
it, the supervisor's queue per office policy, overrides, and volunteered status only."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions
from cases.choices import ApprovalPolicy, DispositionLabel, ReviewOutcome
from cases.models import (
    GROUND_BITS,
    AuditEvent,
    FlagOverride,
    Review,
    StatusDisclosure,
    Worksheet,
)
from tests import factories

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def offers(case):
    dv, drugs = case.charges.order_by("number")
    standard = factories.make_disposition(case, name="Standard offer")
    factories.make_term(standard, dv, "PC 273.5(a)", level="felony", custody_days_imposed=365)
    factories.make_term(standard, drugs, "HS 11351", level="felony", custody_days_imposed=365)
    alternative = factories.make_disposition(case, DispositionLabel.ALTERNATIVE, name="Safer")
    factories.make_term(alternative, dv, "PC 243(e)(1)", custody_days_imposed=364)
    factories.make_term(alternative, drugs, "HS 11350(a)", custody_days_imposed=90)
    return standard, alternative


@pytest.fixture
def worksheet(case, alice, offers):
    return actions.start_worksheet(case, by_user=alice)


def form_data(worksheet, offers, **overrides):
    data = {
        "version": worksheet.lock_version,
        "considered": [offer.pk for offer in offers],
        "chosen_disposition": offers[0].pk,
        "decision": "standard_kept",
        "reasons": "The standard offer is proportionate.",
        "parity_answer": "same",
        "parity_explanation": "",
        "factor_seriousness_weight": "for_standard",
        "factor_seriousness_note": "Injury to the partner.",
        "factor_equities_weight": "for_alternative",
    }
    data.update(overrides)
    return data


def test_starting_opens_one_draft_with_every_offer_considered(client, alice, case, offers):
    client.force_login(alice)
    response = client.post(reverse("worksheet_start", args=[case.pk]))
    worksheet = Worksheet.objects.get(case=case)
    assert response.url == worksheet.get_absolute_url()
    assert set(worksheet.dispositions_considered.all()) == set(offers)
    client.post(reverse("worksheet_start", args=[case.pk]))
    assert Worksheet.objects.filter(case=case).count() == 1


def test_viewing_is_audited_and_shows_every_offer_considered(client, alice, worksheet):
    client.force_login(alice)
    page = client.get(worksheet.get_absolute_url()).content.decode()
    assert "Standard offer" in page and "Safer" in page
    assert "Override this flag" in page
    event = AuditEvent.objects.get(action="view", object_type="worksheet")
    assert event.object_id == str(worksheet.pk) and event.user == alice


def test_saving_a_draft_records_factors_parity_and_decision(client, alice, worksheet, offers):
    client.force_login(alice)
    data = form_data(worksheet, offers, considered=[offers[0].pk])
    response = client.post(worksheet.get_absolute_url(), data)
    assert response.status_code == 302
    worksheet.refresh_from_db()
    assert worksheet.factors["seriousness"] == {
        "weight": "for_standard",
        "note": "Injury to the partner.",
    }
    assert worksheet.factors["equities"]["weight"] == "for_alternative"
    assert "history" not in worksheet.factors
    assert list(worksheet.dispositions_considered.all()) == [offers[0]]
    assert worksheet.parity_answer == "same" and worksheet.lock_version == 2


def test_the_offer_chosen_must_be_one_considered(client, alice, worksheet, offers):
    client.force_login(alice)
    data = form_data(worksheet, offers, considered=[offers[1].pk])
    response = client.post(worksheet.get_absolute_url(), data)
    assert response.status_code == 400
    assert "must be one of the offers considered" in response.content.decode()


def test_signing_an_incomplete_worksheet_saves_it_and_says_what_is_missing(
    client, alice, worksheet, offers
):
    client.force_login(alice)
    data = form_data(worksheet, offers, decision="", reasons="", parity_answer="")
    data["factor_history_note"] = "Two priors, old."
    response = client.post(reverse("worksheet_sign", args=[worksheet.pk]), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["decision"] == ["Needed before signing: the decision."]
    assert "the reasons for the decision" in form.errors["reasons"][0]
    assert "citizen-parity answer" in form.errors["parity_answer"][0]
    worksheet.refresh_from_db()
    assert not worksheet.is_signed
    assert worksheet.factors["history"]["note"] == "Two priors, old."  # nothing typed lost
    # The re-shown form carries the new version, so saving again is not a conflict.
    assert form["version"].value() == str(worksheet.lock_version)


def test_signing_freezes_the_worksheet_and_shows_its_hash_and_catalog(
    client, alice, worksheet, offers
):
    client.force_login(alice)
    response = client.post(
        reverse("worksheet_sign", args=[worksheet.pk]), form_data(worksheet, offers), follow=True
    )
    worksheet.refresh_from_db()
    assert worksheet.is_signed and worksheet.signed_by == alice
    page = response.content.decode()
    assert worksheet.content_hash in page and len(worksheet.content_hash) == 64
    assert worksheet.catalog_version in page
    assert "Signed and frozen" in page
    assert f'formaction="/worksheets/{worksheet.pk}/sign/"' not in page
    assert "Save draft" not in page and "Start an amendment" in page
    # The standard offer kept: no departure, no review under the default policy.
    assert not Review.objects.filter(worksheet=worksheet).exists()


def test_a_signed_worksheet_cannot_be_changed(client, alice, worksheet, offers):
    client.force_login(alice)
    client.post(reverse("worksheet_sign", args=[worksheet.pk]), form_data(worksheet, offers))
    worksheet.refresh_from_db()
    data = form_data(worksheet, offers, reasons="Rewritten")
    # From a stale page or a second tab: a conflict that says who signed it, when, and where.
    for url in (worksheet.get_absolute_url(), reverse("worksheet_sign", args=[worksheet.pk])):
        response = client.post(url, data)
        assert response.status_code == 409
        page = " ".join(response.content.decode().split())
        assert f"Already signed by {alice.get_full_name()} at" in page
        assert f'href="{worksheet.get_absolute_url()}"' in page
    worksheet.refresh_from_db()
    assert worksheet.reasons == "The standard offer is proportionate."


def test_the_draft_form_is_never_cached_so_back_shows_the_signed_version(
    client, alice, worksheet, offers
):
    client.force_login(alice)
    assert client.get(worksheet.get_absolute_url())["Cache-Control"] == "no-store"
    client.post(reverse("worksheet_sign", args=[worksheet.pk]), form_data(worksheet, offers))
    page = client.get(worksheet.get_absolute_url())
    assert "Signed and frozen" in page.content.decode()


def test_an_old_login_must_give_the_password_again_to_sign(client, alice, worksheet, offers):
    with time_machine.travel(START, tick=False) as clock:
        client.login(username="alice", password="correct-horse-battery")
        clock.shift(dt.timedelta(minutes=16))
        page = client.get(worksheet.get_absolute_url()).content.decode()
        assert "Your password, to sign" in page
        assert 'id="sign-password" data-reauth-seconds="0">' in page  # shown, beside Sign
        data = form_data(worksheet, offers, password="wrong")
        response = client.post(reverse("worksheet_sign", args=[worksheet.pk]), data)
        assert response.status_code == 400
        assert "That is not your password" in response.content.decode()
        worksheet.refresh_from_db()
        assert not worksheet.is_signed
        data = form_data(worksheet, offers, password="correct-horse-battery")
        assert client.post(reverse("worksheet_sign", args=[worksheet.pk]), data).status_code == 302
        worksheet.refresh_from_db()
        assert worksheet.is_signed


def test_a_recent_login_signs_without_the_password(client, alice, worksheet, offers):
    with time_machine.travel(START, tick=False) as clock:
        client.login(username="alice", password="correct-horse-battery")
        clock.shift(dt.timedelta(minutes=14))
        page = client.get(worksheet.get_absolute_url()).content.decode()
        # Not asked: the field waits hidden beside Sign for the page's countdown (60 s left).
        assert 'id="sign-password" data-reauth-seconds="60" hidden' in page
        client.post(reverse("worksheet_sign", args=[worksheet.pk]), form_data(worksheet, offers))
        worksheet.refresh_from_db()
        assert worksheet.is_signed


def test_a_departure_goes_to_the_supervisor_queue(client, alice, carol, worksheet, offers):
    client.force_login(alice)
    data = form_data(worksheet, offers, decision="modified", chosen_disposition=offers[1].pk)
    response = client.post(reverse("worksheet_sign", args=[worksheet.pk]), data, follow=True)
    review = Review.objects.get(worksheet=worksheet)
    assert review.outcome == ReviewOutcome.PENDING
    assert "sends it to your supervisor" in response.content.decode()
    assert "Awaiting review" in response.content.decode()
    client.force_login(carol)
    queue = client.get(reverse("review_queue")).content.decode()
    assert worksheet.case.court_case_number in queue


def test_no_review_when_the_office_never_asks(client, alice, office, worksheet, offers):
    factories.set_policy(office, supervisor_approval=ApprovalPolicy.NEVER)
    client.force_login(alice)
    data = form_data(worksheet, offers, decision="modified", chosen_disposition=offers[1].pk)
    client.post(reverse("worksheet_sign", args=[worksheet.pk]), data)
    assert not Review.objects.exists()


def test_the_supervisor_comments_are_shown(client, alice, carol, worksheet, offers):
    client.force_login(alice)
    data = form_data(worksheet, offers, decision="modified", chosen_disposition=offers[1].pk)
    client.post(reverse("worksheet_sign", args=[worksheet.pk]), data)
    actions.review_worksheet(
        worksheet, by_user=carol, outcome=ReviewOutcome.RETURNED, comments="Explain parity."
    )
    page = client.get(worksheet.get_absolute_url()).content.decode()
    assert "Returned with comments" in page and "Explain parity." in page


def test_amending_makes_a_new_version_and_both_stay_readable(client, alice, worksheet, offers):
    client.force_login(alice)
    client.post(reverse("worksheet_sign", args=[worksheet.pk]), form_data(worksheet, offers))
    response = client.post(reverse("worksheet_amend", args=[worksheet.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    response = client.post(
        reverse("worksheet_amend", args=[worksheet.pk]), {"reason": "Wrong count number."}
    )
    amendment = Worksheet.objects.get(amends=worksheet)
    assert response.url == amendment.get_absolute_url()
    assert amendment.version == 2 and not amendment.is_signed
    page = client.get(amendment.get_absolute_url()).content.decode()
    assert "Wrong count number." in page and "Save draft" in page
    assert f'href="{worksheet.get_absolute_url()}">Version 1</a>' in page
    old = client.get(worksheet.get_absolute_url()).content.decode()
    assert "Signed and frozen" in old and "Start an amendment" not in old


def test_an_override_is_recorded_with_the_engine_verdict_by_htmx(client, alice, worksheet, offers):
    client.force_login(alice)
    charge = worksheet.case.charges.get(number=1)
    data = {
        "disposition": offers[0].pk,
        "charge": charge.pk,
        "ground": "aggravated_felony",
        "subcategory": "F",
        "deputy_verdict": "arguably_not",
        "reason": "",
    }
    url = reverse("worksheet_override", args=[worksheet.pk])
    refused = client.post(url, data, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and "Give the reason" in refused.content.decode()
    data["reason"] = "The record shows no use of force."
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    override = FlagOverride.objects.get()
    assert override.engine_verdict == "yes"  # the engine's, not the request's
    assert override.deputy_verdict == "arguably_not"
    assert "Overridden by the deputy" in response.content.decode()
    # Signing sets the report's bits of the grounds overridden (compliance's override mix).
    worksheet.refresh_from_db()
    client.post(reverse("worksheet_sign", args=[worksheet.pk]), form_data(worksheet, offers))
    worksheet.refresh_from_db()
    assert worksheet.is_signed
    assert worksheet.overridden_grounds == GROUND_BITS["aggravated_felony"]


def test_an_override_of_a_flag_that_is_not_there_is_refused(client, alice, worksheet, offers):
    client.force_login(alice)
    data = {
        "disposition": offers[1].pk,
        "charge": worksheet.case.charges.get(number=1).pk,
        "ground": "aggravated_felony",
        "subcategory": "F",
        "deputy_verdict": "no",
        "reason": "Because.",
    }
    response = client.post(reverse("worksheet_override", args=[worksheet.pk]), data, follow=True)
    assert response.redirect_chain[0][1] == 302
    assert "The override was not recorded" in response.content.decode()
    assert not FlagOverride.objects.exists()


def test_status_defaults_to_unknown_and_is_never_asked_for(client, alice, worksheet):
    client.force_login(alice)
    response = client.get(worksheet.get_absolute_url())
    page = response.content.decode()
    assert "Unknown / not disclosed." in page
    assert "include_status" not in response.context["form"].fields  # nothing disclosed
    # The worksheet form has no status field; the disclosure form is folded away, closed.
    assert not [name for name in response.context["form"].fields if "status" in name]
    assert '<details class="small">\n      <summary>Record a status the defense volunteered' in page


def test_a_volunteered_status_is_recorded_with_its_source(client, alice, worksheet):
    client.force_login(alice)
    response = client.post(
        reverse("worksheet_status", args=[worksheet.pk]),
        {"status": "lpr", "source": "defense_letter", "disclosed_on": "2026-11-20"},
    )
    assert response.status_code == 302
    disclosure = StatusDisclosure.objects.get()
    assert disclosure.recorded_by == alice and disclosure.source == "defense_letter"
    event = AuditEvent.objects.get(action="create", object_type="statusdisclosure")
    assert "lpr" not in event.summary.lower()
    page = client.get(worksheet.get_absolute_url()).content.decode()
    assert "Lawful permanent resident" in page and "Show the volunteered status" in page


def test_a_status_needs_its_source(client, alice, worksheet):
    client.force_login(alice)
    response = client.post(
        reverse("worksheet_status", args=[worksheet.pk]),
        {"status": "lpr", "source": "", "disclosed_on": "2026-11-20"},
    )
    assert response.status_code == 400
    assert not StatusDisclosure.objects.exists()


def test_roles_without_the_status_permission_never_see_it(client, alice, dave, worksheet):
    actions.record_status_disclosure(
        worksheet.case,
        by_user=alice,
        status="daca",
        source="defense_letter",
        disclosed_on=dt.date(2026, 11, 20),
    )
    shown = ("volunteered, defense letter", "Nov 20, 2026")
    client.force_login(alice)  # the control: a deputy sees the disclosure on this page
    page = client.get(worksheet.get_absolute_url()).content.decode()
    assert all(text in page for text in shown) and "Save draft" in page
    client.force_login(dave)
    response = client.get(worksheet.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200 and "Offers considered and their possible" in page
    assert "Immigration status" not in page
    assert not [text for text in (*shown, "defense letter") if text.lower() in page.lower()]
    assert "Save draft" not in page  # read-only role
    assert client.post(reverse("worksheet_status", args=[worksheet.pk]), {}).status_code == 403


def test_outsiders_get_404_and_read_only_roles_403(client, olivia, frank, dave, worksheet, offers):
    for user in (olivia, frank):
        client.force_login(user)
        assert client.get(worksheet.get_absolute_url()).status_code == 404
        assert client.post(reverse("worksheet_sign", args=[worksheet.pk])).status_code == 404
    client.force_login(dave)
    data = form_data(worksheet, offers)
    assert client.post(reverse("worksheet_sign", args=[worksheet.pk]), data).status_code == 403
    assert client.post(worksheet.get_absolute_url(), data).status_code == 403


def test_the_pdf_include_renders_on_a_signed_worksheet(client, alice, worksheet, offers):
    """The signed worksheet's page offers both PDFs and lists the SHA-256 of each copy issued."""
    client.force_login(alice)
    client.post(reverse("worksheet_sign", args=[worksheet.pk]), form_data(worksheet, offers))
    worksheet.refresh_from_db()
    assert worksheet.is_signed
    pdf = client.get(reverse("worksheet_pdf", args=[worksheet.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    page = client.get(worksheet.get_absolute_url()).content.decode()
    assert "PDF for the case file" in page
    assert f'href="{reverse("worksheet_pdf", args=[worksheet.pk])}?variant=archival"' in page
    assert hashlib.sha256(body).hexdigest() in page


def test_query_count_does_not_grow_with_offers_or_counts(client, alice, case, worksheet, offers):
    client.force_login(alice)
    url = worksheet.get_absolute_url()
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200 and "Standard offer" in response.content.decode()
    for number in range(3, 7):
        charge = factories.make_charge(case, number, "PC 459")
        for offer in offers:
            factories.make_term(offer, charge)
    for _ in range(2):
        offer = factories.make_disposition(case, DispositionLabel.ALTERNATIVE)
        for charge in case.charges.all():
            factories.make_term(offer, charge)
        worksheet.dispositions_considered.add(offer)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200 and "PC 459" in page  # the new counts are on the page
    assert len(many) == len(few)


def test_the_amendment_shows_why_the_version_before_was_returned(
    client, alice, carol, worksheet, offers
):
    client.force_login(alice)
    data = form_data(worksheet, offers, decision="modified", chosen_disposition=offers[1].pk)
    client.post(reverse("worksheet_sign", args=[worksheet.pk]), data)
    actions.review_worksheet(
        worksheet, by_user=carol, outcome=ReviewOutcome.RETURNED, comments="Give the equities."
    )
    client.post(reverse("worksheet_amend", args=[worksheet.pk]), {"reason": "Returned."})
    amendment = Worksheet.objects.get(amends=worksheet)
    page = client.get(amendment.get_absolute_url()).content.decode()
    assert "Give the equities." in page and "review: returned with comments" in page


def test_the_worksheet_opens_with_the_grid_and_the_form_and_the_analysis_below_closed(
    client, alice, worksheet, offers
):
    client.force_login(alice)
    page = client.get(worksheet.get_absolute_url()).content.decode()
    order = [
        page.index(marker)
        for marker in ('class="risk-grid-wrap', 'id="consideration"', 'id="analysis"')
    ]
    assert order == sorted(order)
    assert '<details class="analysis-details">' in page  # closed until asked for
    # The optional factors cost one Tab stop until opened.
    assert '<details class="mb-3 factors">' in page


def test_a_failed_sign_lists_each_problem_at_the_top_with_a_link_to_its_field(
    client, alice, worksheet, offers
):
    client.force_login(alice)
    data = form_data(worksheet, offers, decision="", reasons="")
    response = client.post(reverse("worksheet_sign", args=[worksheet.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    summary = page[
        page.index('id="error-summary"') : page.index("</ul>", page.index('id="error-summary"'))
    ]
    assert page.index('id="error-summary"') < page.index('class="risk-grid-wrap')
    assert "Saved as a draft, not signed yet." in summary
    assert 'href="#id_decision"' in summary and 'href="#id_reasons"' in summary


# --- Signing when the office signs in with the county account (issue 17, single sign-on) -------


def test_with_sso_the_sign_form_offers_the_county_account_and_refuses_passwords_when_off(
    client, settings, alice, worksheet, offers
):
    settings.OIDC_ISSUER = "https://idp.county.example"  # only read, never called, here
    with time_machine.travel(START, tick=False) as clock:
        client.login(username="alice", password="correct-horse-battery")
        clock.shift(dt.timedelta(minutes=16))
        page = client.get(worksheet.get_absolute_url()).content.decode()
        assert 'data-testid="sso-reauth"' in page and "reauth=1" in page
        alice.membership.office.local_passwords_allowed = False
        alice.membership.office.save()
        data = form_data(worksheet, offers, password="correct-horse-battery")
        response = client.post(reverse("worksheet_sign", args=[worksheet.pk]), data)
        assert response.status_code == 400  # the county account, not a password, confirms
        worksheet.refresh_from_db()
        assert not worksheet.is_signed


def test_without_sso_the_sign_form_has_no_county_account_link(client, alice, worksheet):
    client.force_login(alice)
    page = client.get(worksheet.get_absolute_url()).content.decode()
    assert 'data-testid="sso-reauth"' not in page
