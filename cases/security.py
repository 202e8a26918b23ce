"""Security controls shared by every screen: who may see a volunteered status, and who must
prove a second factor before anything else.

Status (PC 1016.3(c), Gov. Code § 7284.6): a volunteered immigration status is shown only to roles
with `cases.view_status`. Every page, export and PDF goes through `can_see_status`,
`status_disclosures_for` or `redact_status` (and the `restricted` template tags), so a role without
the permission receives documents in which the status is simply absent — not blanked, not hinted:
the same document a worksheet without a status gives, and no audit fact or list of issued copies
that would tell them one exists (`cases.worksheet_print.issue_pdf`, `issued_copies`).

Second factor (django-otp TOTP): anyone who enrolled a device proves it at each log-in; office
policy (`OfficePolicy.second_factor`) makes its administrators, or every user, enrol first.
Until then `SecondFactorMiddleware` lets the user reach only the verification, enrolment and
log-out pages. A single sign-on whose provider asked for a second factor counts as one, when
OIDC_TRUST_PROVIDER_MFA is on (cases.sso).
"""

import copy
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .sso import second_factor_by_provider

STATUS_PERMISSION = "cases.view_status"
STATUS_CONTENT_KEYS = ("status_disclosure",)


# --- Volunteered status -------------------------------------------------------------------------


def can_see_status(user):
    """Whether the user's role carries the dedicated permission to see a volunteered status."""
    return bool(user and user.is_authenticated and user.has_perm(STATUS_PERMISSION))


def status_disclosures_for(user, case):
    """The case's disclosures the user may see: all of them, or none at all."""
    from .models import StatusDisclosure

    if not can_see_status(user):
        return StatusDisclosure.objects.none()
    return case.status_disclosures.all()


def redact_status(content, user):
    """A worksheet content dict (cases.worksheets) as this user may receive it.

    The signed content is never changed: a copy without the status is returned for anyone
    without `cases.view_status`. Use it for the page, the PDF and any export alike.
    """
    if content is None or can_see_status(user):
        return content
    redacted = copy.copy(content)
    for key in STATUS_CONTENT_KEYS:
        redacted.pop(key, None)
    return redacted


# --- Second factor ------------------------------------------------------------------------------

# Pages a user who still owes a second factor may reach (URL names), plus static files.
SECOND_FACTOR_OPEN = {
    "otp_verify",
    "otp_enroll",
    "logout",
    "login",
    "healthz",
    "oidc_authentication_init",
    "oidc_authentication_callback",
}


def second_factor_required(user):
    """Office policy (cases.policy): must this user enrol a second factor first?"""
    from .policy import second_factor_required as required_by_policy

    return required_by_policy(user)


def has_confirmed_device(user):
    """Has the user a confirmed device of any kind (TOTP, backup codes)? One query for all kinds,
    where `django_otp.user_has_device` asks each kind in turn: this runs on every page of a user
    who has not proved a second factor (issue 19)."""
    from django_otp import device_classes

    if not user.is_authenticated:
        return False
    kinds = [
        model.objects.devices_for_user(user, confirmed=True).order_by().values("pk")
        for model in device_classes()
    ]
    return (kinds[0].union(*kinds[1:], all=True) if len(kinds) > 1 else kinds[0]).exists()


def device_annotations(user_ref):
    """For a query over rows with the user at `user_ref` (an OuterRef): one EXISTS per kind of
    device, true when the user has a confirmed one. `MembershipMiddleware` reads them with the
    membership, so the second-factor check of every page costs no query of its own."""
    from django.db.models import Exists
    from django_otp import device_classes

    return {
        f"has_device_{number}": Exists(model.objects.filter(user_id=user_ref, confirmed=True))
        for number, model in enumerate(device_classes())
    }


def owes_second_factor(user):
    """None when the user may go on; else the URL name of the page they must visit first."""
    if not user.is_authenticated or user.is_verified():
        return None
    # Read with the membership at the start of this request (middleware), else asked now.
    known = getattr(user, "_has_confirmed_device", None)
    if known if known is not None else has_confirmed_device(user):
        return "otp_verify"
    if second_factor_required(user):
        return "otp_enroll"
    return None


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: send a user who owes a second factor to prove it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not self._open(request)
            and not second_factor_by_provider(request)  # the county's sign-in asked for one
        ):
            page = owes_second_factor(user)
            if page is not None:
                return redirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _open(request):
        from django.conf import settings
        from django.urls import Resolver404, resolve

        if request.path.startswith(settings.STATIC_URL):
            return True
        try:
            return resolve(request.path_info).url_name in SECOND_FACTOR_OPEN
        except Resolver404:
            return False


# --- Exports ------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A CSV cell a spreadsheet will not run as a formula (OWASP "CSV injection").

    Text that starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe.
    Every CSV export (the audit log, the compliance report) writes its cells through this one
    function. Numbers pass through unchanged: -3 is a value, not a formula, and stays a number
    in the spreadsheet; None stays an empty cell. Tests: tests/security/test_csv_safe.py.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
