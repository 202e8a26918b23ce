"""When signing needs the password again: a login, or a re-entered password, older than 15
minutes. The time is kept in the session, set when the user logs in and when they re-enter it.

Every password prompt inside the app (signing, second-factor enrolment, new backup codes)
checks the password with `confirm_password`, which counts toward the log-in lockout.
"""

import time

from django.contrib.auth import authenticate
from django.http import QueryDict

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


# --- The password, re-entered, through the same lockout as the log-in ---------------------------


def locked_out_message(request=None):
    """One generic message, whoever was tried, at the log-in page and at every password prompt
    inside the app, with the pause as AXES_COOLOFF_TIME sets it."""
    from axes.helpers import get_cool_off

    from .durations import in_words

    cool_off = get_cool_off(request)  # axes' own reading of the setting (hours, timedelta, …)
    if not cool_off:
        return (
            "Too many failed attempts. Log-in and signing are paused until your office "
            "administrator lifts the pause."
        )
    return (
        f"Too many failed attempts. Log-in and signing are paused for {in_words(cool_off)}; if "
        "you need access sooner, ask your office administrator."
    )


def cool_off_seconds(request=None):
    """Retry-After for a locked-out client: the whole cool-off, since each refused attempt
    restarts it (axes' default for AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT)."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else 0


class _CredentialsOnly:
    """The request as django-axes sees it at a password prompt inside the app.

    axes copies a failed attempt's POST data into its own table (masking only the password
    and username). At the signing prompt that data is the worksheet itself, work product that
    must not leave the audited records, so axes is shown an empty form; everything else
    (address, user agent, the lockout flags axes sets) reads from and writes to the request.
    """

    @property
    def POST(self):  # noqa: N802 - the request attribute's name
        return QueryDict()

    @property
    def GET(self):  # noqa: N802
        return QueryDict()

    def __init__(self, request):
        object.__setattr__(self, "_request", request)

    def __getattr__(self, name):
        return getattr(self._request, name)

    def __setattr__(self, name, value):
        setattr(self._request, name, value)


def confirm_password(request, password):
    """True when `password` is the signed-in user's, checked as a log-in would be.

    Django's `authenticate` runs django-axes' backend first, so a locked-out pair (username,
    client address) is refused even with the right password, and a wrong one fires
    `user_login_failed`: axes counts it toward the same limit and cool-off as the log-in page,
    and `cases.auth_events` writes the same `login_failed` audit event. After the limit
    `locked_out(request)` is true and AxesMiddleware answers with `views.auth.locked_out`.
    When office policy turns local passwords off (single sign-on only), no password is
    accepted here either: the person confirms with the county account (cases.sso).
    """
    from . import sso

    if sso.local_passwords_refused(request.user):
        return False
    user = authenticate(
        _CredentialsOnly(request),  # type: ignore[arg-type]  # stands in for the request
        username=request.user.get_username(),
        password=password,
    )
    return user is not None and user.pk == request.user.pk


def locked_out(request):
    """Whether django-axes refused this request's password for the lockout."""
    return bool(getattr(request, "axes_locked_out", False))


def refusal_status(request):
    """The status of a page that refused the password: 429 once the lockout applies."""
    return 429 if locked_out(request) else 400
