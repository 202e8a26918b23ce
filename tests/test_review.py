"""The supervisor's review queue: who sees what, approving, returning with comments, the
deputy seeing the outcome, turnaround, audit, and a constant number of queries.

carol supervises alice's and bob's unit; frank's unit is another; olivia is another office.
"""

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import actions, prepared
from cases.choices import Decision, ParityAnswer, ReviewOutcome, Role
from cases.models import AuditEvent, Review, Worksheet
from tests import factories

pytestmark = pytest.mark.django_db


def awaiting_review(case, deputy, *, requested=None):
    """A signed worksheet with a pending review, built by hand (the engine is not under test)."""
    disposition = factories.make_disposition(case)
    worksheet = Worksheet.objects.create(
        case=case,
        decision=Decision.MODIFIED,
        parity_answer=ParityAnswer.SAME,
        reasons="Reasons.",
        chosen_disposition=disposition,
    )
    worksheet.dispositions_considered.set([disposition])
    worksheet.engine_output = {"dispositions": {}}
    worksheet.catalog_version = "test"
    worksheet.signed_content = {}
    worksheet.content_hash = "a" * 64
    worksheet.signed_by = deputy
    worksheet.signed_at = requested or timezone.now()
    worksheet.save()
    Review.objects.create(worksheet=worksheet, requested_at=requested or timezone.now())
    return worksheet


@pytest.fixture
def pending(case, alice):
    return awaiting_review(case, alice)


@pytest.fixture
def frank_pending(office, other_unit, frank):
    case = factories.make_case(office, other_unit, frank, number="OTHER-1")
    return awaiting_review(case, frank)


@pytest.fixture
def omega_pending(outsider_case, olivia):
    return awaiting_review(outsider_case, olivia)


def test_queue_lists_only_the_supervisors_units(
    client, carol, pending, frank_pending, omega_pending
):
    client.force_login(carol)
    response = client.get(reverse("review_queue"))
    assert response.status_code == 200
    listed = [review.worksheet_id for review in response.context["page"].object_list]
    assert listed == [pending.pk]
    html = response.content.decode()
    assert "ALPHA-0001" in html and "OTHER-1" not in html and "OMEGA" not in html
    assert AuditEvent.objects.filter(object_type="review_queue", user=carol).exists()


def test_supervisor_without_a_unit_sees_the_office(
    client, office, pending, frank_pending, omega_pending
):
    head = factories.make_user("hank", office, Role.SUPERVISOR)
    client.force_login(head)
    listed = {r.worksheet_id for r in client.get(reverse("review_queue")).context["page"]}
    assert listed == {pending.pk, frank_pending.pk}


@pytest.mark.parametrize("who", ["alice", "bob", "frank", "dave", "erin"])
def test_only_supervisors_review(client, request, pending, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("review_queue")).status_code == 403
    url = reverse("review_decide", args=[pending.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"outcome": "approved"}).status_code == 403
    pending.review.refresh_from_db()
    assert pending.review.outcome == ReviewOutcome.PENDING


def test_another_units_worksheet_is_not_found(client, carol, frank_pending, omega_pending):
    client.force_login(carol)
    for worksheet in (frank_pending, omega_pending):
        url = reverse("review_decide", args=[worksheet.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"outcome": "approved"}).status_code == 404


def test_approve_records_reviewer_time_and_audit(client, carol, pending):
    client.force_login(carol)
    response = client.post(reverse("review_decide", args=[pending.pk]), {"outcome": "approved"})
    assert response.status_code == 302
    assert response.url == reverse("review_queue")
    review = Review.objects.get(worksheet=pending)
    assert review.outcome == ReviewOutcome.APPROVED
    assert review.reviewer == carol
    assert review.decided_at >= review.requested_at
    assert AuditEvent.objects.filter(
        action="review", object_type="worksheet", object_id=str(pending.pk), user=carol
    ).exists()
    assert not client.get(reverse("review_queue")).context["page"].object_list


def test_return_needs_comments_and_keeps_what_was_typed(client, carol, pending):
    client.force_login(carol)
    url = reverse("review_decide", args=[pending.pk])
    response = client.post(url, {"outcome": "returned", "comments": "   "})
    assert response.status_code == 200
    assert "Say what the deputy should change" in response.content.decode()
    assert response.context["form"].data["outcome"] == "returned"
    assert Review.objects.get(worksheet=pending).outcome == ReviewOutcome.PENDING
    response = client.post(url, {"outcome": "returned", "comments": "Explain the parity answer."})
    assert response.status_code == 302
    review = Review.objects.get(worksheet=pending)
    assert review.outcome == ReviewOutcome.RETURNED
    assert review.comments == "Explain the parity answer."


def test_invalid_outcome_is_refused(client, carol, pending):
    client.force_login(carol)
    url = reverse("review_decide", args=[pending.pk])
    response = client.post(url, {"outcome": "pending' OR 1=1 --"})
    assert response.status_code == 200
    assert response.context["form"].errors["outcome"]
    assert Review.objects.get(worksheet=pending).outcome == ReviewOutcome.PENDING


def test_second_decision_changes_nothing(client, carol, office, unit, pending):
    other = factories.make_user("sam", office, Role.SUPERVISOR, unit)
    actions.review_worksheet(pending, by_user=other, outcome=ReviewOutcome.APPROVED)
    client.force_login(carol)
    response = client.post(
        reverse("review_decide", args=[pending.pk]),
        {"outcome": "returned", "comments": "Too late."},
        follow=True,
    )
    assert "already decided by another supervisor" in response.content.decode()
    review = Review.objects.get(worksheet=pending)
    assert (review.outcome, review.reviewer) == (ReviewOutcome.APPROVED, other)


def test_nobody_reviews_their_own_worksheet(client, carol, case):
    own = awaiting_review(case, carol)
    client.force_login(carol)
    response = client.get(reverse("review_queue"))
    assert "another supervisor reviews it" in response.content.decode()
    url = reverse("review_decide", args=[own.pk])
    assert client.post(url, {"outcome": "approved"}).status_code == 403
    assert Review.objects.get(worksheet=own).outcome == ReviewOutcome.PENDING


def test_queue_query_count_is_constant(client, carol, case, alice, office, unit):
    awaiting_review(case, alice)
    client.force_login(carol)
    client.get(reverse("review_queue"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("review_queue"))
    for index in range(8):
        other = factories.make_case(office, unit, alice, number=f"MORE-{index}")
        awaiting_review(other, alice)
    with CaptureQueriesContext(connection) as nine:
        response = client.get(reverse("review_queue"))
    assert len(response.context["page"].object_list) == 9
    assert len(nine) == len(one)
    # The queue's length is the navigation's figure: the pending reviews are counted once.
    texts = [prepared.body_of(q["sql"]) for q in nine.captured_queries]
    counted = [sql for sql in texts if sql.startswith(REVIEWS_COUNTED)]
    assert len(counted) == 1
    assert '9<span class="visually-hidden"> waiting</span>' in response.content.decode()


REVIEWS_COUNTED = 'SELECT COUNT(*) AS "__count" FROM "cases_review"'


def test_navigation_counts_the_waiting_reviews_once(client, carol, case, alice):
    awaiting_review(case, alice)
    client.force_login(carol)
    with CaptureQueriesContext(connection) as page:
        html = client.get(reverse("case_list")).content.decode()
    assert '1<span class="visually-hidden"> waiting</span>' in html
    # Counted once, beside "Needs my action" in the navigation's one statement (issue 19).
    texts = [prepared.body_of(q["sql"]) for q in page.captured_queries]
    assert not [sql for sql in texts if sql.startswith(REVIEWS_COUNTED)]
    both = [sql for sql in texts if sql.startswith("SELECT (SELECT COUNT(*)")]
    assert len(both) == 1 and both[0].count("SELECT COUNT(*)") == 2


def test_queue_is_oldest_first(client, carol, case, alice, office, unit):
    newer = awaiting_review(case, alice, requested=timezone.now() - dt.timedelta(hours=1))
    older_case = factories.make_case(office, unit, alice, number="OLD-1")
    older = awaiting_review(older_case, alice, requested=timezone.now() - dt.timedelta(days=3))
    client.force_login(carol)
    listed = [r.worksheet_id for r in client.get(reverse("review_queue")).context["page"]]
    assert listed == [older.pk, newer.pk]


def test_outcome_include_shows_comments_to_the_deputy(carol, pending, alice):
    actions.review_worksheet(
        pending, by_user=carol, outcome=ReviewOutcome.RETURNED, comments="Name the <b>factors</b>."
    )
    worksheet = Worksheet.objects.select_related("review", "review__reviewer").get(pk=pending.pk)
    html = render_to_string("review/_outcome.html", {"worksheet": worksheet})
    assert "Returned with comments" in html
    assert "Name the &lt;b&gt;factors&lt;/b&gt;." in html
    assert "Carol Tester" in html
    amendment = actions.amend_worksheet(pending, by_user=alice, reason="Returned.")
    html = render_to_string("review/_outcome.html", {"worksheet": amendment})
    assert "Returned version 1" in html
    assert "Name the &lt;b&gt;factors&lt;/b&gt;." in html


def test_outcome_include_without_a_review_is_empty(case, alice):
    worksheet = Worksheet.objects.create(case=case)
    assert render_to_string("review/_outcome.html", {"worksheet": worksheet}).strip() == ""


def test_pending_outcome_says_so(pending):
    html = render_to_string("review/_outcome.html", {"worksheet": pending})
    assert "Awaiting review since" in html


def test_nav_links_follow_permissions(client, carol, dave, alice):
    client.force_login(carol)
    html = client.get(reverse("home")).content.decode()
    assert reverse("review_queue") in html and reverse("report_dashboard") in html
    client.force_login(dave)
    html = client.get(reverse("home")).content.decode()
    assert reverse("review_queue") not in html and reverse("report_dashboard") in html
    client.force_login(alice)
    html = client.get(reverse("home")).content.decode()
    assert reverse("review_queue") not in html and reverse("report_dashboard") not in html


def test_turnaround_reaches_the_report(carol, pending, dave):
    from compliance.filters import ReportFilterForm
    from compliance.report import build_report

    Review.objects.filter(worksheet=pending).update(
        requested_at=timezone.now() - dt.timedelta(days=4)
    )
    actions.review_worksheet(pending, by_user=carol, outcome=ReviewOutcome.APPROVED)
    today = timezone.localdate()
    form = ReportFilterForm(
        {"date_from": (today - dt.timedelta(days=10)).isoformat(), "date_to": today.isoformat()},
        user=dave,
    )
    assert form.is_valid()
    report = build_report(form.report_filter(), dave, 90)
    assert report.counts["reviews_3_to_7_days"] == 1
    assert report.average_turnaround.days == 4
