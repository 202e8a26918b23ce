"""Adopting an engine alternative: the terms of the new offer, its name and what it changed.

Issue 15: "Use this alternative" changes one count only, applies the alternative's own terms
and says what it changed. The new offer copies its source offer (or pleads every count as
charged) and changes only the count the alternative is for:

- the statute becomes the alternative's;
- the level becomes the one the alternative requires (the entry names one, or the statute has
  only one), else the one the engine assessed it at, else it stays;
- the custody imposed is capped by the alternative's `sentence_days_max`, and at 364 days for a
  misdemeanor (PC 18.5); the suspended part never exceeds what is imposed;
- the record facts the alternative names (say "substance not named") are set.

Its name says what differs from the case's reference offer (the standard offer, as on the risk
grid), so an alternative adopted from an alternative is not named as if it changed one count
when it changes two: "Count 1: PC 243(e)(1) instead of PC 273.5(a); count 3: HS 11350 instead
of HS 11351". Its notes say exactly what changed from the source. tests/test_alternatives.py.
"""

from consequences.rules import MISDEMEANOR_MAX_DAYS

from .choices import PleaLevel, Reduction17b, TermAction
from .models import YES_NO_FACTS, PleaTerm

_COPIED = [
    field.name
    for field in PleaTerm._meta.concrete_fields
    if field.name not in ("id", "disposition", "charge")
]


def term_values(term):
    """A plea term's values, to copy into a new offer."""
    return {name: getattr(term, name) for name in _COPIED}


def as_charged(charge):
    """A count pleaded as charged: a wobbler's level is left for the deputy to choose."""
    level = charge.level if charge.level in PleaLevel.values else ""
    return {"statute_pleaded": charge.statute, "level_at_plea": level}


def base_terms(charges, source):
    """{charge: values} for every count: as in `source` (an offer) or, without one, as charged."""
    source_terms = {term.charge_id: term for term in source.terms.all()} if source else {}
    return {
        charge: term_values(source_terms[charge.pk])
        if charge.pk in source_terms
        else as_charged(charge)
        for charge in charges
    }


def apply_alternative(values, alternative):
    """Change one count's values (a dict, in place) to plead to `alternative` (the engine's
    dict) at the terms it requires. Returns the list of what changed, in plain words."""
    before = dict(values)
    requires = alternative.get("requires") or {}
    assessed = alternative.get("assessed_at") or {}
    values["action"] = TermAction.PLEAD
    values["statute_pleaded"] = alternative["code"]
    level = requires.get("level") or assessed.get("level")
    if level:
        values["level_at_plea"] = level
    if values.get("level_at_plea") == PleaLevel.MISDEMEANOR:
        values["reduction_17b"] = Reduction17b.NONE  # already a misdemeanor: nothing to reduce
    cap = requires.get("sentence_days_max")
    if values.get("level_at_plea") == PleaLevel.MISDEMEANOR:
        cap = MISDEMEANOR_MAX_DAYS if cap is None else min(cap, MISDEMEANOR_MAX_DAYS)
    imposed = values.get("custody_days_imposed") or 0
    if cap is not None and imposed > cap:
        values["custody_days_imposed"] = imposed = cap
    values["custody_days_suspended"] = min(values.get("custody_days_suspended") or 0, imposed)
    for name, value in (assessed.get("facts") or {}).items():
        if name in YES_NO_FACTS:  # a fact the alternative names, as a PleaTerm field
            values[name] = value
    return describe_changes(before, values)


def describe_changes(before, after):
    """What differs between two sets of one count's values, in the deputy's words."""
    changes = []
    if before.get("action") == TermAction.DISMISS:
        changes.append("pleaded instead of dismissed")
    if before.get("statute_pleaded") != after.get("statute_pleaded"):
        changes.append(
            f"{before.get('statute_pleaded') or 'no statute'} → {after['statute_pleaded']}"
        )
    if (before.get("level_at_plea") or "") != (after.get("level_at_plea") or ""):
        changes.append(
            f"level {before.get('level_at_plea') or 'not chosen'} → {after.get('level_at_plea')}"
        )
    for name, words in (
        ("custody_days_imposed", "custody imposed"),
        ("custody_days_suspended", "of which suspended"),
    ):
        if (before.get(name) or 0) != (after.get(name) or 0):
            changes.append(f"{words} {before.get(name) or 0} → {after.get(name) or 0} days")
    for name in YES_NO_FACTS:
        if before.get(name) != after.get(name):
            word = {True: "yes", False: "no", None: "record silent"}
            changes.append(
                f"{name.replace('_', ' ')}: {word[before.get(name)]} → {word[after[name]]}"
            )
    return changes


def offer_name(terms, reference):
    """The new offer named after every count whose plea differs from `reference` ({charge id:
    values}, the offer the risk grid compares with), in count order."""
    parts = []
    for charge, values in sorted(terms.items(), key=lambda item: item[0].number):
        ref = reference.get(charge.pk) or as_charged(charge)
        pleaded = (
            values.get("statute_pleaded") if values.get("action") != TermAction.DISMISS else ""
        )
        was = ref.get("statute_pleaded") if ref.get("action") != TermAction.DISMISS else ""
        if pleaded == was:
            continue
        if not pleaded:
            parts.append(f"count {charge.number} dismissed")
        else:
            parts.append(f"count {charge.number}: {pleaded} instead of {was or 'dismissal'}")
    name = "; ".join(parts) or "Same pleas as the reference offer"
    return (name[:1].upper() + name[1:])[:120]
