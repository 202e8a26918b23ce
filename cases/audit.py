"""Writing audit events. Called inside the action's transaction so that the change and its
record stand or fall together."""

import ipaddress

from django.conf import settings

from .models import AuditEvent


def record(
    action, obj=None, *, user, office=None, request=None, summary="", object_type=None, data=None
):
    """Append one audit event. `summary` must never hold names or status values.

    `data` is a dict of the facts code reads back (JSON values only); the summary says the same
    for a reader of the log. Neither may hold a name or a status value.
    """
    if data is not None and not isinstance(data, dict):
        raise TypeError("Audit data is a dict of JSON values.")
    # The office's id is enough: reading the office's row for it cost a query (issue 19).
    office_id = office.pk if office is not None else _office_id_of(obj)
    return AuditEvent.objects.create(
        office_id=office_id,
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        summary=summary[:300],
        request_id=getattr(request, "request_id", "") if request is not None else "",
        ip_address=client_address(request),
        data=data or {},
    )


def _office_id_of(obj):
    if obj is None:
        return None
    if hasattr(obj, "office_id"):
        return obj.office_id
    case = getattr(obj, "case", None)
    return case.office_id if case is not None else None


def client_address(request):
    """The client's address: behind PROXY_COUNT trusted proxies, read from X-Forwarded-For.

    Only the entries the trusted proxies appended are believed; anything further left could
    have been written by the client. django-axes keys its lockout on this too
    (AXES_CLIENT_IP_CALLABLE), so the lockout and the audit log name the same client.
    """
    if request is None:
        return None
    proxies = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or None
