"""The worksheet as a printed document: the context of templates/print/worksheet.html and its PDF.

Everything comes from `cases.worksheets.content_for_display` — for a signed worksheet the content
stored at signing, never rebuilt — plus the supervisor's Review row, which is kept apart from the
frozen worksheet. This module only arranges that content for print: the offers side by side per
count, each flag with its ground, verdict, condition, statuses and citations, the alternatives
looked at. It decides nothing.

Determinism: a signed worksheet's PDF is dated from its signing (and the review's decision), and
nothing in it depends on the moment it is rendered, so the same signed version and review give
byte-identical files. A draft says when it was printed.
"""

import hashlib
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from consequences.statuses import Ground, Status, Verdict

from . import pdf
from .choices import AuditAction, ReviewOutcome
from .models import AuditEvent
from .worksheets import content_for_display

STYLESHEETS = ("print/worksheet.css",)
CONFIDENTIAL = "Confidential — attorney work product; not for filing"

# The statuses a flag can matter for: everyone but citizens, nationals and "unknown".
NON_CITIZEN_STATUSES = frozenset(Status.values) - {
    Status.US_CITIZEN,
    Status.US_NATIONAL,
    Status.UNKNOWN,
}


def print_context(worksheet, *, printed_at=None, show_status=True):
    """The template context: the content, rearranged for reading on paper.

    `show_status=False` (a reader without the view_status permission) prints that a volunteered
    status was withheld instead of the status itself.
    """
    content = content_for_display(worksheet)
    status_withheld = bool(content.get("status_disclosure")) and not show_status
    if status_withheld:
        content = {**content, "status_disclosure": None}
    review = _review(worksheet)
    offers = _offers(content)
    pleas = _pleas(content["counts"], offers)
    authorities = _number_citations(pleas, offers)
    signed_at = _parse(content["attestation"]["signed_at"])
    return {
        "content": content,
        "case": content["case"],
        "counts": content["counts"],
        "offers": offers,
        "comparison": _comparison(content["counts"], offers),
        "pleas": pleas,
        "authorities": authorities,
        "alternatives": _alternatives(content, offers),
        "factors": content["factors"],
        "signed": worksheet.is_signed,
        "signed_at": signed_at,
        "signer": content["attestation"]["signer"],
        "content_hash": worksheet.content_hash if worksheet.is_signed else "",
        "review": review,
        "printed_at": None if worksheet.is_signed else (printed_at or timezone.now()),
        "title": document_title(content),
        "confidential": CONFIDENTIAL,
        "status_legend": STATUS_LEGEND,
        "status_withheld": status_withheld,
        "header_left": f"{content['case']['court_case_number']} · worksheet v"
        f"{content['worksheet']['version']}",
    }


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
    """The date written into the PDF: the later of signing and the review decision."""
    if not worksheet.is_signed:
        return None
    review = getattr(worksheet, "review", None) if _has_review(worksheet) else None
    if review is not None and review.decided_at and review.decided_at > worksheet.signed_at:
        return review.decided_at
    return worksheet.signed_at


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


def issue_pdf(worksheet, *, variant=pdf.DEFAULT_VARIANT, by_user=None, request=None, via=""):
    """Render the worksheet's PDF for someone and record, in the audit log, that it left.

    Returns (bytes, SHA-256 hex). The audit event's `data` holds the variant, whether the
    worksheet was signed, whether a disclosed status was withheld from this reader, how it left
    and the file's SHA-256 (never a name or a status), which is how the worksheet page lists the
    copies issued: rendering is deterministic, so every download of the same signed version and
    review has the same hash, and a copy in a case file can be checked against the page years
    later. The summary says the same in words for the log's reader; nothing parses it.
    `by_user=None` is a command run from the shell; `via` says which ("command").
    """
    from . import actions

    show_status = by_user is None or by_user.has_perm("cases.view_status")
    data = render_worksheet_pdf(worksheet, variant=variant, show_status=show_status)
    digest = hashlib.sha256(data).hexdigest()
    withheld = not show_status and bool(content_for_display(worksheet).get("status_disclosure"))
    facts = {
        "document": ISSUED_DOCUMENT,
        "variant": variant,
        "signed": worksheet.is_signed,
        "status_withheld": withheld,
        "via": via or "web",
        "sha256": digest,
    }
    summary = " ".join(
        part
        for part in (
            "pdf",
            variant,
            "signed" if worksheet.is_signed else "draft",
            "status-withheld" if withheld else "",
            via,
            "sha256",
            digest,
        )
        if part
    )
    actions.record_export(worksheet, by_user=by_user, summary=summary, data=facts, request=request)
    return data, digest


def issued_copies(worksheet):
    """The distinct PDFs issued of a signed worksheet, newest first, from the audit log's data.

    Drafts printed before signing are the same worksheet row but not a signed copy: left out.
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
    copies = {}
    for event in events.only("at", "data"):
        facts = event.data
        copy = copies.setdefault(
            facts["sha256"],
            {
                "sha256": facts["sha256"],
                "variant": facts["variant"],
                "variant_label": VARIANT_LABELS.get(facts["variant"], facts["variant"]),
                "status_withheld": bool(facts.get("status_withheld")),
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


# --- Arranging the content -------------------------------------------------------------------


def _offers(content):
    """Each offer considered with its analysis, terms and flags keyed by count."""
    analysis = content["analysis"]["dispositions"]
    chosen = content["decision"]["chosen"]
    overrides = {}
    for override in content["overrides"]:
        key = (override["disposition"], override["count"], override["ground"])
        overrides[key] = override
    offers = []
    for letter, offer in zip(_letters(), content["dispositions"], strict=False):
        result = analysis.get(offer["id"], {})
        counts = result.get("counts", {})
        terms = {}
        for term in offer["terms"]:
            assessed = counts.get(term["count_id"], {})
            flags = [
                _flag(flag, overrides.get((offer["id"], term["count"], flag["ground"])))
                for flag in assessed.get("flags", [])
            ]
            terms[term["count_id"]] = {
                **term,
                "assessed": assessed,
                "known": assessed.get("offense", {}).get("known", True),
                "message": assessed.get("message"),
                "match": assessed.get("match"),
                "flags": flags,
                "flagged": [flag for flag in flags if flag["flagged"]],
                "not_flagged": [flag for flag in flags if not flag["flagged"]],
                "by_verdict": _by_verdict(flags),
            }
        offers.append(
            {
                **offer,
                "letter": letter,
                "chosen": offer["id"] == chosen,
                "known": result.get("known", True),
                "message": result.get("message"),
                "terms_by_count": terms,
                "rows": [
                    {"count": count, "term": terms[count["id"]]}
                    for count in content["counts"]
                    if count["id"] in terms
                ],
                "whole_flags": [_flag(flag, None) for flag in result.get("flags", [])],
                "whole_by_verdict": _by_verdict(
                    [_flag(flag, None) for flag in result.get("flags", [])]
                ),
                "grounds_flagged": [_ground(g) for g in result.get("grounds_flagged", [])],
            }
        )
    return offers


def _by_verdict(flags):
    """The flagged grounds of a cell grouped by verdict, strongest first, for the overview."""
    groups = []
    for verdict in (Verdict.YES, Verdict.ASSUME_YES, Verdict.UNCLEAR):
        grounds = [
            flag["ground_label"]
            + (f" ({flag['subcategory_label']})" if flag["subcategory_label"] else "")
            for flag in flags
            if flag["verdict"] == verdict
        ]
        if grounds:
            groups.append({"verdict": verdict.value, "label": verdict.label, "grounds": grounds})
    return groups


def _comparison(counts, offers):
    """Rows of the side-by-side table: one per count, one cell per offer."""
    rows = []
    for count in counts:
        cells = [offer["terms_by_count"].get(count["id"]) for offer in offers]
        rows.append({"count": count, "cells": cells})
    return rows


def _pleas(counts, offers):
    """Each distinct plea of each count, with the letters of the offers that make it.

    Offers often plead a count the same way (the standard offer and an alternative differing on
    another count); their flags are then identical and are printed once.
    """
    pleas = []
    for count in counts:
        by_key = {}
        for offer in offers:
            term = offer["terms_by_count"].get(count["id"])
            if term is None:
                continue
            key = _plea_key(term)
            if key not in by_key:
                by_key[key] = {"count": count, "term": term, "letters": []}
                pleas.append(by_key[key])
            plea = by_key[key]
            plea["letters"].append(offer["letter"])
            for flag, same in zip(plea["term"]["flags"], term["flags"], strict=False):
                if same["override"] and same["override"] not in flag["overrides"]:
                    flag["overrides"].append({**same["override"], "letter": offer["letter"]})
    return pleas


def _number_citations(pleas, offers):
    """Number the authorities in the order section 3 cites them; each flag gets its numbers.

    The same few statutes and cases are cited by many flags; printing them once, in a numbered
    list, keeps the flags table short (and the PDF quick to lay out) without losing any.
    """
    numbers = {}
    flags = [flag for plea in pleas for flag in plea["term"].get("flagged", [])]
    flags += [flag for offer in offers for flag in offer["whole_flags"]]
    for flag in flags:
        flag["refs"] = [numbers.setdefault(c, len(numbers) + 1) for c in flag["citations"] or []]
    return [{"number": number, "citation": citation} for citation, number in numbers.items()]


def _plea_key(term):
    """What decides a count's flags: the plea, the sentence, the record facts and the answer."""
    assessed = term["assessed"]
    flags = tuple(
        (flag["ground"], flag["subcategory"], flag["verdict"], flag["condition"])
        for flag in assessed.get("flags", [])
    )
    return (
        term["dismissed"],
        term["statute"],
        term["level"],
        term["custody_days_imposed"],
        term["custody_days_suspended"],
        tuple(sorted(term["facts"].items())),
        flags,
    )


def _alternatives(content, offers):
    """The engine's safer alternatives, once per (count, statute pleaded, alternative)."""
    seen = set()
    rows = []
    for offer in offers:
        for count in content["counts"]:
            term = offer["terms_by_count"].get(count["id"])
            if term is None:
                continue
            for alternative in term["assessed"].get("alternatives", []):
                key = (count["number"], term["statute"], alternative["code"])
                if key in seen:
                    continue
                seen.add(key)
                flags = [_flag(flag, None) for flag in alternative.get("flags", [])]
                rows.append(
                    {
                        "count": count["number"],
                        "instead_of": term["statute"] or count["statute"],
                        "code": alternative["code"],
                        "title": alternative["title"],
                        "conditions": alternative["conditions"],
                        "flagged": [flag for flag in flags if flag["flagged"]],
                        "citations": alternative.get("citations", []),
                        "offered_in": _offers_pleading(offers, count["id"], alternative["code"]),
                    }
                )
    return rows


def _offers_pleading(offers, count_id, code):
    """The letters of the offers that plead this count to `code`: the alternative was taken up."""
    normal = code.replace(" ", "").lower()
    return [
        offer["letter"]
        for offer in offers
        if (term := offer["terms_by_count"].get(count_id))
        and term["statute"].replace(" ", "").lower() == normal
    ]


def _flag(flag, override):
    verdict = flag.get("verdict")
    return {
        **flag,
        "ground_label": _ground(flag.get("ground")),
        "subcategory_label": _subcategory(flag),
        "verdict_label": Verdict(verdict).label if verdict in Verdict.values else verdict,
        "flagged": verdict in Verdict.values and Verdict(verdict).is_flagged,
        "statuses_label": _statuses(flag.get("statuses") or []),
        "overrides": [],
        "override": override
        and {
            **override,
            "verdict_label": Verdict(override["deputy_verdict"]).label
            if override["deputy_verdict"] in Verdict.values
            else override["deputy_verdict"],
        },
    }


def _ground(value):
    return Ground(value).label if value in Ground.values else value


def _subcategory(flag):
    subcategory = flag.get("subcategory")
    if not subcategory:
        return ""
    if flag.get("ground") == Ground.AGGRAVATED_FELONY and len(subcategory) <= 2:
        return f"8 U.S.C. § 1101(a)(43)({subcategory})"
    return subcategory.replace("_", " ")


# Short names for the "Matters for" column; the legend under section 3's heading spells them out.
STATUS_SHORT = {
    Status.POSSIBLE_DERIVATIVE_CITIZEN: "possible citizen",
    Status.LPR: "LPR",
    Status.CONDITIONAL_LPR: "conditional LPR",
    Status.REFUGEE: "refugee",
    Status.ASYLEE: "asylee",
    Status.ASYLUM_APPLICANT: "asylum applicant",
    Status.NONIMMIGRANT_VISA: "visa holder",
    Status.TPS: "TPS",
    Status.DACA: "DACA",
    Status.U_T_VISA: "U/T visa",
    Status.VAWA_SELF_PETITIONER: "VAWA",
    Status.SIJS: "SIJS",
    Status.PAROLEE: "parolee",
    Status.UNDOCUMENTED_EWI: "undocumented (EWI)",
    Status.UNDOCUMENTED_OVERSTAY: "undocumented (overstay)",
    Status.PRIOR_REMOVAL_ORDER: "prior removal order",
}
STATUS_LEGEND = (
    "LPR: lawful permanent resident; EWI: entered without inspection; possible citizen: possible "
    "derivative citizen; U/T visa: U or T visa holder or applicant; VAWA: VAWA self-petitioner; "
    "SIJS: special immigrant juvenile"
)


# Pairs printed as one word when both are listed, to keep the "Matters for" column short.
STATUS_PAIRS = (
    ((Status.LPR, Status.CONDITIONAL_LPR), "LPR (incl. conditional)"),
    ((Status.UNDOCUMENTED_EWI, Status.UNDOCUMENTED_OVERSTAY), "undocumented"),
)


def _statuses(values):
    """The statuses a flag matters for, shortly: "every non-citizen status", "all but …", a list."""
    known = [value for value in values if value in STATUS_SHORT]
    if not known or set(known) >= NON_CITIZEN_STATUSES:
        return "every non-citizen status"
    missing = [status for status in STATUS_SHORT if status not in known]
    if len(missing) <= 3:
        return "all but " + ", ".join(STATUS_SHORT[status] for status in missing)
    words = {Status(value): STATUS_SHORT[Status(value)] for value in known}
    for pair, word in STATUS_PAIRS:
        if all(status in words for status in pair):
            words[pair[0]] = word
            del words[pair[1]]
    return ", ".join(words.values())


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


def _letters():
    for index in range(26 * 27):
        yield chr(65 + index) if index < 26 else chr(64 + index // 26) + chr(65 + index % 26)
