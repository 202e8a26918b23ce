"""The content of a § 1016.3(b) worksheet, as one plain dict, and its SHA-256.

`build_content` gathers everything the worksheet shows — case, counts, the offers considered with
their terms and the engine's flags, overrides, factors, parity, decision, attestation — so that
the page, the PDF and the hash all read the same thing. Signing stores this dict; a signed
worksheet is always shown from what was stored, never rebuilt.
"""

import hashlib
import json

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from consequences import engine
from consequences.statuses import Status

from . import analysis
from .choices import (
    Condition,
    Decision,
    DispositionLabel,
    Factor,
    FactorWeight,
    ParityAnswer,
    PleaLevel,
    ScanResult,
    SchemeAnswer,
    SentenceForm,
)
from .models import Case, PleaTerm
from .policy import policy_for

SCHEMA_VERSION = 1

ATTESTATION = (
    "I considered the avoidance of adverse immigration consequences in the plea negotiation "
    "process as one factor in an effort to reach a just resolution (Penal Code § 1016.3(b)).",
    "No one was required to disclose immigration status; any status shown was volunteered by "
    "the defense.",
    "I relied only on information that was voluntarily provided or in the case record.",
    "This worksheet matches the offer or offers as conveyed or to be conveyed.",
)


def content_hash(content):
    """SHA-256 of the content as canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def shown_fingerprint(content):
    """What a draft page shows the signer, as hashes: the counts, each considered offer's terms
    and the defense's requests. The page carries it to the signature, which refuses to freeze
    anything that changed since (`changed_since_shown`, actions.sign_worksheet)."""
    return json.dumps(
        {
            "counts": content_hash(content.get("counts") or []),
            "offers": content.get("offer_hashes") or {},
            "defense_request": content_hash(content.get("defense_request") or {}),
        },
        sort_keys=True,
    )


def changed_since_shown(content, shown):
    """What, of what the signer's page showed (`shown_fingerprint`), is different in the content
    about to be frozen: a list of phrases, empty when nothing is. An offer ticked on the page
    that the page did not analyse has nothing to compare with and is not listed. A fingerprint
    that cannot be read (tampered with) counts as everything changed."""
    try:
        seen = json.loads(shown)
        seen_counts, seen_offers = seen["counts"], seen["offers"]
        seen_request = seen["defense_request"]
    except (ValueError, KeyError, TypeError):
        return ["the page you signed from"]
    now = json.loads(shown_fingerprint(content))
    changed = []
    if now["counts"] != seen_counts:
        changed.append("the counts")
    names = {offer["id"]: offer["name"] for offer in content.get("dispositions", [])}
    for offer_id, digest in now["offers"].items():
        if offer_id in seen_offers and seen_offers[offer_id] != digest:
            changed.append(f"the terms of “{names.get(offer_id, offer_id)}”")
    if now["defense_request"] != seen_request:
        changed.append("the defense’s request for consideration")
    return changed


def content_for_display(worksheet, *, policy=None):
    """What the worksheet shows: the stored content once signed, the live content before.
    `policy`: the office's policy in force today, when the caller has already read it."""
    if worksheet.is_signed:
        return worksheet.signed_content
    return build_content(worksheet, policy=policy)


def build_content(worksheet, *, signer=None, signed_at=None, policy=None):
    case = worksheet.case
    considered = list(
        worksheet.dispositions_considered.order_by("created_at", "pk").prefetch_related(
            Prefetch("terms", queryset=PleaTerm.objects.select_related("charge"))
        )
    )
    charges = list(case.charges.order_by("number"))
    history = analysis.History.of(case)
    offers = []
    offer_analysis = {}
    for disposition in considered:
        terms = sorted(disposition.terms.all(), key=lambda term: term.charge.number)
        result = analysis.assess_offer(disposition, terms, history)
        offer_analysis[str(disposition.pk)] = {
            "known": result["known"],
            "flags": result["flags"],
            "message": result["message"],
            "counts": {str(pk): count for pk, count in result["terms"].items()},
            "grounds_flagged": analysis.offer_grounds(result),
            "priors": result["priors"],
        }
        offers.append(_offer(disposition, terms))
    return {
        "schema": SCHEMA_VERSION,
        "office": case.office.name,
        "case": _case(case),
        "counts": [_count(charge) for charge in charges],
        "dispositions": offers,
        # What conveyance is compared with (actions.convey_offer): the terms of each offer as
        # signed, hashed. Worksheets signed before this key read it from "dispositions".
        "offer_hashes": {offer["id"]: offer_terms_hash(offer) for offer in offers},
        "analysis": {"status": analysis.ANALYSIS_STATUS, "dispositions": offer_analysis},
        "history": _history(case, history),
        "overrides": [
            {
                "disposition": str(override.disposition_id),
                "count": override.charge.number,
                "ground": override.ground,
                "subcategory": override.subcategory,
                "engine_verdict": override.engine_verdict,
                "deputy_verdict": override.deputy_verdict,
                "reason": override.reason,
            }
            for override in worksheet.overrides.select_related("charge")
        ],
        "factors": _factors(worksheet.factors),
        "parity": {
            "answer": worksheet.parity_answer,
            "label": ParityAnswer(worksheet.parity_answer).label if worksheet.parity_answer else "",
            "explanation": worksheet.parity_explanation,
        },
        "decision": {
            "value": worksheet.decision,
            "label": Decision(worksheet.decision).label if worksheet.decision else "",
            "chosen": str(worksheet.chosen_disposition_id or ""),
            "reasons": worksheet.reasons,
        },
        "status_disclosure": _status_disclosure(worksheet),
        "defense_request": _defense_request(
            case, {offer["id"] for offer in offers}, policy or policy_for(case.office)
        ),
        "worksheet": {
            "version": worksheet.version,
            "amends_version": worksheet.amends.version if worksheet.amends_id else None,
            "amendment_reason": worksheet.amendment_reason,
        },
        "catalog": {
            "version": engine.catalog_version(),
            "effective": engine.catalog_effective().isoformat(),
        },
        "attestation": {
            "statements": list(ATTESTATION),
            "signer": _person(signer) if signer else None,
            "signed_at": signed_at.isoformat() if signed_at else None,
        },
        "disclaimer": engine.DISCLAIMER,
    }


def _history(case, history):
    """The priors and the single-scheme answer the analysis used, frozen with it (issue 16):
    the engine's inputs, so the impact report can re-read a signed worksheet under a new
    catalog, and the labels a reader needs."""
    return {
        "priors": [prior.to_dict() for prior in history.priors],
        "single_scheme": history.single_scheme,
        "single_scheme_label": SchemeAnswer(case.single_scheme).label,
    }


def _person(user):
    name = user.get_full_name() or user.username
    bar = getattr(getattr(user, "membership", None), "bar_number", "")
    return {"username": user.username, "name": name, "bar_number": bar}


def _case(case):
    deputy = _deputy(case)
    return {
        "court_case_number": case.court_case_number,
        "da_file_number": case.da_file_number,
        "caption": case.caption,
        "defendant_name": case.defendant_name,
        "court_name": case.court_name,
        "department": case.department,
        "judicial_officer": case.judicial_officer,
        "unit": case.unit.name,
        "deputy": _person(deputy)["name"] if deputy else "",
        "stage": case.get_stage_display(),
        "defense_counsel": case.defense_counsel,
        "defense_type": case.get_defense_type_display() if case.defense_type else "",
        "interpreter_language": case.interpreter_language,
    }


def _deputy(case):
    """The assigned deputy with their membership (the bar number) in one query, not two."""
    if case.assigned_deputy_id is None or Case.assigned_deputy.is_cached(case):
        return case.assigned_deputy
    return get_user_model().objects.select_related("membership").get(pk=case.assigned_deputy_id)


def _count(charge):
    return {
        "id": str(charge.pk),
        "number": charge.number,
        "statute": charge.statute,
        "title": charge.title,
        "level": charge.get_level_display(),
        "enhancements": charge.enhancements,
        "offense_date": charge.offense_date.isoformat() if charge.offense_date else None,
    }


# What an offer's entry says that is not one of its terms: its status moves on (draft, then
# conveyed, accepted …) while the terms stay what was signed.
_NOT_TERMS = ("status",)


def offer_terms_hash(entry):
    """SHA-256 of one offer's terms: its worksheet entry (`_offer`) without its status.

    The same canonical JSON as the whole worksheet (`content_hash`), so an offer entry frozen
    in a worksheet signed before per-offer hashes were stored gives the same hash as the live
    offer with the same terms (`live_offer_terms_hash`).
    """
    return content_hash({key: value for key, value in entry.items() if key not in _NOT_TERMS})


def live_offer_terms_hash(disposition):
    """The hash of an offer's terms as they are in the database now."""
    terms = sorted(disposition.terms.select_related("charge"), key=lambda term: term.charge.number)
    return offer_terms_hash(_offer(disposition, terms))


def signed_offer_terms_hash(content, disposition_id):
    """The hash a signed worksheet's content froze for one offer, or None if it did not consider
    it. Content signed before "offer_hashes" existed is hashed from its offer entry."""
    key = str(disposition_id)
    stored = (content.get("offer_hashes") or {}).get(key)
    if stored:
        return stored
    for entry in content.get("dispositions") or ():
        if entry.get("id") == key:
            return offer_terms_hash(entry)
    return None


def _offer(disposition, terms):
    return {
        "id": str(disposition.pk),
        "name": str(disposition),
        "label": disposition.get_label_display(),
        "is_standard": disposition.label == DispositionLabel.STANDARD,
        "proposed_by": disposition.get_proposed_by_display(),
        "status": disposition.get_status_display(),
        "diversion": disposition.get_diversion_display() if disposition.diversion else "",
        "terms": [_term(term) for term in terms],
    }


def _term(term):
    return {
        "count_id": str(term.charge_id),
        "count": term.charge.number,
        "dismissed": term.is_dismissed,
        "statute": term.statute_pleaded,
        "level": PleaLevel(term.level_at_plea).label if term.level_at_plea else "",
        "plea_type": term.get_plea_type_display(),
        "reduction_17b": term.get_reduction_17b_display(),
        "sentence_form": SentenceForm(term.sentence_form).label if term.sentence_form else "",
        "custody_days_imposed": term.custody_days_imposed,
        "custody_days_suspended": term.custody_days_suspended,
        "probation_months": term.probation_months,
        "conditions": [Condition(c).label for c in term.conditions if c in Condition.values],
        "facts": term.record_facts(),
        "factual_basis": term.get_factual_basis_display() if term.factual_basis else "",
    }


def _factors(factors):
    rows = []
    for factor in Factor:
        entry = factors.get(factor.value) or {}
        weight = entry.get("weight", "")
        rows.append(
            {
                "factor": factor.value,
                "label": factor.label,
                "weight": weight,
                "weight_label": FactorWeight(weight).label if weight in FactorWeight.values else "",
                "note": entry.get("note", ""),
            }
        )
    return rows


def _defense_request(case, considered_ids, policy):
    """The defense's requests for consideration as they stand now (at signing: frozen, so a
    later change of a request cannot change a signed version), and whether office policy makes
    a request the trigger of the worksheet. Never an immigration status."""
    submissions = case.defense_submissions.select_related("proposed_disposition").prefetch_related(
        "attachments"
    )
    return {
        "required": policy.defense_request_required,
        "requests": [_submission(submission, considered_ids) for submission in submissions],
    }


def _submission(submission, considered_ids):
    proposal = submission.proposed_disposition
    return {
        "id": str(submission.pk),
        "received_on": submission.received_on.isoformat(),
        "counsel": submission.counsel,
        "consideration_requested": submission.consideration_requested,
        "proposal": None
        if proposal is None
        else {
            "id": str(proposal.pk),
            "name": str(proposal),
            "considered": str(proposal.pk) in considered_ids,
        },
        "claimed_consequences": submission.claimed_consequences,
        "equities": submission.equities,
        "expert_consulted": submission.expert_consulted,
        "attachments": [
            {
                "name": attachment.original_name,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "scan": ScanResult(attachment.scan).label,
            }
            for attachment in submission.attachments.all()
        ],
    }


def _status_disclosure(worksheet):
    """Only when the defense volunteered it and the deputy chose to include it."""
    if not worksheet.include_status:
        return None
    disclosure = worksheet.case.status_disclosures.first()
    if disclosure is None:
        return None
    return {
        "status": Status(disclosure.status).label,
        "source": disclosure.get_source_display(),
        "disclosed_on": disclosure.disclosed_on.isoformat(),
    }
