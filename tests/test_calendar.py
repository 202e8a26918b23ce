"""The hearing calendar and its private feed (issue 18 item 3)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from cases import actions, calendar
from cases.choices import ApprovalPolicy, AuditAction, Decision, ReviewOutcome
from cases.models import AuditEvent, CalendarFeed
from tests import factories


@pytest.fixture
def today():
    return timezone.localdate()


def hearing_case(office, unit, deputy, number, days_ahead, today, **fields):
    case = factories.make_case(
        office,
        unit,
        deputy,
        number=number,
        next_hearing=today + dt.timedelta(days=days_ahead),
        **fields,
    )
    factories.make_charge(case, 1, "PC 273.5(a)")
    return case


def signed_worksheet(case, user):
    offer = factories.make_disposition(case)
    for charge in case.charges.all():
        factories.make_term(offer, charge)
    worksheet = factories.ready_worksheet(case, user, offer, Decision.MODIFIED)
    return actions.sign_worksheet(worksheet, by_user=user)


@pytest.fixture
def week(office, unit, other_unit, alice, bob, frank, carol, today):
    """Five of alice's hearings in each state, one of bob's (same unit), one of frank's (another
    unit) and one three weeks away."""
    factories.set_policy(office, supervisor_approval=ApprovalPolicy.ALWAYS)
    none = hearing_case(office, unit, alice, "CAL-NONE", 1, today, department="Dept. 4")
    draft = hearing_case(office, unit, alice, "CAL-DRAFT", 1, today, department="Dept. 9")
    actions.start_worksheet(draft, by_user=alice)
    signed = hearing_case(office, unit, alice, "CAL-SIGNED", 2, today, department="Dept. 4")
    signed_worksheet(signed, alice)
    returned = hearing_case(office, unit, alice, "CAL-RETURNED", 3, today)
    worksheet = signed_worksheet(returned, alice)
    actions.review_worksheet(
        worksheet, by_user=carol, outcome=ReviewOutcome.RETURNED, comments="Redo the parity answer."
    )
    conveyed = hearing_case(office, unit, alice, "CAL-CONVEYED", 10, today)
    offer = factories.make_disposition(conveyed)
    factories.make_term(offer, conveyed.charges.get())
    actions.convey_offer(offer, by_user=alice)
    hearing_case(office, unit, bob, "CAL-BOB", 4, today)
    hearing_case(office, other_unit, frank, "CAL-FRANK", 4, today)
    hearing_case(office, unit, alice, "CAL-LATER", 21, today)
    return {"none": none, "draft": draft, "signed": signed, "returned": returned}


def test_each_case_shows_where_its_consideration_stands(week, alice, today):
    found = {h.case.court_case_number: h for h in calendar.hearings(alice, "mine", today)}
    assert {number: h.state for number, h in found.items()} == {
        "CAL-NONE": calendar.NONE,
        "CAL-DRAFT": calendar.DRAFT,
        "CAL-SIGNED": calendar.SIGNED,
        "CAL-RETURNED": calendar.RETURNED,
        "CAL-CONVEYED": calendar.CONVEYED,
    }
    # Within 7 days and not signed: needs attention; the signed one and the one in 10 days not.
    attention = {number for number, h in found.items() if h.needs_attention}
    assert attention == {"CAL-NONE", "CAL-DRAFT", "CAL-RETURNED"}


def test_scopes_mine_unit_office(week, alice, carol, dave, today):
    def numbers(user, scope):
        return {h.case.court_case_number for h in calendar.hearings(user, scope, today)}

    assert "CAL-BOB" not in numbers(alice, "mine")
    assert {"CAL-BOB"} <= numbers(alice, "unit") and "CAL-FRANK" not in numbers(alice, "unit")
    assert "CAL-FRANK" in numbers(dave, "office")
    assert calendar.scopes_for(alice) == ["mine", "unit"]
    assert calendar.scopes_for(dave) == ["office"]


def test_the_query_count_does_not_grow_with_the_cases(
    week, alice, today, django_assert_num_queries
):
    with django_assert_num_queries(3):
        calendar.hearings(alice, "unit", today)


def test_the_page_groups_by_day_and_department(client, week, alice, today):
    client.force_login(alice)
    response = client.get(reverse("hearing_calendar"))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.index("CAL-NONE") < text.index("CAL-SIGNED") < text.index("CAL-RETURNED")
    assert "Dept. 4" in text and "Dept. 9" in text
    assert "<strong>3</strong> hearings in the next 7 days without a signed worksheet" in text
    assert "Returned: action needed" in text and "Conveyed without a worksheet" in text
    assert "CAL-LATER" not in text  # three weeks away: on the next page
    later = client.get(
        reverse("hearing_calendar"), {"from": (today + dt.timedelta(days=14)).isoformat()}
    )
    assert "CAL-LATER" in later.content.decode()


def test_a_bad_date_is_explained_and_today_shown(client, week, alice):
    client.force_login(alice)
    text = client.get(reverse("hearing_calendar"), {"from": "31/12/2026"}).content.decode()
    assert "is not a date written YYYY-MM-DD" in text and "CAL-NONE" in text
    text = client.get(reverse("hearing_calendar"), {"from": "9999-12-31"}).content.decode()
    assert "outside the years 2000 to 2999" in text and "CAL-NONE" in text


def test_a_scope_not_allowed_falls_back_to_the_users_own(client, week, alice):
    client.force_login(alice)
    text = client.get(reverse("hearing_calendar"), {"scope": "office"}).content.decode()
    assert "CAL-FRANK" not in text


def test_another_offices_user_sees_none_of_it(client, week, olivia):
    client.force_login(olivia)
    text = client.get(reverse("hearing_calendar"), {"scope": "unit"}).content.decode()
    assert "CAL-" not in text


# --- The feed -----------------------------------------------------------------------------------


def feed_url(client, user):
    client.force_login(user)
    client.post(reverse("calendar_feed_manage"), {"action": "new"})
    page = client.get(reverse("hearing_calendar")).content.decode()
    end = page.index('.ics"') + 4
    return page[page.rindex("/calendar/feed/", 0, end) : end]


def test_the_feed_is_shown_once_and_stored_hashed(client, week, alice):
    url = feed_url(client, alice)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=alice)
    assert token not in feed.token_hash and len(feed.token_hash) == 64
    assert token not in client.get(reverse("hearing_calendar")).content.decode()  # shown once
    assert AuditEvent.objects.filter(object_type="calendarfeed", action=AuditAction.CREATE).exists()


def test_the_feed_lists_my_hearings_without_names(client, week, alice):
    url = feed_url(client, alice)
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    summaries = {str(event["summary"]) for event in events}
    assert any("CAL-RETURNED: Returned: action needed (needs attention)" in s for s in summaries)
    assert any("CAL-LATER" in s for s in summaries)  # 90 days ahead
    assert not any("CAL-BOB" in s for s in summaries)  # a deputy's feed: their own cases
    assert b"Defendant" not in response.content  # no names leave in a feed
    event = next(e for e in events if "CAL-NONE" in str(e["summary"]))
    assert event.decoded("dtstart") == week["none"].next_hearing


def test_a_new_address_revokes_the_old_and_revoking_ends_it(client, week, alice):
    first = feed_url(client, alice)
    second = feed_url(client, alice)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    client.force_login(alice)
    client.post(reverse("calendar_feed_manage"), {"action": "revoke"})
    assert client.get(second).status_code == 404


def test_a_deactivated_user_feed_stops(client, week, alice):
    url = feed_url(client, alice)
    alice.is_active = False
    alice.save()
    assert client.get(url).status_code == 404


def test_a_made_up_token_is_404(client, db):
    assert client.get("/calendar/feed/abc.ics").status_code == 404


def test_making_a_feed_needs_a_login_and_a_post(client, alice):
    assert client.post(reverse("calendar_feed_manage")).status_code == 302  # to the login page
    client.force_login(alice)
    assert client.get(reverse("calendar_feed_manage")).status_code == 405
