"""The case list and the case page. Each view fetches through an access helper."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render

from .. import analysis, audit, binding, case_reads, offers, search, worksheet_layout
from ..access import can_edit_cases, get_case_for_user, may, membership_of
from ..choices import AuditAction, DispositionStatus, ReviewOutcome
from ..forms import CaseFilterForm
from ..models import Case, Charge, Disposition, PleaTerm, Worksheet
from .defense import defense_context
from .priors import priors_context

PAGE_SIZE = 25


def case_list(request):
    """The cases the user may open — theirs and their unit's — searched, filtered and paged,
    soonest hearing first."""
    membership_of(request.user)
    form = CaseFilterForm(request.GET or None)
    form.is_valid()  # an invalid field is reported next to it; the valid ones still filter
    # An exact court case number opens the case (its page audits the view).
    exact = search.case_numbered(
        Case.objects.visible_to(request.user), getattr(form, "cleaned_data", {}).get("q") or ""
    )
    if exact is not None:
        return redirect(exact)
    current = Worksheet.objects.current().filter(case=OuterRef("pk")).order_by("-version")
    found = form.search(Case.objects.visible_to(request.user))
    cases = (
        found.cases.select_related("unit", "assigned_deputy")
        .annotate(
            count_total=_count_per_case(Charge),
            offer_total=_count_per_case(Disposition),
            worksheet_id=Subquery(current.values("pk")[:1]),
            worksheet_version=Subquery(current.values("version")[:1]),
            worksheet_signed_at=Subquery(current.values("signed_at")[:1]),
            worksheet_review=Subquery(current.values("review__outcome")[:1]),
        )
        .by_next_hearing()
    )
    page = search.FoundPaginator(cases, PAGE_SIZE, found).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # the same one query, read here to audit it
    # The list shows defendant names, so reading it is a view of each case on the page. The
    # search text is not recorded (it may be a name): only that there was one, and the filters.
    audit.record(
        AuditAction.VIEW,
        None,
        user=request.user,
        office=membership_of(request.user).office,
        request=request,
        object_type="case_list",
        summary=f"case list page {page.number}, {len(page.object_list)} cases",
        data={
            "cases": [case.pk for case in page.object_list],
            "page": page.number,
            "searched": bool(form.cleaned_data.get("q") if hasattr(form, "cleaned_data") else ""),
            "filters": _filters_for_audit(form),
        },
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": page,
            "found": found,
            "query_string": query.urlencode(),
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
            "can_edit": can_edit_cases(request.user),
            "returned": ReviewOutcome.RETURNED,
        },
    )


def _filters_for_audit(form):
    """The list's filters other than the search text: closed lists and dates only."""
    data = getattr(form, "cleaned_data", {})
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in data.items()
        if name != "q" and value not in (None, "")
    }


def _count_per_case(model):
    """How many rows of `model` a case has, as a subquery: PostgreSQL runs it for the page's 25
    rows only, where a JOIN with GROUP BY would count for every visible case before paging."""
    counted = (
        model.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def case_detail(request, pk):
    """One case: its counts with their possible consequences as charged, the offers on the table
    with the consequences of each plea, the engine's safer alternatives and the worksheet."""
    case = get_case_for_user(request.user, pk)
    charges = case_reads.charges(case)
    dispositions = list(
        case.dispositions.prefetch_related(
            Prefetch("terms", queryset=PleaTerm.objects.select_related("charge"))
        )
    )
    counts = [{"charge": charge, "result": analysis.assess_charge(charge)} for charge in charges]
    priors = case_reads.priors(case)
    history = analysis.History.of(case, priors)
    # Why each offer's terms are frozen, if they are (one query for all offers: cases.binding).
    signed = binding.signed_versions_considering(disposition.pk for disposition in dispositions)
    offers = [_offer_view(disposition, history, signed) for disposition in dispositions]
    grid, details = _risk_grid(counts, offers)
    worksheet = case_reads.current_worksheet(case)
    audit.record(AuditAction.VIEW, case, user=request.user, request=request)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "counts": counts,
            "offers": offers,
            "grid": grid,
            "details": details,
            "worksheet": worksheet,
            "returned": _is_returned(worksheet),
            "can_amend": may(request.user, "cases.add_worksheet"),
            "can_edit": can_edit_cases(request.user),
            **priors_context(case, priors),
            **defense_context(request.user, case),
        },
    )


def _is_returned(worksheet):
    """Is the case's current worksheet signed and returned by the supervisor?"""
    if worksheet is None or not worksheet.is_signed:
        return False
    review = getattr(worksheet, "review", None)  # a worksheet without a review has none
    return review is not None and review.is_returned


def _risk_grid(counts, offers):
    """The case's risk grid (counts × the counts as charged and each offer) and, per count, the
    flags behind each of its cells, for the details below the grid (cases.worksheet_layout)."""
    reference = next(
        (offer for offer in offers if offer["disposition"].is_standard),
        offers[0] if offers else None,
    )
    columns = [
        worksheet_layout.grid_column(
            "charged",
            "As charged",
            {row["charge"].pk: row["result"] for row in counts},
            subheading="before any plea",
            compared=False,
        )
    ]
    pleas = {}
    for offer in offers:
        disposition = offer["disposition"]
        key = f"o{disposition.pk}"
        offer["grid_key"] = key
        columns.append(
            worksheet_layout.grid_column(
                key,
                str(disposition),
                offer["result"]["terms"],
                whole_flags=offer["result"]["flags"],
                subheading=f"{disposition.get_label_display()} · "
                f"{disposition.get_status_display()}",
                reference=offer is reference,
            )
        )
        for row in offer["rows"]:
            pleas[(key, row["term"].charge_id)] = _plea_line(row["term"])
    grid = worksheet_layout.risk_grid(
        [
            {
                "id": row["charge"].pk,
                "number": row["charge"].number,
                "statute": row["charge"].statute,
                "title": row["charge"].title
                or (row["result"].get("offense") or {}).get("title")
                or "",
                "level": row["charge"].get_level_display(),
            }
            for row in counts
        ],
        columns,
        pleas=pleas,
    )
    details = []
    for row, grid_row in zip(counts, grid["rows"], strict=True):
        charge = row["charge"]
        cells = []
        for column, cell in zip(columns, grid_row["cells"], strict=True):
            offer = next((o for o in offers if o.get("grid_key") == column["key"]), None)
            cells.append(
                {
                    "column": column,
                    "cell": cell,
                    "result": column["results"].get(charge.pk),
                    "offer": offer,
                }
            )
        details.append(
            {
                "charge": charge,
                "cells": cells,
                "matters_for": worksheet_layout.statuses_summary([c["result"] for c in cells]),
            }
        )
    return grid, details


def _plea_line(term):
    """A plea in a few words for a grid cell: the statute, the level and the custody imposed."""
    if term.is_dismissed:
        return "Dismissed"
    parts = [term.statute_pleaded]
    if term.level_at_plea:
        parts.append(term.get_level_at_plea_display().lower())
    parts.append(f"{term.custody_days_imposed} days")
    return ", ".join(part for part in parts if part)


def _offer_view(disposition, history, signed_versions=None):
    """An offer with each term beside the engine's answer for it."""
    terms = sorted(disposition.terms.all(), key=lambda term: term.charge.number)
    result = analysis.assess_offer(disposition, terms, history)
    rows = [{"term": term, "result": result["terms"].get(term.charge_id)} for term in terms]
    return {
        "disposition": disposition,
        "rows": rows,
        "result": result,
        # The grounds only the whole offer triggers, shaped like a count for the flags partial.
        "whole": {"offense": {"known": True}, "flags": result["flags"]},
        "grounds": analysis.offer_grounds(result),
        "is_draft": disposition.status == DispositionStatus.DRAFT,
        "frozen_because": binding.why_frozen(disposition, signed_versions),
        # Where it stands (issue 15): its steps with their days, and what may come next.
        "life": offers.life(disposition),
        "can_answer": bool(offers.next_statuses(disposition)),
        "can_withdraw": not offers.withdrawal_problem(
            disposition, late_signed=disposition.signed_late
        ),
    }
