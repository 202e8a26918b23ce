"""An offer's life on screen: record its conveyance (a confirmation page with the date), withdraw
a conveyance recorded by mistake the same day, record the answer (rejected, accepted, entered),
and copy an offer in one click. The rules are `cases.offers`'."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import actions, binding, offers
from ..access import get_disposition_for_editing
from ..integrity import ConflictError
from ..offer_forms import AnswerForm, ConveyForm, WithdrawForm


def _back(disposition):
    return redirect(f"{disposition.case.get_absolute_url()}#disp-{disposition.pk}")


def _step_page(request, disposition, step, form, status=200, **context):
    return render(
        request,
        "cases/offer_step.html",
        {
            "case": disposition.case,
            "disposition": disposition,
            "terms": disposition.terms.select_related("charge").order_by("charge__number"),
            "step": step,
            "form": form,
            **context,
        },
        status=status,
    )


def _refused(request, disposition, step, problem):
    """The step's page saying why it cannot be taken now, with the way back (nothing changed)."""
    return _step_page(
        request,
        disposition,
        step,
        None,
        status=200 if request.method == "GET" else 409,
        problem=problem,
    )


def disposition_convey(request, pk):
    """Record that the offer was conveyed to the defense, on a day the deputy confirms."""
    disposition = get_disposition_for_editing(request.user, pk)
    case = disposition.case
    if disposition.is_defense_proposal:  # the defense's, not the People's (actions.convey_offer)
        raise PermissionDenied(
            "A defense proposal is the defense's, not an offer of the People: it is not conveyed."
        )
    if disposition.status != offers.DispositionStatus.DRAFT:
        return _refused(request, disposition, "convey", offers.already_conveyed(disposition))
    data = request.POST if request.method == "POST" else None
    form = ConveyForm(data, case=case, initial={"version": disposition.lock_version})
    if form.is_valid():
        try:
            conveyed = actions.convey_offer(
                disposition,
                by_user=request.user,
                conveyed_on=form.cleaned_data["conveyed_on"],
                version=form.cleaned_data["version"],
                request=request,
            )
        except ConflictError as refused:
            messages.error(request, str(refused))
            return _back(disposition)
        day = offers.day_label(form.cleaned_data["conveyed_on"])
        if conveyed.conveyed_with_signed_worksheet:
            messages.success(
                request, f"“{conveyed}” recorded as conveyed on {day}, with a signed worksheet."
            )
        else:
            messages.warning(
                request,
                f"“{conveyed}” recorded as conveyed on {day}, without a signed worksheet that "
                "considers it. That is recorded, and counts in the compliance report.",
            )
        return _back(disposition)
    signed = bool(binding.signed_versions_considering([disposition.pk]))
    return _step_page(request, disposition, "convey", form, signed=signed)


def disposition_answer(request, pk):
    """Record the defense's answer (rejected, accepted) or the court's (entered), with its date."""
    disposition = get_disposition_for_editing(request.user, pk)
    if not offers.next_statuses(disposition):
        draft = disposition.status == offers.DispositionStatus.DRAFT
        return _refused(
            request,
            disposition,
            "answer",
            f"“{disposition}” is {disposition.get_status_display().lower()}: "
            + ("record its conveyance first." if draft else "that is final."),
        )
    data = request.POST if request.method == "POST" else None
    form = AnswerForm(data, disposition=disposition)
    if form.is_valid():
        try:
            answered = actions.set_disposition_status(
                disposition,
                by_user=request.user,
                status=form.cleaned_data["status"],
                on=form.cleaned_data["on"],
                request=request,
            )
        except ConflictError as refused:
            messages.error(request, str(refused))
            return _back(disposition)
        messages.success(
            request,
            f"“{answered}” recorded as {answered.get_status_display().lower()} on "
            f"{offers.day_label(form.cleaned_data['on'])}.",
        )
        return _back(disposition)
    return _step_page(request, disposition, "answer", form)


def disposition_withdraw(request, pk):
    """Withdraw a conveyance recorded by mistake: the same day only, with the reason."""
    disposition = get_disposition_for_editing(request.user, pk)
    problem = offers.withdrawal_problem(disposition)
    if problem:
        return _refused(
            request, disposition, "withdraw", f"The conveyance was not withdrawn. {problem}"
        )
    data = request.POST if request.method == "POST" else None
    form = WithdrawForm(data)
    if form.is_valid():
        try:
            offers.withdraw_conveyance(
                disposition,
                by_user=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ConflictError as refused:
            messages.error(request, f"The conveyance was not withdrawn. {refused}")
            return _back(disposition)
        messages.success(
            request,
            f"The conveyance of “{disposition}” was withdrawn; the offer is a draft again. "
            "The withdrawal is in the audit log.",
        )
        return _back(disposition)
    return _step_page(request, disposition, "withdraw", form)


@require_POST
def disposition_copy(request, pk):
    """A new draft offer with all the terms of this one, in one click."""
    disposition = get_disposition_for_editing(request.user, pk)
    copy = offers.copy_offer(disposition, by_user=request.user, request=request)
    messages.success(
        request,
        f"New draft offer “{copy}”, with all the terms of “{disposition}”. Change what differs.",
    )
    return redirect("disposition_edit", pk=copy.pk)
