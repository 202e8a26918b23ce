"""The "Needs my action" page (cases.inbox): what each person finds waiting, the office's two
settings and their effect, the amend button beside the supervisor's comments, the navigation's
figure, and a constant number of queries.

alice owns the case; bob is a deputy of her unit; carol supervises it; dave administers the
office; olivia is a deputy of another office.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import actions, inbox, prepared, report_columns
from cases.choices import CaseStage, Decision, DispositionLabel, DispositionStatus, ReviewOutcome
from cases.models import AuditEvent, Disposition, Review, Worksheet
from tests import factories
from tests.test_review import awaiting_review

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def listed(user, key):
    """The items of one section of `user`'s page (None when the section does not apply)."""
    sections = {section.key: section for section in inbox.sections_for(user)}
    return sections[key].items if key in sections else None


def returned(case, deputy, supervisor, comments="Weigh the equities."):
    worksheet = awaiting_review(case, deputy)
    actions.review_worksheet(
        worksheet, by_user=supervisor, outcome=ReviewOutcome.RETURNED, comments=comments
    )
    return worksheet


def conveyed(case, *, with_signed_worksheet):
    disposition = Disposition(
        case=case, label=DispositionLabel.STANDARD, status=DispositionStatus.CONVEYED
    )
    report_columns.mark_conveyed(
        disposition, timezone.now(), with_signed_worksheet=with_signed_worksheet
    )
    disposition.save()
    return disposition


def draft_begun(case, deputy, days_ago):
    worksheet = Worksheet.objects.create(case=case, created_by=deputy)
    Worksheet.objects.filter(pk=worksheet.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return worksheet


# --- Returned worksheets ------------------------------------------------------------------------


def test_returned_worksheet_waits_for_its_deputy_with_the_comments(client, case, alice, carol):
    worksheet = returned(case, alice, carol, comments="Name the <b>equities</b>.")
    assert listed(alice, "returned") == [worksheet]
    client.force_login(alice)
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.templates[0].name == "cases/inbox.html"
    assert "Returned: action needed" in html
    assert "Name the &lt;b&gt;equities&lt;/b&gt;." in html
    # The amend button is in the same block as the comments.
    block = html[html.index(f'data-testid="returned-{worksheet.pk}"') :]
    block = block[: block.index("</form>")]
    assert "Name the &lt;b&gt;equities" in block
    assert reverse("worksheet_amend", args=[worksheet.pk]) in block
    assert "Start an amendment" in block


def test_returned_worksheet_is_not_a_colleagues_or_an_outsiders(case, alice, bob, carol, olivia):
    returned(case, alice, carol)
    assert listed(bob, "returned") == []  # bob sees the case (same unit) but it is not his
    assert listed(olivia, "returned") == []
    assert listed(carol, "returned") == []


def test_a_returned_worksheet_follows_its_case_to_a_new_deputy(case, alice, bob, carol, dave):
    """On my case though another signed it: the case moved to me after the return. The signer
    keeps it too (signed by them)."""
    worksheet = returned(case, alice, carol)
    case.refresh_from_db()
    actions.update_case(
        case, by_user=dave, version=case.lock_version, fields={"assigned_deputy": bob}
    )
    assert listed(bob, "returned") == [worksheet]
    assert listed(alice, "returned") == [worksheet]


def test_amending_from_the_page_takes_it_off_the_list(client, case, alice, carol):
    worksheet = returned(case, alice, carol)
    client.force_login(alice)
    response = client.post(
        reverse("worksheet_amend", args=[worksheet.pk]), {"reason": "Answering the comments."}
    )
    amendment = Worksheet.objects.get(amends=worksheet)
    assert response.url == amendment.get_absolute_url()
    assert listed(alice, "returned") == []


def test_amending_without_a_reason_keeps_the_page_and_says_why(client, case, alice, carol):
    offer = factories.make_disposition(case)
    for charge in case.charges.all():
        factories.make_term(offer, charge, custody_days_imposed=30)
    draft = factories.ready_worksheet(case, alice, chosen=offer)
    draft.dispositions_considered.set([offer])
    worksheet = actions.sign_worksheet(draft, by_user=alice)
    Review.objects.get_or_create(worksheet=worksheet)
    actions.review_worksheet(
        worksheet, by_user=carol, outcome=ReviewOutcome.RETURNED, comments="Weigh the equities."
    )
    client.force_login(alice)
    response = client.post(reverse("worksheet_amend", args=[worksheet.pk]), {"reason": " "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say why the signed worksheet needs an amendment." in html
    assert html.count("Start an amendment") == 1  # one amend form, beside the comments
    assert not Worksheet.objects.filter(amends=worksheet).exists()


def test_case_page_puts_the_amend_button_beside_the_comments(client, case, alice, carol):
    worksheet = returned(case, alice, carol, comments="Add the victim's input.")
    client.force_login(alice)
    html = client.get(case.get_absolute_url()).content.decode()
    block = html[html.index(f'data-testid="returned-{worksheet.pk}"') :]
    block = block[: block.index("</form>")]
    assert "Add the victim&#x27;s input." in block
    assert reverse("worksheet_amend", args=[worksheet.pk]) in block


def test_case_page_of_an_approved_worksheet_has_no_returned_note(client, case, alice, carol):
    worksheet = awaiting_review(case, alice)
    actions.review_worksheet(worksheet, by_user=carol, outcome=ReviewOutcome.APPROVED)
    client.force_login(alice)
    assert "Returned: action needed" not in client.get(case.get_absolute_url()).content.decode()


def test_read_only_roles_see_the_comments_without_the_amend_button(
    client, case, alice, carol, dave
):
    worksheet = returned(case, alice, carol)
    client.force_login(dave)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Returned: action needed" in html
    assert reverse("worksheet_amend", args=[worksheet.pk]) not in html


def test_case_list_marks_a_returned_worksheet_in_red(client, case, alice, carol):
    returned(case, alice, carol)
    client.force_login(alice)
    html = client.get(reverse("case_list")).content.decode()
    assert '<span class="badge text-bg-danger">Returned: action needed</span>' in html
    assert "Signed v1" not in html


# --- Conveyed without a signed worksheet --------------------------------------------------------


def test_conveyed_without_a_signed_worksheet_is_listed_until_one_is(case, alice, bob):
    missing = conveyed(case, with_signed_worksheet=False)
    conveyed(case, with_signed_worksheet=True)
    factories.make_disposition(case)  # a draft: nothing to do yet
    assert listed(alice, "conveyed") == [missing]
    assert listed(bob, "conveyed") == []
    Disposition.objects.filter(pk=missing.pk).update(signed_late=True)
    assert listed(alice, "conveyed") == []


def test_a_conveyed_offer_and_an_old_draft_follow_their_case_to_a_new_deputy(
    case, alice, bob, dave
):
    """The two sections read the offer's and the worksheet's own copy of the case's deputy
    (`CaseScope`): moving the case moves them, in the list and in the navigation's count."""
    missing = conveyed(case, with_signed_worksheet=False)
    draft = draft_begun(case, alice, days_ago=9)
    assert (listed(alice, "conveyed"), listed(alice, "drafts")) == ([missing], [draft])
    case.refresh_from_db()
    actions.update_case(
        case, by_user=dave, version=case.lock_version, fields={"assigned_deputy": bob}
    )
    assert (listed(bob, "conveyed"), listed(bob, "drafts")) == ([missing], [draft])
    assert (listed(alice, "conveyed"), listed(alice, "drafts")) == ([], [])
    bob = type(bob).objects.get(pk=bob.pk)
    assert inbox.action_count(bob) == 2


def test_convey_action_without_a_worksheet_reaches_the_list(case, alice):
    offer = factories.make_disposition(case)
    actions.convey_offer(offer, by_user=alice)
    assert listed(alice, "conveyed") == [offer]


# --- Hearings soon and old drafts: the office settings and their effect -------------------------


def test_office_hearing_window_decides_which_hearings_are_listed(office, unit, alice):
    assert office.inbox_hearing_days == 7
    in_five = factories.make_case(
        office, unit, alice, "H-5", next_hearing=TODAY + dt.timedelta(days=5)
    )
    in_nine = factories.make_case(
        office, unit, alice, "H-9", next_hearing=TODAY + dt.timedelta(days=9)
    )
    factories.make_case(office, unit, alice, "H-PAST", next_hearing=TODAY - dt.timedelta(days=1))
    assert listed(alice, "hearings") == [in_five]
    office.inbox_hearing_days = 10
    office.save()
    alice.membership.office.refresh_from_db()
    assert listed(alice, "hearings") == [in_five, in_nine]
    office.inbox_hearing_days = 3
    office.save()
    alice.membership.office.refresh_from_db()
    assert listed(alice, "hearings") == []


def test_a_signed_worksheet_or_a_closed_case_leaves_the_hearing_list(office, unit, alice):
    soon = factories.make_case(office, unit, alice, "H-1", next_hearing=TODAY)
    closed = factories.make_case(
        office, unit, alice, "H-2", next_hearing=TODAY, stage=CaseStage.CLOSED
    )
    assert closed not in listed(alice, "hearings")
    draft = Worksheet.objects.create(case=soon)
    assert listed(alice, "hearings") == [soon]  # a draft is not a signed worksheet
    draft.delete()
    awaiting_review(soon, alice)
    assert listed(alice, "hearings") == []


def test_office_draft_age_decides_which_drafts_are_listed(office, unit, case, alice):
    assert office.inbox_draft_days == 7
    old = draft_begun(case, alice, days_ago=9)
    newer_case = factories.make_case(office, unit, alice, "D-NEW")
    draft_begun(newer_case, alice, days_ago=2)
    assert listed(alice, "drafts") == [old]
    office.inbox_draft_days = 1
    office.save()
    alice.membership.office.refresh_from_db()
    assert len(listed(alice, "drafts")) == 2
    office.inbox_draft_days = 30
    office.save()
    alice.membership.office.refresh_from_db()
    assert listed(alice, "drafts") == []


def test_office_settings_refuse_zero_in_words(office):
    from django.core.exceptions import ValidationError

    office.inbox_hearing_days = 0
    with pytest.raises(ValidationError) as refused:
        office.full_clean()
    assert "greater than or equal to 1" in str(refused.value)


def test_office_setting_change_is_audited(office, dave):
    actions.update_office_policy(office, by_user=dave, fields={"inbox_hearing_days": 14})
    office.refresh_from_db()
    assert office.inbox_hearing_days == 14
    event = AuditEvent.objects.filter(object_type="office", object_id=str(office.pk)).last()
    assert "inbox_hearing_days" in str(event.data)


# --- Who gets the page --------------------------------------------------------------------------


def test_supervisor_home_shows_the_review_queue(client, case, alice, carol):
    waiting = awaiting_review(case, alice)
    own_case = factories.make_case(case.office, case.unit, carol, "OWN-1")
    awaiting_review(own_case, carol)  # carol's own: another supervisor reviews it
    assert [review.worksheet for review in listed(carol, "reviews")] == [waiting]
    assert listed(alice, "reviews") is None
    client.force_login(carol)
    html = client.get(reverse("home")).content.decode()
    assert reverse("review_decide", args=[waiting.pk]) in html


def test_admin_lands_on_the_case_list_and_has_no_inbox_link(client, case, dave):
    client.force_login(dave)
    response = client.get(reverse("home"))
    assert response.templates[0].name == "cases/case_list.html"
    assert reverse("inbox") not in response.content.decode()
    assert not inbox.applies_to(dave)
    html = client.get(reverse("inbox")).content.decode()
    assert "Nothing waits for you." in html


def test_outsider_sees_nothing_of_this_office(client, case, alice, carol, olivia):
    returned(case, alice, carol)
    conveyed(case, with_signed_worksheet=False)
    client.force_login(olivia)
    html = client.get(reverse("inbox")).content.decode()
    assert case.court_case_number not in html
    assert inbox.action_count(olivia) == 0


def test_login_lands_a_deputy_on_needs_my_action(client, alice):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct-horse-battery"}, follow=True
    )
    assert response.templates[0].name == "cases/inbox.html"


def test_page_view_is_audited_with_the_cases_listed(client, case, alice, carol):
    returned(case, alice, carol)
    client.force_login(alice)
    client.get(reverse("inbox"))
    event = AuditEvent.objects.filter(object_type="inbox").get()
    assert event.data["returned"] == [case.pk]
    assert "Defendant" not in event.summary


# --- The navigation's figure and the query counts -----------------------------------------------


def test_navigation_shows_the_count_in_one_query(client, case, alice, carol, office, unit):
    returned(case, alice, carol)
    conveyed(case, with_signed_worksheet=False)
    factories.make_case(office, unit, alice, "H-1", next_hearing=TODAY)
    alice.get_all_permissions()  # loaded once per request already, by the navigation
    with CaptureQueriesContext(connection) as counted:
        assert inbox.action_count(alice) == 3
    # One query counts every section; the office policy's versions are read first (which
    # conveyances need a worksheet: cases.policy), a fixed number whatever the items.
    texts = [prepared.body_of(q["sql"]) for q in counted.captured_queries]
    items = [sql for sql in texts if "cases_officepolicy" not in sql]
    assert len(items) == 1 and len(counted) <= 4
    # Once its SQL is kept (`inbox._count_key`), a page reads the versions once and counts.
    with CaptureQueriesContext(connection) as kept:
        assert inbox.action_count(alice) == 3
    assert len(kept) == 2 and "cases_officepolicy" in prepared.body_of(
        kept.captured_queries[0]["sql"]
    )
    client.force_login(alice)
    html = client.get(reverse("case_list")).content.decode()
    assert '<span class="badge text-bg-danger" data-testid="actions-waiting">3<' in html


def _fill(office, unit, alice, carol, n):
    for index in range(n):
        case = factories.make_case(
            office, unit, alice, f"Q{n}-{index}", next_hearing=TODAY + dt.timedelta(days=1)
        )
        returned(case, alice, carol)
        conveyed(case, with_signed_worksheet=False)
        other = factories.make_case(office, unit, alice, f"R{n}-{index}", next_hearing=TODAY)
        draft_begun(other, alice, days_ago=20)


def test_page_queries_do_not_grow_with_the_items(
    client, office, unit, alice, carol, django_assert_max_num_queries
):
    _fill(office, unit, alice, carol, 1)
    client.force_login(alice)
    client.get(reverse("inbox"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("inbox"))
    _fill(office, unit, alice, carol, 6)
    with django_assert_max_num_queries(len(one)):
        response = client.get(reverse("inbox"))
    sections = {section.key: len(section.items) for section in response.context["sections"]}
    assert sections == {"returned": 7, "conveyed": 7, "counsel": 0, "hearings": 7, "drafts": 7}


# --- Office policy and counsel's answers (wired at merge) ---------------------------------------


def test_a_conveyance_the_policy_needs_no_worksheet_for_is_not_listed(case, alice):
    from cases.choices import WorksheetScope

    missing = conveyed(case, with_signed_worksheet=False)
    assert listed(alice, "conveyed") == [missing]
    factories.set_policy(case.office, worksheet_scope=WorksheetScope.NONE)
    assert listed(alice, "conveyed") == []


def test_counsels_answer_reaches_the_deputy(case, alice, carol, erin):
    from cases import counsel
    from cases.choices import CounselRouting

    factories.set_policy(case.office, counsel_routing=CounselRouting.ON_REQUEST)
    offer = factories.make_disposition(case)
    for charge in case.charges.all():
        factories.make_term(offer, charge)
    worksheet = factories.ready_worksheet(case, alice, offer, Decision.MODIFIED)
    worksheet = actions.sign_worksheet(worksheet, by_user=alice)
    request = counsel.request_counsel(worksheet, by_user=alice, question="Is count 2 a CIMT?")
    assert listed(alice, "counsel") == []
    counsel.answer_counsel(request, by_user=erin, answer="Possibly; see the record of conviction.")
    assert [item.pk for item in listed(alice, "counsel")] == [request.pk]
    assert listed(carol, "counsel") is None or listed(carol, "counsel") == []


# --- The navigation's count, its SQL kept per process (issue 19) -------------------------------


def fresh_count(user, today=None):
    """The navigation's count with its SQL built afresh (what `action_count` did each time)."""
    queries = [spec.query(user, today or TODAY) for spec in inbox.SECTIONS]
    ids = [query.order_by().values_list("pk") for query in queries if query is not None]
    return ids[0].union(*ids[1:], all=True).count() if ids else 0


def as_next_request(user):
    """The user as the next page reads them: membership, office and permissions afresh."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)


def test_kept_count_follows_each_fact_its_query_is_built_from(office, unit, case, alice, carol):
    """A kept SQL is reused only while every fact it was built from is unchanged: policy
    versions, the office's two windows, the user's unit and role, the day."""
    from django.contrib.auth.models import Permission

    from cases.choices import Role, WorksheetScope
    from cases.roles import assign_role

    inbox._COUNT_SQL.clear()
    conveyed(case, with_signed_worksheet=False)
    factories.make_case(office, unit, alice, "H-9", next_hearing=TODAY + dt.timedelta(days=9))
    draft_begun(factories.make_case(office, unit, alice, "D-3"), alice, days_ago=3)

    def check(user, expected, today=None):
        user = as_next_request(user)
        assert inbox.action_count(user, today) == fresh_count(user, today) == expected

    check(alice, 1)  # the offer conveyed without a signed worksheet
    factories.set_policy(office, worksheet_scope=WorksheetScope.NONE)  # a new policy version
    check(alice, 0)
    office.inbox_hearing_days = 10
    office.save()
    check(alice, 1)  # the hearing in 9 days
    office.inbox_draft_days = 2
    office.save()
    check(alice, 2)  # and the draft begun 3 days ago
    check(alice, 1, today=TODAY + dt.timedelta(days=10))  # past the hearing; the draft stays
    # A supervisor's reviews follow their unit and role.
    awaiting_review(factories.make_case(office, unit, alice, "R-1"), alice)
    check(carol, 1)
    other = factories.make_unit(office, "Other Unit")
    carol.membership.unit = other
    carol.membership.save()
    check(carol, 0)
    carol.membership.unit = unit
    carol.membership.save()
    check(carol, 1)
    reviewing = Permission.objects.get(codename="review_worksheet")
    carol.groups.get().permissions.remove(reviewing)  # the role's group, without the right
    check(carol, 0)
    carol.groups.get().permissions.add(reviewing)
    check(carol, 1)
    carol.membership.role = Role.DEPUTY
    carol.membership.save()
    assign_role(carol, Role.DEPUTY)
    check(carol, 0)


def test_first_count_of_the_day_costs_the_queries_of_a_later_one(case, alice):
    from cases.choices import WorksheetScope

    conveyed(case, with_signed_worksheet=False)
    factories.set_policy(case.office, worksheet_scope=WorksheetScope.ALL_OFFERS)
    factories.set_policy(
        case.office, TODAY + dt.timedelta(days=30), worksheet_scope=WorksheetScope.NONE
    )
    alice.get_all_permissions()  # loaded once per request already, by the navigation
    inbox._COUNT_SQL.clear()
    with CaptureQueriesContext(connection) as first:
        assert inbox.action_count(alice) == 1
    with CaptureQueriesContext(connection) as later:
        assert inbox.action_count(alice) == 1
    assert len(first) == len(later) == 2  # the policy versions, then the count


def test_returned_to_me_reads_only_my_returned_reviews(case, alice, bob, carol, dave):
    """The section asks for the review's copies of the case's deputy and of the signer, which
    the two partial indexes over returned reviews hold (review_returned_deputy, _signer), not
    the worksheet's: on those PostgreSQL read every worksheet the deputy ever signed, a cost
    that grew with each signature, on every page (the navigation counts this section)."""
    worksheet = returned(case, alice, carol)
    assert Review.objects.get(worksheet=worksheet).signed_by == alice  # copied at the request
    case.refresh_from_db()
    actions.update_case(
        case, by_user=dave, version=case.lock_version, fields={"assigned_deputy": bob}
    )
    query = inbox.returned_worksheets(alice).order_by().values("pk")
    where = str(query.query).split(" WHERE ", 1)[1]
    assert '"cases_review"."signed_by_id"' in where
    assert '"cases_review"."assigned_deputy_id"' in where
    assert '"cases_worksheet"."signed_by_id"' not in where
    assert '"cases_worksheet"."assigned_deputy_id"' not in where
    assert list(query) == [{"pk": worksheet.pk}]  # the signer keeps it after the case moved
    assert list(inbox.returned_worksheets(bob).values_list("pk", flat=True)) == [worksheet.pk]
