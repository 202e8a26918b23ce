"""Immigration counsel's queue (issue 17.3) and the policy editor, as deputy (alice), colleague
(bob), supervisor (carol), administrator (dave), counsel (erin) and outsider (olivia).

alice's case ALPHA-0001 (PC 273.5(a), HS 11351) has one offer whose record names a domestic
relationship; she signs its worksheet through the real engine, which flags domestic violence.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import actions, counsel, policy
from cases.choices import CounselRouting, Role
from cases.models import AuditEvent, CounselRequest, DefenseSubmission, OfficePolicy
from tests import factories
from tests.pdf_tools import pdf_text

pytestmark = pytest.mark.django_db

ANSWER = "A plea to PC 243(e)(1) with a record limited to offensive touching avoids the DV ground."


@pytest.fixture
def offer(case):
    disposition = factories.make_disposition(case)
    for charge in case.charges.all():
        factories.make_term(disposition, charge, domestic_relationship=True)
    return disposition


def sign(case, alice, offer):
    return actions.sign_worksheet(factories.ready_worksheet(case, alice, offer), by_user=alice)


@pytest.fixture
def on_request(office):
    return factories.set_policy(office, counsel_routing=CounselRouting.ON_REQUEST)


@pytest.fixture
def signed(case, alice, offer, on_request):
    return sign(case, alice, offer)


@pytest.fixture
def asked(client, signed, alice):
    client.force_login(alice)
    client.post(reverse("counsel_request_create", args=[signed.pk]), {"question": "DV ground?"})
    client.logout()
    return CounselRequest.objects.get(worksheet=signed)


# --- Routing ------------------------------------------------------------------------------------


def test_policy_routes_every_worksheet_that_flags_its_ground(case, alice, offer, office, erin):
    factories.set_policy(
        office, counsel_routing=CounselRouting.GROUND, counsel_ground="domestic_violence"
    )
    worksheet = sign(case, alice, offer)
    routed = CounselRequest.objects.get(worksheet=worksheet)
    assert routed.by_policy and routed.requested_by is None
    case.refresh_from_db()
    assert case.routed_to_counsel
    assert list(counsel.counsel_queue_for(erin)) == [routed]
    assert AuditEvent.objects.filter(object_type="counselrequest", data__by_policy=True).exists()


def test_a_ground_not_flagged_routes_nothing(case, alice, offer, office, erin):
    factories.set_policy(
        office, counsel_routing=CounselRouting.GROUND, counsel_ground="prostitution"
    )
    sign(case, alice, offer)
    case.refresh_from_db()
    assert not CounselRequest.objects.exists() and not case.routed_to_counsel
    assert list(counsel.counsel_queue_for(erin)) == []


def test_with_routing_off_a_deputy_cannot_ask(client, case, alice, offer):
    worksheet = sign(case, alice, offer)
    client.force_login(alice)
    page = client.get(worksheet.get_absolute_url()).content.decode()
    assert "Office policy does not route worksheets to counsel." in page
    response = client.post(reverse("counsel_request_create", args=[worksheet.pk]))
    assert response.status_code == 403
    assert not CounselRequest.objects.exists()


def test_a_draft_cannot_be_sent(client, case, alice, offer, on_request):
    draft = factories.ready_worksheet(case, alice, offer)
    client.force_login(alice)
    assert client.post(reverse("counsel_request_create", args=[draft.pk])).status_code == 403
    assert not CounselRequest.objects.exists()


# --- The flow -----------------------------------------------------------------------------------


def test_counsel_cannot_open_a_case_before_it_is_routed(client, signed, erin):
    client.force_login(erin)
    assert client.get(signed.get_absolute_url()).status_code == 404
    assert client.get(reverse("counsel_queue")).status_code == 200


def test_deputy_asks_counsel_reads_and_answers_deputy_sees_it(client, signed, alice, erin, case):
    DefenseSubmission.objects.create(case=case, claimed_consequences="Loses LPR status.")
    hash_before = signed.content_hash
    client.force_login(alice)
    client.post(reverse("counsel_request_create", args=[signed.pk]), {"question": "DV ground?"})
    asked = CounselRequest.objects.get(worksheet=signed)
    assert asked.requested_by == alice and asked.question == "DV ground?"

    client.force_login(erin)
    queue = client.get(reverse("counsel_queue")).content.decode()
    assert "ALPHA-0001" in queue and "Waiting" in queue
    page = client.get(reverse("counsel_request_detail", args=[asked.pk])).content.decode()
    assert "Domestic violence" in page  # the frozen analysis
    assert "domestic relationship: yes" in page  # the record-of-conviction facts
    # The defense's request came after signing: listed apart, never as what was considered.
    assert "Recorded after this version was signed" in page
    assert "Loses LPR status." not in page
    response = client.post(reverse("counsel_request_detail", args=[asked.pk]), {"answer": ANSWER})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.answer == ANSWER and asked.answered_by == erin
    event = AuditEvent.objects.get(object_type="counselrequest", action="review")
    assert event.user == erin and event.data == {"worksheet": signed.pk, "answered": True}

    signed.refresh_from_db()
    assert signed.content_hash == hash_before  # the signed version never changes
    client.force_login(alice)
    assert ANSWER in client.get(signed.get_absolute_url()).content.decode()
    assert list(counsel.counsel_answers_for(alice)) == [asked]
    pdf = client.get(reverse("worksheet_pdf", args=[signed.pk])).content
    text = " ".join(pdf_text(pdf).split())
    assert "Immigration counsel's view" in text and "offensive touching avoids the DV" in text


def test_the_answer_goes_to_the_deputy_not_to_colleagues(asked, alice, bob, erin):
    counsel.answer_counsel(asked, by_user=erin, answer=ANSWER)
    assert list(counsel.counsel_answers_for(alice)) == [asked]
    assert list(counsel.counsel_answers_for(bob)) == []


def test_an_empty_answer_is_refused_with_a_message(client, asked, erin):
    client.force_login(erin)
    response = client.post(reverse("counsel_request_detail", args=[asked.pk]), {"answer": "  "})
    assert response.status_code == 400
    assert "Write your answer before sending it." in response.content.decode()
    asked.refresh_from_db()
    assert not asked.is_answered


def test_a_second_answer_changes_nothing(asked, erin, office):
    colleague = factories.make_user("ezra", office, Role.COUNSEL)
    counsel.answer_counsel(asked, by_user=erin, answer=ANSWER)
    again = counsel.answer_counsel(asked, by_user=colleague, answer="Another view.")
    assert again.answer == ANSWER and again.answered_by == erin


@pytest.mark.parametrize(
    ("who", "view", "answer"),
    [("carol", 200, 403), ("alice", 200, 403), ("dave", 200, 403), ("olivia", 404, 404)],
)
def test_only_counsel_answers(client, asked, who, view, answer, request):
    client.force_login(request.getfixturevalue(who))
    url = reverse("counsel_request_detail", args=[asked.pk])
    assert client.get(url).status_code == view
    assert client.post(url, {"answer": ANSWER}).status_code == answer
    assert client.get(reverse("counsel_queue")).status_code == 403
    asked.refresh_from_db()
    assert not asked.is_answered


def test_an_outsider_cannot_send_another_offices_worksheet(client, signed, olivia):
    client.force_login(olivia)
    assert client.post(reverse("counsel_request_create", args=[signed.pk])).status_code == 404


def test_the_queue_makes_the_same_queries_for_more_requests(
    client, asked, erin, office, unit, alice, offer, django_assert_max_num_queries
):
    client.force_login(erin)
    with django_assert_max_num_queries(16) as few:
        client.get(reverse("counsel_queue"))
    for number in range(3):
        other = factories.make_case(office, unit, alice, number=f"MORE-{number}")
        charge = factories.make_charge(other, 1, "PC 273.5(a)")
        disposition = factories.make_disposition(other)
        factories.make_term(disposition, charge)
        counsel.request_counsel(sign(other, alice, disposition), by_user=alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "MORE-2" in client.get(reverse("counsel_queue")).content.decode()


# --- The defense request setting on the worksheet -----------------------------------------------


def test_the_worksheet_says_whether_a_required_defense_request_was_received(
    client, case, alice, offer, office
):
    factories.set_policy(office, defense_request_required=True)
    client.force_login(alice)
    draft = factories.ready_worksheet(case, alice, offer)
    page = client.get(draft.get_absolute_url()).content.decode()
    required = "Office policy requires a request from the defense before consideration:"
    assert f"{required}</strong> no request was recorded." in page
    DefenseSubmission.objects.create(case=case, received_on=dt.date(2026, 1, 5))
    signed = actions.sign_worksheet(draft, by_user=alice)
    page = client.get(signed.get_absolute_url()).content.decode()
    assert f"{required}</strong> a request was received on Jan 5, 2026." in page
    assert page.count("Office policy requires a request from the defense") == 1
    text = " ".join(
        pdf_text(client.get(reverse("worksheet_pdf", args=[signed.pk])).content).split()
    )
    assert f"{required} a request was received on Jan 5, 2026." in text
    assert text.count("Office policy requires a") == 1


def test_without_the_setting_the_worksheet_says_nothing_of_it(client, signed, alice):
    client.force_login(alice)
    assert "defense-request-state" not in client.get(signed.get_absolute_url()).content.decode()


# --- The policy editor --------------------------------------------------------------------------


def test_the_administrator_sets_the_policy_from_today(client, office, dave):
    client.force_login(dave)
    page = client.get(reverse("policy_edit")).content.decode()
    assert policy.SETTINGS["exclude_serious_violent"][:40] in page  # the text next to the field
    today = timezone.localdate()
    data = {
        "effective_from": today.isoformat(),
        "worksheet_scope": "felonies",
        "supervisor_approval": "always",
        "counsel_routing": "ground",
        "counsel_ground": "domestic_violence",
        "second_factor": "everyone",
        "exclude_serious_violent": "on",
    }
    response = client.post(reverse("policy_edit"), data)
    assert response.status_code == 302
    version = OfficePolicy.objects.get(office=office)
    assert (version.effective_from, version.worksheet_scope, version.second_factor) == (
        today,
        "felonies",
        "everyone",
    )
    assert AuditEvent.objects.filter(object_type="officepolicy", user=dave).exists()


def test_a_past_date_is_refused_and_nothing_entered_is_lost(client, office, dave):
    client.force_login(dave)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    data = {
        "effective_from": yesterday.isoformat(),
        "worksheet_scope": "flagged",
        "supervisor_approval": "never",
        "counsel_routing": "ground",
        "counsel_ground": "",
        "second_factor": "admins",
    }
    response = client.post(reverse("policy_edit"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose today or a later date" in page
    assert "Choose the ground that sends a worksheet to counsel." in page
    assert re.search(r'value="flagged"[^>]*checked', page)  # what was chosen is kept
    assert not OfficePolicy.objects.exists()


@pytest.mark.parametrize("who", ["alice", "carol", "erin"])
def test_only_an_administrator_edits_the_policy(client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("policy_edit")).status_code == 403
    assert client.post(reverse("policy_edit"), {}).status_code == 403
