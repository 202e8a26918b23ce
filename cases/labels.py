"""Words for people: the engine's identifiers and the record's moments as a deputy reads them.

The engine speaks in identifiers ("laken_riley", "two_misdemeanors", a tag list "(dv)"); the
pages and the PDF print these words instead, from this one place, so that a label fixed here is
fixed everywhere. An identifier without a label is humanised rather than printed raw, and
tests/test_labels.py fails when the catalog or the rules gain one.

Dates and times follow one format in the office's time zone (settings.TIME_ZONE: California's),
on screen and in print: "Dec 3, 2026" and "Dec 3, 2026, 2:05 p.m. PST".
"""

import datetime as dt
import functools
import re

from django.utils import dateformat, timezone, translation

from consequences.statuses import Ground

# 8 U.S.C. 1101(a)(43): the subparagraphs the catalog uses, in the words of the statute's headings.
AGGRAVATED_FELONY_PARAGRAPHS = {
    "A": "murder, rape or sexual abuse of a minor",
    "B": "drug trafficking",
    "C": "firearms trafficking",
    "D": "money laundering",
    "E": "explosives or firearms offense",
    "F": "crime of violence",
    "G": "theft or burglary",
    "H": "ransom",
    "I": "child pornography",
    "J": "racketeering or gambling",
    "K": "prostitution business or trafficking",
    "L": "national defense",
    "M": "fraud or tax loss over $10,000",
    "N": "alien smuggling",
    "O": "illegal reentry after removal",
    "P": "document fraud",
    "Q": "failure to appear for sentence",
    "R": "commercial bribery, counterfeiting, forgery or vehicle trafficking",
    "S": "obstruction of justice, perjury or witness bribery",
    "T": "failure to appear to answer a felony charge",
    "U": "attempt or conspiracy",
}

SUBCATEGORY_LABELS = {
    "alcohol_health": "alcohol-related health ground",
    "aggravated_felony": "aggravated felony",
    "child_abuse": "child abuse",
    "cimt_or_controlled_substance": "moral turpitude or controlled substance",
    "confinement_180_days": "180 days or more confined",
    "conviction": "on conviction",
    "domestic_violence": "domestic violence",
    "drug_abuser": "drug abuser or addict",
    "false_claim_citizenship": "false claim to citizenship",
    "felony": "felony",
    "gambling": "illegal gambling",
    "high_speed_flight": "high-speed flight",
    "laken_riley": "Laken Riley Act",
    "misdemeanor": "misdemeanor",
    "multiple_convictions": "aggregate sentence of 5 years or more",
    "particularly_serious_crime": "particularly serious crime",
    "petty_offense_exception_lost": "petty-offense exception lost",
    "prior_aggravated_felony": "prior aggravated felony",
    "prior_cimt_or_controlled_substance": "prior moral turpitude or drug conviction",
    "prior_felony": "prior felony",
    "protection_order": "protection-order violation",
    "sex_offender_registration": "failure to register as a sex offender",
    "significant_misdemeanor": "significant misdemeanor",
    "stalking": "stalking",
    "three_misdemeanors": "three misdemeanors",
    "trafficking": "trafficking",
    "trafficking_reason_to_believe": "reason to believe trafficking",
    "two_cimts": "two crimes involving moral turpitude",
    "two_dui": "two DUI convictions",
    "two_misdemeanors": "two misdemeanors",
}

# The offense tags the rules print inside a condition ("a significant misdemeanor (dv)").
TAG_LABELS = {
    "burglary": "burglary",
    "dui": "DUI",
    "dv": "domestic violence",
    "drug_distribution": "drug distribution",
    "firearm": "firearm",
    "sex_offense": "sexual abuse or exploitation",
}
_TAG_LIST = re.compile(r"\(([a-z_]+(?:, [a-z_]+)*)\)")


def humanise(identifier):
    """Last resort for an identifier without a label: words, never snake_case."""
    return identifier.replace("_", " ")


_GROUND_LABELS = {member.value: member.label for member in Ground}  # built once (issue 19)


def ground_label(value):
    return _GROUND_LABELS.get(value) or humanise(value or "")


def subcategory_label(ground, subcategory, *, long=False, short=False):
    """A flag's subcategory in words; "" when it has none.

    An aggravated felony's subcategory is its 1101(a)(43) letter: "crime of violence, (43)(F)";
    the full cite first when `long` (the PDF and the details), the words alone when `short`
    (the risk grid, where every character costs height).
    """
    if not subcategory:
        return ""
    if ground == Ground.AGGRAVATED_FELONY and len(subcategory) <= 2:
        if short and subcategory in AGGRAVATED_FELONY_PARAGRAPHS:
            return AGGRAVATED_FELONY_PARAGRAPHS[subcategory]
        words = AGGRAVATED_FELONY_PARAGRAPHS.get(subcategory)
        if long:
            cite = f"8 U.S.C. § 1101(a)(43)({subcategory})"
            return f"{cite}, {words}" if words else cite
        return f"{words}, (43)({subcategory})" if words else f"(43)({subcategory})"
    return SUBCATEGORY_LABELS.get(subcategory) or humanise(subcategory)


def condition_label(condition):
    """A condition with its offense tags spelled out: "(dv)" → "(domestic violence)"."""
    if not condition:
        return ""

    def words(match):
        tags = match.group(1).split(", ")
        if not all(tag in TAG_LABELS for tag in tags):
            return match.group(0)
        return "(" + ", ".join(TAG_LABELS[tag] for tag in tags) + ")"

    return _TAG_LIST.sub(words, condition)


DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "M j, Y, g:i a T"


def local(moment):
    """An aware datetime (or an ISO string of one) in the office's time zone."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return timezone.localtime(moment, timezone.get_default_timezone())


def format_day(value):
    """A date (or the day of a datetime, in the office's zone): "Dec 3, 2026"."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10]) if len(value) <= 10 else local(value)
    if isinstance(value, dt.datetime):
        value = local(value)
    return dateformat.format(value, DATE_FORMAT)


def format_moment(value):
    """A moment to the minute in the office's zone: "Dec 3, 2026, 2:05 p.m. PST"."""
    if not value:
        return ""
    # A page shows the same few moments many times (its versions, events, copies): each is
    # formatted once per zone and language (issue 19: ~60 µs each).
    return _formatted_moment(value, timezone.get_default_timezone(), translation.get_language())


@functools.lru_cache(maxsize=4096)
def _formatted_moment(value, zone, language):
    return dateformat.format(local(value), DATETIME_FORMAT)
