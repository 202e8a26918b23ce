"""Access changes in a period (issue 13.4): a supervisor and an administrator list who changed
whose role, unit, active state, password or second factor, when and from where.

carol supervises alice's unit, dave administers the office, alice and erin may not read the
page; olivia's office is another office whose changes never appear.
"""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.choices import AuditAction, Role
from cases.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("access_change_list")
ADDRESS = "203.0.113.44"


def promote(client, admin_user, membership, role="supervisor"):
    """Change a role on the Office area's user page, as an administrator does."""
    client.force_login(admin_user)
    user = membership.user
    response = client.post(
        reverse("office_user", args=[user.pk]),
        {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "unit": membership.unit_id or "",
            "role": role,
            "bar_number": "",
        },
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    client.logout()


def test_a_role_changed_in_the_office_area_is_listed_for_the_supervisor(client, dave, carol, alice):
    promote(client, dave, alice.membership)
    client.force_login(carol)
    response = client.get(URL)
    assert response.status_code == 200
    row = next(row for row in response.context["rows"] if row["account"] == "alice")
    assert row["by"] == "dave"
    assert row["change"] == "role: Deputy DA → Supervisor"
    assert row["event"].ip_address == ADDRESS
    page = response.content.decode()
    assert ADDRESS in page and "alice" in page and "dave" in page


def test_administrators_read_it_and_deputies_and_counsel_may_not(client, dave, alice, erin):
    client.force_login(dave)
    assert client.get(URL).status_code == 200
    for person in (alice, erin):
        client.force_login(person)
        assert client.get(URL).status_code == 403
        assert client.get(reverse("access_change_export")).status_code == 403


def test_every_kind_of_access_change_is_listed(client, dave, carol, alice, office, other_unit):
    actions.create_user(by_user=dave, office=office, username="newbie", password=None)
    actions.set_membership(alice, by_user=dave, office=office, unit=other_unit, role=Role.DEPUTY)
    actions.update_user(alice, by_user=dave, fields={"is_active": False})
    actions.reset_password(alice, by_user=dave, password="a-new-passphrase-for-alice")
    client.force_login(carol)
    rows = client.get(URL).context["rows"]
    changes = {(row["account"], row["change"]) for row in rows}
    opened = next(change for account, change in changes if account == "newbie").lower()
    assert opened == (
        "account opened; role: deputy da; office: alpha county district attorney; no password"
    )
    alice_changes = " | ".join(change for account, change in changes if account == "alice")
    assert "password reset" in alice_changes
    assert "active: yes → no" in alice_changes
    assert "unit: Felony Unit → Misdemeanor Unit" in alice_changes


def test_log_ins_and_case_events_are_not_access_changes(client, carol, alice, case):
    from cases import audit

    audit.record(AuditAction.LOGIN, alice, user=alice, office=alice.membership.office)
    audit.record(AuditAction.VIEW, case, user=alice)
    client.force_login(carol)
    assert client.get(URL).context["rows"] == []


def test_another_offices_access_changes_never_appear(client, carol, olivia, other_office):
    omega_admin = factories.make_user("omega-admin", other_office, Role.ADMIN)
    actions.set_membership(
        olivia,
        by_user=omega_admin,
        office=other_office,
        unit=olivia.membership.unit,
        role=Role.SUPERVISOR,
    )
    client.force_login(carol)
    response = client.get(URL)
    assert response.context["rows"] == []
    assert "olivia" not in response.content.decode()
    export = client.get(reverse("access_change_export")).content.decode()
    assert "olivia" not in export and "omega-admin" not in export


def test_the_period_filter_keeps_only_changes_inside_it(client, dave, carol, alice, office):
    actions.reset_password(alice, by_user=dave, password="first-new-passphrase-1")
    old = AuditEvent.objects.create(
        office=office,
        user=dave,
        action=AuditAction.CHANGE,
        object_type="user",
        object_id=str(alice.pk),
        summary="password reset",
        at=timezone.now() - dt.timedelta(days=90),
    )
    client.force_login(carol)
    recent = client.get(URL).context["rows"]  # the last 30 days by default
    assert [row["event"] for row in recent] != [] and old not in [r["event"] for r in recent]
    day = timezone.localdate(old.at)
    rows = client.get(URL, {"date_from": day.isoformat(), "date_to": day.isoformat()}).context[
        "rows"
    ]
    assert [row["event"] for row in rows] == [old]


@pytest.mark.parametrize(
    "query, message",
    [
        ({"date_to": "9999-12-31"}, "Enter a date between"),
        ({"date_from": "0001-01-01"}, "Enter a date between"),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "The end date is before"),
        ({"date_from": "yesterday"}, "Enter a valid date"),
    ],
)
def test_a_bad_period_is_a_form_error_not_a_500(client, carol, query, message):
    client.force_login(carol)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert client.get(reverse("access_change_export"), query).status_code == 200


def test_the_export_is_csv_of_the_period_and_is_itself_audited(client, dave, carol, alice):
    actions.reset_password(alice, by_user=dave, password="second-new-passphrase-2")
    client.force_login(carol)
    response = client.get(reverse("access_change_export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["at_utc", "changed_by", "account"]
    assert rows[1][1:4] == ["dave", "alice", "password reset"]
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT, user=carol, summary="access changes export"
    ).exists()


def test_the_page_makes_as_many_queries_for_twelve_changes_as_for_one(
    client, dave, carol, office, other_unit
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    people = [factories.make_user(f"person{n}", office, Role.DEPUTY, other_unit) for n in range(12)]
    actions.set_membership(people[0], by_user=dave, office=office, unit=None, role=Role.DEPUTY)
    client.force_login(carol)
    one = queries()
    for person in people[1:]:
        actions.set_membership(person, by_user=dave, office=office, unit=None, role=Role.DEPUTY)
    assert len(client.get(URL).context["rows"]) == 12
    assert queries() == one
