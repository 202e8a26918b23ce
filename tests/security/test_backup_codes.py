"""Backup codes (issue 13.3): dave, an office administrator with an authenticator app, loses his
phone. Ten one-time codes issued at enrolment get him back in, each once; he makes new ones with
his password; the codes are stored as HMACs, never as typed; every step is audited."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import backup_codes
from cases.choices import AuditAction
from cases.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def current_code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def unthrottle(user):
    """django-otp delays the next try after a wrong code; the tests do not wait."""
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )


def log_in(client, username="dave"):
    return client.post(
        reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.3"
    )


def codes_on(response):
    page = response.content.decode()
    assert "data-backup-codes" in page
    block = page.split("data-backup-codes>", 1)[1].split("</ul>", 1)[0]
    return [item.split("</li>")[0].strip() for item in block.split("<li>")[1:]]


@pytest.fixture
def enrolled(client, dave):
    """dave enrols an app (password and code) and is shown his backup codes once."""
    log_in(client)
    client.get(reverse("otp_enroll"))
    device = TOTPDevice.objects.get(user=dave)
    response = client.post(
        reverse("otp_enroll"), {"password": PASSWORD, "token": current_code(device)}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # the codes are shown once, never cached
    client.logout()
    return device, codes_on(response)


def test_enrolment_issues_ten_codes_stored_only_as_hmacs(enrolled, dave):
    _, codes = enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(StaticToken.objects.filter(device__user=dave).values_list("token", flat=True))
    assert len(stored) == 10
    for code in codes:
        assert code not in stored and backup_codes.normalize(code) not in stored
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, summary__contains="backup codes")
    assert event.object_id == str(dave.pk)


def test_a_backup_code_lets_you_in_once(client, enrolled, dave):
    _, codes = enrolled
    log_in(client)
    # Typed as people type: capitals, spaces instead of dashes.
    typed = codes[0].upper().replace("-", " ")
    response = client.post(reverse("otp_verify"), {"token": typed})
    assert response.status_code == 302 and response.url == reverse("otp_backup_codes")
    assert client.get(reverse("home")).status_code == 200
    assert backup_codes.remaining(dave) == 9
    assert AuditEvent.objects.filter(
        action=AuditAction.LOGIN, summary="second factor verified with a backup code"
    ).exists()
    client.logout()
    log_in(client)
    response = client.post(reverse("otp_verify"), {"token": codes[0]})
    assert response.status_code == 200 and "not valid" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302  # still owes the second factor
    assert AuditEvent.objects.filter(
        action=AuditAction.LOGIN_FAILED, summary="second factor refused"
    ).exists()


def test_what_the_database_holds_is_not_a_code(client, enrolled, dave):
    log_in(client)
    stored = StaticToken.objects.filter(device__user=dave).first().token
    assert client.post(reverse("otp_verify"), {"token": stored}).status_code == 200
    assert backup_codes.remaining(dave) == 10


def test_new_codes_need_the_password_and_void_the_old_ones(client, enrolled, dave):
    _, old = enrolled
    log_in(client)
    client.post(reverse("otp_verify"), {"token": old[0]})
    response = client.post(reverse("otp_backup_codes"), {"password": "not-it"})
    assert response.status_code == 400 and "not your password" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, user=None).exists()
    response = client.post(reverse("otp_backup_codes"), {"password": PASSWORD})
    new = codes_on(response)
    assert len(new) == 10 and not set(new) & set(old)
    assert AuditEvent.objects.filter(summary__contains="new backup codes issued").exists()
    client.logout()
    unthrottle(dave)
    log_in(client)
    assert client.post(reverse("otp_verify"), {"token": old[1]}).status_code == 200
    unthrottle(dave)
    assert client.post(reverse("otp_verify"), {"token": new[1]}).status_code == 302


def test_a_lost_phone_is_replaced_after_a_backup_code(client, enrolled, dave):
    old_device, codes = enrolled
    log_in(client)
    client.post(reverse("otp_verify"), {"token": codes[0]})
    client.get(reverse("otp_enroll"))
    new_device = TOTPDevice.objects.get(user=dave, confirmed=False)
    response = client.post(
        reverse("otp_enroll"), {"password": PASSWORD, "token": current_code(new_device)}
    )
    assert response.status_code == 200
    assert list(TOTPDevice.objects.filter(user=dave)) == [new_device]
    assert not TOTPDevice.objects.filter(pk=old_device.pk).exists()


def test_enrolling_again_needs_the_second_factor_first(client, enrolled, dave):
    log_in(client)
    response = client.get(reverse("otp_enroll"))
    assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))
    # Backup codes alone are a second factor too: the password alone cannot replace them.
    TOTPDevice.objects.filter(user=dave).delete()
    response = client.get(reverse("otp_enroll"))
    assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))


def test_a_wrong_password_at_enrolment_counts_toward_the_lockout(client, dave):
    log_in(client)
    client.get(reverse("otp_enroll"))
    device = TOTPDevice.objects.get(user=dave)
    for _ in range(4):
        response = client.post(
            reverse("otp_enroll"),
            {"password": "guess", "token": current_code(device)},
            REMOTE_ADDR="10.0.0.3",
        )
        assert response.status_code == 400
    response = client.post(
        reverse("otp_enroll"),
        {"password": "guess", "token": current_code(device)},
        REMOTE_ADDR="10.0.0.3",
    )
    assert response.status_code == 429 and response["Retry-After"] == "900"
    device.refresh_from_db()
    assert not device.confirmed
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 5
