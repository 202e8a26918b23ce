"""The offers of a case side by side, count by count and in total, against the standard offer.

The reference column is the standard offer (else the first offer entered); every other cell
says what changes from it: the plea, the custody, the probation, and the grounds flagged or
cleared.
"""

from django.db.models import Prefetch
from django.shortcuts import render

from consequences.statuses import Verdict

from .. import analysis, audit, case_reads
from ..access import get_case_for_user
from ..choices import AuditAction
from ..models import PleaTerm


def compare(request, case_pk):
    """Compare the case's offers (all of them, or those ticked) side by side."""
    case = get_case_for_user(request.user, case_pk)
    charges = case_reads.charges(case)
    offers = list(
        case.dispositions.prefetch_related(
            Prefetch("terms", queryset=PleaTerm.objects.select_related("charge"))
        )
    )
    wanted = {value for value in request.GET.getlist("offer") if value.isdigit()}
    shown = [offer for offer in offers if not wanted or str(offer.pk) in wanted]
    reference = next((offer for offer in shown if offer.is_standard), shown[0] if shown else None)
    if reference is not None:
        shown.remove(reference)
        shown.insert(0, reference)
    history = analysis.History.of(case)  # once, not once per offer
    columns = [_column(offer, history) for offer in shown]
    base = columns[0] if columns else None
    rows = [
        {"charge": charge, "cells": [_cell(column, base, charge) for column in columns]}
        for charge in charges
    ]
    totals = [_totals(column, base) for column in columns]
    audit.record(AuditAction.VIEW, case, user=request.user, request=request, summary="compare")
    return render(
        request,
        "cases/compare.html",
        {
            "case": case,
            "offers": offers,
            "wanted": wanted,
            "columns": columns,
            "rows": rows,
            "totals": totals,
            "reference": reference,
        },
    )


def _column(offer, history):
    terms = {term.charge_id: term for term in offer.terms.all()}
    result = analysis.assess_offer(offer, list(terms.values()), history)
    return {
        "offer": offer,
        "terms": terms,
        "result": result,
        "grounds": analysis.offer_grounds(result),
        "whole": {"offense": {"known": True}, "flags": result["flags"]},
    }


def _plea(term):
    if term is None:
        return None
    if term.is_dismissed:
        return ("dismissed",)
    return (term.statute_pleaded, term.level_at_plea, term.reduction_17b)


def _cell(column, base, charge):
    term = column["terms"].get(charge.pk)
    result = column["result"]["terms"].get(charge.pk)
    grounds = analysis.flagged_grounds(result["flags"]) if result else []
    cell = {
        "term": term,
        "result": result,
        "grounds": grounds,
        "verdicts": _worst_verdicts(result["flags"]) if result else [],
        "is_reference": column is base,
    }
    if column is base:
        return cell
    base_term = base["terms"].get(charge.pk)
    base_result = base["result"]["terms"].get(charge.pk)
    base_grounds = analysis.flagged_grounds(base_result["flags"]) if base_result else []
    cell["plea_changed"] = _plea(term) != _plea(base_term)
    cell["custody_delta"] = _days(term) - _days(base_term)
    cell["probation_delta"] = _months(term) - _months(base_term)
    cell["added"] = [ground for ground in grounds if ground not in base_grounds]
    cell["cleared"] = [ground for ground in base_grounds if ground not in grounds]
    cell["changed"] = bool(
        cell["plea_changed"]
        or cell["custody_delta"]
        or cell["probation_delta"]
        or cell["added"]
        or cell["cleared"]
    )
    return cell


def _worst_verdicts(flags):
    """Each flagged ground once, with its most serious verdict on the count."""
    worst: dict[str, Verdict] = {}
    for flag in analysis.flagged(flags):
        verdict = Verdict(flag["verdict"])
        if flag["ground"] not in worst or verdict.severity > worst[flag["ground"]].severity:
            worst[flag["ground"]] = verdict
    return [
        {"ground": ground, "verdict": worst[ground].value}
        for ground in analysis.flagged_grounds(flags)
    ]


def _days(term):
    return term.custody_days_imposed if term is not None and not term.is_dismissed else 0


def _months(term):
    return term.probation_months if term is not None and not term.is_dismissed else 0


def _totals(column, base):
    terms = column["terms"].values()
    custody = sum(_days(term) for term in terms)
    suspended = sum(term.custody_days_suspended for term in terms if not term.is_dismissed)
    probation = max((_months(term) for term in terms), default=0)
    total = {
        "custody": custody,
        "suspended": suspended,
        "probation": probation,
        "grounds": column["grounds"],
        "known": column["result"]["known"],
        "is_reference": column is base,
    }
    if column is not base:
        reference = _totals(base, base)
        total["custody_delta"] = custody - reference["custody"]
        total["probation_delta"] = probation - reference["probation"]
        total["added"] = [ground for ground in total["grounds"] if ground not in base["grounds"]]
        total["cleared"] = [ground for ground in base["grounds"] if ground not in total["grounds"]]
    return total
