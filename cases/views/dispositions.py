"""Plea offers: entering one with its terms per count, adopting an engine alternative in one
click, and marking an offer conveyed to the defense."""

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import actions, analysis, audit, binding
from ..access import get_case_for_editing, get_disposition_for_editing
from ..choices import AuditAction, DispositionLabel, DispositionStatus
from ..forms import DispositionForm, PleaTermForm
from ..integrity import ConflictError
from ..models import Disposition, PleaTerm


def disposition_create(request, case_pk):
    """A new offer: the standard offer first, then defense proposals and alternatives."""
    case = get_case_for_editing(request.user, case_pk)
    label = (
        DispositionLabel.ALTERNATIVE
        if case.dispositions.filter(label=DispositionLabel.STANDARD).exists()
        else DispositionLabel.STANDARD
    )
    return _offer_page(request, case, Disposition(case=case, label=label))


def disposition_edit(request, pk):
    """Change a draft offer. A conveyed offer is what the defense heard, and one a signed
    worksheet considered is what the deputy signed for: neither changes (cases.binding). Its
    page shows its terms read-only, says why, and offers "Revise as a new offer"; a form posted
    anyway is refused by the action and shown again with what was typed."""
    disposition = get_disposition_for_editing(request.user, pk)
    return _offer_page(
        request, disposition.case, disposition, frozen_because=binding.why_frozen(disposition)
    )


@require_POST
def disposition_revise(request, pk):
    """A new draft offer with the terms of this one, to change instead of it (copy-on-write)."""
    disposition = get_disposition_for_editing(request.user, pk)
    revision = actions.revise_offer(disposition, by_user=request.user, request=request)
    messages.success(
        request,
        f"New draft offer “{revision}”, revised from offer {disposition.pk}. Change its terms, "
        "then have a signed worksheet (an amendment) consider it before it is conveyed.",
    )
    return redirect("disposition_edit", pk=revision.pk)


def _offer_page(request, case, disposition, frozen_because="", save=None, fixed=()):
    """The offer entry page. `save` replaces actions.save_disposition (same arguments) and
    `fixed` names form fields shown but not changeable: the defense's proposal
    (cases.views.defense) is entered here, as every offer is."""
    charges = list(case.charges.all())
    existing = {term.charge_id: term for term in disposition.terms.all()} if disposition.pk else {}
    if frozen_because:  # its terms as they stand, not blank ones for counts it does not plead
        charges = [charge for charge in charges if charge.pk in existing]
    data = request.POST if request.method == "POST" else None
    form = DispositionForm(data, instance=disposition)
    for name in fixed:
        form.fields[name].disabled = True
    term_forms = [
        PleaTermForm(
            data,
            instance=existing.get(charge.pk) or PleaTerm(charge=charge),
            charge=charge,
        )
        for charge in charges
    ]
    if data is None:  # the offer page shows the case: a view of it
        audit.record(AuditAction.VIEW, case, user=request.user, request=request, summary="offer")
    else:
        # Every form is validated so that each count shows its own errors at once.
        terms_valid = [term_form.is_valid() for term_form in term_forms]
        if form.is_valid() and all(terms_valid):
            try:
                saved = (save or actions.save_disposition)(
                    case,
                    by_user=request.user,
                    fields={name: form.cleaned_data[name] for name in DispositionForm.Meta.fields},
                    terms={term_form.charge: term_form.term_values() for term_form in term_forms},
                    disposition=disposition if disposition.pk else None,
                    version=form.cleaned_data.get("version"),
                    request=request,
                )
            except ConflictError as conflict:
                form.add_error(None, str(conflict))  # what was typed stays on the page
                return _render_offer(
                    request, case, disposition, form, term_forms, frozen_because, status=409
                )
            messages.success(request, f"Offer “{saved}” saved.")
            return redirect(f"{case.get_absolute_url()}#disp-{saved.pk}")
    return _render_offer(request, case, disposition, form, term_forms, frozen_because)


def _render_offer(request, case, disposition, form, term_forms, frozen_because="", status=200):
    return render(
        request,
        "cases/disposition_form.html",
        {
            "case": case,
            "disposition": disposition,
            "form": form,
            "term_forms": term_forms,
            # Why its terms can no longer change, and the way out (cases.binding).
            "frozen_because": frozen_because,
        },
        status=status,
    )


@require_POST
def disposition_from_alternative(request, case_pk):
    """One click: a new offer that pleads one count to an alternative the engine suggests."""
    case = get_case_for_editing(request.user, case_pk)
    charge = get_object_or_404(case.charges, pk=request.POST.get("charge") or 0)
    source = None
    if request.POST.get("source"):
        source = get_object_or_404(
            case.dispositions.prefetch_related(
                Prefetch("terms", queryset=PleaTerm.objects.select_related("charge"))
            ),
            pk=request.POST["source"],
        )
    alternative = _suggested(charge, source, request.POST.get("code", ""))
    if alternative is None:
        messages.error(
            request,
            "The catalog no longer suggests that alternative for this count; nothing was created.",
        )
        return redirect(case)
    created = actions.adopt_alternative(
        case,
        by_user=request.user,
        charge=charge,
        alternative=alternative,
        source=source,
        request=request,
    )
    messages.success(
        request,
        f"New offer “{created}” created: count {charge.number} to {alternative['code']}. "
        "Check its terms before conveying it.",
    )
    return redirect(f"{case.get_absolute_url()}#disp-{created.pk}")


def _suggested(charge, source, code):
    """The engine's alternative named `code` for this count, as pleaded in `source` or charged."""
    if source is not None:
        result = analysis.assess_offer(source)["terms"].get(charge.pk) or {}
    else:
        result = analysis.assess_charge(charge)
    for alternative in result.get("alternatives") or ():
        if alternative["code"] == code:
            return alternative
    return None


@require_POST
def disposition_convey(request, pk):
    """Mark an offer conveyed. Allowed without a signed worksheet, and recorded as such."""
    disposition = get_disposition_for_editing(request.user, pk)
    if disposition.status != DispositionStatus.DRAFT:
        messages.info(request, f"“{disposition}” was already conveyed; nothing changed.")
        return redirect(reverse("case_detail", args=[disposition.case_id]) + f"#disp-{pk}")
    conveyed = actions.convey_offer(disposition, by_user=request.user, request=request)
    if conveyed.conveyed_with_signed_worksheet:
        messages.success(request, f"“{conveyed}” marked conveyed, with a signed worksheet.")
    else:
        messages.warning(
            request,
            f"“{conveyed}” marked conveyed without a signed worksheet that considers it. "
            "That is recorded, and counts in the compliance report.",
        )
    return redirect(reverse("case_detail", args=[disposition.case_id]) + f"#disp-{pk}")
