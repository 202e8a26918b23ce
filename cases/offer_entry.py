"""Offer entry as the deputy types (issue 15 item 3): which record-of-conviction facts a count's
statute can use, the level the catalog suggests, and the engine's answer for one count's unsaved
terms. Plain functions over the catalog; the form and the preview view call them, nothing writes.
"""

from consequences import engine

from . import analysis
from .choices import PleaLevel
from .models import RECORD_FACTS

# A record-fact field of a plea term → the engine fact it becomes (PleaTerm.record_facts).
FIELD_FACT = {"loss_amount": "loss_over_10000"}


def record_fields_used(statute):
    """The record-fact fields worth asking about for a plea to ``statute``, in form order.

    Those whose engine fact some rule of the statute's catalog entry reads (engine.facts_used).
    A statute the catalog does not analyse keeps every field: nothing says which cannot matter,
    and it is never treated as safe. A blank statute asks for none yet.
    """
    statute = (statute or "").strip()
    if not statute:
        return ()
    used = engine.facts_used(statute)
    if used is None:
        return RECORD_FACTS
    return tuple(name for name in RECORD_FACTS if FIELD_FACT.get(name, name) in used)


def level_hint(statute, charged_level=""):
    """The plea level to pre-fill for ``statute``: the catalog's only level, or for a wobbler the
    level it was charged at when the statute allows it; "" when the deputy must choose. A
    statute the catalog does not know keeps the charged level, if it is a level at plea."""
    try:
        result = engine.assess_count((statute or "").strip())
    except engine.InvalidInput:
        return ""
    if not result.known:
        return charged_level if charged_level in PleaLevel.values else ""
    levels = [str(level) for level in result.possible_levels]
    if len(levels) == 1:
        return levels[0]
    return charged_level if charged_level in levels else ""


def preview(term_form):
    """The engine's answer for one count as typed on the offer page: never saved.

    ``term_form`` is a PleaTermForm: bound, what was posted; unbound, the term as stored or as it
    starts. Returns {"errors": [...], "result": count dict or None, "facts": the fact fields to
    show, "level": the level to pre-fill}. A term the form refuses (a 400-day misdemeanor) or
    the engine refuses (a felony plea to a misdemeanor-only statute) gives its errors in plain
    words and no flags.
    """
    shown = {
        "facts": term_form.facts_shown,
        "level": level_hint(term_form.statute_as_typed(), term_form.charge.level),
    }
    if not term_form.is_bound:
        term = term_form.instance
        if not term.pk:
            term.statute_pleaded = term_form.initial.get("statute_pleaded", "")
            term.level_at_plea = term_form.initial.get("level_at_plea", "")
    elif term_form.is_valid():
        term = term_form.instance
    else:
        errors = [
            f"{term_form.fields[name].label}: {' '.join(messages)}"
            if name in term_form.fields
            else " ".join(messages)
            for name, messages in term_form.errors.items()
        ]
        return {**shown, "errors": errors, "result": None}
    term.charge = term_form.charge  # the same count, already loaded: no query per count
    if term.is_dismissed:
        return {**shown, "errors": [], "result": {"dismissed": True, "flags": []}}
    count = analysis.count_input_for_term(term)
    try:
        result = engine.assess_count(
            count.offense,
            level=count.level,
            sentence_days=count.sentence_days,
            suspended_days=count.suspended_days,
            facts=count.facts,
        )
    except engine.InvalidInput as problem:
        return {**shown, "errors": [f"{problem}."], "result": None}
    return {**shown, "errors": [], "result": result.to_dict()}


def suggestions_for_unknown(statute, limit=3):
    """ "Did you mean" entries for a statute the catalog does not know ([] when it knows it)."""
    statute = (statute or "").strip()
    if not statute or engine.facts_used(statute) is not None:
        return []
    return engine.did_you_mean(statute, limit=limit)
