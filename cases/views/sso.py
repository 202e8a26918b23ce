"""Single sign-on screens: the log-in page with its county-account button, the start of the
sign-on (to the provider) and its return (the callback), which signs in or refuses.

The rules (discovery, the token's claims, who may sign in, the second factor) are in cases.sso;
each refusal here is audited as a failed log-in and leaves no signed-in session.
"""

import requests
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.views import OIDCAuthenticationRequestView  # type: ignore[import-untyped]

from .. import audit, reauth, sso
from ..access import office_of
from ..choices import AuditAction

LOCAL_PASSWORDS_OFF = (
    "Your office signs in with the county account only. Use \u201cSign in with your county "
    "account\u201d below."
)


class PolicyAuthenticationForm(AuthenticationForm):
    """Django's log-in form, refusing a local password where office policy turned them off."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if sso.local_passwords_refused(user):
            audit.record(
                AuditAction.LOGIN_FAILED,
                user,
                user=None,
                office=office_of(user),
                request=self.request,
                object_type="user",
                summary="password log-in refused: the office signs in with the county account",
                data={"method": "password", "reason": "local_passwords_off"},
            )
            raise ValidationError(LOCAL_PASSWORDS_OFF, code="local_passwords_off")


class LoginView(auth_views.LoginView):
    authentication_form = PolicyAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "sso_enabled": sso.enabled()}


class SignOnStart(OIDCAuthenticationRequestView):
    """To the provider's authorization endpoint with a fresh state, nonce and PKCE challenge.

    `?reauth=1` asks the provider to authenticate the person again (prompt=login), for the
    pages that need a fresh proof of identity.
    """

    get_settings = staticmethod(sso.discovered_setting)

    def __init__(self, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)  # endpoints read in get
        self.OIDC_RP_CLIENT_ID = sso.discovered_setting("OIDC_RP_CLIENT_ID")

    def get(self, request):
        if not sso.enabled():
            raise Http404("Single sign-on is not set up.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = sso.discovered_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except sso.Refused as refusal:
            return refuse(request, refusal)
        return super().get(request)

    def get_extra_params(self, request):
        return {"prompt": "login", "max_age": "0"} if request.GET.get("reauth") else {}


@never_cache
def callback(request):
    """The provider sends the browser back here: sign in, or refuse and say why."""
    if not sso.enabled():
        raise Http404("Single sign-on is not set up.")
    try:
        user, backend = _complete(request)
    except sso.Refused as refusal:
        return refuse(request, refusal)
    next_url = request.session.get("oidc_login_next") or resolve_url("home")
    if request.user.is_authenticated and request.user.pk == user.pk:
        # The same person confirming who they are (?reauth=1): the session goes on, and the
        # CSRF token of pages open in other tabs stays valid (a new log-in would rotate it).
        reauth.refresh(request)
        audit.record(
            AuditAction.LOGIN,
            user,
            user=user,
            office=office_of(user),
            request=request,
            object_type="user",
            summary="single sign-on: identity confirmed again",
        )
        provider_mfa = backend.provider_mfa or sso.second_factor_by_provider(request)
    else:
        request.sign_in_summary = "single sign-on"  # read by cases.auth_events
        login(request, user, backend=sso.BACKEND)
        provider_mfa = backend.provider_mfa
    sso.mark_session(request, provider_mfa=provider_mfa)
    return redirect(next_url)


def _complete(request):
    """(user, backend) for a callback whose state, code and token all check out."""
    states = request.session.get("oidc_states") or {}
    state = request.GET.get("state", "")
    entry = states.pop(state, None) if state else None
    if entry is not None:
        # Each state works once, whatever happens next: a replayed callback finds nothing.
        request.session["oidc_states"] = states
    if request.GET.get("error"):
        raise sso.Refused("provider_error")
    if entry is None or not request.GET.get("code"):
        raise sso.Refused("bad_state")
    backend = sso.ProviderBackend()
    try:
        user = backend.authenticate(
            request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
        )
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else 0
        # RFC 6749 §5.2: a refused code (used, expired, or another verifier) is a 400.
        raise sso.Refused("code_refused" if status == 400 else "provider_unavailable") from None
    except requests.RequestException:
        raise sso.Refused("provider_unavailable") from None
    except SuspiciousOperation:  # the library's nonce and signing-key checks
        raise sso.Refused("invalid_token") from None
    if user is None:
        raise sso.Refused("invalid_token")
    return user, backend


def refuse(request, refusal):
    """Audit the refusal (as a failed log-in, on the account when known) and say why."""
    audit.record(
        AuditAction.LOGIN_FAILED,
        refusal.account,
        user=None,
        office=office_of(refusal.account),
        request=request,
        object_type="user",
        summary=refusal.audit_summary,
        data={"method": "single sign-on", "reason": refusal.reason},
    )
    status = 503 if refusal.reason == "provider_unavailable" else 403
    return render(
        request, "registration/sso_refused.html", {"message": refusal.message}, status=status
    )
