"""The defendant's known prior convictions and the single-scheme answer, on the case page.

Plain forms that post and come back to the case page, so every offer's analysis on it is
redone with the new history (an htmx swap of this section alone would leave the offers' flags
stale). A refused prior comes back on its own page with what was typed and the error next to
the field. Priors are not immigration status: nothing here asks about status.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from consequences import engine

from .. import actions, analysis
from ..access import can_edit_cases, get_case_for_editing, get_prior_for_editing
from ..forms import PriorConvictionForm, SingleSchemeForm


def priors_context(case, priors):
    """What the case page's priors section shows: each prior with the engine's reading of it
    (known with its title, not in the catalog, or refused with the engine's reason), the add
    form and the single-scheme answer."""
    return {
        "priors": [{"prior": prior, "reading": _reading(prior)} for prior in priors],
        "prior_form": PriorConvictionForm(),
        "scheme_form": SingleSchemeForm(initial={"single_scheme": case.single_scheme}),
    }


def _reading(prior):
    """The engine's reading of one prior, read on its own (no counts, no queries)."""
    try:
        result = engine.assess_disposition([], priors=[analysis.prior_input(prior)])
    except engine.InvalidInput as problem:
        return {"refused": str(problem)}
    return result.priors[0].to_dict()


@require_POST
def prior_add(request, case_pk):
    """Add a prior conviction to the case."""
    case = get_case_for_editing(request.user, case_pk)
    form = PriorConvictionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "cases/prior_form.html",
            {"case": case, "form": form, "can_edit": can_edit_cases(request.user)},
            status=400,
        )
    prior = actions.add_prior(case, by_user=request.user, request=request, **form.cleaned_data)
    messages.success(request, f"Prior {prior.code} added; the offers below take it into account.")
    return redirect(f"{case.get_absolute_url()}#priors")


@require_POST
def prior_remove(request, pk):
    """Remove a prior entered by mistake (signed worksheets keep the priors they froze)."""
    prior = get_prior_for_editing(request.user, pk)
    case = prior.case
    actions.remove_prior(prior, by_user=request.user, request=request)
    messages.success(request, f"Prior {prior.code} removed.")
    return redirect(f"{case.get_absolute_url()}#priors")


@require_POST
def single_scheme(request, case_pk):
    """Record whether the counts arise from a single scheme or act."""
    case = get_case_for_editing(request.user, case_pk)
    form = SingleSchemeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["single_scheme"]))
        return redirect(f"{case.get_absolute_url()}#priors")
    actions.set_single_scheme(
        case, by_user=request.user, answer=form.cleaned_data["single_scheme"], request=request
    )
    messages.success(request, "Single scheme or act: answer saved.")
    return redirect(f"{case.get_absolute_url()}#priors")
