"""When signing needs the password again: a login, or a re-entered password, older than 15
minutes. The time is kept in the session, set when the user logs in and when they re-enter it.
"""

import time

REAUTH_AFTER_SECONDS = 15 * 60
SESSION_KEY = "considered_auth_at"


def remember_login_time(sender, request, user, **kwargs):
    """Receiver for `user_logged_in` (connected in CasesConfig.ready)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = time.time()


def refresh(request):
    """The password was just re-entered: the clock starts again."""
    request.session[SESSION_KEY] = time.time()


def password_needed(request):
    """True when the last proof of identity in this session is older than 15 minutes."""
    at = request.session.get(SESSION_KEY)
    if not isinstance(at, int | float):
        return True
    return time.time() - at > REAUTH_AFTER_SECONDS


def seconds_left(request):
    """How long signing goes on without the password: the page counts it down and asks for the
    password beside Sign when it runs out (the server checks again with password_needed)."""
    at = request.session.get(SESSION_KEY)
    if not isinstance(at, int | float):
        return 0
    return max(0, int(REAUTH_AFTER_SECONDS - (time.time() - at)))
