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


def test_office_administration_changes_are_audited(server):
    """An office administrator opens an account, promotes it and deactivates it in the Office
    area: each change is an audit event with the administrator and the client's address (not
    the proxy's), listed on the access-changes page. The Django admin is the operator's only
    (issue 17.1): it sends the administrator to its log-in page, and its /admin/r/ shortcut
    answers the same for an existing and a missing id (issue 13.4, 13.5)."""
    client = "203.0.113.120"
    admin = Browser(server, client)
    assert admin.log_in("admin1", PASSWORD).status == 302
    assert admin.get("/office/users/new/").status == 200
    response = admin.post(
        "/office/users/new/",
        {"username": "mole", "first_name": "Mo", "last_name": "Le", "email": "mole@example.org",
         "role": "deputy", "unit": server.world["unit"], "bar_number": ""},
    )  # fmt: skip
    assert response.status == 302, response.text[:2000]
    user_id = server.query(
        "from django.contrib.auth.models import User; print(User.objects.get(username='mole').pk)"
    )
    response = admin.post(
        f"/office/users/{user_id}/",
        {"first_name": "Mo", "last_name": "Le", "email": "mole@example.org",
         "role": "supervisor", "unit": server.world["unit"], "bar_number": ""},
    )  # fmt: skip
    assert response.status == 302, response.text[:2000]
    response = admin.post(f"/office/users/{user_id}/deactivate/", {})
    assert response.status == 302, response.text[:2000]
    events = server.query(
        "from cases.models import AuditEvent; import json; print(json.dumps([[e.action, "
        "e.user.username, e.ip_address, e.data] for e in AuditEvent.objects.filter("
        f"object_type='user', object_id='{user_id}').order_by('pk')]))"
    )
    assert [(action, who, address) for action, who, address, _ in events] == [
        ("create", "admin1", client),
        ("change", "admin1", client),
        ("change", "admin1", client),
        ("change", "admin1", client),
    ]
    assert events[1][3] == {"change": "invitation"}
    assert events[2][3]["changes"]["role"] == {"before": "deputy", "after": "supervisor"}
    assert events[3][3]["changes"] == {"is_active": {"before": True, "after": False}}
    assert "mole@example.org" not in repr(events)
    page = admin.get("/audit/access/")
    assert page.status == 200
    assert "mole" in page.text and "Deputy DA → Supervisor" in page.text and client in page.text
    assert admin.get("/admin/").location.startswith("/admin/login/")
    case_type = server.query(
        "from django.contrib.contenttypes.models import ContentType; from cases.models import "
        "Case; print(ContentType.objects.get_for_model(Case).pk)"
    )
    answers = [admin.get(f"/admin/r/{case_type}/{pk}/") for pk in (server.world["case"], 999_999)]
    assert answers[0].status == answers[1].status
    assert answers[0].location.split("?")[0] == answers[1].location.split("?")[0]
