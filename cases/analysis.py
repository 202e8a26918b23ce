"""The bridge between the records and the consequence engine.

The engine takes plain values; this module turns counts and plea terms into them and returns the
engine's answers as plain dicts (what templates, the worksheet and the PDF read). A count the
engine cannot analyse — unknown offense, or terms the statute does not allow — comes back marked
`known: False` with the reason, never as a safe-looking empty answer.

Status is deliberately not passed: the analysis is run for an unknown status, so every ground
is shown with the statuses it matters for and nothing on the page betrays a disclosed status.
"""

import datetime

from consequences import engine
from consequences.priors import read_prior
from consequences.statuses import Ground, Verdict

from .choices import PleaLevel, Reduction17b, SchemeAnswer, TermAction

ANALYSIS_STATUS = "unknown"

_SCHEME = {SchemeAnswer.YES: True, SchemeAnswer.NO: False}


class History:
    """What the engine needs of a case beyond the plea: the defendant's known priors and the
    deputy's single-scheme answer (None = unknown, read by the engine as "assume yes")."""

    __slots__ = ("priors", "single_scheme", "refused")

    def __init__(self, priors=(), single_scheme=None, refused=()):
        self.priors = tuple(priors)
        self.single_scheme = single_scheme
        self.refused = tuple(refused)  # the engine's reasons for priors it could not read

    @classmethod
    def of(cls, case, priors=None):
        """The case's history; pass ``priors`` (PriorConviction rows) when already fetched.

        The form refuses what the engine cannot read, but a row written another way (the
        admin, an import) might hold a future date or an unreadable code: it is left out and
        said so on every offer, rather than failing the page or being silently dropped.
        """
        rows = case.priors.all() if priors is None else priors
        readable, refused = [], []
        for number, row in enumerate(rows, start=1):
            prior = prior_input(row)
            try:
                read_prior(prior, number, datetime.date.today())
            except engine.InvalidInput as problem:
                refused.append(str(problem))
            else:
                readable.append(prior)
        return cls(readable, _SCHEME.get(case.single_scheme), refused)

    @classmethod
    def from_content(cls, content):
        """The history a worksheet's content froze (None-safe for content signed before it)."""
        frozen = content.get("history") or {}
        priors = [
            engine.PriorConviction(
                code=item["code"],
                convicted_on=datetime.date.fromisoformat(item["convicted_on"]),
                sentence_days=item.get("sentence_days"),
                level=item.get("level"),
                source=item.get("source") or "rap_sheet",
                pleaded_and_proven=item.get("pleaded_and_proven"),
            )
            for item in frozen.get("priors", [])
        ]
        return cls(priors, frozen.get("single_scheme"))


def prior_input(row):
    """A PriorConviction row as the engine reads it."""
    return engine.PriorConviction(
        code=row.code,
        convicted_on=row.convicted_on,
        sentence_days=row.sentence_days,
        level=row.level or None,
        source=row.source,
        pleaded_and_proven=row.pleaded_and_proven,
    )


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
        offense_date=term.charge.offense_date,
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
    return rank_alternatives(result.to_dict())


def assess_offer(disposition, terms=None, history=None, catalog=None):
    """The engine's answer for every count pleaded in an offer, plus disposition-level grounds.

    Returns {"known", "flags", "message", "catalog_version", "terms": {charge_id: count dict},
    "priors": [the engine's reading of each prior]}. Dismissed counts carry no conviction and so
    no consequence; they are listed as dismissed. ``history`` (a ``History``; default: the
    case's, one query) gives the priors and the single-scheme answer; ``catalog`` another
    catalog than the running one (the impact report).
    """
    terms = list(disposition.terms.all() if terms is None else terms)
    if history is None:
        history = History.of(disposition.case)
    pleaded = [term for term in terms if term.action == TermAction.PLEAD]
    by_charge = {}
    inputs = {term: count_input_for_term(term) for term in pleaded}

    def assess(count_inputs):
        if not count_inputs:
            return None
        return engine.assess_disposition(
            count_inputs,
            priors=history.priors,
            single_scheme=history.single_scheme,
            catalog=catalog,
        )

    try:
        result = assess(list(inputs.values()))
    except engine.InvalidInput:
        # Some count's terms are impossible (say a felony plea to a misdemeanor-only statute):
        # find which, say why on that count, and assess the others together.
        for term, count_input in list(inputs.items()):
            try:
                engine.assess_count(**_as_kwargs(count_input), catalog=catalog)
            except engine.InvalidInput as problem:
                by_charge[term.charge_id] = _not_analysed(
                    count_input.offense, str(problem), catalog
                )
                del inputs[term]
        result = assess(list(inputs.values()))
    if result is not None:
        for term, count in zip(inputs, result.counts, strict=True):
            by_charge[term.charge_id] = rank_alternatives(count.to_dict())
    for term in terms:
        if term.action == TermAction.DISMISS:
            by_charge[term.charge_id] = {"dismissed": True, "flags": [], "offense": {"known": True}}
    not_analysed = [c for c in by_charge.values() if not c["offense"]["known"]]
    messages = [result.message] if result is not None and result.message else []
    if history.refused:
        messages.append(
            "Prior conviction(s) left out of the analysis: "
            + "; ".join(history.refused)
            + ". Correct them on the case page; history-based grounds may be understated."
        )
    if not_analysed and (result is None or result.known):
        messages.append(
            f"{len(not_analysed)} count(s) could not be analysed — see each count. "
            "Do not treat them as safe."
        )
    return {
        "known": not not_analysed and (result is None or result.known),
        "flags": [flag.to_dict() for flag in result.flags] if result is not None else [],
        "message": " ".join(messages) or None,
        "catalog_version": engine.catalog_version(catalog),
        "terms": by_charge,
        "priors": [prior.to_dict() for prior in result.priors] if result is not None else [],
    }


def _as_kwargs(count_input):
    return {
        "offense": count_input.offense,
        "level": count_input.level,
        "sentence_days": count_input.sentence_days,
        "suspended_days": count_input.suspended_days,
        "facts": count_input.facts,
    }


def _not_analysed(code, reason, catalog=None):
    return {
        "offense": {"code": code, "title": None, "known": False},
        "flags": [],
        "alternatives": [],
        "message": f"No analysis: {reason}. Do not treat this count as safe.",
        "catalog_version": engine.catalog_version(catalog),
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


def rank_alternatives(count):
    """Order a count's alternatives safest first, each saying what it changes (issue 15).

    Each alternative gets `clears` (grounds flagged on the count that it does not flag),
    `keeps` (flagged on both) and `adds` (flagged only on it); the list is sorted by the number
    of grounds still flagged (none first), then by how many it clears, then the catalog's order.
    Works on the engine's dict in place and returns it.
    """
    alternatives = count.get("alternatives") or []
    if not alternatives:
        return count
    current = flagged_grounds(count.get("flags") or [])
    for alternative in alternatives:
        theirs = flagged_grounds(alternative.get("flags") or [])
        alternative["clears"] = [ground for ground in current if ground not in theirs]
        alternative["keeps"] = [ground for ground in current if ground in theirs]
        alternative["adds"] = [ground for ground in theirs if ground not in current]
    order = {id(alternative): index for index, alternative in enumerate(alternatives)}
    alternatives.sort(
        key=lambda alt: (
            len(alt["keeps"]) + len(alt["adds"]),
            -len(alt["clears"]),
            order[id(alt)],
        )
    )
    return count
