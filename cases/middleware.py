"""Request-scoped plumbing: a request id that ties log lines and audit events together,
responses that no shared or browser cache keeps, and the check that picks up a newly installed
offense catalog."""

import logging
import re
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import OuterRef, Q
from django.http import Http404

from consequences import catalog

from . import catalog_history, kept_reads, policy
from .models import Membership, Office, Unit, new_request_id
from .security import device_annotations

log = logging.getLogger("considered.catalog")

# A UUID or a proxy's token of letters, digits, dots, hyphens and underscores, no longer than the
# audit column (40). `fullmatch`, not `match` with `$`: `$` also matches before a final newline,
# and a header value ending in "\n" was taken, stored in the audit log and echoed back.
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,40}")


def well_formed_request_id(value):
    return bool(value) and _SAFE_ID.fullmatch(value) is not None


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A proxy's id is kept when it is well-formed, so its log and ours can be matched;
        # anything else a client sends is replaced, never stored or echoed.
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if well_formed_request_id(incoming) else new_request_id()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class MembershipMiddleware:
    """After AuthenticationMiddleware: read the signed-in user's membership with its office and
    unit in one query, once per request.

    Nearly every page asks for `user.membership` and then its office (the second-factor check,
    office isolation, the navigation); read lazily, that is two queries, sometimes three. The
    membership is read fresh on each request, never kept between requests, so a role or office
    changed in another process applies from the next request, as before.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            attach_membership(user)
            attach_permissions(user)
        with policy.remembered_in_request():
            return self.get_response(request)


def _membership_read(user_id):
    devices = device_annotations(OuterRef("user_id"))
    return (
        Membership.objects.filter(user_id=user_id)
        .annotate(**devices)
        .order_by("pk")  # one per user; the model's ordering would join the office and the user
        .values(
            *kept_reads.concrete_names(Membership),
            *kept_reads.concrete_names(Office, "office__"),
            *kept_reads.concrete_names(Unit, "unit__"),
            *devices,
        )[:1]
    )


_MEMBERSHIP = kept_reads.OneIdRead(Membership, _membership_read)


def attach_membership(user):
    """Cache on `user` its membership (or None: no office), with the office and the unit, and
    whether the user has a confirmed second-factor device (`security.owes_second_factor`).
    One query, its SQL compiled once per process (cases.kept_reads)."""
    membership = None
    db = _MEMBERSHIP.alias()
    for row in _MEMBERSHIP.rows(user.pk):
        membership = kept_reads.instance(Membership, row, db)
        office = kept_reads.instance(Office, row, db, "office__")
        unit = kept_reads.instance(Unit, row, db, "unit__") if row["unit__id"] is not None else None
        Membership.office.field.set_cached_value(membership, office)
        Membership.unit.field.set_cached_value(membership, unit)
        Membership.user.field.set_cached_value(membership, user)
        user._has_confirmed_device = any(
            value for name, value in row.items() if name.startswith("has_device_")
        )
    # `user.membership` then reads this; None makes it raise as a missing row does.
    Membership.user.field.remote_field.set_cached_value(user, membership)
    return membership


def _permission_read(user_id):
    # Two id lists (each an index probe) rather than the OR over two outer joins with
    # DISTINCT the backend's relations give: 0.3 ms of PostgreSQL per request, not 1.2.
    own = get_user_model().user_permissions.through.objects.filter(user_id=user_id)
    grouped = Group.permissions.through.objects.filter(group__user=user_id)
    return Permission.objects.filter(
        Q(pk__in=own.values("permission_id")) | Q(pk__in=grouped.values("permission_id"))
    ).values("content_type__app_label", "codename")


_PERMISSIONS = kept_reads.OneIdRead(Permission, _permission_read)


def attach_permissions(user):
    """Fill the permission cache Django's ModelBackend keeps on the user (`_perm_cache`, the
    set `get_all_permissions` returns) from one query over the user's own and their groups'
    permissions, where the backend asks two. Only for an active user who is not a superuser:
    for those the backend answers without reading its cache in this form. Every `has_perm`
    of the request then reads the set; tests/test_request_floor.py compares it with the
    backend's own for each role."""
    if not user.is_active or user.is_superuser or hasattr(user, "_perm_cache"):
        return
    user._perm_cache = {
        f"{row['content_type__app_label']}.{row['codename']}" for row in _PERMISSIONS.rows(user.pk)
    }


class IdsInRangeMiddleware:
    """A URL's id beyond a 64-bit integer names no record: a 404, before the database is asked.

    `<int:pk>` takes any number of digits. SQLite refused such an id with an OverflowError, a
    500, and so did PostgreSQL wherever the id became a bigint parameter (cases.prepared)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in (*view_args, *view_kwargs.values()):
            if type(value) is int and not -(2**63) <= value < 2**63:  # a bool is not an id
                # Audited as a view's 404 is (an exception here never reaches
                # RefusalAuditMiddleware.process_exception): probing leaves a trail either way.
                record_refusal(request, 404)
                raise Http404("No such record.")
        return None


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in user, static files aside.

    Case, worksheet and report pages and their CSV and PDF exports hold names, charges and
    sometimes a volunteered status: no browser history, disk cache or shared proxy may keep a
    copy after the session ends. Marking every signed-in response is simpler and safer than
    listing the views that show case data (a new view is covered without anyone remembering).
    Static files are public and served by WhiteNoise before this runs; the check on STATIC_URL
    covers the development server.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return response
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and "no-store" not in response.get("Cache-Control", "")
        ):
            response["Cache-Control"] = "no-store"
        return response


class RefusalAuditMiddleware:
    """Record, as a security event an administrator can filter on, every page refused to a
    signed-in user: a 403 (PermissionDenied) or a 404 raised by a view (Http404) — which is what
    another office's case, offer or worksheet looks like, so probing for IDs leaves a trail.

    `process_exception` runs after the view's transaction has rolled back, so the event is
    written on its own and survives. It names the path (IDs only; never the query string,
    which can hold a searched name) and the status; the refused response is unchanged.
    Unknown URLs (no view) and anonymous requests are not recorded.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if isinstance(exception, PermissionDenied):
            record_refusal(request, 403)
        elif isinstance(exception, Http404):
            record_refusal(request, 404)
        return None


def record_refusal(request, status):
    """The refusal of a page to a signed-in user, as a security event (RefusalAuditMiddleware)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    from . import audit
    from .access import office_of
    from .choices import AuditAction

    path = request.path[:200]
    audit.record(
        AuditAction.REFUSED,
        None,
        user=user,
        office=office_of(user),
        request=request,
        object_type="request",
        summary=f"{status} {request.method} {path}",
        data={"status": status, "method": request.method, "path": path},
    )


class CatalogRefreshMiddleware:
    """Every CATALOG_CHECK_SECONDS, look whether a new catalog was installed and load it.

    Each application process holds its own parsed catalog (parsed at start-up), so a reload in
    one process would leave the others on the old law; this check lets every worker pick up a
    new version on its own, without a restart. Files that fail validation are refused and the
    running version stays (consequences.catalog.refresh_catalog); both outcomes are logged.
    The check is a few stat calls, at most once per interval per process.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.interval = settings.CATALOG_CHECK_SECONDS
        self.next_check = time.monotonic() + self.interval

    def __call__(self, request):
        if self.interval > 0 and time.monotonic() >= self.next_check:
            self.next_check = time.monotonic() + self.interval
            check_installed_catalog()
        return self.get_response(request)


def check_installed_catalog():
    """Load the installed catalog if it changed; log the new version or the refusal."""
    before = catalog.refused_catalog()
    loaded = catalog.refresh_catalog()
    if loaded is not None:
        log.warning("Offense catalog %s loaded while running.", loaded.version)
        # Both versions, so the Office catalog page can compare them after any restart.
        catalog_history.record_catalogs(catalog.previous_catalog(), loaded)
    refused = catalog.refused_catalog()
    if refused is not None and refused is not before:
        log.error("New offense catalog refused; the running version stays: %s", refused)
    return loaded
