"""The defense's request for consideration under PC 1016.3(b): the actions that record it, and
what a worksheet freezes of it.

Every write is one action in one transaction with its audit event (cases.actions' shape). The
audit holds ids, dates, sizes and fingerprints; never the request's text, a file's contents or
its name (a file name can carry a person's name).
"""

from contextlib import contextmanager

from django.db import transaction

from . import actions, attachments, audit, report_columns
from .choices import AuditAction, DispositionLabel, ProposedBy
from .models import DefenseAttachment, DefenseSubmission, Disposition

# The fields of the request form that are the request's own (not its attachments).
FIELDS = (
    "received_on",
    "counsel",
    "proposed_disposition",
    "claimed_consequences",
    "equities",
    "expert_consulted",
)


def record_request(case, *, by_user, fields, files=(), request=None):
    """Record a new request with its checked attachments (cases.attachments.check)."""
    with _removed_on_failure() as written, transaction.atomic():
        return _record_request(case, by_user, fields, files, request, written)


def _record_request(case, by_user, fields, files, request, written):
    submission = DefenseSubmission.objects.create(case=case, recorded_by=by_user, **fields)
    # A request can bring the case into the worksheet scope (`policy.scope_q`).
    report_columns.mark_case_months_stale(case)
    stored = _store(submission, files, by_user, written)
    audit.record(
        AuditAction.CREATE,
        submission,
        user=by_user,
        request=request,
        summary=f"defense request for case {case.pk}, {len(stored)} attachment(s)",
        data=_data(submission, stored),
    )
    return submission


def change_request(submission, *, by_user, fields, files=(), request=None):
    """Change a request and add attachments. A worksheet signed before keeps the request as it
    stood then: its content froze it (`frozen_content`)."""
    with _removed_on_failure() as written, transaction.atomic():
        return _change_request(submission, by_user, fields, files, request, written)


def _change_request(submission, by_user, fields, files, request, written):
    submission = DefenseSubmission.objects.select_for_update().get(pk=submission.pk)
    changed = sorted(name for name, value in fields.items() if getattr(submission, name) != value)
    for name, value in fields.items():
        setattr(submission, name, value)
    submission.save()
    report_columns.mark_case_months_stale(submission.case)
    stored = _store(submission, files, by_user, written)
    audit.record(
        AuditAction.CHANGE,
        submission,
        user=by_user,
        request=request,
        summary=f"defense request: {', '.join(changed) or 'no field'} changed, "
        f"{len(stored)} attachment(s) added",
        data={**_data(submission, stored), "changed": changed},
    )
    return submission


@transaction.atomic
def save_proposal(submission, case, *, by_user, fields, terms, disposition=None, **kwargs):
    """Enter or change the disposition the defense proposes, through the offer entry of every
    offer (actions.save_disposition), labelled "defense proposal" and proposed by the defense,
    and make it the request's proposal."""
    fields = {**fields, "label": DispositionLabel.DEFENSE, "proposed_by": ProposedBy.DEFENSE}
    saved = actions.save_disposition(
        case, by_user=by_user, fields=fields, terms=terms, disposition=disposition, **kwargs
    )
    submission = DefenseSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.proposed_disposition_id != saved.pk:
        submission.proposed_disposition = saved
        submission.save(update_fields=["proposed_disposition", "updated_at"])
        audit.record(
            AuditAction.CHANGE,
            submission,
            user=by_user,
            request=kwargs.get("request"),
            summary=f"defense request: proposal is offer {saved.pk}",
            data={"proposed_disposition": saved.pk},
        )
    return saved


def _store(submission, files, by_user, written):
    """Save checked uploads through the storage API under a random name; `written` collects the
    names, so that a failed action removes them (`_removed_on_failure`)."""
    stored = []
    for checked in files:
        attachment = DefenseAttachment(
            submission=submission,
            original_name=checked.name,
            size=checked.size,
            sha256=checked.sha256,
            scan=checked.scan,
            scan_detail=checked.scan_detail,
            uploaded_by=by_user,
        )
        attachment.file.save("attachment.pdf", checked.upload, save=False)
        written.append(attachment.file.name)
        attachment.save()
        stored.append(attachment)
    return stored


@contextmanager
def _removed_on_failure():
    """A file written to storage does not roll back with the transaction: if the action fails
    after writing, remove what it wrote, so a failed save leaves nothing stored."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            attachments.storage.delete(name)
        raise


def _data(submission, stored):
    return {
        "case": submission.case_id,
        "received_on": submission.received_on.isoformat(),
        "proposed_disposition": submission.proposed_disposition_id,
        "attachments": [
            {"id": a.pk, "size": a.size, "sha256": a.sha256, "scan": a.scan} for a in stored
        ],
    }


def proposals(case):
    """The case's offers a request can name as the defense's proposal."""
    return Disposition.objects.filter(case=case, label=DispositionLabel.DEFENSE)


def recorded_after_signing(worksheet, content):
    """The case's requests that a signed version did not consider as they are now: each added
    after signing, or changed after signing (`changed`; the version shows it as it stood).

    A signed page shows the requests frozen in its content (`worksheets._defense_request`);
    this is what it lists apart, so that nothing recorded later reads as considered. Content
    signed before requests were frozen: the requests created after signing. Empty for a draft,
    which shows the requests as they are.
    """
    if not worksheet.is_signed:
        return []
    frozen = content.get("defense_request")
    submissions = DefenseSubmission.objects.filter(case_id=worksheet.case_id).order_by(
        "created_at", "pk"
    )
    if frozen is None:
        later = submissions.filter(created_at__gt=worksheet.signed_at)
        return [{"submission": submission, "changed": False} for submission in later]
    frozen_ids = {request["id"] for request in frozen["requests"]}
    rows = []
    for submission in submissions:
        if str(submission.pk) not in frozen_ids:
            rows.append({"submission": submission, "changed": False})
        elif submission.updated_at > worksheet.signed_at:
            rows.append({"submission": submission, "changed": True})
    return rows
