"""Writing audit events. Called inside the action's transaction so that the change and its
record stand or fall together."""

from .models import AuditEvent


def record(action, obj=None, *, user, office=None, request=None, summary="", object_type=None):
    """Append one audit event. `summary` must never hold names or status values."""
    if office is None and obj is not None:
        office = _office_of(obj)
    return AuditEvent.objects.create(
        office=office,
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        summary=summary[:300],
        request_id=getattr(request, "request_id", "") if request is not None else "",
        ip_address=_client_address(request),
    )


def _office_of(obj):
    if hasattr(obj, "office_id"):
        return obj.office
    case = getattr(obj, "case", None)
    return case.office if case is not None else None


def _client_address(request):
    if request is None:
        return None
    # REMOTE_ADDR is the proxy's address behind a TLS proxy; the proxy's own log has the rest.
    return request.META.get("REMOTE_ADDR") or None
