"""How the API knows its caller: `Authorization: Bearer cst_…`, a service token of one office.

The caller is a `ServiceCaller`, not a user: it belongs to one office, holds the token's scopes
and sees a volunteered status only when its administrator granted `view_status`. Every call is
rate-limited per token (429 with Retry-After) and audited (cases.api.views). Failed
authentications are limited per client address, so a token cannot be guessed at API speed.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from ..audit import client_address
from ..models import ServiceToken
from .tokens import token_for


class ServiceCaller:
    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    def __init__(self, token: ServiceToken):
        self.token = token
        self.office = token.office

    def has_scope(self, scope: str) -> bool:
        return scope in self.token.scopes

    def __str__(self):
        return str(self.token)


class ServiceTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as: Authorization: Bearer <token>."
            )
        address = client_address(request)
        _refuse_if_guessing(address)
        token = token_for(header[1].decode("latin-1"))
        if token is None:
            _count_failure(address)
            raise exceptions.AuthenticationFailed("This token is unknown, revoked or expired.")
        # At most one write a minute per token for "last used", not one per call.
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ServiceToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return ServiceCaller(token), token

    def authenticate_header(self, request):
        return self.keyword  # so that a missing token is 401 with WWW-Authenticate, not 403


def _failures_key(address):
    return f"api-auth-failures:{address}"


def _refuse_if_guessing(address):
    """429 for an address that sent too many unknown tokens in the window, before the token it
    sends now is even looked up: a valid token found by guessing must not get through."""
    limit, window = settings.API_AUTH_FAILURE_LIMIT
    if cache.get(_failures_key(address), 0) >= limit:
        raise exceptions.Throttled(
            wait=window,
            detail="Too many calls with an unknown token from this address. Try again later.",
        )


def _count_failure(address):
    """One more unknown token from `address`; the window starts at the first failure."""
    _, window = settings.API_AUTH_FAILURE_LIMIT
    key = _failures_key(address)
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: this failure opens a new window
            cache.add(key, 1, timeout=window)


class HasScope(permissions.BasePermission):
    """The scope the view names for this method must be one of the token's scopes; a method
    the view names no scope for is refused."""

    message = "This token's scopes do not include what this call needs."

    def has_permission(self, request, view):
        caller = request.user
        if not isinstance(caller, ServiceCaller):
            return False
        scope = getattr(view, "required_scopes", {}).get(request.method)
        if request.method in ("HEAD", "OPTIONS"):
            scope = getattr(view, "required_scopes", {}).get("GET")
        if scope is None:
            return False
        self.message = f"This token does not have the “{scope}” scope."
        return caller.has_scope(scope)


class PerTokenThrottle(throttling.SimpleRateThrottle):
    scope = "service_token"

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        caller = request.user
        if not isinstance(caller, ServiceCaller):
            return None
        return self.cache_format % {"scope": self.scope, "ident": caller.token.pk}


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token (drf-spectacular finds it by subclassing)."""

    target_class = "cases.api.auth.ServiceTokenAuthentication"
    name = "serviceToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A service token: cst_…"}
