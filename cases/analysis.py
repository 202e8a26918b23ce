"""The bridge between the records and the consequence engine.

The engine takes plain values; this module turns counts and plea terms into them and returns the
engine's answers as plain dicts (what templates, the worksheet and the PDF read). A count the
engine cannot analyse — unknown offense, or terms the statute does not allow — comes back marked
`known: False` with the reason, never as a safe-looking empty answer.

Status is deliberately not passed: the analysis is run for an unknown status, so every ground
is shown with the statuses it matters for and nothing on the page betrays a disclosed status.
"""

from consequences import engine
from consequences.statuses import Ground, Verdict

from .choices import PleaLevel, Reduction17b, TermAction

ANALYSIS_STATUS = "unknown"


def count_input_for_term(term):
    """A plea term as the engine reads it (sentence imposed includes any suspended part)."""
    level = term.level_at_plea or None
    if term.reduction_17b == Reduction17b.AT_SENTENCING:
        level = PleaLevel.MISDEMEANOR  # PC 17(b)(1): a misdemeanor for all purposes from then on
    served = term.custody_days_imposed - term.custody_days_suspended
    return engine.CountInput(
        offense=term.statute_pleaded or term.charge.statute,
        level=str(level) if level else None,
        sentence_days=max(served, 0),
        suspended_days=term.custody_days_suspended,
        facts=term.record_facts(),
    )


def charge_level(charge):
    """A charged count's level for the engine: a wobbler is left open, the worst case."""
    if charge.level in (PleaLevel.FELONY, PleaLevel.MISDEMEANOR, PleaLevel.INFRACTION):
        return str(charge.level)
    return None


def assess_charge(charge):
    """The possible consequences of a count as charged, before any plea terms."""
    try:
        result = engine.assess_count(charge.statute, level=charge_level(charge))
    except engine.InvalidInput as problem:
        return _not_analysed(charge.statute, str(problem))
    return result.to_dict()


def assess_offer(disposition, terms=None):
    """The engine's answer for every count pleaded in an offer, plus disposition-level grounds.

    Returns {"known", "flags", "message", "catalog_version", "terms": {charge_id: count dict}}.
    Dismissed counts carry no conviction and so no consequence; they are listed as dismissed.
    """
    terms = list(disposition.terms.all() if terms is None else terms)
    pleaded = [term for term in terms if term.action == TermAction.PLEAD]
    by_charge = {}
    inputs = {term: count_input_for_term(term) for term in pleaded}
    try:
        result = engine.assess_disposition(list(inputs.values())) if inputs else None
    except engine.InvalidInput:
        # Some count's terms are impossible (say a felony plea to a misdemeanor-only statute):
        # find which, say why on that count, and assess the others together.
        for term, count_input in list(inputs.items()):
            try:
                engine.assess_count(**_as_kwargs(count_input))
            except engine.InvalidInput as problem:
                by_charge[term.charge_id] = _not_analysed(count_input.offense, str(problem))
                del inputs[term]
        result = engine.assess_disposition(list(inputs.values())) if inputs else None
    if result is not None:
        for term, count in zip(inputs, result.counts, strict=True):
            by_charge[term.charge_id] = count.to_dict()
    for term in terms:
        if term.action == TermAction.DISMISS:
            by_charge[term.charge_id] = {"dismissed": True, "flags": [], "offense": {"known": True}}
    not_analysed = [c for c in by_charge.values() if not c["offense"]["known"]]
    messages = [result.message] if result is not None and result.message else []
    if not_analysed and (result is None or result.known):
        messages.append(
            f"{len(not_analysed)} count(s) could not be analysed — see each count. "
            "Do not treat them as safe."
        )
    return {
        "known": not not_analysed and (result is None or result.known),
        "flags": [flag.to_dict() for flag in result.flags] if result is not None else [],
        "message": " ".join(messages) or None,
        "catalog_version": engine.catalog_version(),
        "terms": by_charge,
    }


def _as_kwargs(count_input):
    return {
        "offense": count_input.offense,
        "level": count_input.level,
        "sentence_days": count_input.sentence_days,
        "suspended_days": count_input.suspended_days,
        "facts": count_input.facts,
    }


def _not_analysed(code, reason):
    return {
        "offense": {"code": code, "title": None, "known": False},
        "flags": [],
        "alternatives": [],
        "message": f"No analysis: {reason}. Do not treat this count as safe.",
        "catalog_version": engine.catalog_version(),
    }


def flagged(flags):
    """The flags that count as flagged: verdict yes, assume yes or unclear (DESIGN.md)."""
    return [flag for flag in flags if Verdict(flag["verdict"]).is_flagged]


def flagged_grounds(flags):
    """The distinct grounds flagged, in the engine's fixed order of grounds."""
    names = {flag["ground"] for flag in flagged(flags)}
    return [ground.value for ground in Ground if ground.value in names]


def offer_grounds(offer_analysis):
    """Every ground flagged anywhere in an offer: on a count or on the whole disposition."""
    flags = list(offer_analysis["flags"])
    for count in offer_analysis["terms"].values():
        flags.extend(count.get("flags", []))
    return flagged_grounds(flags)
