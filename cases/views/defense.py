"""The defense's request for consideration (PC 1016.3(b)): record it from the case page, change
it, enter the disposition it proposes as an offer, and download its PDF attachments.

Reading follows the case (404 for another office's); recording and changing need the role's
permission (403 for a read-only role such as the administrator). Attachments are served only
here, after those checks, as downloads.
"""

from functools import partial

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from .. import audit, binding, defense_requests, labels
from ..access import (
    get_attachment_for_user,
    get_case_for_editing,
    get_case_for_new_defense_request,
    get_defense_request_for_editing,
    may,
)
from ..choices import AuditAction, DispositionLabel, ProposedBy, ScanResult
from ..defense_forms import DefenseRequestForm
from ..models import DefenseSubmission, Disposition
from ..policy import policy_for
from .dispositions import _offer_page


def request_create(request, case_pk):
    """Record the request for consideration the defense sent, with its attachments."""
    case = get_case_for_new_defense_request(request.user, case_pk)
    form = _form(request, case, DefenseSubmission(case=case))
    if form.is_bound and form.is_valid():
        submission = defense_requests.record_request(
            case,
            by_user=request.user,
            fields=form.request_fields(),
            files=form.cleaned_data["attachments"],
            request=request,
        )
        messages.success(request, _saved_message(submission, form))
        return redirect(f"{case.get_absolute_url()}#defense-request-{submission.pk}")
    return _render(request, case, form, None)


def request_edit(request, pk):
    """Change a request or add attachments. A signed worksheet keeps it as it was then."""
    submission = get_defense_request_for_editing(request.user, pk)
    case = submission.case
    form = _form(request, case, submission)
    if form.is_bound and form.is_valid():
        defense_requests.change_request(
            submission,
            by_user=request.user,
            fields=form.request_fields(),
            files=form.cleaned_data["attachments"],
            request=request,
        )
        messages.success(request, _saved_message(submission, form))
        return redirect(f"{case.get_absolute_url()}#defense-request-{submission.pk}")
    return _render(request, case, form, submission)


def proposal(request, pk):
    """The disposition the defense proposes, entered on the offer page every offer uses, as a
    "defense proposal" proposed by the defense, so that the engine assesses it."""
    submission = get_defense_request_for_editing(request.user, pk)
    case = get_case_for_editing(request.user, submission.case_id)
    disposition = submission.proposed_disposition or Disposition(
        case=case,
        label=DispositionLabel.DEFENSE,
        proposed_by=ProposedBy.DEFENSE,
        name="Defense proposal",
    )
    return _offer_page(
        request,
        case,
        disposition,
        frozen_because=binding.why_frozen(disposition) if disposition.pk else "",
        save=partial(defense_requests.save_proposal, submission),
        fixed=("label", "proposed_by"),
    )


@require_GET
def attachment_download(request, pk):
    """One attachment, as a download (never shown inline), recorded in the audit log."""
    attachment = get_attachment_for_user(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file of this attachment is missing from storage.") from None
    audit.record(
        AuditAction.VIEW,
        attachment,
        user=request.user,
        office=attachment.submission.case.office,
        request=request,
        summary=f"defense attachment {attachment.pk} downloaded",
        data={"sha256": attachment.sha256, "size": attachment.size},
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store, private"
    return response


def defense_context(user, case):
    """The case page's section on the defense's requests (templates/cases/_defense_requests.html):
    two queries, whatever the number of requests and files."""
    return {
        "defense_requests": list(
            case.defense_submissions.select_related("proposed_disposition").prefetch_related(
                "attachments"
            )
        ),
        "request_required": policy_for(case.office).defense_request_required,
        "can_record_request": may(user, "cases.add_defensesubmission"),
        "can_change_request": may(user, "cases.change_defensesubmission"),
    }


def _form(request, case, submission):
    if request.method == "POST":
        return DefenseRequestForm(request.POST, request.FILES, instance=submission, case=case)
    return DefenseRequestForm(instance=submission, case=case)


def _render(request, case, form, submission):
    return render(
        request,
        "cases/defense_request_form.html",
        {
            "case": case,
            "form": form,
            "submission": submission,
            "stored": list(submission.attachments.all()) if submission else [],
        },
    )


def _saved_message(submission, form):
    files = form.cleaned_data["attachments"]
    text = f"The defense's request of {labels.format_day(submission.received_on)} saved"
    if files:
        not_scanned = sum(1 for checked in files if checked.scan != ScanResult.CLEAN)
        text += f" with {len(files)} attachment{'s' if len(files) != 1 else ''}"
        if not_scanned:
            text += f" ({not_scanned} not virus-scanned: the list says why)"
    return text + "."
