"""Session limits enforced on the server: 30 minutes idle, 12 hours in all, by default
(SESSION_IDLE_TIMEOUT, SESSION_ABSOLUTE_TIMEOUT; the message to the user says what they are set to).

Django's own session expiry (SESSION_COOKIE_AGE, renewed whenever the session is saved) already
drops an idle session from the store, but only as far as the session backend honours it; this
middleware
states both limits explicitly and ends the session itself (`logout`, which flushes it), so the
rule does not depend on the backend or on the browser's cookie. Log-in stamps the start time
(`mark_session_start`, from the user_logged_in signal); Django rotates the session key at log-in.

The last-seen time is stamped at most once a minute (STAMP_EVERY): each stamp is a write to the
session store, and most requests of a working user come seconds apart (issue 19: one write
less per request under load). Both idle clocks, the store's and this middleware's, run from the
last stamp, so the session may end up to a minute before 30 minutes of inactivity, never after.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

from .durations import in_words

STARTED = "_session_started"
LAST_SEEN = "_session_last_seen"
STAMP_EVERY = 60  # seconds between two writes of LAST_SEEN (the docstring says why)


def idle_limit():
    return getattr(settings, "SESSION_IDLE_TIMEOUT", 30 * 60)


def absolute_limit():
    return getattr(settings, "SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60)


def mark_session_start(request):
    now = int(time.time())
    request.session[STARTED] = now
    request.session[LAST_SEEN] = now


def session_expired(session, now=None):
    """Why this session has ended ("idle" or "absolute"), or None while it may go on."""
    now = int(time.time()) if now is None else now
    started = session.get(STARTED)
    last_seen = session.get(LAST_SEEN)
    if started is None or last_seen is None:
        return "absolute"  # a session from before these limits, or tampered with: start again
    if now - int(started) >= absolute_limit():
        return "absolute"
    if now - int(last_seen) >= idle_limit():
        return "idle"
    return None


def ended_message(reason):
    """Why the user must log in again, with the limit as it is set."""
    if reason == "idle":
        return (
            f"Your session ended after {in_words(idle_limit())} without activity. "
            "Please log in again."
        )
    return f"Your session reached its limit of {in_words(absolute_limit())}. Please log in again."


class SessionLimitsMiddleware:
    """After AuthenticationMiddleware: end a signed-in session past either limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = session_expired(request.session)
            if reason is not None:
                # Signed out, the request goes on as anyone's: a page that needs a signed-in
                # user sends the browser to log in (LoginRequiredMiddleware, whose check runs
                # after this), where the message says why; a public page (an invitation link,
                # the log-in page) simply opens.
                logout(request)
                messages.info(request, ended_message(reason))
                return self.get_response(request)
            now = int(time.time())
            if now - int(request.session[LAST_SEEN]) >= STAMP_EVERY:
                request.session[LAST_SEEN] = now  # modified: saved, and the cookie renewed
        return self.get_response(request)
