"""Plea offers: entering one with its terms per count (from an office template, if the deputy
picks one) and adopting an engine alternative in one click. Conveyance, answers and copies:
`offer_life`."""

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import actions, analysis, audit, binding, offers
from ..access import (
    can_manage_offer_templates,
    get_case_for_editing,
    get_disposition_for_editing,
)
from ..choices import AuditAction, DispositionLabel
from ..forms import DispositionForm, PleaTermForm
from ..integrity import ConflictError
from ..models import Disposition, PleaTerm
from ..offer_forms import ApplyTemplateForm


def disposition_create(request, case_pk):
    """A new offer: the standard offer first, then defense proposals and alternatives."""
    case = get_case_for_editing(request.user, case_pk)
    label = (
        DispositionLabel.ALTERNATIVE
        if case.dispositions.filter(label=DispositionLabel.STANDARD).exists()
        else DispositionLabel.STANDARD
    )
    disposition = Disposition(case=case, label=label)
    picker, applied = _template_picker(request, case)
    if applied is not None:
        template, charge = applied
        disposition.name = str(template)[:120]
        disposition.notes = f"From the office template “{template}” for count {charge.number}."
    return _offer_page(
        request,
        case,
        disposition,
        template_terms={charge.pk: template.term_values()} if applied else None,
        picker=picker,
    )


def _template_picker(request, case):
    """The office's templates to start from, and (template, count) when one was picked: the GET
    form on the new-offer page. Picking one fills that count's form; nothing is saved yet."""
    templates = offers.templates_for(case.office)
    if not templates.exists():
        return None, None
    charges = list(case.charges.all())
    bound = request.method == "GET" and "template" in request.GET
    picker = ApplyTemplateForm(request.GET if bound else None, office=case.office, charges=charges)
    if not bound or not picker.is_valid():
        return picker, None
    charge = next(c for c in charges if c.pk == picker.cleaned_data["count"])
    return picker, (picker.cleaned_data["template"], charge)


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


def _offer_page(
    request,
    case,
    disposition,
    frozen_because="",
    save=None,
    fixed=(),
    template_terms=None,
    picker=None,
):
    """The offer entry page. `save` replaces actions.save_disposition (same arguments) and
    `fixed` names form fields shown but not changeable: the defense's proposal
    (cases.views.defense) is entered here, as every offer is. `template_terms` and `picker`
    fill a count from an office offer template (cases.views.offer_templates)."""
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
            initial=(template_terms or {}).get(charge.pk),
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
    return _render_offer(
        request, case, disposition, form, term_forms, frozen_because, picker=picker
    )


def _render_offer(
    request, case, disposition, form, term_forms, frozen_because="", status=200, picker=None
):
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
            # The office's offer templates, on a new offer only (cases.offers); their page is
            # linked from here rather than from the crowded navigation.
            "template_picker": picker,
            "can_manage_templates": can_manage_offer_templates(request.user),
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
        f"New offer “{created}” created from the alternative {alternative['code']} for count "
        f"{charge.number}: its notes say what changed. Check its terms before conveying it.",
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
