"""Log-in screens around Django's LoginView: the lockout answer and the TOTP second factor."""

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import audit
from ..access import office_of
from ..choices import AuditAction
from ..durations import in_words
from ..security import has_confirmed_device, second_factor_required


def locked_out_message(request=None):
    """One generic message, whoever was tried, with the pause as AXES_COOLOFF_TIME sets it."""
    cool_off = get_cool_off(request)  # axes' own reading of the setting (hours, timedelta, …)
    if not cool_off:
        return (
            "Too many failed log-in attempts. Log-in is paused until your office "
            "administrator lifts the pause."
        )
    return (
        f"Too many failed log-in attempts. Log-in is paused for {in_words(cool_off)}; if you "
        "need access sooner, ask your office administrator."
    )


def locked_out(request, response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the log-in page with one generic message, whoever was tried."""
    form = AuthenticationForm(request)
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out_message": locked_out_message(request)},
        status=429,
    )


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def otp_verify(request):
    """The signed-in user proves the code of their authenticator app."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not has_confirmed_device(request.user):
        return redirect("otp_enroll")
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        device = match_token(request.user, token) if token.isdigit() else None
        if device is not None:
            otp_login(request, device)
            audit.record(
                AuditAction.LOGIN,
                request.user,
                user=request.user,
                request=request,
                office=office_of(request.user),
                object_type="user",
                summary="second factor verified",
            )
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
        error = "That code is not valid. Enter the current 6-digit code from your app."
    return render(
        request, "registration/otp_verify.html", {"error": error, "next": _next_url(request)}
    )


def otp_enroll(request):
    """Set up an authenticator app: required for administrators when the office says so."""
    if has_confirmed_device(request.user):
        return redirect("otp_verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        if token.isdigit() and device.verify_token(token):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record(
                AuditAction.CHANGE,
                request.user,
                user=request.user,
                request=request,
                office=office_of(request.user),
                object_type="user",
                summary="second factor enrolled",
            )
            messages.success(request, "Your authenticator app is set up.")
            return redirect(_next_url(request))
        error = "That code is not valid. Check the key you entered and try the current code."
    return render(
        request,
        "registration/otp_enroll.html",
        {
            "error": error,
            "key": _grouped_key(device),
            "config_url": device.config_url,
            "required": second_factor_required(request.user),
            "next": _next_url(request),
        },
    )


def _grouped_key(device):
    from base64 import b32encode

    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
