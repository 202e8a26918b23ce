"""An offer has a life (issue 15, item 5): conveyed on a date the deputy confirms, withdrawn the
same day when it was a mistake, then rejected, accepted or entered, each with its date.

People: alice owns the case, carol supervises her unit, dave administers the office (reads
only), olivia is in another office. Each rule is tried the way a person could break it.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import actions, offers, report_columns
from cases.choices import AuditAction, DispositionStatus, WithdrawalReason
from cases.integrity import ConflictError, OfferFrozen
from cases.models import AuditEvent, Disposition, LateSignature
from compliance.filters import ReportFilterForm
from compliance.report import build_report
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = offers.today
DAY = datetime.timedelta(days=1)


@pytest.fixture
def offer(case):
    case.filed_on = TODAY() - 30 * DAY
    case.save(update_fields=["filed_on"])
    offer = factories.make_disposition(case, name="Standard offer")
    factories.make_term(offer, case.charges.get(number=1), "PC 243(e)(1)")
    return offer


def convey(client, offer, day=None, version=None):
    return client.post(
        reverse("disposition_convey", args=[offer.pk]),
        {
            "version": offer.lock_version if version is None else version,
            "conveyed_on": (day or TODAY()).isoformat(),
        },
        follow=True,
    )


def fresh(offer):
    return Disposition.objects.get(pk=offer.pk)


# --- Conveyance ---------------------------------------------------------------------------------


def test_the_confirmation_page_defaults_to_today_and_changes_nothing(client, alice, offer):
    client.force_login(alice)
    page = client.get(reverse("disposition_convey", args=[offer.pk])).content.decode()
    assert f'value="{TODAY().isoformat()}"' in page and f'max="{TODAY().isoformat()}"' in page
    assert "Confirm: record as conveyed" in page
    assert "No signed worksheet considers this offer yet" in page
    assert fresh(offer).status == DispositionStatus.DRAFT


def test_a_conveyance_on_an_earlier_day_is_what_the_report_counts(client, alice, offer):
    day = TODAY() - 10 * DAY
    client.force_login(alice)
    page = convey(client, offer, day).content.decode()
    conveyed = fresh(offer)
    assert conveyed.status == DispositionStatus.CONVEYED
    assert offers.local_day(conveyed.conveyed_at) == day  # the day entered, not today
    assert conveyed.conveyed_month == day.replace(day=1)
    assert offers.local_day(conveyed.conveyance_recorded_at) == TODAY()
    assert f"conveyed {day:%-d %b %Y}" in page and "without a signed worksheet" in page
    event = AuditEvent.objects.get(action=AuditAction.CONVEY)
    assert event.data["conveyed_on"] == day.isoformat()


def test_a_worksheet_signed_after_a_back_dated_conveyance_is_late(client, alice, offer):
    client.force_login(alice)
    convey(client, offer, TODAY() - 2 * DAY)
    worksheet = factories.ready_worksheet(offer.case, alice, chosen=offer)
    actions.sign_worksheet(worksheet, by_user=alice)
    assert LateSignature.objects.filter(disposition=offer).exists()
    assert fresh(offer).signed_late is True


def test_a_worksheet_signed_before_the_conveyance_day_covers_it(client, alice, offer):
    worksheet = factories.ready_worksheet(offer.case, alice, chosen=offer)
    actions.sign_worksheet(worksheet, by_user=alice)
    client.force_login(alice)
    assert (
        "Once recorded as conveyed"
        in client.get(reverse("disposition_convey", args=[offer.pk])).content.decode()
    )
    convey(client, fresh(offer))
    assert fresh(offer).conveyed_with_signed_worksheet is True


def test_the_conveyance_moment_is_the_end_of_the_day_but_never_later_than_now():
    zone = timezone.get_default_timezone()
    now = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=zone)
    assert offers.conveyance_moment(now.date(), now) == now
    past = offers.conveyance_moment(datetime.date(2026, 12, 1), now)
    assert past.date() == datetime.date(2026, 12, 1) and past.hour == 23
    assert report_columns.local_month(past) == datetime.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("days", "message"),
    [(1, "is in the future"), (-31, "before the case was filed")],
)
def test_a_bad_conveyance_date_is_a_form_error_and_nothing_changes(
    client, alice, offer, days, message
):
    client.force_login(alice)
    response = convey(client, offer, TODAY() + days * DAY)
    assert response.status_code == 200
    assert message in response.context["form"].errors["conveyed_on"][0]
    assert fresh(offer).status == DispositionStatus.DRAFT
    assert not AuditEvent.objects.filter(action=AuditAction.CONVEY).exists()
    with pytest.raises(ConflictError, match=message):  # the action refuses it whoever calls
        actions.convey_offer(offer, by_user=alice, conveyed_on=TODAY() + days * DAY)


def test_without_a_filing_date_the_day_the_case_was_entered_bounds_it(client, alice, offer):
    case = offer.case
    case.filed_on = None
    case.save(update_fields=["filed_on"])
    client.force_login(alice)
    response = convey(client, offer, TODAY() - DAY)
    error = response.context["form"].errors["conveyed_on"][0]
    assert "before the case was entered in Considered" in error
    assert "record its filing date on the case" in error


def test_conveying_twice_from_two_tabs_records_one_conveyance(client, alice, offer):
    client.force_login(alice)
    version = offer.lock_version  # both tabs opened the confirmation page now
    convey(client, offer, TODAY() - DAY, version=version)
    page = convey(client, offer, TODAY(), version=version).content.decode()
    assert "was already conveyed on" in page and "nothing changed" in page
    assert offers.local_day(fresh(offer).conveyed_at) == TODAY() - DAY
    assert AuditEvent.objects.filter(action=AuditAction.CONVEY).count() == 1
    with pytest.raises(ConflictError, match="already conveyed"):
        actions.convey_offer(offer, by_user=alice, conveyed_on=TODAY())


def test_an_offer_edited_since_the_confirmation_page_opened_is_a_conflict(client, alice, offer):
    client.force_login(alice)
    stale = offer.lock_version
    Disposition.objects.filter(pk=offer.pk).update(lock_version=stale + 1)  # another tab saved
    page = convey(client, offer, version=stale).content.decode()
    assert "Someone else changed this record" in page
    assert fresh(offer).status == DispositionStatus.DRAFT


def test_a_conveyed_offer_cannot_be_edited(alice, offer):
    actions.convey_offer(offer, by_user=alice)
    with pytest.raises(OfferFrozen):
        actions.save_disposition(
            offer.case,
            by_user=alice,
            fields={"name": "Changed"},
            terms={},
            disposition=offer,
            version=fresh(offer).lock_version,
        )
    assert fresh(offer).name == "Standard offer"


# --- Withdrawal ---------------------------------------------------------------------------------


def withdraw(client, offer, reason=WithdrawalReason.WRONG_OFFER):
    return client.post(
        reverse("disposition_withdraw", args=[offer.pk]), {"reason": reason}, follow=True
    )


def test_a_mistaken_conveyance_is_withdrawn_the_same_day_with_a_reason(client, alice, offer):
    client.force_login(alice)
    convey(client, offer, TODAY() - DAY)
    assert "Withdraw conveyance" in client.get(offer.case.get_absolute_url()).content.decode()
    page = withdraw(client, offer).content.decode()
    assert "was withdrawn; the offer is a draft again" in page
    withdrawn = fresh(offer)
    assert withdrawn.status == DispositionStatus.DRAFT
    assert withdrawn.conveyed_at is None and withdrawn.conveyed_month is None
    assert withdrawn.conveyed_with_signed_worksheet is None and not withdrawn.conveyed_terms_hash
    event = AuditEvent.objects.get(action=AuditAction.WITHDRAW)
    assert event.data["reason"] == "wrong_offer" and event.user == alice
    assert event.data["withdrawn"]["conveyed_on"] == (TODAY() - DAY).isoformat()
    # Its terms can change again: it was never conveyed.
    actions.save_disposition(
        offer.case,
        by_user=alice,
        fields={"name": "Renamed"},
        terms={},
        disposition=withdrawn,
        version=withdrawn.lock_version,
    )


def test_a_withdrawal_needs_a_reason(client, alice, offer):
    client.force_login(alice)
    convey(client, offer)
    response = withdraw(client, offer, reason="")
    assert "Choose why the conveyance is withdrawn." in response.content.decode()
    assert fresh(offer).status == DispositionStatus.CONVEYED


def test_after_the_day_it_was_recorded_a_withdrawal_is_refused_with_the_reason(
    client, alice, offer
):
    client.force_login(alice)
    convey(client, offer, TODAY() - 3 * DAY)
    yesterday = timezone.now() - DAY
    Disposition.objects.filter(pk=offer.pk).update(conveyance_recorded_at=yesterday)
    assert "Withdraw conveyance" not in client.get(offer.case.get_absolute_url()).content.decode()
    page = withdraw(client, offer).content.decode()
    assert "was not withdrawn" in page and "only on the day it was recorded" in page
    assert fresh(offer).status == DispositionStatus.CONVEYED
    with pytest.raises(ConflictError, match="only on the day it was recorded"):
        offers.withdraw_conveyance(offer, by_user=alice, reason=WithdrawalReason.WRONG_OFFER)
    assert not AuditEvent.objects.filter(action=AuditAction.WITHDRAW).exists()


def test_a_conveyance_a_later_signature_counted_late_cannot_be_withdrawn(client, alice, offer):
    client.force_login(alice)
    convey(client, offer)
    worksheet = factories.ready_worksheet(offer.case, alice, chosen=offer)
    actions.sign_worksheet(worksheet, by_user=alice)
    assert fresh(offer).signed_late
    page = withdraw(client, offer).content.decode()
    assert "already counts it as signed late" in page
    assert fresh(offer).status == DispositionStatus.CONVEYED


def test_an_answered_conveyance_cannot_be_withdrawn(client, alice, offer):
    client.force_login(alice)
    convey(client, offer)
    actions.set_disposition_status(offer, by_user=alice, status=DispositionStatus.REJECTED)
    assert "a conveyance that was answered stays" in withdraw(client, offer).content.decode()
    assert fresh(offer).status == DispositionStatus.REJECTED


# --- Answers ------------------------------------------------------------------------------------


def answer(client, offer, status, day=None):
    return client.post(
        reverse("disposition_answer", args=[offer.pk]),
        {"status": status, "on": (day or TODAY()).isoformat()},
        follow=True,
    )


def test_accepted_then_entered_each_with_its_date_and_shown_on_the_case(client, alice, offer):
    client.force_login(alice)
    convey(client, offer, TODAY() - 5 * DAY)
    answer(client, offer, "accepted", TODAY() - 3 * DAY)
    page = answer(client, offer, "entered", TODAY() - DAY).content.decode()
    done = fresh(offer)
    assert done.status == DispositionStatus.ENTERED
    assert done.accepted_on == TODAY() - 3 * DAY and done.entered_on == TODAY() - DAY
    for step, day in (("conveyed", 5), ("accepted", 3), ("entered", 1)):
        assert f"{step} {TODAY() - day * DAY:%-d %b %Y}" in page
    events = AuditEvent.objects.filter(action=AuditAction.CHANGE, object_type="disposition")
    assert [event.data["status"] for event in events.order_by("pk")] == [
        "accepted",
        "entered",
    ]
    assert "Record the answer" not in page  # entered is final


@pytest.mark.parametrize(
    ("status", "days", "message"),
    [
        ("rejected", 1, "is in the future"),
        ("accepted", -6, "before the offer was conveyed"),
    ],
)
def test_a_bad_answer_date_is_a_form_error(client, alice, offer, status, days, message):
    client.force_login(alice)
    convey(client, offer, TODAY() - 5 * DAY)
    response = answer(client, offer, status, TODAY() + days * DAY)
    assert message in response.context["form"].errors["on"][0]
    assert fresh(offer).status == DispositionStatus.CONVEYED


def test_entered_before_accepted_and_anything_after_rejected_are_refused(alice, offer):
    actions.convey_offer(offer, by_user=alice, conveyed_on=TODAY() - 5 * DAY)
    actions.set_disposition_status(
        offer, by_user=alice, status=DispositionStatus.ACCEPTED, on=TODAY() - 2 * DAY
    )
    with pytest.raises(ConflictError, match="before the offer was accepted"):
        actions.set_disposition_status(
            offer, by_user=alice, status=DispositionStatus.ENTERED, on=TODAY() - 3 * DAY
        )
    other = factories.make_disposition(offer.case, name="Other")
    with pytest.raises(ConflictError, match="Record the conveyance first"):
        actions.set_disposition_status(other, by_user=alice, status=DispositionStatus.REJECTED)
    actions.convey_offer(other, by_user=alice)
    actions.set_disposition_status(other, by_user=alice, status=DispositionStatus.REJECTED)
    with pytest.raises(ConflictError, match="recorded as rejected"):
        actions.set_disposition_status(other, by_user=alice, status=DispositionStatus.ENTERED)


def test_a_draft_has_no_answer_page(client, alice, offer):
    client.force_login(alice)
    page = client.get(reverse("disposition_answer", args=[offer.pk]), follow=True)
    assert "record its conveyance first" in page.content.decode()


# --- Copies -------------------------------------------------------------------------------------


def test_copying_an_offer_keeps_every_term_in_one_click(client, alice, offer):
    offer.notes = "Standard for the unit."
    offer.save(update_fields=["notes"])
    factories.make_term(
        offer,
        offer.case.charges.get(number=2),
        "HS 11350",
        custody_days_imposed=180,
        custody_days_suspended=90,
        probation_months=36,
        conditions=["treatment"],
        substance_named=False,
    )
    actions.convey_offer(offer, by_user=alice)  # a conveyed offer is copied as a new draft
    client.force_login(alice)
    response = client.post(reverse("disposition_copy", args=[offer.pk]))
    copy = Disposition.objects.exclude(pk=offer.pk).get()
    assert response.url == reverse("disposition_edit", args=[copy.pk])
    assert copy.status == DispositionStatus.DRAFT and copy.name == "Copy of Standard offer"
    assert copy.label == "alternative" and copy.notes == "Standard for the unit."
    fields = [
        "charge_id",
        "statute_pleaded",
        "level_at_plea",
        "custody_days_imposed",
        "custody_days_suspended",
        "probation_months",
        "conditions",
        "substance_named",
    ]
    assert list(copy.terms.values(*fields)) == list(fresh(offer).terms.values(*fields))
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(copy.pk))
    assert event.data == {"copied_from": offer.pk}


# --- Who may do what ----------------------------------------------------------------------------


def test_the_supervisor_may_and_the_administrator_and_outsider_may_not(
    client, carol, dave, olivia, offer
):
    urls = {
        name: reverse(name, args=[offer.pk])
        for name in ("disposition_convey", "disposition_withdraw", "disposition_copy")
    }
    client.force_login(dave)
    assert client.get(urls["disposition_convey"]).status_code == 403
    assert client.post(urls["disposition_copy"]).status_code == 403
    client.force_login(olivia)
    for url in urls.values():
        assert client.post(url).status_code == 404
    assert client.get(reverse("disposition_answer", args=[offer.pk])).status_code == 404
    assert fresh(offer).status == DispositionStatus.DRAFT
    assert Disposition.objects.count() == 1
    client.force_login(carol)
    convey(client, offer)
    assert fresh(offer).status == DispositionStatus.CONVEYED
    answer(client, offer, "accepted")
    assert fresh(offer).status == DispositionStatus.ACCEPTED


def test_the_case_page_stays_at_the_same_queries_with_more_offers(
    client, alice, offer, django_assert_max_num_queries
):
    actions.convey_offer(offer, by_user=alice)
    client.force_login(alice)
    url = offer.case.get_absolute_url()
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(4):
        extra = factories.make_disposition(offer.case, name=f"Offer {number}", label="alternative")
        factories.make_term(extra, offer.case.charges.get(number=1), "PC 243(e)(1)")
        actions.convey_offer(extra, by_user=alice)
        actions.set_disposition_status(extra, by_user=alice, status=DispositionStatus.ACCEPTED)
    with django_assert_max_num_queries(len(few)):
        page = client.get(url).content.decode()
    assert page.count("Record the answer") == 5


def test_the_compliance_report_counts_the_day_entered_and_forgets_a_withdrawal(
    client, alice, dave, offer
):
    def conveyed_between(first, last):
        form = ReportFilterForm(
            {"date_from": first.isoformat(), "date_to": last.isoformat()}, user=dave
        )
        assert form.is_valid(), form.errors
        return build_report(form.report_filter(), dave, goal_percent=90).counts["offers_conveyed"]

    day = TODAY() - 10 * DAY
    client.force_login(alice)
    convey(client, offer, day)
    assert conveyed_between(day, day) == 1
    assert conveyed_between(day + DAY, TODAY()) == 0  # not on the day it was recorded
    withdraw(client, offer)
    assert conveyed_between(day, TODAY()) == 0
