"""Lockout behind the TLS proxy and at the password prompts inside the app (issue 13, items 2-3).

alice is tried from two clients behind one proxy: client A guesses, client B is alice herself.
The lockout keys on (username, client address) where the client address is the one the audit
log records (`cases.audit.client_address`, PROXY_COUNT), and the signing prompt and the
second-factor enrolment count toward the same lockout as the log-in page.
"""

import time

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from cases import actions, reauth
from cases.audit import client_address
from cases.choices import AuditAction, DispositionLabel
from cases.models import AuditEvent
from cases.reauth import locked_out_message
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
PROXY = "10.0.0.254"
CLIENT_A = "203.0.113.10"
CLIENT_B = "203.0.113.20"


def through_proxy(client_address, forged=None):
    """What the proxy passes on: its own socket address, and the client's address appended to
    whatever X-Forwarded-For the client sent."""
    forwarded = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def log_in(client, password, **origin):
    return client.post(reverse("login"), {"username": "alice", "password": password}, **origin)


@pytest.fixture
def behind_proxy(settings):
    settings.PROXY_COUNT = 1


# --- Item 2: the lockout keys on the client, not the proxy --------------------------------------


def test_behind_the_proxy_one_client_is_locked_out_and_another_logs_in(client, alice, behind_proxy):
    for _ in range(4):
        assert log_in(client, "wrong", **through_proxy(CLIENT_A)).status_code == 200
    response = log_in(client, "wrong", **through_proxy(CLIENT_A))
    assert response.status_code == 429 and locked_out_message() in response.content.decode()
    assert log_in(client, PASSWORD, **through_proxy(CLIENT_A)).status_code == 429
    # Same user, same proxy, another client: not locked out.
    assert log_in(client, PASSWORD, **through_proxy(CLIENT_B)).status_code == 302


def test_a_client_cannot_leave_its_lockout_by_writing_its_own_forwarded_header(
    client, alice, behind_proxy
):
    for number in range(5):
        log_in(client, "wrong", **through_proxy(CLIENT_A, forged=f"198.51.100.{number}"))
    response = log_in(client, PASSWORD, **through_proxy(CLIENT_A, forged="198.51.100.77"))
    assert response.status_code == 429


def test_without_a_trusted_proxy_a_forged_forwarded_header_is_ignored(client, alice, settings):
    settings.PROXY_COUNT = 0
    for number in range(5):
        origin = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": f"198.51.100.{number}"}
        log_in(client, "wrong", **origin)
    forged = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.99"}
    assert log_in(client, PASSWORD, **forged).status_code == 429
    assert AccessAttempt.objects.get().ip_address == "10.0.0.1"


def test_the_lockout_and_the_audit_log_name_the_same_client(client, alice, behind_proxy):
    log_in(client, "wrong", **through_proxy(CLIENT_A, forged="198.51.100.1"))
    assert AccessAttempt.objects.get().ip_address == CLIENT_A
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.ip_address == CLIENT_A and failed.object_id == str(alice.pk)


def test_axes_asks_the_audit_logs_function_even_where_django_ipware_is_installed(behind_proxy):
    request = RequestFactory().post("/login/", **through_proxy(CLIENT_A, forged="198.51.100.1"))
    # use_ipware=True is what axes does when django-ipware is importable.
    assert get_client_ip_address(request, use_ipware=True) == client_address(request) == CLIENT_A


# --- Item 3: the signing prompt counts toward the same lockout ----------------------------------


@pytest.fixture
def offers(case):
    dv, drugs = case.charges.order_by("number")
    standard = factories.make_disposition(case, name="Standard offer")
    factories.make_term(standard, dv, "PC 273.5(a)", level="felony", custody_days_imposed=365)
    factories.make_term(standard, drugs, "HS 11351", level="felony", custody_days_imposed=365)
    alternative = factories.make_disposition(case, DispositionLabel.ALTERNATIVE, name="Safer")
    factories.make_term(alternative, dv, "PC 243(e)(1)", custody_days_imposed=364)
    return standard, alternative


@pytest.fixture
def worksheet(case, alice, offers):
    return actions.start_worksheet(case, by_user=alice)


@pytest.fixture
def stale_login(client, alice):
    """alice logged in more than 15 minutes ago: signing asks for her password again."""
    client.force_login(alice)
    session = client.session
    session[reauth.SESSION_KEY] = time.time() - 20 * 60
    session.save()
    return client


REASONS = "Work product that must stay in the worksheet."


def sign(client, worksheet, offers, password, **origin):
    worksheet.refresh_from_db()
    data = {
        "version": worksheet.lock_version,
        "considered": [offer.pk for offer in offers],
        "chosen_disposition": offers[0].pk,
        "decision": "standard_kept",
        "reasons": REASONS,
        "parity_answer": "same",
        "parity_explanation": "",
        "password": password,
    }
    return client.post(reverse("worksheet_sign", args=[worksheet.pk]), data, **origin)


def test_wrong_passwords_at_the_signing_prompt_lock_out_signing_and_log_in(
    stale_login, alice, worksheet, offers, behind_proxy
):
    client = stale_login
    for _ in range(4):
        response = sign(client, worksheet, offers, "guess", **through_proxy(CLIENT_A))
        assert response.status_code == 400
        assert "That is not your password" in response.content.decode()
    response = sign(client, worksheet, offers, "guess", **through_proxy(CLIENT_A))
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert locked_out_message() in page and "saved as a draft" in page
    # Locked out: even the right password does not sign, and the log-in is locked too.
    response = sign(client, worksheet, offers, PASSWORD, **through_proxy(CLIENT_A))
    assert response.status_code == 429
    worksheet.refresh_from_db()
    assert not worksheet.is_signed and worksheet.reasons == REASONS  # the draft was kept
    other = type(client)()
    response = log_in(other, PASSWORD, **through_proxy(CLIENT_A))
    assert response.status_code == 429 and locked_out_message() in response.content.decode()
    assert response["Retry-After"] == "900"
    # Per client, as for the log-in page: alice at another computer still gets in.
    assert log_in(other, PASSWORD, **through_proxy(CLIENT_B)).status_code == 302


def test_each_wrong_password_at_the_signing_prompt_is_a_failed_log_in_in_the_audit_log(
    stale_login, alice, worksheet, offers, behind_proxy
):
    for _ in range(3):
        sign(stale_login, worksheet, offers, "guess", **through_proxy(CLIENT_A))
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert failed.count() == 3
    assert {(e.object_type, e.object_id, e.ip_address) for e in failed} == {
        ("user", str(alice.pk), CLIENT_A)
    }
    # axes keeps a copy of a failed attempt's form: the worksheet is not in it.
    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == 3
    assert REASONS not in attempt.post_data and "guess" not in attempt.post_data


def test_failures_at_the_log_in_and_at_the_signing_prompt_add_up(
    stale_login, alice, worksheet, offers, behind_proxy
):
    for _ in range(3):
        log_in(type(stale_login)(), "wrong", **through_proxy(CLIENT_A))
    origin = through_proxy(CLIENT_A)
    assert sign(stale_login, worksheet, offers, "guess", **origin).status_code == 400
    assert sign(stale_login, worksheet, offers, "guess", **origin).status_code == 429


def test_the_right_password_at_the_signing_prompt_signs(stale_login, worksheet, offers):
    response = sign(stale_login, worksheet, offers, PASSWORD, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302
    worksheet.refresh_from_db()
    assert worksheet.is_signed
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).exists()
