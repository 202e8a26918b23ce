"""Sessions end after 30 minutes idle or 12 hours in all, on the server; log-in rotates the key;
log-out invalidates the session even for someone who kept the cookie."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)


def log_in(client):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302


def test_an_idle_session_ends_after_30_minutes(client, alice):
    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        clock.shift(dt.timedelta(minutes=29))
        assert _signed_in(client)
        clock.shift(dt.timedelta(minutes=29))  # activity in between keeps it alive
        assert _signed_in(client)
        clock.shift(dt.timedelta(minutes=30, seconds=1))
        assert not _signed_in(client)


def test_an_active_session_ends_after_12_hours(client, alice):
    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        for _ in range(11 * 4):
            clock.shift(dt.timedelta(minutes=15))
            assert _signed_in(client)
        clock.shift(dt.timedelta(minutes=60))
        assert not _signed_in(client)


def test_the_idle_limit_is_enforced_by_the_server_not_the_cookie(client, alice):
    """Replaying the old cookie after the limit does not bring the session back."""
    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        cookie = client.cookies["sessionid"].value
        clock.shift(dt.timedelta(minutes=31))
        client.cookies["sessionid"] = cookie
        assert not _signed_in(client)


def test_log_in_rotates_the_session_key(client, alice):
    client.get(reverse("login"))
    client.session["probe"] = 1
    before = client.session.session_key
    log_in(client)
    assert client.session.session_key != before


def test_log_out_invalidates_the_session_on_the_server(client, alice):
    log_in(client)
    stolen = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    client.cookies["sessionid"] = stolen
    assert not _signed_in(client)


def _signed_in(client):
    response = client.get("/login/verify/")  # needs a signed-in user, renders no office data
    return not (response.status_code == 302 and response.url.split("?")[0] == reverse("login"))
