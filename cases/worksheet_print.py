"""The worksheet as a printed document: the context of templates/print/worksheet.html and its PDF.

Everything comes from `cases.worksheets.content_for_display` — for a signed worksheet the content
stored at signing, never rebuilt — plus the supervisor's Review row, which is kept apart from the
frozen worksheet. The offers side by side per count, each flag with its ground, verdict,
condition, statuses, citations and override, and the alternatives looked at are laid out by
`cases.worksheet_layout`, the layout the worksheet page shows; this module adds what only paper
needs (title, running heads, dates, the review) and renders it. It decides nothing.

Determinism: a signed worksheet's PDF is dated from its signing (and the review's decision), and
nothing in it depends on the moment it is rendered, so the same signed version and review give
byte-identical files. A draft says when it was printed.
"""

import hashlib
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from . import pdf, worksheet_layout
from .choices import AuditAction, ReviewOutcome
from .models import AuditEvent, CounselRequest, Worksheet
from .worksheets import content_for_display

STYLESHEETS = ("print/worksheet.css",)
CONFIDENTIAL = "Confidential — attorney work product; not for filing"


def print_context(worksheet, *, printed_at=None, show_status=True):
    """The template context: the content, rearranged for reading on paper.

    `show_status=False` (a reader without the view_status permission) gets the document of a
    worksheet without a volunteered status: the status is absent, not blanked, not hinted at
    (cases/security.py). Section numbers are those of a worksheet without one.
    """
    content = content_for_display(worksheet)
    if not show_status:
        content = {**content, "status_disclosure": None}
    review = _review(worksheet)
    signed_at = _parse(content["attestation"]["signed_at"])
    # offers, comparison, pleas, authorities, alternatives: laid out as the page lays them out
    layout = worksheet_layout.lay_out(content)
    return {
        "content": content,
        "case": content["case"],
        "counts": content["counts"],
        **layout,
        "status_sets": name_status_sets(layout["pleas"], layout["offers"]),
        "factors": content["factors"],
        "signed": worksheet.is_signed,
        "signed_at": signed_at,
        "signer": content["attestation"]["signer"],
        "content_hash": worksheet.content_hash if worksheet.is_signed else "",
        "review": review,
        "counsel": _counsel(worksheet),
        "printed_at": None if worksheet.is_signed else (printed_at or timezone.now()),
        "title": document_title(content),
        "confidential": CONFIDENTIAL,
        "status_legend": worksheet_layout.STATUS_LEGEND,
        "header_left": f"{content['case']['court_case_number']} · worksheet v"
        f"{content['worksheet']['version']}",
    }


# A "Matters for" list at least this long is printed once, in the list of status sets above
# section 3's table, and the column shows its name ("S1"), as authorities are numbered. The
# same long lists recur from flag to flag (every good-moral-character bar has one), and printed
# in a narrow column each took three or four lines (issue 14: DEMO-0001 fits in 4 pages).
STATUS_SET_MIN_LENGTH = 30


def name_status_sets(pleas, offers):
    """Name each long "Matters for" list of section 3 once, in order of first use.

    Sets `status_set` on each flag whose list is long and returns [{"name", "label"}]; a short
    list ("DACA", "every non-citizen status") stays in its cell. Nothing is dropped: every list
    named is printed in full above the table.
    """
    names: dict[str, str] = {}
    flags = [flag for plea in pleas for flag in plea["term"].get("flagged") or []]
    flags += [flag for offer in offers for flag in offer.get("whole_flags") or []]
    for flag in flags:
        label = flag["statuses_label"]
        if len(label) >= STATUS_SET_MIN_LENGTH:
            flag["status_set"] = names.setdefault(label, f"S{len(names) + 1}")
    return [{"name": name, "label": label} for label, name in names.items()]


def document_title(content):
    case = content["case"]
    return f"§ 1016.3(b) worksheet — {case['caption']} — {case['court_case_number']}"


def document_subject(content):
    version = content["worksheet"]["version"]
    return (
        f"Consideration of immigration consequences in plea negotiation (Penal Code § 1016.3(b)), "
        f"case {content['case']['court_case_number']}, worksheet version {version}. {CONFIDENTIAL}."
    )


def render_html(worksheet, *, printed_at=None, show_status=True):
    context = print_context(worksheet, printed_at=printed_at, show_status=show_status)
    return render_to_string("print/worksheet.html", context)


def document_date(worksheet):
    """The date written into the PDF: the latest of signing, the review decision and counsel's
    answer."""
    if not worksheet.is_signed:
        return None
    review = getattr(worksheet, "review", None) if _has_review(worksheet) else None
    moments = [worksheet.signed_at]
    if review is not None and review.decided_at:
        moments.append(review.decided_at)
    counsel = CounselRequest.objects.filter(worksheet=worksheet, answered_at__isnull=False)
    moments += counsel.values_list("answered_at", flat=True)
    return max(moments)


def render_worksheet_pdf(
    worksheet, *, variant=pdf.DEFAULT_VARIANT, fetcher=None, printed_at=None, show_status=True
):
    """The worksheet's PDF bytes, rendered now (see `cases.pdf.render_pdf`)."""
    content = content_for_display(worksheet)
    signer = content["attestation"]["signer"]
    author = signer["name"] if signer else content["case"]["deputy"]
    return pdf.render_pdf(
        render_html(worksheet, printed_at=printed_at, show_status=show_status),
        title=document_title(content),
        author=author or content["office"],
        subject=document_subject(content),
        variant=variant,
        stylesheets=STYLESHEETS,
        created=document_date(worksheet),
        keywords=("Penal Code 1016.3(b)", "worksheet", content["office"]),
        fetcher=fetcher,
    )


# The `document` an issued worksheet PDF's audit data names (migration 0012 backfills it too).
ISSUED_DOCUMENT = "worksheet_pdf"


def issue_pdf(
    worksheet, *, variant=pdf.DEFAULT_VARIANT, by_user=None, request=None, via="", show_status=None
):
    """Render the worksheet's PDF for someone and record, in the audit log, that it left.

    Returns (bytes, SHA-256 hex). The audit event's `data` holds the variant, whether the
    worksheet was signed, whether the reader's role may see a volunteered status (`status_shown`:
    a fact about the reader, true or false whether or not the case has a status, so the log
    hints at nothing), how it left and the file's SHA-256 (never a name or a status), which is
    how the worksheet page lists the
    copies issued: rendering is deterministic, so every download of the same signed version and
    review has the same hash, and a copy in a case file can be checked against the page years
    later. The summary says the same in words for the log's reader; nothing parses it.
    `by_user=None` is a command run from the shell; `via` says which ("command"). A service
    token of the API (via="api") passes `show_status`: what its administrator granted.
    """
    from . import actions, pdf_store

    if show_status is None:
        show_status = by_user is None or by_user.has_perm("cases.view_status")
    # A signed worksheet's file is rendered once, by the worker or the first download; a stored
    # one is served from the fields its key needs, a render reads the worksheet whole.
    data = pdf_store.read(worksheet, variant, show_status)  # None for a draft: not kept
    if data is None:
        whole = _read_whole(worksheet)
        if whole.is_signed:
            data = pdf_store.render_and_store(whole, variant, show_status)
        else:
            data = render_worksheet_pdf(whole, variant=variant, show_status=show_status)
    digest = hashlib.sha256(data).hexdigest()
    facts = {
        "document": ISSUED_DOCUMENT,
        "variant": variant,
        "signed": worksheet.is_signed,
        "status_shown": show_status,
        "via": via or "web",
        "sha256": digest,
    }
    summary = " ".join(
        part
        for part in (
            "pdf",
            variant,
            "signed" if worksheet.is_signed else "draft",
            via,
            "sha256",
            digest,
        )
        if part
    )
    actions.record_export(worksheet, by_user=by_user, summary=summary, data=facts, request=request)
    return data, digest


def _read_whole(worksheet):
    """`worksheet` with everything its PDF prints, in one query; read again only when it was
    read in part (`access.get_worksheet_for_download`)."""
    if not worksheet.get_deferred_fields():
        return worksheet
    return Worksheet.objects.select_related(
        "case",
        "case__office",
        "case__unit",
        "signed_by",
        "office",
        "review__reviewer",
        "counsel_request__requested_by",
        "counsel_request__answered_by",
    ).get(pk=worksheet.pk)


def issued_copies(worksheet, user=None):
    """The distinct PDFs issued of a signed worksheet, newest first, from the audit log's data.

    Drafts printed before signing are the same worksheet row but not a signed copy: left out.
    A `user` without `cases.view_status` is listed only the copies made for such a role: a
    copy with a status has another hash, so listing it would tell them a status exists. Events
    written before `status_shown` was recorded cannot say which kind they are and are left out
    for that user too. `user=None` (a command, a test) lists every copy.
    """
    if not worksheet.is_signed:
        return []
    events = AuditEvent.objects.filter(
        object_type=worksheet._meta.model_name,
        object_id=str(worksheet.pk),
        action=AuditAction.EXPORT,
        data__document=ISSUED_DOCUMENT,
        data__signed=True,
    ).order_by("at", "pk")
    if user is not None and not user.has_perm("cases.view_status"):
        events = events.filter(data__status_shown=False)
    copies: dict[str, dict] = {}
    for event in events.only("at", "data"):
        facts = event.data
        copy = copies.setdefault(
            facts["sha256"],
            {
                "sha256": facts["sha256"],
                "variant": facts["variant"],
                "variant_label": VARIANT_LABELS.get(facts["variant"], facts["variant"]),
                # made for a role that may not see status (old events: status withheld)
                "without_status": facts.get("status_shown") is False
                or bool(facts.get("status_withheld")),
                "first_issued": event.at,
                "times": 0,
            },
        )
        copy["times"] += 1
        copy["last_issued"] = event.at
    return sorted(copies.values(), key=lambda copy: copy["last_issued"], reverse=True)


VARIANT_LABELS = {
    "tagged": "Tagged PDF (PDF/UA-1)",
    "archival": "Archival PDF (PDF/A-2b)",
}


def filename(worksheet, variant=pdf.DEFAULT_VARIANT):
    """worksheet-DEMO-0001-v1.pdf, -draft for an unsigned one, -archival for PDF/A."""
    number = slugify(worksheet.case.court_case_number) or f"case-{worksheet.case_id}"
    parts = [f"worksheet-{number}-v{worksheet.version}"]
    if not worksheet.is_signed:
        parts.append("draft")
    if variant != pdf.DEFAULT_VARIANT:
        parts.append(variant)
    return "-".join(parts) + ".pdf"


def _review(worksheet):
    if not _has_review(worksheet):
        return None
    review = worksheet.review
    reviewer = review.reviewer
    return {
        "outcome": review.outcome,
        "outcome_label": review.get_outcome_display(),
        "pending": review.outcome == ReviewOutcome.PENDING,
        "requested_at": review.requested_at,
        "decided_at": review.decided_at,
        "reviewer": (reviewer.get_full_name() or reviewer.username) if reviewer else "",
        "comments": review.comments,
    }


def _has_review(worksheet):
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return worksheet.review is not None
    except ObjectDoesNotExist:
        return False


def _parse(value):
    if not value:
        return None
    return timezone.localtime(datetime.fromisoformat(value))


def _counsel(worksheet):
    """Immigration counsel's request and answer on this version, for the page and the PDF."""
    if type(worksheet).counsel_request.is_cached(worksheet):  # read with the worksheet
        found = getattr(worksheet, "counsel_request", None)
    else:
        found = (
            CounselRequest.objects.filter(worksheet=worksheet)
            .select_related("requested_by", "answered_by")
            .first()
        )
    if found is None:
        return None
    return {
        "sent_by": _name(found.requested_by) or "office policy",
        "requested_at": found.requested_at,
        "question": found.question,
        "answered_at": found.answered_at,
        "answered_by": _name(found.answered_by),
        "answer": found.answer,
    }


def attached_parts(worksheet):
    """What the document prints besides the frozen content: the review and counsel's answer as
    they stand now. A stored PDF is keyed by them (cases.pdf_store), so a change to either makes
    a new file. The defense's requests are not among them: the PDF prints those frozen in the
    content (a request recorded later is not part of the signed record)."""
    return {"review": _review(worksheet), "counsel": _counsel(worksheet)}


def _name(user):
    return (user.get_full_name() or user.username) if user is not None else ""
