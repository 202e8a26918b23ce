"""The Django admin shows an office's administrator only that office."""

import pytest

from cases.models import Membership

pytestmark = pytest.mark.django_db


def test_admin_sees_only_their_office_cases(client, dave, case, outsider_case):
    client.force_login(dave)
    page = client.get("/admin/cases/case/").content.decode()
    assert "ALPHA-0001" in page
    assert "OMEGA-0001" not in page


def test_admin_cannot_open_another_office_case(client, dave, case, outsider_case):
    client.force_login(dave)
    response = client.get(f"/admin/cases/case/{outsider_case.pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect
    listing = client.get("/admin/cases/case/").content.decode()
    assert f"/admin/cases/case/{case.pk}/change/" in listing  # his own office's case is listed
    assert f"/admin/cases/case/{outsider_case.pk}/change/" not in listing
    assert outsider_case.court_case_number not in listing


def test_admin_cannot_change_another_office_case(client, dave, outsider_case):
    client.force_login(dave)
    client.post(
        f"/admin/cases/case/{outsider_case.pk}/change/",
        {"caption": "tampered", "court_case_number": "X", "defendant_name": "X"},
    )
    outsider_case.refresh_from_db()
    assert outsider_case.caption != "tampered"


def test_admin_sees_only_their_office_users(client, dave, alice, olivia):
    client.force_login(dave)
    page = client.get("/admin/auth/user/").content.decode()
    assert "alice" in page
    assert "olivia" not in page


def test_admin_unit_choices_are_limited_to_their_office(client, dave, unit, olivia):
    client.force_login(dave)
    page = client.get("/admin/cases/membership/add/").content.decode()
    assert unit.name in page
    assert olivia.membership.unit.name not in page


def test_membership_refuses_a_unit_of_another_office(client, dave, alice, olivia):
    client.force_login(dave)
    membership = alice.membership
    response = client.post(
        f"/admin/cases/membership/{membership.pk}/change/",
        {
            "user": alice.pk,
            "office": membership.office.pk,
            "unit": olivia.membership.unit.pk,
            "role": "deputy",
            "bar_number": "",
        },
    )
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.unit != olivia.membership.unit


def test_changing_a_role_in_the_admin_moves_the_user_to_its_group(client, dave, alice):
    client.force_login(dave)
    membership = alice.membership
    response = client.post(
        f"/admin/cases/membership/{membership.pk}/change/",
        {
            "user": alice.pk,
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


def test_deputies_cannot_use_the_admin(client, alice):
    client.force_login(alice)
    response = client.get("/admin/cases/case/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_audit_log_is_read_only_in_the_admin(client, dave, case):
    from cases.audit import record

    event = record("view", case, user=dave)
    client.force_login(dave)
    listing = client.get("/admin/cases/auditevent/")
    assert listing.status_code == 200
    assert f"/admin/cases/auditevent/{event.pk}/change/" in listing.content.decode()
    assert client.get(f"/admin/cases/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/cases/auditevent/add/").status_code == 403


def test_status_disclosures_are_hidden_from_admins_without_the_permission(client, dave, case):
    client.force_login(dave)
    assert client.get("/admin/cases/statusdisclosure/").status_code == 403


def test_an_admin_created_user_joins_the_admin_office(client, dave, office):
    client.force_login(dave)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "newdeputy",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__username="newdeputy").office == office


def test_superuser_sees_every_office(client, db, case, outsider_case, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw-long-enough")
    client.force_login(root)
    page = client.get("/admin/cases/case/").content.decode()
    assert "ALPHA-0001" in page and "OMEGA-0001" in page
