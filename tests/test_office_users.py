"""The Office area's users (issue 17 item 1): dave administers alice's office and works here;
alice (deputy), carol (supervisor) and erin (counsel) are refused; olivia's office is another
office, whose people are "not found" and whose existence no error message betrays."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import accounts, actions
from cases.choices import AuditAction, Role
from cases.models import AuditEvent, Membership
from tests import factories

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW = {
    "username": "newdeputy",
    "first_name": "Nora",
    "last_name": "Newman",
    "email": "nora.newman@alpha.example.org",
    "role": Role.DEPUTY,
    "bar_number": "321654",
}
PASSPHRASE = "a-long-enough-passphrase-17"


def user_events(user):
    return AuditEvent.objects.filter(object_type="user", object_id=str(user.pk)).order_by("pk")


def invite(client, unit, **changes):
    return client.post(reverse("office_user_new"), {**NEW, "unit": unit.pk, **changes})


def link_in(message):
    return re.search(r"https?://\S+/invite/\S+/", message.body).group(0)


# --- Who may open the office area ---------------------------------------------------------------


OFFICE_PAGES = [
    "office_users",
    "office_user_new",
    "office_units",
    "office_policy",
    "office_catalog",
]


@pytest.mark.parametrize("who", ["alice", "carol", "erin"])
def test_other_roles_are_refused_every_office_page(client, request, who, bob):
    client.force_login(request.getfixturevalue(who))
    for name in OFFICE_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    for name in ("office_user", "office_user_deactivate", "office_user_reset_second_factor"):
        assert client.get(reverse(name, args=[bob.pk])).status_code == 403, name
        assert client.post(reverse(name, args=[bob.pk]), {}).status_code == 403, name
    bob.refresh_from_db()
    assert bob.is_active


def test_the_administrator_opens_every_office_page(client, dave, alice):
    client.force_login(dave)
    for name in OFFICE_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("office_user", args=[alice.pk])).status_code == 200


def test_another_offices_user_is_not_found(client, dave, olivia):
    client.force_login(dave)
    for name in ("office_user", "office_user_deactivate", "office_user_reactivate"):
        assert client.get(reverse(name, args=[olivia.pk])).status_code == 404
        assert client.post(reverse(name, args=[olivia.pk]), {}).status_code == 404
    olivia.refresh_from_db()
    assert olivia.is_active


def test_the_list_shows_role_unit_last_log_in_and_only_this_office(client, dave, alice, olivia):
    User.objects.filter(pk=alice.pk).update(
        last_login=dt.datetime(2026, 11, 30, 17, 5, tzinfo=dt.UTC)
    )
    TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    client.force_login(dave)
    page = client.get(reverse("office_users")).content.decode()
    row = page[page.index("alice") : page.index("alice") + 700]
    assert "Deputy DA" in row and "Felony Unit" in row and "30 Nov 2026" in row
    assert "App set up" in row
    assert "olivia" not in page and "Omega" not in page


def test_the_list_costs_the_same_queries_for_3_or_30_people(
    client, dave, office, unit, django_assert_max_num_queries
):
    client.force_login(dave)
    for n in range(3):
        factories.make_user(f"d{n}", office, Role.DEPUTY, unit)
    with django_assert_max_num_queries(15) as few:
        client.get(reverse("office_users"))
    for n in range(3, 30):
        factories.make_user(f"d{n}", office, Role.DEPUTY, unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert b"d29" in client.get(reverse("office_users")).content


# --- Inviting ----------------------------------------------------------------------------------


def test_one_screen_invites_a_deputy_who_sets_a_password_once(
    client, dave, office, unit, django_capture_on_commit_callbacks
):
    client.force_login(dave)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, unit)
    assert response.status_code == 302
    new = User.objects.get(username="newdeputy")
    membership = new.membership
    assert (membership.office, membership.unit, membership.role) == (office, unit, Role.DEPUTY)
    assert membership.bar_number == "321654" and new.email == NEW["email"]
    assert not new.has_usable_password()  # nobody but Nora ever knows her password
    assert list(new.groups.values_list("name", flat=True)) == ["Deputy DA"]
    events = list(user_events(new))
    assert [(e.action, e.user, e.office) for e in events] == [
        (AuditAction.CREATE, dave, office),
        (AuditAction.CHANGE, dave, office),
    ]
    assert events[1].data == {"change": "invitation"}
    assert all(NEW["email"] not in e.summary + repr(e.data) for e in events)
    (message,) = mail.outbox
    assert message.to == [NEW["email"]] and "newdeputy" in message.body
    link = link_in(message)
    path = link.split("testserver", 1)[1]

    stranger = client.__class__()
    assert stranger.get(path).status_code == 200
    response = stranger.post(path, {"new_password1": PASSPHRASE, "new_password2": PASSPHRASE})
    assert response.status_code == 302 and response.url == reverse("login")
    new.refresh_from_db()
    assert new.check_password(PASSPHRASE)
    assert user_events(new).last().data == {"change": "password", "after": "set"}
    # The link worked once.
    again = stranger.post(
        path, {"new_password1": "x" + PASSPHRASE, "new_password2": "x" + PASSPHRASE}
    )
    assert again.status_code == 400 and b"does not work" in again.content
    new.refresh_from_db()
    assert new.check_password(PASSPHRASE)


def test_an_invitation_expires_after_three_days(
    client, dave, unit, django_capture_on_commit_callbacks
):
    client.force_login(dave)
    sent = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(sent, tick=False), django_capture_on_commit_callbacks(execute=True):
        invite(client, unit)
    path = link_in(mail.outbox[0]).split("testserver", 1)[1]
    with time_machine.travel(dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(dt.datetime(2026, 12, 4, 9, 1, tzinfo=dt.UTC), tick=False):
        assert client.get(path).status_code == 400


def test_the_invitation_lifetime_follows_the_setting(
    client, dave, unit, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_TIMEOUT = 3600  # INVITE_TIMEOUT_SECONDS=3600 in the environment
    client.force_login(dave)
    sent = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(sent, tick=False), django_capture_on_commit_callbacks(execute=True):
        invite(client, unit)
    assert "works once, for 1 hour" in mail.outbox[0].body
    path = link_in(mail.outbox[0]).split("testserver", 1)[1]
    with time_machine.travel(sent + dt.timedelta(minutes=59), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(sent + dt.timedelta(minutes=61), tick=False):
        assert client.get(path).status_code == 400


def test_a_tampered_link_sets_nothing(client, dave, alice):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    response = client.post(
        reverse("invite_accept", args=[uid, "abc-123"]),
        {"new_password1": PASSPHRASE, "new_password2": PASSPHRASE},
    )
    assert response.status_code == 400
    alice.refresh_from_db()
    assert not alice.check_password(PASSPHRASE)


def test_a_deputy_without_a_unit_is_a_form_error_and_keeps_what_was_typed(client, dave, unit):
    client.force_login(dave)
    response = client.post(reverse("office_user_new"), {**NEW, "unit": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose the unit this deputy works in" in page
    assert 'value="nora.newman@alpha.example.org"' in page and 'value="321654"' in page
    assert not User.objects.filter(username="newdeputy").exists()


def test_a_supervisor_or_counsel_needs_no_unit(client, dave, office):
    client.force_login(dave)
    response = client.post(reverse("office_user_new"), {**NEW, "role": Role.COUNSEL, "unit": ""})
    assert response.status_code == 302
    assert Membership.objects.get(user__username="newdeputy").role == Role.COUNSEL


def test_a_username_or_e_mail_of_another_office_is_refused_without_naming_it(
    client, dave, unit, olivia
):
    olivia.email = "olivia@omega.example.org"
    olivia.save()
    client.force_login(dave)
    for field, value, message in (
        ("username", "OLIVIA", "This username is taken. Choose another."),
        ("email", "Olivia@Omega.example.org", "An account with this e-mail address already exists"),
    ):
        response = invite(client, unit, **{field: value})
        page = response.content.decode()
        assert response.status_code == 200 and message in page
        assert "Omega" not in page.replace("Omega.example.org", "").replace("omega.example.org", "")
    assert User.objects.filter(membership__office=unit.office, username="newdeputy").count() == 0


def test_the_action_refuses_a_taken_e_mail_whoever_calls_it(dave, office, unit, olivia):
    from django.core.exceptions import ValidationError

    olivia.email = "olivia@omega.example.org"
    olivia.save()
    with pytest.raises(ValidationError):
        accounts.invite_user(
            by_user=dave, office=office, site_url="http://testserver/", unit=unit,
            **{**NEW, "email": "OLIVIA@omega.example.org"},
        )  # fmt: skip


@pytest.mark.django_db(transaction=True)  # the e-mail goes after a real commit, as in production
def test_a_mail_relay_that_is_down_is_said_and_the_account_stays(client, dave, unit, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("relay down")

    monkeypatch.setattr(accounts, "send_mail", refuse)
    client.force_login(dave)
    response = invite(client, unit)
    page = client.get(response.url).content.decode()
    assert "could not be sent" in page
    new = User.objects.get(username="newdeputy")
    assert not mail.outbox
    monkeypatch.undo()
    response = client.post(reverse("office_user_reinvite", args=[new.pk]))
    assert response.status_code == 302
    assert mail.outbox[-1].to == [NEW["email"]]
    assert "An invitation to choose a password went" in client.get(response.url).content.decode()


# --- Role, unit, deactivation, second factor ---------------------------------------------------


def test_setting_role_and_unit_is_audited(client, dave, alice, other_unit, office):
    client.force_login(dave)
    response = client.post(
        reverse("office_user", args=[alice.pk]),
        {"first_name": "Alice", "last_name": "Tester", "email": "", "role": Role.SUPERVISOR,
         "unit": other_unit.pk, "bar_number": "777"},
    )  # fmt: skip
    assert response.status_code == 302
    membership = Membership.objects.get(user=alice)
    assert (membership.role, membership.unit, membership.bar_number) == (
        Role.SUPERVISOR, other_unit, "777",
    )  # fmt: skip
    event = user_events(alice).last()
    assert event.user == dave and event.office == office
    assert event.data["changes"]["role"] == {"before": "deputy", "after": "supervisor"}


def test_deactivating_ends_access_and_deletes_nothing(client, dave, alice, case):
    alice_client = client.__class__()
    alice_client.force_login(alice)
    assert alice_client.get(reverse("case_list")).status_code == 200
    client.force_login(dave)
    page = client.get(reverse("office_user_deactivate", args=[alice.pk]))
    assert b"Deactivate" in page.content
    assert client.post(reverse("office_user_deactivate", args=[alice.pk])).status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active and case.assigned_deputy_id == alice.pk
    assert alice_client.get(reverse("case_list")).status_code == 302  # her session is over
    assert user_events(alice).last().data["changes"] == {
        "is_active": {"before": True, "after": False}
    }
    assert b"Deactivated" in client.get(reverse("office_users")).content
    client.post(reverse("office_user_reactivate", args=[alice.pk]))
    alice.refresh_from_db()
    assert alice.is_active


def test_the_last_administrator_cannot_be_deactivated_or_demoted(client, dave, office, root_user):
    client.force_login(dave)
    response = client.post(
        reverse("office_user", args=[dave.pk]),
        {"first_name": "Dave", "last_name": "Tester", "email": "", "role": Role.DEPUTY,
         "unit": factories.make_unit(office, "Gang Unit").pk, "bar_number": ""},
    )  # fmt: skip
    assert response.status_code == 200
    assert "last administrator" in response.content.decode()
    assert Membership.objects.get(user=dave).role == Role.ADMIN
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="last administrator"):
        accounts.deactivate_user(dave, by_user=root_user)
    dave.refresh_from_db()
    assert dave.is_active
    # With a second administrator, either may go.
    dana = factories.make_user("dana", office, Role.ADMIN)
    client.force_login(dana)
    refused = client.post(reverse("office_user_deactivate", args=[dana.pk]))
    assert refused.status_code == 403  # not oneself
    assert client.post(reverse("office_user_deactivate", args=[dave.pk])).status_code == 302
    dave.refresh_from_db()
    assert not dave.is_active
    # dana is now the last one: the superuser's admin is refused too, with a message.
    client.force_login(root_user)
    response = client.post(reverse("office_user_deactivate", args=[dana.pk]))
    assert response.status_code == 403  # the office area is for the office's administrator
    with pytest.raises(ValidationError):
        actions.set_membership(dana, by_user=root_user, office=office, unit=None, role=Role.COUNSEL)


def test_resetting_the_second_factor_removes_app_and_codes(client, dave, alice, office):
    TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    actions.issue_backup_codes(alice, by_user=alice)
    client.force_login(dave)
    assert b"Reset second factor" in client.get(reverse("office_user", args=[alice.pk])).content
    assert (
        client.post(reverse("office_user_reset_second_factor", args=[alice.pk])).status_code == 302
    )
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticDevice.objects.filter(user=alice).exists()
    event = user_events(alice).last()
    assert event.user == dave and event.data == {"change": "second_factor", "after": "none"}
    again = client.post(reverse("office_user_reset_second_factor", args=[alice.pk]))
    assert again.status_code == 400 and b"no second factor to reset" in again.content


@pytest.fixture
def root_user(db):
    return User.objects.create_superuser("root", "root@example.org", "pw-long-enough")
