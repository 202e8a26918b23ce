"""Authentication events: audited log-in, log-out and failed log-in, and the lockout backend.

Each event is an AuditEvent with the office, request id and address, and never the username
typed or any other name: a failed attempt on an existing account points at the account by id,
one on an unknown name has no object at all. Log-in also stamps the session start for the
12-hour limit (`cases.sessions`).
"""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from . import audit
from .access import office_of
from .choices import AuditAction
from .sessions import mark_session_start


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS.

    Every log-in form (ours and the admin's) passes the request, and is checked. An
    authentication without a request cannot come from the web (management commands, the test
    client's `login`), so it is not refused for lack of one, as axes would otherwise do.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def on_logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    if hasattr(request, "session"):
        mark_session_start(request)
    audit.record(
        AuditAction.LOGIN,
        user,
        user=user,
        office=office_of(user),
        request=request,
        object_type="user",
        summary=getattr(request, "sign_in_summary", ""),  # "single sign-on" (cases.views.sso)
    )


def on_logged_out(sender, request, user, **kwargs):
    if request is None or user is None:
        return
    audit.record(
        AuditAction.LOGOUT,
        user,
        user=user,
        office=office_of(user),
        request=request,
        object_type="user",
    )


def on_login_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    username = (credentials or {}).get("username") or ""
    account = (
        get_user_model()
        .objects.filter(username=username)
        .select_related("membership__office")
        .first()
        if username
        else None
    )
    audit.record(
        AuditAction.LOGIN_FAILED,
        account,
        user=None,
        office=office_of(account),
        request=request,
        object_type="user",
    )


def connect():
    user_logged_in.connect(on_logged_in, dispatch_uid="cases_audit_login")
    user_logged_out.connect(on_logged_out, dispatch_uid="cases_audit_logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="cases_audit_login_failed")
