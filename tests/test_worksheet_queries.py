"""The queries of the three worksheet requests of the stress mix (issue 19): open, amend and
sign, each with the page it redirects to. Bounded, and not growing with counts or offers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions, audit, prepared
from cases.choices import AuditAction, DispositionLabel
from cases.models import Disposition, Worksheet
from tests import factories

pytestmark = pytest.mark.django_db

# At most what each request makes today (before issue 19: 53, 57 and 79), the page it
# redirects to and the test's savepoints included. Some twenty are the middleware's and the
# navigation's (session, user, second factor, policy, the inbox count), on every page. Then
# 40, 42 and 54; audit events name their office without reading it, and signing reads the
# worksheet once: 38, 40 and 50.
OPEN, AMEND, SIGN = 38, 40, 50


@pytest.fixture
def offers(case):
    dv, drugs = case.charges.order_by("number")
    standard = factories.make_disposition(case, name="Standard offer")
    factories.make_term(standard, dv, "PC 273.5(a)", level="felony", custody_days_imposed=365)
    factories.make_term(standard, drugs, "HS 11351", level="felony", custody_days_imposed=365)
    alternative = factories.make_disposition(case, DispositionLabel.ALTERNATIVE, name="Safer")
    factories.make_term(alternative, dv, "PC 243(e)(1)", custody_days_imposed=364)
    factories.make_term(alternative, drugs, "HS 11350(a)", custody_days_imposed=90)
    return [standard, alternative]


def sign_data(worksheet, offers):
    return {
        "version": worksheet.lock_version,
        "considered": [offer.pk for offer in offers],
        "chosen_disposition": offers[0].pk,
        "decision": "standard_kept",
        "reasons": "Considered as one factor; the standard offer stands.",
        "parity_answer": "same",
        "factor_seriousness_weight": "neutral",
    }


def grow(case, offers):
    """Four more counts on every offer and two more offers on every count."""
    for number in range(3, 7):
        charge = factories.make_charge(case, number, "PC 459")
        for offer in offers:
            factories.make_term(offer, charge)
    for _ in range(2):
        offer = factories.make_disposition(case, DispositionLabel.ALTERNATIVE)
        for charge in case.charges.all():
            factories.make_term(offer, charge)
        offers.append(offer)


def open_amend_sign(client, case, offers):
    """The stress mix's three requests in turn; the queries of each."""
    counts = {}
    with CaptureQueriesContext(connection) as opened:
        response = client.post(reverse("worksheet_start", args=[case.pk]), follow=True)
    assert response.status_code == 200 and "Sign worksheet" in response.content.decode()
    counts["open"] = len(opened)
    worksheet = Worksheet.objects.filter(case=case).order_by("-version").first()
    with CaptureQueriesContext(connection) as signed:
        response = client.post(
            reverse("worksheet_sign", args=[worksheet.pk]),
            sign_data(worksheet, offers),
            follow=True,
        )
    assert "Signed and frozen" in response.content.decode()
    counts["sign"] = len(signed)
    with CaptureQueriesContext(connection) as amended:
        response = client.post(
            reverse("worksheet_amend", args=[worksheet.pk]),
            {"reason": "A correction."},
            follow=True,
        )
    assert "Save draft" in response.content.decode()
    counts["amend"] = len(amended)
    return counts


def test_open_amend_and_sign_stay_within_their_queries(client, alice, case, offers):
    client.force_login(alice)
    counts = open_amend_sign(client, case, offers)
    assert counts["open"] <= OPEN and counts["amend"] <= AMEND and counts["sign"] <= SIGN, counts


def test_their_queries_do_not_grow_with_counts_or_offers(client, alice, case, offers, office):
    client.force_login(alice)
    few = open_amend_sign(client, case, offers)
    other = factories.make_case(office, alice.membership.unit, alice, number="ALPHA-0002")
    for number in (1, 2):
        factories.make_charge(other, number, "PC 273.5(a)")
    more = [factories.make_disposition(other, name="Standard offer")]
    for charge in other.charges.all():
        factories.make_term(more[0], charge, "PC 273.5(a)")
    grow(other, more)
    assert other.charges.count() == 6 and len(more) == 3
    actions.start_worksheet(other, by_user=alice)  # opened before, as the first case's was not
    many = open_amend_sign(client, other, more)
    # Opening an existing draft skips its creation; the other two are the same requests.
    assert many["sign"] == few["sign"] and many["amend"] == few["amend"]
    assert many["open"] <= few["open"]


def test_the_list_of_versions_leaves_their_frozen_content_unread(client, alice, case, offers):
    """The page lists every version (number, signature, review) and reads none's frozen content
    or engine output: only the version shown needs those (issue 19)."""
    client.force_login(alice)
    open_amend_sign(client, case, offers)  # version 1 signed, version 2 a draft amending it
    amendment = Worksheet.objects.filter(case=case).order_by("-version").first()
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("worksheet_detail", args=[amendment.pk]))
    assert response.status_code == 200 and "Version 1" in response.content.decode()
    texts = [prepared.body_of(q["sql"]) for q in page]
    listed = [sql for sql in texts if 'ORDER BY "cases_worksheet"."version"' in sql]
    assert len(listed) == 1
    assert "signed_content" not in listed[0] and "engine_output" not in listed[0]


def test_signing_reads_the_office_policy_once(alice, case, offers):
    """The signature's content, its review rule and its counsel rule share one read of the
    office's policy, also outside a request (an import, the admin) where nothing remembers it."""
    draft = factories.ready_worksheet(case, alice, chosen=offers[0])
    with CaptureQueriesContext(connection) as signing:
        signed = actions.sign_worksheet(draft, by_user=alice)
    assert signed.is_signed
    texts = [prepared.body_of(q["sql"]) for q in signing]
    read = [sql for sql in texts if 'FROM "cases_officepolicy"' in sql]
    assert len(read) == 1, read


def test_an_audit_event_names_the_office_without_reading_it(alice, case, offers):
    """Every audited write (a conveyance, a signature, a case viewed) records the office from
    the row's own office id: the insert is the only query."""
    offer = Disposition.objects.get(pk=offers[0].pk)  # its office not read
    with CaptureQueriesContext(connection) as recording:
        event = audit.record(AuditAction.CONVEY, offer, user=alice)
    assert len(recording) == 1 and event.office_id == case.office_id
