"""Messages that name a duration say what the setting says, not a number typed beside it:
the session limits, the lockout pause and the re-authentication window before signing."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from cases import reauth
from cases.durations import in_words
from cases.forms import ReauthForm

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
PASSWORD = "correct-horse-battery"


def test_durations_in_words():
    assert in_words(15 * 60) == "15 minutes"
    assert in_words(12 * 60 * 60) == "12 hours"
    assert in_words(dt.timedelta(minutes=1)) == "1 minute"
    assert in_words(dt.timedelta(hours=1, minutes=30)) == "1 hour and 30 minutes"
    assert in_words(0) == "0 seconds"


def log_in(client):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302


def shown_after(client, clock, delta):
    clock.shift(delta)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain and "login" in response.redirect_chain[-1][0]
    return response.content.decode()


@pytest.mark.parametrize(
    ("idle", "said"), [(30 * 60, "30 minutes"), (20 * 60, "20 minutes"), (90 * 60, "1 hour and")]
)
def test_the_idle_message_says_the_idle_limit(client, alice, settings, idle, said):
    settings.SESSION_IDLE_TIMEOUT = idle
    settings.SESSION_COOKIE_AGE = 24 * 60 * 60  # the cookie outlives it: the server ends it
    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        html = shown_after(client, clock, dt.timedelta(seconds=idle + 1))
    assert f"Your session ended after {said}" in html


def test_the_absolute_message_says_the_absolute_limit(client, alice, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT = 8 * 60 * 60
    settings.SESSION_IDLE_TIMEOUT = 24 * 60 * 60
    settings.SESSION_COOKIE_AGE = 24 * 60 * 60
    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        html = shown_after(client, clock, dt.timedelta(hours=8, seconds=1))
    assert "Your session reached its limit of 8 hours." in html


@pytest.mark.parametrize(
    ("cool_off", "said"),
    [
        (dt.timedelta(minutes=15), "15 minutes"),
        (dt.timedelta(minutes=45), "45 minutes"),
        (2, "2 hours"),
    ],
)
def test_the_lockout_message_says_the_pause(client, alice, settings, cool_off, said):
    settings.AXES_COOLOFF_TIME = cool_off  # axes reads an int as hours
    for _ in range(5):
        response = client.post(
            reverse("login"), {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.0.0.9"
        )
    assert response.status_code == 429
    assert f"Log-in and signing are paused for {said};" in response.content.decode()


def test_the_password_prompt_says_the_reauthentication_window(alice, monkeypatch, rf):
    request = rf.post("/")
    request.user = alice
    default = ReauthForm(request=request, required=True)
    assert "more than 15 minutes ago" in default.fields["password"].help_text
    monkeypatch.setattr(reauth, "REAUTH_AFTER_SECONDS", 5 * 60)
    shorter = ReauthForm(request=request, required=True)
    assert "more than 5 minutes ago" in shorter.fields["password"].help_text
