"""The Django admin is the deployment operator's (superusers only, issue 17.1): an office's
administrator works in the app's Office area and is sent to the admin's log-in page here."""

import pytest
from django.contrib.auth import get_user_model

from cases.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "pw-long-enough")


@pytest.mark.parametrize("who", ["alice", "carol", "dave", "erin"])
def test_no_office_role_uses_the_admin(client, request, who, case):
    client.force_login(request.getfixturevalue(who))
    for url in ("/admin/", "/admin/cases/case/", "/admin/auth/user/", "/admin/cases/unit/add/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/admin/login/"), url


def test_the_office_administrator_finds_the_office_area_not_the_admin(client, dave, alice):
    client.force_login(dave)
    page = client.get("/cases/").content.decode()
    assert 'href="/office/"' in page
    assert 'href="/admin/"' not in page


def test_an_office_administrator_cannot_change_a_case_in_the_admin(client, dave, case):
    client.force_login(dave)
    client.post(
        f"/admin/cases/case/{case.pk}/change/",
        {"caption": "tampered", "court_case_number": "X", "defendant_name": "X"},
    )
    case.refresh_from_db()
    assert case.caption != "tampered"


def test_superuser_sees_every_office(client, root, case, outsider_case):
    client.force_login(root)
    page = client.get("/admin/cases/case/").content.decode()
    assert "ALPHA-0001" in page and "OMEGA-0001" in page


def test_membership_refuses_a_unit_of_another_office(client, root, alice, olivia):
    client.force_login(root)
    membership = alice.membership
    response = client.post(
        f"/admin/cases/membership/{membership.pk}/change/",
        {
            "office": membership.office.pk,
            "unit": olivia.membership.unit.pk,
            "role": "deputy",
            "bar_number": "",
        },
    )
    assert response.status_code == 200
    assert "This unit belongs to another office." in response.content.decode()
    membership.refresh_from_db()
    assert membership.unit != olivia.membership.unit


def test_changing_a_role_in_the_admin_moves_the_user_to_its_group(client, root, alice):
    client.force_login(root)
    membership = alice.membership
    response = client.post(
        f"/admin/cases/membership/{membership.pk}/change/",
        {
            "office": membership.office.pk,
            "unit": membership.unit.pk,
            "role": "supervisor",
            "bar_number": "123456",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert Membership.objects.get(user=alice).role == "supervisor"
    assert list(alice.groups.values_list("name", flat=True)) == ["Supervisor"]


def test_audit_log_is_read_only_in_the_admin(client, root, dave, case):
    from cases.audit import record

    event = record("view", case, user=dave)
    client.force_login(root)
    listing = client.get("/admin/cases/auditevent/")
    assert listing.status_code == 200
    assert f"/admin/cases/auditevent/{event.pk}/change/" in listing.content.decode()
    assert client.get(f"/admin/cases/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/cases/auditevent/add/").status_code == 403
