"""Sessions end after 30 minutes idle or 12 hours in all, on the server; log-in rotates the key;
log-out invalidates the session even for someone who kept the cookie.

The idle limit is enforced by `cases.sessions.SessionLimitsMiddleware`, which says why the
session ended; Django's session store (SESSION_COOKIE_AGE, renewed at each stamp, at most once a
minute) keeps a session up to the absolute limit as a backstop. The idle tests run once per
mechanism, the other one lengthened past 12 hours, and each fails when its own mechanism is
disabled; one more test reads the message with the shipped settings. The 12-hour test stays
active (a request every 15 minutes, the last one a second before the limit), so only the absolute
limit can end it, and it reads the message that names that limit.
"""

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
IDLE_MESSAGE = "Your session ended after 30 minutes without activity."
ABSOLUTE_MESSAGE = "Your session reached its limit of 12 hours."


def log_in(client):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert _signed_in(client)


@pytest.fixture(params=["session store", "middleware"])
def idle_rule(request, settings):
    """Which mechanism alone enforces the idle limit in this run, and the message it leaves."""
    long = 12 * 60 * 60 + 60
    if request.param == "session store":
        settings.SESSION_IDLE_TIMEOUT = long  # cases.sessions would not end it
        settings.SESSION_COOKIE_AGE = 30 * 60  # the store alone, set to the idle limit
        return None  # the store drops the session silently: the user is simply not signed in
    settings.SESSION_COOKIE_AGE = long  # the store would keep it
    return IDLE_MESSAGE


def test_an_idle_session_ends_after_30_minutes(client, alice, idle_rule):
    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        clock.shift(dt.timedelta(minutes=29, seconds=59))
        assert _signed_in(client)
        clock.shift(dt.timedelta(minutes=29, seconds=59))  # activity in between keeps it alive
        assert _signed_in(client)
        clock.shift(dt.timedelta(minutes=30))
        assert not _signed_in(client, message=idle_rule)


def test_with_the_shipped_settings_the_user_is_told_why_an_idle_session_ended(client, alice):
    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        clock.shift(dt.timedelta(minutes=45))
        assert not _signed_in(client, message=IDLE_MESSAGE)


def test_an_active_session_ends_after_12_hours(client, alice):
    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        for _ in range(12 * 4 - 1):  # every 15 minutes, up to 11:45 after log-in
            clock.shift(dt.timedelta(minutes=15))
            assert _signed_in(client)
        clock.shift(dt.timedelta(minutes=14, seconds=59))
        assert _signed_in(client), "a second before the limit the session still goes on"
        clock.shift(dt.timedelta(seconds=1))  # 12:00:00 after log-in, one second after a request
        assert not _signed_in(client, message=ABSOLUTE_MESSAGE)


def test_the_idle_limit_is_enforced_by_the_server_not_the_cookie(client, alice, idle_rule):
    """Replaying the old cookie after the limit does not bring the session back."""
    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        cookie = client.cookies["sessionid"].value
        clock.shift(dt.timedelta(minutes=31))
        client.cookies["sessionid"] = cookie
        assert not _signed_in(client, message=idle_rule)
        client.cookies["sessionid"] = cookie
        assert not _signed_in(client)


def test_log_in_rotates_the_session_key(client, alice):
    client.get(reverse("login"))
    session = client.session  # a new SessionStore each time it is read: keep this one
    session["probe"] = 1
    session.save()
    before = session.session_key
    log_in(client)
    assert client.cookies["sessionid"].value != before
    assert not Session.objects.filter(session_key=before).exists()


def test_log_out_invalidates_the_session_on_the_server(client, alice):
    log_in(client)
    stolen = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=stolen).exists()
    client.cookies["sessionid"] = stolen
    assert not _signed_in(client)


def _signed_in(client, message=None):
    """GET a page that needs a signed-in user and renders no office data: True when it answers
    as for a signed-in user, False when it sends the browser to log in, where the page shows
    `message` (the limit that ended the session) or, when None, no message; anything else fails.
    """
    response = client.get("/login/verify/")
    assert response.status_code == 302, response.status_code
    target = response.url.split("?")[0]
    # A signed-in deputy without an authenticator app is sent on to set one up.
    assert target in (reverse("login"), reverse("otp_enroll")), response.url
    if target != reverse("login"):
        return True
    page = client.get(response.url)
    shown = [str(m).split(" Please")[0] for m in page.context["messages"]]
    assert shown == ([message] if message else []), shown
    if message:
        assert message in page.content.decode()
    return False


def test_the_session_is_written_at_most_once_a_minute(client, alice):
    """Issue 19: stamping the last-seen time on every request wrote the session store on every
    request. Within a minute of the last stamp a request writes nothing; after it, one write."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def session_writes():
        with CaptureQueriesContext(connection) as queries:
            assert _signed_in(client)
        return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "django_session"')]

    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        clock.shift(dt.timedelta(seconds=59))
        assert session_writes() == []
        clock.shift(dt.timedelta(seconds=1))
        assert len(session_writes()) == 1
        assert session_writes() == []
