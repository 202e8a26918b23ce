"""Lockout behind the TLS proxy (issue 13, item 2).

alice is tried from two clients behind one proxy: client A guesses, client B is alice herself.
The lockout keys on (username, client address) where the client address is the one the audit
log records (`cases.audit.client_address`, PROXY_COUNT).
"""

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from cases.audit import client_address
from cases.choices import AuditAction
from cases.models import AuditEvent
from cases.views.auth import LOCKED_OUT_MESSAGE

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
    assert response.status_code == 429 and LOCKED_OUT_MESSAGE in response.content.decode()
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
