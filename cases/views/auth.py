"""Log-in screens around Django's LoginView: the lockout answer, the TOTP second factor and its
backup codes.

Every password asked inside the app (enrolment, new backup codes, signing) goes through
`reauth.confirm_password`, so it counts toward the same lockout as the log-in page.
"""

from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import actions, audit, backup_codes, reauth, sso
from ..access import office_of
from ..choices import AuditAction
from ..reauth import locked_out_message
from ..security import has_confirmed_device, second_factor_required


def locked_out(request, response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After, after the limit or while locked out.

    A page that asked for the password inside the app (signing, enrolment) already answered
    429 with the lockout message next to the password field, and what the user typed kept;
    that page is kept. Anywhere else (our log-in, the admin's) it is the log-in page with one
    generic message, whoever was tried.
    """
    if response is None or response.status_code != 429:
        response = render(
            request,
            "registration/login.html",
            {
                "form": AuthenticationForm(request),
                "locked_out_message": locked_out_message(request),
            },
            status=429,
        )
    response["Retry-After"] = str(reauth.cool_off_seconds(request))
    return response


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def otp_verify(request):
    """The signed-in user proves the code of their authenticator app, or spends a backup code."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not has_confirmed_device(request.user):
        return redirect("otp_enroll")
    error = ""
    if request.method == "POST":
        typed = request.POST.get("token", "").strip()
        device, how = _verify(request.user, typed)
        if device is not None:
            otp_login(request, device)
            audit.record(
                AuditAction.LOGIN,
                request.user,
                user=request.user,
                request=request,
                office=office_of(request.user),
                object_type="user",
                summary=how,
            )
            if device.name == backup_codes.DEVICE_NAME:
                left = backup_codes.remaining(request.user)
                messages.warning(
                    request,
                    f"You used a backup code; {left} left. Each works once. If you lost your "
                    "phone, set up your app again and make new backup codes.",
                )
                return redirect("otp_backup_codes")
            return redirect(_next_url(request))
        audit.record(
            AuditAction.LOGIN_FAILED,
            request.user,
            user=request.user,
            request=request,
            office=office_of(request.user),
            object_type="user",
            summary="second factor refused",
        )
        error = (
            "That code is not valid. Enter the current 6-digit code from your app, or one of "
            "your backup codes."
        )
    return render(
        request, "registration/otp_verify.html", {"error": error, "next": _next_url(request)}
    )


def _verify(user, typed):
    """(device, audit summary) for a right code, (None, "") otherwise.

    Six digits go to the authenticator app, anything else to the backup codes, so that a wrong
    app code never counts against the backup codes' throttle or the other way round.
    """
    token = typed.replace(" ", "")
    if token.isdigit():
        for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
            if device.verify_token(token):
                return device, "second factor verified"
        return None, ""
    device = backup_codes.use(user, typed)
    if device is not None:
        return device, "second factor verified with a backup code"
    return None, ""


@never_cache
def otp_enroll(request):
    """Set up an authenticator app (again, to replace a lost phone, once verified this session).

    Asks for the password as well as the first code: a borrowed session alone cannot tie
    someone else's phone to the account. On success the backup codes are shown, once.
    """
    # Whoever has any second factor (an app, or backup codes alone) proves it before enrolling.
    if has_confirmed_device(request.user) and not request.user.is_verified():
        return redirect("otp_verify")
    has_app = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )
    error = ""
    status = 200
    # Just signed in with the county account: that sign-in is the proof of identity the
    # password would be (an account used only through single sign-on may have no password).
    password_asked = not (
        sso.signed_in_with_provider(request) and not reauth.password_needed(request)
    )
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        error, status = _password_refusal(request, asked=password_asked)
        if not error and token.isdigit() and device.verify_token(token):
            codes = actions.enrol_second_factor(device, by_user=request.user, request=request)
            otp_login(request, device)
            reauth.refresh(request)
            return render(
                request,
                "registration/otp_backup_codes.html",
                {"codes": codes, "enrolled": True, "next": _next_url(request)},
            )
        if not error:
            error = "That code is not valid. Check the key you entered and try the current code."
            status = 400
    return render(
        request,
        "registration/otp_enroll.html",
        {
            "error": error,
            "key": _grouped_key(device),
            "config_url": device.config_url,
            "required": second_factor_required(request.user),
            "everyone": _office_requires_everyone(request.user),
            "password_asked": password_asked,
            "replacing": has_app,
            "next": _next_url(request),
        },
        status=status,
    )


@never_cache
def otp_backup_codes(request):
    """See how many backup codes are left and, with the password, make ten new ones."""
    if not has_confirmed_device(request.user):
        return redirect("otp_enroll")
    error = ""
    status = 200
    if request.method == "POST":
        password = request.POST.get("password", "")
        if not password:
            error = "Enter your password to make new backup codes."
            status = 400
        elif not reauth.confirm_password(request, password):
            error = (
                locked_out_message(request)
                if reauth.locked_out(request)
                else "That is not your password. Your backup codes are unchanged."
            )
            status = reauth.refusal_status(request)
        else:
            codes = actions.issue_backup_codes(request.user, by_user=request.user, request=request)
            reauth.refresh(request)
            return render(
                request, "registration/otp_backup_codes.html", {"codes": codes, "next": "/"}
            )
    return render(
        request,
        "registration/otp_backup_codes.html",
        {"remaining": backup_codes.remaining(request.user), "error": error},
        status=status,
    )


def _password_refusal(request, *, asked):
    """("", 200) when the password is right, or not asked; else the message and the status."""
    if not asked:
        return "", 200
    password = request.POST.get("password", "")
    if not password:
        return "Enter your password as well as the code.", 400
    if not reauth.confirm_password(request, password):
        if reauth.locked_out(request):
            return locked_out_message(request), reauth.refusal_status(request)
        return "That is not your password. Nothing was set up.", reauth.refusal_status(request)
    return "", 200


def _office_requires_everyone(user):
    from ..choices import SecondFactorPolicy
    from ..policy import policy_for

    membership = getattr(user, "membership", None)
    return (
        membership is not None
        and policy_for(membership.office).second_factor == SecondFactorPolicy.EVERYONE
    )


def _grouped_key(device):
    from base64 import b32encode

    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
