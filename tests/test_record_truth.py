"""A signed worksheet's record stays true (review of issues 15 and 17): the defense's request
is shown as it was frozen at signing on every page that shows a signed version, the office
policy's line on it is said once, and a request recorded later is listed apart.

alice (deputy) signs; carol (supervisor) reviews; erin (counsel) answers.
"""

import re

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases import actions, counsel, defense_requests
from cases.choices import ApprovalPolicy, CounselRouting, DispositionLabel
from cases.integrity import CountsBound, WorksheetSigned
from cases.models import Charge, CounselRequest, FlagOverride, PleaTerm, Review
from cases.worksheet_print import render_worksheet_pdf
from cases.worksheets import build_content, content_hash
from consequences.statuses import Verdict
from tests import factories
from tests.pdf_tools import pdf_text

pytestmark = pytest.mark.django_db

AS_SIGNED = "Twenty years in the county."
EDITED_LATER = "Rewritten after signing."
ADDED_LATER = "A second request, after signing."
POLICY_LINE = "Office policy requires a request from the defense before consideration"


@pytest.fixture
def offer(case):
    disposition = factories.make_disposition(case, name="Standard offer")
    for charge in case.charges.all():
        factories.make_term(disposition, charge)
    return disposition


@pytest.fixture
def policy(office):
    return factories.set_policy(
        office,
        defense_request_required=True,
        supervisor_approval=ApprovalPolicy.ALWAYS,
        counsel_routing=CounselRouting.ON_REQUEST,
    )


def _request(case, alice, equities, counsel_name="Office of the Public Defender"):
    return defense_requests.record_request(
        case,
        by_user=alice,
        fields={
            "received_on": timezone.localdate(),
            "counsel": counsel_name,
            "claimed_consequences": "Removal as an aggravated felony.",
            "equities": equities,
        },
    )


@pytest.fixture
def signed(case, alice, offer, policy):
    """Signed with one request; then that request is edited and a second one is recorded."""
    first = _request(case, alice, AS_SIGNED)
    worksheet = actions.sign_worksheet(factories.ready_worksheet(case, alice, offer), by_user=alice)
    defense_requests.change_request(first, by_user=alice, fields={"equities": EDITED_LATER})
    _request(case, alice, ADDED_LATER, counsel_name="Later Counsel LLP")
    return worksheet


def text_of(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _pages(client, worksheet, alice, carol, erin):
    """The worksheet page, the review page and counsel's page of one signed version."""
    asked = counsel.request_counsel(worksheet, by_user=alice)
    client.force_login(alice)
    yield "worksheet", text_of(client.get(worksheet.get_absolute_url()))
    client.force_login(carol)
    assert Review.objects.filter(worksheet=worksheet).exists()
    yield "review", text_of(client.get(reverse("review_decide", args=[worksheet.pk])))
    client.force_login(erin)
    yield "counsel", text_of(client.get(reverse("counsel_request_detail", args=[asked.pk])))


# --- 1. The policy line, once -------------------------------------------------------------------


def test_the_required_request_line_is_said_once_beside_the_request(client, alice, signed):
    client.force_login(alice)
    page = client.get(signed.get_absolute_url()).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    # Every way the page has said it (the old second line read "required by office policy").
    said = text.count(POLICY_LINE) + text.count("required by office policy")
    assert said == 1
    section = page[page.index('id="defense-request"') :]
    section = section[: section.index("</section>")]
    assert POLICY_LINE in section and AS_SIGNED in section
    pdf = " ".join(pdf_text(render_worksheet_pdf(signed)).split())
    assert pdf.count("Office policy requires a") == 1
    assert f"{POLICY_LINE}: a request was received on" in pdf


# --- 2. The request as signed, on every page of a signed version ----------------------------------


def test_every_page_of_a_signed_version_shows_the_request_as_it_was_signed(
    client, signed, alice, carol, erin
):
    for name, text in _pages(client, signed, alice, carol, erin):
        assert AS_SIGNED in text, name
        assert EDITED_LATER not in text, name
        assert ADDED_LATER not in text, name
        # What came later is listed apart, as later.
        assert "Recorded after this version was signed" in text, name
        assert "was changed on" in text and "Later Counsel LLP" in text, name
    pdf = " ".join(pdf_text(render_worksheet_pdf(signed)).split())
    assert AS_SIGNED in pdf
    assert EDITED_LATER not in pdf and ADDED_LATER not in pdf and "Later Counsel" not in pdf


def test_a_draft_shows_the_requests_as_they_are_now(client, case, alice, offer, policy):
    submission = _request(case, alice, AS_SIGNED)
    draft = factories.ready_worksheet(case, alice, offer)
    defense_requests.change_request(submission, by_user=alice, fields={"equities": EDITED_LATER})
    client.force_login(alice)
    text = text_of(client.get(draft.get_absolute_url()))
    assert EDITED_LATER in text and "Recorded after this version was signed" not in text


def _signed_before_requests_were_frozen(case, alice, offer):
    """A version signed by the code of before: its content has no "defense_request" key."""
    draft = factories.ready_worksheet(case, alice, offer)
    now = timezone.now()
    content = build_content(draft, signer=alice, signed_at=now)
    del content["defense_request"]
    draft.signed_content = content
    draft.engine_output = content["analysis"]
    draft.catalog_version = content["catalog"]["version"]
    draft.content_hash = content_hash(content)
    draft.signed_by, draft.signed_at = alice, now
    draft.save()
    Review.objects.create(worksheet=draft, requested_at=now)
    return draft


def test_an_older_version_without_frozen_requests_verifies_and_says_so(
    client, case, alice, carol, erin, offer, policy
):
    _request(case, alice, AS_SIGNED)
    old = _signed_before_requests_were_frozen(case, alice, offer)
    _request(case, alice, ADDED_LATER, counsel_name="Later Counsel LLP")
    old.refresh_from_db()
    assert content_hash(old.signed_content) == old.content_hash  # it still verifies
    for name, text in _pages(client, old, alice, carol, erin):
        assert "The defense's request was not recorded in this version" in text, name
        # Neither the request as it is now nor the later one reads as considered.
        assert AS_SIGNED not in text and ADDED_LATER not in text, name
        assert "Later Counsel LLP" in text, name  # listed apart, as recorded after signing
    pdf = " ".join(pdf_text(render_worksheet_pdf(old)).split())
    assert "not recorded in this version" in pdf.replace("’", "'")
    assert AS_SIGNED not in pdf
    assert CounselRequest.objects.filter(worksheet=old).exists()


# --- 3. A count removed or edited does not take a signed worksheet's overrides with it ------------

OVERRIDE_REASON = "The record of conviction names no domestic relationship."


@pytest.fixture
def overridden(case, alice):
    """Signed version 1 with the deputy's override on count 2 of an alternative offer that was
    unticked before signing: no offer the worksheet considered pleads count 2, so the rule on
    frozen offers' counts (actions._ensure_bound_counts_stay) does not hold count 2."""
    one, two = case.charges.order_by("number")
    standard = factories.make_disposition(case, name="Standard offer")
    factories.make_term(standard, one)
    alternative = factories.make_disposition(case, DispositionLabel.ALTERNATIVE, name="Other")
    factories.make_term(alternative, one)
    factories.make_term(alternative, two)
    draft = factories.ready_worksheet(case, alice, standard)
    draft.dispositions_considered.set([standard, alternative])
    actions.set_override(
        draft,
        by_user=alice,
        disposition=alternative,
        charge=two,
        ground="domestic_violence",
        subcategory="",
        engine_verdict=Verdict.YES,
        deputy_verdict=Verdict.NO,
        reason=OVERRIDE_REASON,
    )
    draft.dispositions_considered.set([standard])
    return actions.sign_worksheet(draft, by_user=alice)


def test_a_signed_worksheets_overrides_are_frozen_and_their_rows_kept(case, overridden):
    """The record: the override is in the signed, hashed content; the row cannot be cascaded
    away by deleting its count (cases.frozen; on PostgreSQL also migration 0003's trigger)."""
    (frozen,) = overridden.signed_content["overrides"]
    assert (frozen["count"], frozen["reason"]) == (2, OVERRIDE_REASON)
    assert content_hash(overridden.signed_content) == overridden.content_hash
    with pytest.raises(WorksheetSigned), transaction.atomic():
        Charge.objects.get(case=case, number=2).delete()
    assert FlagOverride.objects.filter(worksheet=overridden, charge__number=2).exists()


def test_removing_a_count_a_signed_override_names_is_refused_in_words(case, alice, overridden):
    one = case.charges.get(number=1)
    with pytest.raises(CountsBound) as refused:
        actions.update_case(
            case,
            by_user=alice,
            version=case.lock_version,
            fields={},
            charges=[{"pk": one.pk, "statute_as_entered": one.statute_as_entered}],
        )
    two = case.charges.get(number=2)
    assert "signed worksheet version 1" in refused.value.problems[two.pk]
    assert FlagOverride.objects.filter(worksheet=overridden).count() == 1
    assert case.charges.count() == 2


def test_editing_that_count_leaves_the_signed_record_as_it_was(case, alice, overridden):
    one, two = case.charges.order_by("number")
    actions.update_case(
        case,
        by_user=alice,
        version=case.lock_version,
        fields={},
        charges=[
            {"pk": one.pk},
            {"pk": two.pk, "statute_as_entered": "HS 11350", "title": "Possession"},
        ],
    )
    overridden.refresh_from_db()
    assert FlagOverride.objects.filter(worksheet=overridden, charge=two).exists()
    assert content_hash(overridden.signed_content) == overridden.content_hash
    frozen_count = next(c for c in overridden.signed_content["counts"] if c["number"] == 2)
    assert frozen_count["statute"] == "HS 11351"


def test_an_import_without_that_count_keeps_it_and_says_why(case, office, overridden):
    import io

    from cases.imports import UNCHANGED, import_file

    # The unticked offer is a draft: its term on count 2 can go, and then no offer uses count 2.
    PleaTerm.objects.filter(disposition__name="Other", charge__number=2).delete()
    header = "court_case_number,defendant_name,unit,count_number,statute,level"
    row = f"ALPHA-0001,{case.defendant_name},{case.unit.name},1,PC 273.5(a),wobbler"
    report = import_file(io.BytesIO(f"{header}\n{row}\n".encode()), name="c.csv", office=office)
    (line,) = report.lines
    assert line.outcome == UNCHANGED, line.messages
    assert any("signed worksheet version 1 has an override on it: kept" in m for m in line.messages)
    assert FlagOverride.objects.filter(worksheet=overridden).count() == 1


# --- Another tab: a request changed between the page and the signature ----------------------------


def test_signing_refuses_a_request_changed_after_the_page_showed_it(client, case, alice, offer):
    submission = _request(case, alice, AS_SIGNED)
    draft = factories.ready_worksheet(case, alice, offer)
    draft.dispositions_considered.set([offer])
    client.force_login(alice)
    page = client.get(draft.get_absolute_url())
    seen = page.context["shown"]
    assert 'name="shown" value="' in page.content.decode()
    # A colleague, or alice in another tab, rewrites the request before she signs.
    defense_requests.change_request(submission, by_user=alice, fields={"equities": EDITED_LATER})
    data = {
        "version": draft.lock_version,
        "considered": [offer.pk],
        "chosen_disposition": offer.pk,
        "decision": "standard_kept",
        "reasons": "Weighed as one factor among the others.",
        "parity_answer": "same",
        "shown": seen,
    }
    response = client.post(reverse("worksheet_sign", args=[draft.pk]), data)
    assert response.status_code == 409
    text = text_of(response)
    assert "the defense’s request for consideration changed after you opened this page" in text
    assert EDITED_LATER in text  # shown again, to be read
    draft.refresh_from_db()
    assert not draft.is_signed
    # Signed once the page that showed the request as it now is is the one posted.
    data.update(version=draft.lock_version, shown=response.context["shown"])
    client.post(reverse("worksheet_sign", args=[draft.pk]), data)
    draft.refresh_from_db()
    assert draft.is_signed
    assert draft.signed_content["defense_request"]["requests"][0]["equities"] == EDITED_LATER


def _sign_form(draft, offer, shown):
    return {
        "version": draft.lock_version,
        "considered": [offer.pk],
        "chosen_disposition": offer.pk,
        "decision": "standard_kept",
        "reasons": "Weighed as one factor among the others.",
        "parity_answer": "same",
        "shown": shown,
    }


def test_signing_refuses_an_offer_changed_after_the_page_showed_it(client, case, alice, offer):
    draft = factories.ready_worksheet(case, alice, offer)
    draft.dispositions_considered.set([offer])
    client.force_login(alice)
    shown = client.get(draft.get_absolute_url()).context["shown"]
    # In another tab the offer's plea becomes another statute, before the signature.
    PleaTerm.objects.filter(disposition=offer).update(statute_pleaded="PC 32")
    response = client.post(
        reverse("worksheet_sign", args=[draft.pk]), _sign_form(draft, offer, shown)
    )
    assert response.status_code == 409
    assert "the terms of “Standard offer” changed after you opened this page" in text_of(response)
    draft.refresh_from_db()
    assert not draft.is_signed
    response = client.post(
        reverse("worksheet_sign", args=[draft.pk]),
        _sign_form(draft, offer, response.context["shown"]),
    )
    draft.refresh_from_db()
    assert draft.is_signed, response.status_code


def test_signing_refuses_counts_changed_after_the_page_showed_them(client, case, alice, offer):
    draft = factories.ready_worksheet(case, alice, offer)
    draft.dispositions_considered.set([offer])
    client.force_login(alice)
    shown = client.get(draft.get_absolute_url()).context["shown"]
    Charge.objects.filter(case=case, number=1).update(enhancements="PC 12022.7(a)")
    response = client.post(
        reverse("worksheet_sign", args=[draft.pk]), _sign_form(draft, offer, shown)
    )
    assert response.status_code == 409
    assert "the counts changed after you opened this page" in text_of(response)
    draft.refresh_from_db()
    assert not draft.is_signed


def test_an_unreadable_page_fingerprint_signs_nothing(client, case, alice, offer):
    draft = factories.ready_worksheet(case, alice, offer)
    draft.dispositions_considered.set([offer])
    client.force_login(alice)
    response = client.post(
        reverse("worksheet_sign", args=[draft.pk]), _sign_form(draft, offer, "not json")
    )
    assert response.status_code == 409
    draft.refresh_from_db()
    assert not draft.is_signed


def test_ticking_another_offer_on_the_page_is_not_a_change(client, case, alice, offer):
    other = factories.make_disposition(case, name="Second offer")
    for charge in case.charges.all():
        factories.make_term(other, charge)
    draft = factories.ready_worksheet(case, alice, offer)
    draft.dispositions_considered.set([offer])
    client.force_login(alice)
    shown = client.get(draft.get_absolute_url()).context["shown"]
    form = _sign_form(draft, offer, shown) | {"considered": [offer.pk, other.pk]}
    response = client.post(reverse("worksheet_sign", args=[draft.pk]), form)
    draft.refresh_from_db()
    assert draft.is_signed, response.status_code
