"""When the law changes: the catalog in use, a newly installed one, and what it changes.

Supervisors and administrators (`cases.view_compliance`) see, for the cases they may open, the
open offers no signed worksheet considered whose flags change and the signed worksheets whose
frozen analysis differs from what the newer catalog says. An administrator
(`cases.review_catalog`) may load the installed catalog now; every process also picks it up by
itself within CATALOG_CHECK_SECONDS (cases.middleware.CatalogRefreshMiddleware).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from consequences import catalog as catalogs

from .. import audit, catalog_history
from ..access import may, membership_of
from ..catalog_impact import impact
from ..choices import AuditAction
from ..models import Case


def catalog_impact(request):
    """What a new catalog version changes in the open work of the cases this user may open;
    an administrator's POST loads the installed catalog now."""
    membership = membership_of(request.user)
    if request.method == "POST":
        return _load(request, membership)
    if not may(request.user, "cases.view_compliance"):
        raise PermissionDenied("Supervisors and administrators read the catalog impact report.")
    running = catalogs.get_catalog()
    refused = catalogs.refused_catalog()
    pending = None
    if catalogs.installed_changed():
        try:
            pending = catalogs.load_catalog(catalogs.CATALOG_ROOT)
        except catalogs.CatalogError as error:
            refused = error
    previous = catalogs.previous_catalog()
    if pending is not None:
        mode, old, new = "pending", running, pending
    elif previous is not None:
        mode, old, new = "loaded", previous, running
    else:
        mode, old, new = "current", running, running
    result = impact(old, new, cases=Case.objects.visible_to(request.user))
    audit.record(
        AuditAction.VIEW,
        None,
        user=request.user,
        office=membership.office,
        request=request,
        object_type="catalog_impact",
        summary=f"catalog impact {old.version} -> {new.version}",
        data={"old": old.version, "new": new.version},
    )
    return render(
        request,
        "cases/catalog_impact.html",
        {
            "mode": mode,
            "running": running,
            "old": old,
            "new": new,
            "refused": refused,
            "result": result,
            "can_load": may(request.user, "cases.review_catalog") and pending is not None,
        },
    )


def _load(request, membership):
    """Load the installed catalog now (an administrator). Refused files leave the running
    version in place, and the page says why."""
    if not may(request.user, "cases.review_catalog"):
        raise PermissionDenied("Only an administrator loads a new catalog.")
    try:
        old, new = catalogs.reload_catalog()
    except catalogs.CatalogError as error:
        messages.error(
            request,
            f"The installed catalog was refused; version "
            f"{catalogs.get_catalog().version} stays in use. {error}",
        )
    else:
        # Both versions, so the Office catalog page can compare them after any restart.
        catalog_history.record_catalogs(old, new)
        audit.record(
            AuditAction.CHANGE,
            None,
            user=request.user,
            office=membership.office,
            request=request,
            object_type="catalog",
            summary=f"catalog loaded {old.version if old else '-'} -> {new.version}",
            data={"old": old.version if old else None, "new": new.version},
        )
        messages.success(request, f"Catalog {new.version} is now in use.")
    return redirect("catalog_impact")
