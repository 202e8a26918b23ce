"""Single sign-on with the county's identity provider (OpenID Connect), on mozilla-django-oidc.

The library runs the code flow (state, nonce, PKCE) and checks the ID token's RS256 signature
against the provider's published keys. This module adds what a county deployment needs and the
library leaves out:

- **Discovery**: only the issuer is configured; the endpoints come from its
  `.well-known/openid-configuration` (fetched when first needed, kept for an hour), whose
  `issuer` must be the configured one.
- **The token's claims**: audience (our client id), issuer, expiry and issue time are required
  and checked (the library checks the signature and the nonce only).
- **Who may sign in**: an existing, active account with the provider's e-mail address, whose
  office's entry in OIDC_ROLE_MAP names one of the person's directory groups. A sign-in never
  creates an account: an administrator sets the unit and bar number, which no directory group
  says (a deputy made from a group alone would be a deputy with no unit). The first group of
  the office's map that the person is in gives the role; a different role is changed, audited.
- **Second factor**: when the provider says it asked for one (an `amr` value in
  OIDC_MFA_AMR_VALUES or an `acr` in OIDC_MFA_ACR_VALUES) and OIDC_TRUST_PROVIDER_MFA is on, the
  session is marked and the app's TOTP is not asked again (cases.security).

Every refusal is a `Refused` with a reason; the callback view audits it and shows its message.
Tests: tests/security/test_sso.py (a real provider on loopback), tests/browser/test_sso_flow.py.
"""

import time

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from mozilla_django_oidc.auth import OIDCAuthenticationBackend  # type: ignore[import-untyped]
from mozilla_django_oidc.utils import import_from_settings  # type: ignore[import-untyped]

from .choices import Role

ROLE_MAP_SETTING = "OIDC_ROLE_MAP"
BACKEND = "cases.sso.ProviderBackend"
# Session keys: how this session signed in, and whether the provider asked for a second factor.
SESSION_METHOD = "considered_sign_in_method"
SESSION_PROVIDER_MFA = "considered_provider_mfa"
PROVIDER = "provider"

DISCOVERY_SECONDS = 60 * 60
_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_discovered: dict[str, tuple[float, dict]] = {}


def enabled():
    return bool(settings.OIDC_ISSUER)


# --- Refusals -----------------------------------------------------------------------------------

# reason: (what the person reads, what the audit log says)
REASONS = {
    "bad_state": (
        "This sign-in link has already been used or has expired. Start again from the log-in page.",
        "the callback's state is not this browser's (forged, replayed or expired)",
    ),
    "provider_error": (
        "The county sign-in did not complete. Start again from the log-in page.",
        "the provider answered with an error",
    ),
    "code_refused": (
        "The county sign-in could not be confirmed. Start again from the log-in page.",
        "the provider refused the code (already used, or not issued to this browser)",
    ),
    "wrong_audience": (
        "The county sign-in could not be confirmed. Start again from the log-in page.",
        "the ID token was issued to another application",
    ),
    "wrong_issuer": (
        "The county sign-in could not be confirmed. Start again from the log-in page.",
        "the ID token comes from another issuer",
    ),
    "expired_token": (
        "The county sign-in took too long and has expired. Start again from the log-in page.",
        "the ID token has expired",
    ),
    "invalid_token": (
        "The county sign-in could not be confirmed. Start again from the log-in page.",
        "the ID token failed verification (signature, nonce or required claims)",
    ),
    "unknown_user": (
        "Your county account has no Considered account. Ask your office administrator to add "
        "you with the e-mail address your county account uses.",
        "no single Considered account has the provider's e-mail address",
    ),
    "no_group": (
        "Your county account is not in a directory group that gives access to Considered in "
        "your office. Ask your office administrator.",
        "none of the person's directory groups is mapped to a role in their office",
    ),
    "deactivated": (
        "Your Considered account has been deactivated. Ask your office administrator.",
        "the account is deactivated",
    ),
    "provider_unavailable": (
        "The county sign-in service did not answer. Try again in a few minutes, or ask your "
        "office administrator.",
        "the provider could not be reached or answered wrongly",
    ),
}


class Refused(Exception):  # noqa: N818 - a refusal, not a programming error
    """A sign-on that must not create a session. `account` is the user, when one is known."""

    def __init__(self, reason, account=None):
        super().__init__(reason)
        self.reason = reason
        self.account = account

    @property
    def message(self):
        return REASONS[self.reason][0]

    @property
    def audit_summary(self):
        return f"single sign-on refused: {REASONS[self.reason][1]}"


# --- Discovery ----------------------------------------------------------------------------------


def discovery():
    """The provider's discovery document, fetched at most once an hour per process."""
    issuer = settings.OIDC_ISSUER
    cached = _discovered.get(issuer)
    if cached is not None and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    try:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration",
            timeout=settings.OIDC_TIMEOUT,
            verify=settings.OIDC_VERIFY_SSL,
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError):
        raise Refused("provider_unavailable") from None
    # OpenID Connect Discovery 1.0 §4.3: the document's issuer is exactly the one asked for.
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise Refused("provider_unavailable")
    _discovered[issuer] = (time.monotonic(), document)
    return document


def forget_discovery():
    _discovered.clear()


def discovered_setting(name, *default):
    """mozilla-django-oidc's `get_settings`, with the provider's endpoints from discovery."""
    if name in _ENDPOINTS:
        return discovery()[_ENDPOINTS[name]]
    return import_from_settings(name, *default)


# --- The role map -------------------------------------------------------------------------------


def role_map_problems(role_map, office_slugs=None):
    """Why OIDC_ROLE_MAP cannot work, one sentence each naming the setting; [] when it can.

    `{"office-slug": {"directory group": "role", ...}, ...}`; roles are Role values. Offices are
    checked when `office_slugs` is given (it needs the database).
    """
    roles = ", ".join(Role.values)
    if not isinstance(role_map, dict) or not role_map:
        return [f"{ROLE_MAP_SETTING} must map each office's slug to its groups and roles."]
    problems = []
    for slug, groups in role_map.items():
        if office_slugs is not None and slug not in office_slugs:
            problems.append(f"{ROLE_MAP_SETTING} names the office {slug!r}, which does not exist.")
        if not isinstance(groups, dict) or not groups:
            problems.append(
                f"{ROLE_MAP_SETTING}: office {slug!r} must map directory groups to roles."
            )
            continue
        for group, role in groups.items():
            if role not in Role.values:
                problems.append(
                    f"{ROLE_MAP_SETTING}: group {group!r} of office {slug!r} has the unknown "
                    f"role {role!r} (roles: {roles})."
                )
    return problems


def role_for(office_slug, groups):
    """The role the first of the office's mapped groups that the person is in gives, or None."""
    mapped = settings.OIDC_ROLE_MAP.get(office_slug) or {}
    member_of = set(groups)
    for group, role in mapped.items():
        if group in member_of:
            return role
    return None


def groups_in(claims):
    value = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(value, str):
        return [value]
    return [str(group) for group in value]


def provider_asserted_mfa(claims):
    """Whether the ID token says the provider asked for a second factor (RFC 8176 `amr`, or a
    configured `acr`)."""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if set(amr) & set(settings.OIDC_MFA_AMR_VALUES):
        return True
    return bool(claims.get("acr")) and claims.get("acr") in settings.OIDC_MFA_ACR_VALUES


# --- This session -------------------------------------------------------------------------------


def mark_session(request, *, provider_mfa):
    request.session[SESSION_METHOD] = PROVIDER
    request.session[SESSION_PROVIDER_MFA] = bool(provider_mfa)


def signed_in_with_provider(request):
    return request.session.get(SESSION_METHOD) == PROVIDER


def second_factor_by_provider(request):
    """The provider asked for a second factor at this session's sign-in, and policy trusts it."""
    return (
        settings.OIDC_TRUST_PROVIDER_MFA
        and signed_in_with_provider(request)
        and request.session.get(SESSION_PROVIDER_MFA) is True
    )


def local_passwords_refused(user):
    """Office policy: this user signs in with the county account only (when SSO is set up)."""
    membership = getattr(user, "membership", None)
    return enabled() and membership is not None and not membership.office.local_passwords_allowed


# --- The authentication backend -----------------------------------------------------------------


class ProviderBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with discovery, the claims checked, and our account rules.

    It answers only the sign-on callback (which passes a nonce): a password log-in, or any
    other `authenticate()`, passes it by. Permissions come from Django's ModelBackend alone.
    """

    OIDC_RP_SIGN_ALGO = "RS256"
    OIDC_RP_IDP_SIGN_KEY = None
    get_settings = staticmethod(discovered_setting)

    def __init__(self, *args, **kwargs):
        # The library reads every endpoint here; Django builds each backend at every
        # authenticate() and get_user(), so the endpoints are read only when used (below).
        self.UserModel = get_user_model()

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: discovered_setting("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: discovered_setting("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: discovered_setting("OIDC_OP_JWKS_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not enabled():
            return None
        self.provider_mfa = False
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload, key):
        """The signature (RS256 only) and the claims a relying party must check (OpenID
        Connect Core §3.1.3.7): issuer, audience, expiry, issue time."""
        try:
            if jwt.get_unverified_header(payload).get("alg") != self.OIDC_RP_SIGN_ALGO:
                raise Refused("invalid_token")
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Refused("expired_token") from None
        except jwt.InvalidAudienceError:
            raise Refused("wrong_audience") from None
        except jwt.InvalidIssuerError:
            raise Refused("wrong_issuer") from None
        except jwt.PyJWTError:
            raise Refused("invalid_token") from None

    def get_userinfo(self, access_token, id_token, payload):
        """The userinfo claims with the ID token's; how the person authenticated (amr, acr) is
        taken from the signed ID token only."""
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if str(userinfo.get("sub")) != str(payload.get("sub")):
            raise Refused("invalid_token")  # Core §5.3.2: userinfo must be about the same person
        return {**payload, **userinfo, "amr": payload.get("amr"), "acr": payload.get("acr")}

    def get_or_create_user(self, access_token, id_token, payload):
        """The one active account this person may use, with the role their groups give."""
        claims = self.get_userinfo(access_token, id_token, payload)
        email = str(claims.get("email") or "").strip()
        accounts = (
            list(
                self.UserModel.objects.filter(email__iexact=email).select_related(
                    "membership__office"
                )[:2]
            )
            if email
            else []
        )
        if len(accounts) != 1:
            raise Refused("unknown_user")
        user = accounts[0]
        if not user.is_active:
            raise Refused("deactivated", account=user)
        membership = getattr(user, "membership", None)
        if membership is None:
            raise Refused("unknown_user", account=user)
        role = role_for(membership.office.slug, groups_in(claims))
        if role is None:
            raise Refused("no_group", account=user)
        if role != membership.role:
            from .actions import set_role_from_directory

            set_role_from_directory(membership, role, request=self.request)
        self.provider_mfa = provider_asserted_mfa(claims)
        return user

    # A session started by single sign-on is read back like any other: an account deactivated
    # since ends it (ModelBackend.get_user refuses inactive users; the library's does not).
    get_user = ModelBackend.get_user

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False
