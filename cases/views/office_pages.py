"""The office area, beyond users (issue 17 item 1): units, the policy in force and the catalog
in use. Only a role with `cases.manage_office` opens them; a unit of another office is "not
found". Policy is read-only here (editing, with effective dates, is issue 17 item 2).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render

from consequences import catalog as catalogs

from .. import actions, catalog_history, policy_text
from ..access import get_office_for_managing, get_unit_for_managing
from ..office_forms import UnitForm

CATALOG_PAGE_SIZE = 25


def office_units(request):
    """The office's units with how many people work in each; add one (the office is implied)."""
    office = get_office_for_managing(request.user)
    form = UnitForm(request.POST or None, office=office)
    if request.method == "POST" and form.is_valid():
        unit = actions.create_unit(
            office, by_user=request.user, name=form.cleaned_data["name"], request=request
        )
        messages.success(request, f"Unit “{unit.name}” added.")
        return redirect("office_units")
    units = office.units.annotate(
        people=Count("memberships", filter=Q(memberships__user__is_active=True))
    ).order_by("name")
    return render(request, "office/units.html", {"office": office, "units": units, "form": form})


def office_unit(request, pk):
    """Rename a unit; see who works in it."""
    unit = get_unit_for_managing(request.user, pk)
    form = UnitForm(
        request.POST or None, office=unit.office, unit=unit, initial={"name": unit.name}
    )
    if request.method == "POST" and form.is_valid():
        actions.rename_unit(
            unit, by_user=request.user, name=form.cleaned_data["name"], request=request
        )
        messages.success(request, "Unit renamed.")
        return redirect("office_units")
    members = unit.memberships.select_related("user").order_by("user__last_name", "user__username")
    return render(request, "office/unit.html", {"unit": unit, "form": form, "members": members})


def office_policy(request):
    """Each policy setting in force, what it does and which screen or report it changes."""
    office = get_office_for_managing(request.user)
    in_force, rows = policy_text.summary(office)
    return render(
        request, "office/policy.html", {"office": office, "in_force": in_force, "rows": rows}
    )


def office_catalog(request):
    """The catalog in use: version, effective date, what changed since the version recorded
    before it (cases.catalog_history: stored, so a restart forgets nothing), and each entry's
    review record (date reviewed, sources)."""
    get_office_for_managing(request.user)
    running = catalogs.get_catalog()
    changes = catalog_history.changes_since_previous(running)
    query = request.GET.get("q", "").strip()
    entries = sorted(running.offenses.values(), key=lambda entry: entry.code)
    if query:
        folded = query.casefold()
        entries = [
            e for e in entries if folded in e.code.casefold() or folded in e.title.casefold()
        ]
    page = Paginator(entries, CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "office/catalog.html",
        {
            "catalog": running,
            "changes": changes,
            "page": page,
            "query": query,
            "query_string": urlencode({"q": query}) if query else "",
            "reviewed_for_version": sum(
                1 for e in running.offenses.values() if e.last_reviewed == running.effective
            ),
        },
    )
