"""Every change made through the Django admin goes through an action and is audited (issue 13.4).

dave administers alice's office; root is the deployment's operator (a superuser, no office), the
only one the Django admin lets in (issue 17.1): dave's changes are made in the Office area
(tests/test_office_users.py) through the same actions, which are still tested here directly.
Each test makes the change the way a person does, by posting the admin's own form, and then
reads the audit log: who, what, in which office, from where, and never a password.
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from cases import actions
from cases.choices import AuditAction, Role
from cases.models import AuditEvent, Case, Disposition, Membership, Office, Review, Unit, Worksheet
from tests import factories

pytestmark = pytest.mark.django_db

PASSPHRASE = "a-long-enough-passphrase-17"
ADDRESS = "198.51.100.23"


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "pw-long-enough")


def access_events(user):
    return AuditEvent.objects.filter(object_type="user", object_id=str(user.pk)).exclude(
        action__in=[AuditAction.LOGIN, AuditAction.LOGOUT]
    )


def assert_no_secret(event, *secrets):
    text = event.summary + repr(getattr(event, "data", ""))
    for secret in secrets:
        assert secret not in text


# --- Accounts -----------------------------------------------------------------------------------


def test_an_operator_creating_a_user_in_the_admin_writes_an_audit_row(client, root):
    client.force_login(root)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "newoperator",
            "password1": PASSPHRASE,
            "password2": PASSPHRASE,
            "usable_password": "true",
        },
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    new = get_user_model().objects.get(username="newoperator")
    assert not Membership.objects.filter(user=new).exists()  # an operator's account: no office
    event = access_events(new).get()
    assert event.action == AuditAction.CREATE
    assert event.user == root and event.office is None and event.ip_address == ADDRESS
    assert "password set" in event.summary
    assert event.data["after"] == {
        "office_id": None,
        "unit_id": None,
        "role": "",
        "is_active": True,
        "password": "set",
    }
    assert_no_secret(event, PASSPHRASE, "newoperator")


def test_a_password_reset_through_the_admin_is_audited_without_the_password(
    client, root, alice, office
):
    client.force_login(root)
    response = client.post(
        f"/admin/auth/user/{alice.pk}/password/",
        {"password1": PASSPHRASE, "password2": PASSPHRASE, "usable_password": "true"},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(PASSPHRASE)
    event = access_events(alice).get()
    assert event.user == root and event.office == office and event.summary == "password reset"
    assert event.data == {"change": "password", "after": "set"}
    assert_no_secret(event, PASSPHRASE)


def test_turning_an_account_off_is_audited_before_and_after(client, root, alice):
    client.force_login(root)
    page = client.get(f"/admin/auth/user/{alice.pk}/change/")
    assert page.status_code == 200
    response = client.post(
        f"/admin/auth/user/{alice.pk}/change/",
        {
            "username": "alice",
            "first_name": "Alice",
            "last_name": "Renamed",
            "email": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active and alice.last_name == "Renamed"
    event = access_events(alice).get()
    assert "is_active yes → no" in event.summary
    assert "changed last_name" in event.summary
    assert event.data == {
        "change": "account",
        "changes": {"is_active": {"before": True, "after": False}},
        "fields_changed": ["last_name"],
    }
    assert_no_secret(event, "Renamed")


def test_an_office_admin_cannot_make_an_operator(client, dave, alice):
    client.force_login(dave)
    client.post(
        f"/admin/auth/user/{alice.pk}/change/",
        {"username": "alice", "is_active": "on", "is_superuser": "on"},
    )
    alice.refresh_from_db()
    assert not alice.is_superuser
    with pytest.raises(PermissionDenied):
        actions.update_user(alice, by_user=dave, fields={"is_superuser": True})


def test_nobody_deletes_an_account_in_the_admin(client, root, alice):
    client.force_login(root)
    assert client.get(f"/admin/auth/user/{alice.pk}/delete/").status_code == 403


# --- Memberships and roles ----------------------------------------------------------------------


def test_changing_a_membership_role_and_unit_is_audited(client, root, alice, office, other_unit):
    client.force_login(root)
    membership = alice.membership
    old_unit = membership.unit_id
    response = client.post(
        f"/admin/cases/membership/{membership.pk}/change/",
        {"office": office.pk, "unit": other_unit.pk, "role": "supervisor", "bar_number": ""},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.unit) == ("supervisor", other_unit)
    event = access_events(alice).get()
    assert event.action == AuditAction.CHANGE and event.user == root and event.office == office
    assert "role deputy → supervisor" in event.summary
    assert f"unit_id {old_unit} → {other_unit.pk}" in event.summary
    assert event.data == {
        "change": "membership",
        "changes": {
            "role": {"before": "deputy", "after": "supervisor"},
            "unit_id": {"before": old_unit, "after": other_unit.pk},
        },
    }
    assert event.ip_address == ADDRESS


def test_an_office_admin_cannot_move_a_membership_to_another_office(
    client, dave, alice, office, other_office
):
    client.force_login(dave)
    membership = alice.membership
    client.post(
        f"/admin/cases/membership/{membership.pk}/change/",
        {"office": other_office.pk, "unit": "", "role": "deputy", "bar_number": ""},
    )
    membership.refresh_from_db()
    assert membership.office == office
    with pytest.raises(PermissionDenied):
        actions.set_membership(alice, by_user=dave, office=other_office, unit=None, role="deputy")


def test_an_operator_moving_a_user_between_offices_is_recorded_in_both(
    root, alice, office, other_office
):
    actions.set_membership(alice, by_user=root, office=other_office, unit=None, role="deputy")
    events = access_events(alice)
    assert {event.office for event in events} == {office, other_office}


def test_membership_actions_refuse_a_unit_of_another_office(dave, alice, office, olivia):
    with pytest.raises(ValueError, match="another office"):
        actions.set_membership(
            alice, by_user=dave, office=office, unit=olivia.membership.unit, role="deputy"
        )
    assert not access_events(alice).exists()


def test_an_admin_of_another_office_cannot_use_the_actions(office, alice, olivia, other_office):
    olivia_admin = factories.make_user("omega-admin", other_office, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        actions.create_user(by_user=olivia_admin, office=office, username="x", password=None)
    with pytest.raises(PermissionDenied):
        actions.reset_password(alice, by_user=olivia_admin, password=PASSPHRASE)
    with pytest.raises(PermissionDenied):
        actions.update_office_policy(office, by_user=olivia_admin, fields={"parity_rule": "record"})
    alice.refresh_from_db()
    assert not alice.check_password(PASSPHRASE)


# --- Units and office policy --------------------------------------------------------------------


def test_adding_and_renaming_a_unit_is_audited(client, root, office):
    client.force_login(root)
    assert (
        client.post(
            "/admin/cases/unit/add/", {"name": "Gang Unit", "office": office.pk}
        ).status_code
        == 302
    )
    unit = Unit.objects.get(name="Gang Unit")
    assert unit.office == office
    response = client.post(f"/admin/cases/unit/{unit.pk}/change/", {"name": "Gang Crimes Unit"})
    assert response.status_code == 302
    events = AuditEvent.objects.filter(object_type="unit", object_id=str(unit.pk)).order_by("pk")
    assert [(e.action, e.user, e.office) for e in events] == [
        (AuditAction.CREATE, root, office),
        (AuditAction.CHANGE, root, office),
    ]


def _office_form(office, **changes):
    data = {name: getattr(office, name) for name in actions.OFFICE_FIELDS}
    data.update(changes)
    return {
        name: ("on" if value is True else value)
        for name, value in data.items()
        if value is not False
    }


def test_changing_the_office_policy_is_audited_before_and_after(client, root, office):
    client.force_login(root)
    response = client.post(
        f"/admin/cases/office/{office.pk}/change/",
        _office_form(office, parity_rule="equivalence", deputies_see_unit_cases=False),
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.parity_rule == "equivalence" and not office.deputies_see_unit_cases
    event = AuditEvent.objects.get(object_type="office", object_id=str(office.pk))
    assert event.user == root and event.action == AuditAction.CHANGE
    assert "parity_rule record → equivalence" in event.summary
    assert "deputies_see_unit_cases yes → no" in event.summary
    assert "compliance_goal_percent" not in event.summary  # unchanged settings are not listed
    assert event.data == {
        "changes": {
            "parity_rule": {"before": "record", "after": "equivalence"},
            "deputies_see_unit_cases": {"before": True, "after": False},
        }
    }


def test_saving_an_unchanged_office_writes_nothing(dave, office):
    actions.update_office_policy(office, by_user=dave, fields={"parity_rule": office.parity_rule})
    assert not AuditEvent.objects.filter(object_type="office").exists()


def test_an_operator_opening_an_office_is_audited(client, root):
    client.force_login(root)
    response = client.post(
        "/admin/cases/office/add/",
        _office_form(
            Office(name="Sierra County District Attorney", county="Sierra", slug="sierra")
        ),
    )
    assert response.status_code == 302
    office = Office.objects.get(slug="sierra")
    event = AuditEvent.objects.get(object_type="office", object_id=str(office.pk))
    assert event.action == AuditAction.CREATE and event.user == root and event.office == office


# --- Cases --------------------------------------------------------------------------------------


def _fields(obj):
    data = {}
    for field in type(obj)._meta.concrete_fields:
        if not field.editable or field.primary_key:
            continue
        value = getattr(obj, field.attname)
        if isinstance(value, bool):
            if value:
                data[field.name] = "on"
            continue
        data[field.name] = value.isoformat() if isinstance(value, dt.date) else (value or "")
    return data


def _case_form(case, **changes):
    """Every editable field of the case as the admin's change form posts it."""
    data = _fields(case)
    data["version"] = case.lock_version
    charges = list(case.charges.all())
    data.update(
        {
            "charges-TOTAL_FORMS": len(charges),
            "charges-INITIAL_FORMS": len(charges),
            "charges-MIN_NUM_FORMS": 0,
            "charges-MAX_NUM_FORMS": 1000,
        }
    )
    for index, charge in enumerate(charges):
        data.update({f"charges-{index}-{name}": v for name, v in _fields(charge).items()})
        data[f"charges-{index}-id"] = charge.pk
    data.update(changes)
    return data


def test_a_superuser_moving_a_case_to_another_unit_moves_its_scope(
    client, root, case, other_unit, alice
):
    offer = factories.make_disposition(case)
    worksheet = Worksheet.objects.create(case=case, created_by=alice)
    review = Review.objects.create(worksheet=worksheet, requested_at=dt.datetime.now(dt.UTC))
    case_unit = case.unit_id
    client.force_login(root)
    response = client.post(
        f"/admin/cases/case/{case.pk}/change/", _case_form(case, unit=other_unit.pk)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.unit == other_unit
    for row in (Disposition.objects.get(pk=offer.pk), Worksheet.objects.get(pk=worksheet.pk)):
        assert row.unit_id == other_unit.pk
    assert Review.objects.get(pk=review.pk).unit_id == other_unit.pk
    assert case.lock_version == 2  # an edit on the case page opened before this is refused
    event = AuditEvent.objects.get(object_type="case", object_id=str(case.pk))
    assert event.action == AuditAction.CHANGE and event.user == root
    assert event.data == {
        "fields_changed": ["unit"],
        "scope": {"unit_id": {"before": case_unit, "after": other_unit.pk}},
    }


def test_the_admin_refuses_to_move_a_case_into_another_offices_unit(client, root, case, olivia):
    client.force_login(root)
    response = client.post(
        f"/admin/cases/case/{case.pk}/change/",
        _case_form(case, unit=olivia.membership.unit.pk, assigned_deputy=olivia.pk),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "This unit belongs to another office." in page
    assert "This person does not work in the case&#x27;s office." in page
    case.refresh_from_db()
    assert case.unit.office == case.office


def test_a_stale_admin_form_does_not_overwrite_a_newer_case(client, root, case):
    form = _case_form(case, caption="People v. Stale")
    Case.objects.filter(pk=case.pk).update(lock_version=2)
    client.force_login(root)
    response = client.post(f"/admin/cases/case/{case.pk}/change/", form)
    assert response.status_code == 200
    assert "Someone else changed this case" in response.content.decode()
    case.refresh_from_db()
    assert case.caption != "People v. Stale"


def test_a_case_saved_meanwhile_by_someone_else_is_a_message_not_a_500(
    client, root, case, monkeypatch
):
    """The race the form's own check cannot see: the case changes after the form was checked;
    update_case's check under the row lock refuses, and the admin says so."""
    from cases.admin import CaseAdminForm

    checked = CaseAdminForm.clean

    def clean_then_someone_saves(form):
        cleaned = checked(form)
        Case.objects.filter(pk=case.pk).update(lock_version=7)
        return cleaned

    monkeypatch.setattr(CaseAdminForm, "clean", clean_then_someone_saves)
    client.force_login(root)
    url = f"/admin/cases/case/{case.pk}/change/"
    response = client.post(url, _case_form(case, caption="People v. Raced"), follow=True)
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    case.refresh_from_db()
    assert case.caption != "People v. Raced"


def test_offers_and_counts_are_read_only_in_the_admin(client, root, case):
    offer = factories.make_disposition(case, name="Standard")
    charge = case.charges.first()
    client.force_login(root)
    assert client.get("/admin/cases/case/add/").status_code == 403
    assert client.get(f"/admin/cases/case/{case.pk}/delete/").status_code == 403
    client.post(f"/admin/cases/disposition/{offer.pk}/change/", {"name": "Tampered"})
    client.post(f"/admin/cases/charge/{charge.pk}/change/", {"statute_as_entered": "PC 187"})
    offer.refresh_from_db()
    charge.refresh_from_db()
    assert offer.name == "Standard" and charge.statute_as_entered != "PC 187"


def test_role_groups_and_second_factor_devices_are_read_only_for_operators(client, root, alice):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    group = Group.objects.get(name="Deputy DA")
    client.force_login(root)
    assert client.get(f"/admin/auth/group/{group.pk}/delete/").status_code == 403
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/delete/").status_code == 403
    client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "Everyone"})
    group.refresh_from_db()
    assert group.name == "Deputy DA"


# --- The "view on site" shortcut ----------------------------------------------------------------


def test_the_admin_shortcut_answers_404_for_other_offices_and_missing_ids_alike(
    client, root, case, outsider_case
):
    content_type = ContentType.objects.get_for_model(Case)
    client.force_login(root)
    answers = [
        client.get(f"/admin/r/{content_type.pk}/{pk}/").status_code
        for pk in (outsider_case.pk, 999_999, case.pk)
    ]
    assert answers == [404, 404, 404]


def test_the_admin_shortcut_sends_strangers_to_log_in_for_any_id(client, outsider_case):
    content_type = ContentType.objects.get_for_model(Case)
    first, second = (
        client.get(f"/admin/r/{content_type.pk}/{pk}/") for pk in (outsider_case.pk, 999_999)
    )
    assert first.status_code == second.status_code == 302
    assert first.url.split("?")[0] == second.url.split("?")[0]
    assert "login" in first.url


def test_membership_role_change_keeps_the_group_in_step(dave, alice, office):
    actions.set_membership(alice, by_user=dave, office=office, unit=None, role=Role.SUPERVISOR)
    alice.refresh_from_db()
    assert list(alice.groups.values_list("name", flat=True)) == ["Supervisor"]
    assert Membership.objects.get(user=alice).unit is None
