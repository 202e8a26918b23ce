"""Service tokens: made, checked and revoked here, each step audited (models.ServiceToken)."""

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .. import audit
from ..access import ensure_may_manage_office
from ..choices import AuditAction
from ..models import ServiceToken

TOKEN_PREFIX = "cst_"  # noqa: S105 - a public prefix, not a secret; "Considered service token": recognisable in a leaked-secret scan


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def make_token(office, *, by_user, name, scopes, view_status=False, days=None, request=None):
    """A new token for `office`; returns (ServiceToken, the token in clear, shown once)."""
    ensure_may_manage_office(by_user, office)
    if view_status and not by_user.has_perm("cases.view_status"):
        # Least privilege: a token never sees more than the person who made it may. An office
        # administrator's role does not see status, so only the operator (a superuser) or a
        # role that may see status grants it.
        raise PermissionDenied("Only someone who may see a volunteered status can grant it.")
    unknown = set(scopes) - set(ServiceToken.SCOPES)
    if unknown or not scopes:
        raise ValueError("Choose one or more of: " + ", ".join(ServiceToken.SCOPES))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ServiceToken.objects.create(
        office=office,
        name=name,
        scopes=sorted(scopes),
        view_status=view_status,
        prefix=secret[:10],
        token_hash=_hash(secret),
        created_by=by_user,
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    audit.record(
        AuditAction.CREATE,
        token,
        user=by_user,
        request=request,
        summary=f"service token {token.prefix}… made",
        data={"scopes": token.scopes, "view_status": view_status, "days": days},
    )
    return token, secret


@transaction.atomic
def revoke_token(token, *, by_user, request=None):
    ensure_may_manage_office(by_user, token.office)
    token = ServiceToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            AuditAction.DELETE,
            token,
            user=by_user,
            request=request,
            summary=f"service token {token.prefix}… revoked",
        )
    return token


def token_for(secret: str):
    """The active token for this secret, or None (unknown, revoked or expired alike)."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = ServiceToken.objects.select_related("office").filter(token_hash=_hash(secret)).first()
    if token is None or not token.is_active:
        return None
    return token
