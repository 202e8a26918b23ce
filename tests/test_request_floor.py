"""What every signed-in page pays before its own work (issue 19): the membership with its office,
unit and second-factor devices in one query, the permissions in one, the office policy once.

Each saving reads something once instead of several times; these tests say it is the same
thing that is read, and that a change made within the request is not hidden by it.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import policy, prepared
from cases.choices import ApprovalPolicy
from cases.middleware import attach_permissions
from tests import factories

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as a new request loads it: nothing cached on the object."""
    return get_user_model().objects.get(pk=user.pk)


def reading(captured, table):
    texts = [prepared.body_of(q["sql"]) for q in captured.captured_queries]
    return [sql for sql in texts if f'FROM "{table}"' in sql]


def test_the_permissions_read_in_one_query_are_the_backends(alice, carol, dave, erin):
    direct = Permission.objects.get(codename="view_auditevent")
    erin.user_permissions.add(direct)  # a permission of the user's own, beside the group's
    for user in (alice, carol, dave, erin):
        mine = fresh(user)
        with CaptureQueriesContext(connection) as captured:
            attach_permissions(mine)
        assert len(captured) == 1
        assert mine._perm_cache == ModelBackend().get_all_permissions(fresh(user)), user
        with CaptureQueriesContext(connection) as asked:
            mine.has_perm("cases.sign_worksheet")
            mine.has_perm("cases.view_auditevent")
        assert len(asked) == 0
    assert "cases.view_auditevent" in ModelBackend().get_all_permissions(fresh(erin))


def test_a_page_reads_policy_permissions_and_devices_once(client, carol):
    client.force_login(carol)
    client.get(reverse("review_queue"))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("review_queue"))
    assert response.status_code == 200
    assert len(reading(captured, "cases_officepolicy")) == 1
    assert len(reading(captured, "auth_permission")) == 1
    # The devices are asked inside the membership's query, not on their own.
    alone = [
        sql for sql in reading(captured, "otp_totp_totpdevice") if "cases_membership" not in sql
    ]
    assert alone == []
    # Session, user, membership, permissions, policy, the queue's count, the audit row, the
    # navigation's count: what every page of a supervisor pays.
    assert len(captured) == 8, [q["sql"][:80] for q in captured.captured_queries]
    # The queue counted its reviews: the navigation's statement does not count them again.
    (navigation,) = [
        sql
        for sql in (prepared.body_of(q["sql"]) for q in captured.captured_queries)
        if sql.startswith("SELECT (")
    ]
    assert navigation.count("SELECT COUNT(*)") == 1


def test_a_confirmed_device_read_with_the_membership_still_asks_for_the_code(client, alice):
    TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    client.force_login(alice)
    response = client.get(reverse("case_list"))
    assert response.status_code == 302 and reverse("otp_verify") in response.url


def test_an_unconfirmed_device_is_not_one(client, alice):
    TOTPDevice.objects.create(user=alice, name="phone", confirmed=False)
    client.force_login(alice)
    assert client.get(reverse("case_list")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_policy_changed_within_a_request_is_read_back(office, dave):
    with policy.remembered_in_request():
        assert policy.policy_for(office).supervisor_approval != ApprovalPolicy.ALWAYS
        with CaptureQueriesContext(connection) as again:
            policy.policy_for(office)
        assert len(again) == 0  # read once in the request
        policy.set_office_policy(
            office,
            by_user=dave,
            effective_from=timezone.localdate(),
            fields={"supervisor_approval": ApprovalPolicy.ALWAYS},
        )
        assert policy.policy_for(office).supervisor_approval == ApprovalPolicy.ALWAYS


def test_outside_a_request_every_read_is_fresh(office):
    policy.policy_for(office)
    factories.set_policy(office, supervisor_approval=ApprovalPolicy.ALWAYS)
    assert policy.policy_for(office).supervisor_approval == ApprovalPolicy.ALWAYS


def test_the_navigation_counts_both_figures_in_one_statement(client, carol, alice, case):
    from cases import inbox
    from cases.views.review import pending_reviews_for
    from tests.test_inbox import fresh_count
    from tests.test_review import awaiting_review

    awaiting_review(case, alice)
    for user, reviews in ((fresh(carol), pending_reviews_for), (fresh(alice), None)):
        asked = reviews(user) if reviews else None
        with CaptureQueriesContext(connection) as captured:
            both = inbox.navigation_counts(user, reviews=asked)
        counted = [q for q in captured.captured_queries if "COUNT(*)" in prepared.body_of(q["sql"])]
        assert len(counted) == 1
        # Each figure as its own query counts it: the action count built afresh, the reviews'.
        separate = (fresh_count(user, timezone.localdate()), asked.count() if asked else 0)
        assert both == separate, user
    assert inbox.navigation_counts(fresh(carol), reviews=pending_reviews_for(fresh(carol)))[1] == 1
    # A supervisor's case list: session, user, membership, permissions, policy, the list's
    # count and rows, the audit row, then both navigation figures in one statement.
    client.force_login(carol)
    client.get(reverse("case_list"))
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("case_list")).status_code == 200
    assert len(page) == 9, [q["sql"][:80] for q in page.captured_queries]
