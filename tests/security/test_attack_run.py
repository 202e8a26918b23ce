"""The scripted attack run (issue 13, verification): the app under gunicorn with production
settings and PROXY_COUNT=1, attacked with plain HTTP requests through a simulated TLS proxy.

Each step is a test on one served app (`tests/security/attack.py`); the steps use different
client addresses, so their lockouts do not touch each other. Part of the normal suite; the
whole run takes well under a minute.
"""

import pytest

from tests.security.attack import PASSWORD, Browser, hidden_value, served

pytestmark = pytest.mark.attack

LOCKED = "Too many failed attempts"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served(tmp_path_factory.mktemp("attack")) as running:
        yield running


def test_the_lockout_is_per_client_behind_the_proxy(server):
    attacker = Browser(server, "203.0.113.66")
    for attempt in range(1, 6):
        response = attacker.log_in("deputy1", f"guess-{attempt}")
        assert response.status == (429 if attempt == 5 else 200)
    response = attacker.log_in("deputy1", PASSWORD)
    assert response.status == 429 and LOCKED in response.text
    assert response.headers["retry-after"] == "900"
    # The deputy, at her own computer behind the same proxy, is not locked out.
    deputy = Browser(server, "198.51.100.10")
    response = deputy.log_in("deputy1", PASSWORD)
    assert response.status == 302 and response.location == "/"
    assert deputy.get("/").status == 200


def test_a_forged_forwarded_header_does_not_reset_the_count(server):
    attacker = Browser(server, "203.0.113.77")
    for attempt in range(5):
        # What the proxy forwards: the client's own header, then the address it saw.
        attacker.address = f"10.9.9.{attempt}, 203.0.113.77"
        attacker.log_in("deputy1", "guess")
    attacker.address = "10.9.9.200, 203.0.113.77"
    assert attacker.log_in("deputy1", PASSWORD).status == 429


def test_the_signing_prompt_locks_out_a_hijacked_session(server):
    worksheet = server.world["worksheet"]
    thief = Browser(server, "203.0.113.99", {"sessionid": server.world["hijacked_session"]})
    page = thief.get(f"/worksheets/{worksheet}/")
    assert page.status == 200 and "Your password, to sign" in page.text
    version = hidden_value(page.text, "version")
    statuses = []
    for attempt in range(6):
        response = thief.post(
            f"/worksheets/{worksheet}/sign/",
            {
                "version": version,
                "considered": [server.world["offer"]],
                "chosen_disposition": server.world["offer"],
                "decision": "standard_kept",
                "reasons": "Proportionate.",
                "parity_answer": "same",
                "password": f"guess-{attempt}",
            },
        )
        statuses.append(response.status)
        version = hidden_value(response.text, "version") or version
    assert statuses == [400, 400, 400, 400, 429, 429]
    assert response.headers["retry-after"] == "900"
    assert LOCKED in response.text
    # The log-in from that client is locked too; the deputy elsewhere still gets in.
    assert Browser(server, "203.0.113.99").log_in("deputy1", PASSWORD).status == 429
    assert Browser(server, "198.51.100.11").log_in("deputy1", PASSWORD).status == 302
    # Each wrong password is a failed log-in in the audit log, with the thief's address.
    failed = server.query(
        "from cases.models import AuditEvent; import json; print(json.dumps(AuditEvent.objects"
        ".filter(action='login_failed', ip_address='203.0.113.99').count()))"
    )
    assert failed >= 6
