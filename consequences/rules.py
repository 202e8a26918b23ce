"""The legal rules the engine applies, as plain functions over plain values.

Each function's docstring names its legal source and the tests that pin it down
(tests/consequences/test_rules.py unless another module is named). Verdicts are graded as the
defenders' charts grade them; where the Ninth Circuit and the BIA differ, the conservative answer
is given and the text says so. Everything here is advisory, not legal advice.
"""

import datetime
import functools
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .statuses import Ground, Level, Status, Verdict

MISDEMEANOR_MAX_DAYS = 364  # PC 18.5(a)
ONE_YEAR_DAYS = 365
PETTY_OFFENSE_MAX_IMPOSED_DAYS = 180  # "six months", 8 U.S.C. 1182(a)(2)(A)(ii)(II)
DACA_SIGNIFICANT_CUSTODY_DAYS = 90  # "more than 90 days", 8 C.F.R. 236.22(b)(6)
GMC_CONFINEMENT_DAYS = 180  # 8 U.S.C. 1101(f)(7)
AGGREGATE_SENTENCE_DAYS = 5 * 365  # "5 years or more", 8 U.S.C. 1182(a)(2)(B)
MARIJUANA_EXCEPTION_GRAMS = 30  # 8 U.S.C. 1227(a)(2)(B)(i)

DACA_SIGNIFICANT_TAGS = frozenset(
    {"dv", "sex_offense", "burglary", "firearm", "drug_distribution", "dui"}
)


class InvalidInput(ValueError):
    """An assessment asked about something the law makes impossible, or in a form not understood."""


@dataclass(frozen=True, slots=True)
class Count:
    """One count as the rules see it. ``None`` means not known."""

    level: Level | None  # level at plea, after any PC 17(b) reduction at sentencing
    possible_levels: tuple[Level, ...]  # what the statute allows
    sentence_days: int | None  # term imposed, suspended time included (1101(a)(48)(B))
    custody_days: int | None  # the part of it to be served, not suspended
    facts: dict
    tags: frozenset = frozenset()


class Finding(NamedTuple):
    """A derived ground's answer: verdict, subcategory and the condition it depends on."""

    verdict: Verdict
    subcategory: str | None
    condition: str | None


# --- Sentence and level ------------------------------------------------------------------------


def immigration_sentence(custody_days: int | None, suspended_days: int | None = 0) -> int | None:
    """The sentence that counts for immigration: the term imposed, suspended time included.

    Source: 8 U.S.C. 1101(a)(48)(B) (any reference to a term of imprisonment includes the period
    of incarceration ordered, regardless of any suspension). Tests: TestSentence.
    """
    if custody_days is None:
        return suspended_days or None
    return custody_days + (suspended_days or 0)


def sentence_problem(
    level: Level | None, sentence_days: int | None, custody_days: int | None = None
) -> str | None:
    """Why a sentence is impossible for the level, or None if it is possible.

    A California misdemeanor cannot exceed 364 days (PC 18.5(a)); an infraction carries no custody
    (PC 19.6); days are never negative. Impossible input is reported, never silently capped.
    Tests: TestSentence.
    """
    for days in (sentence_days, custody_days):
        if days is not None and days < 0:
            return "days cannot be negative"
    if sentence_days is None:
        return None
    if level == Level.MISDEMEANOR and sentence_days > MISDEMEANOR_MAX_DAYS:
        return (
            f"a misdemeanor sentence of {sentence_days} days is impossible: "
            f"PC 18.5 caps a misdemeanor at {MISDEMEANOR_MAX_DAYS} days"
        )
    if level == Level.INFRACTION and sentence_days > 0:
        return "an infraction carries no custody (PC 19.6)"
    if custody_days is not None and custody_days > sentence_days:
        return "the custody to serve cannot exceed the sentence imposed"
    return None


def level_at_plea(
    level: Level | None, possible_levels: Sequence[Level], sentence_days: int | None
) -> Level | None:
    """The count's level, inferred where the law leaves only one answer.

    A statute allowing one level has that level; a sentence above 364 days can only be a felony
    (PC 18.5). Otherwise an unstated level on a wobbler stays unknown (None), and every rule
    treats it as possibly a felony. Tests: TestSentence.
    """
    if level is not None:
        return level
    if len(possible_levels) == 1:
        return possible_levels[0]
    if (
        sentence_days is not None
        and sentence_days > MISDEMEANOR_MAX_DAYS
        and Level.FELONY in possible_levels
    ):
        return Level.FELONY
    return None


def max_sentence_one_year_or_more(
    level: Level | None, possible_levels: Sequence[Level]
) -> bool | None:
    """Whether a sentence of one year or more *may* be imposed: True, False, or None if unknown.

    Every California felony carries more than a year; a misdemeanor at most 364 days (PC 18.5),
    so a wobbler reduced under PC 17(b) at sentencing does not; an infraction carries no custody.
    The one-CIMT deportability ground (8 U.S.C. 1227(a)(2)(A)(i)(II)) and the petty-offense
    exception (1182(a)(2)(A)(ii)(II)) turn on this; California has no offense whose maximum is
    exactly one year, so "one year or more" and "more than one year" coincide here.
    Note Velasquez-Rios v. Wilkinson, 988 F.3d 1081 (9th Cir. 2021): PC 18.5 does not reach
    back to misdemeanors sentenced before 2015. Tests: TestPotentialSentence.
    """
    if level is not None:
        return level == Level.FELONY
    if Level.FELONY not in possible_levels:
        return False
    return None


# --- The `when` conditions of docs/catalog.md --------------------------------------------------
# Each returns True (the flag's verdict applies), False (known not to: `otherwise` applies) or
# None (the fact is unknown: the verdict stands, with the condition in words).


def always(count: Count) -> bool | None:
    """The ground applies whatever the facts. Tests: TestConditions."""
    return True


def sentence_365(count: Count) -> bool | None:
    """365 days or more imposed on the count, suspended time included; never for a misdemeanor.

    Sources: 8 U.S.C. 1101(a)(43)(F), (G), (R), (S) ("term of imprisonment at least one year");
    1101(a)(48)(B) (suspended time counts); PC 18.5 (a misdemeanor is at most 364 days).
    Tests: TestConditions, and the 364/365 boundary in test_engine.py.
    """
    if count.level in (Level.MISDEMEANOR, Level.INFRACTION):
        return False
    if count.sentence_days is None:
        return None
    return count.sentence_days >= ONE_YEAR_DAYS


def felony(count: Count) -> bool | None:
    """The count is a felony at plea, not reduced under PC 17(b) at sentencing.

    Source: PC 17(b) (a wobbler is a misdemeanor for all purposes once reduced); used by the DACA
    and TPS felony bars and wobbler-dependent grounds. Tests: TestConditions.
    """
    if count.level is not None:
        return count.level == Level.FELONY
    if Level.FELONY not in count.possible_levels:
        return False
    return None


def loss_over_10000(count: Count) -> bool | None:
    """The loss to the victim(s) exceeds $10,000.

    Source: 8 U.S.C. 1101(a)(43)(M)(i); Nijhawan v. Holder, 557 U.S. 29 (2009): the loss is a
    circumstance-specific fact, provable by reliable evidence outside the elements (see
    ``verdict_when_condition_fails``). Tests: TestConditions.
    """
    return count.facts.get("loss_over_10000")


def federal_substance_named(count: Count) -> bool | None:
    """The record of conviction names a federally controlled substance.

    Source: Mellouli v. Lynch, 575 U.S. 798 (2015): the conviction must relate to a substance on
    the federal schedules, and California's schedules are broader. Note Pereida v. Wilkinson,
    592 U.S. 224 (2021): a silent record helps against deportation, not an applicant for relief.
    Tests: TestConditions.
    """
    return count.facts.get("substance_named")


def marijuana_over_30g(count: Count) -> bool | None:
    """More than 30 grams of marijuana (possession for one's own use of 30 g or less is excepted).

    Source: 8 U.S.C. 1227(a)(2)(B)(i); Matter of Davey, 26 I&N Dec. 37 (BIA 2012) (the amount
    is circumstance-specific). Tests: TestConditions, TestMarijuana.
    """
    grams = count.facts.get("grams")
    if grams is None:
        return None
    return not marijuana_exception(grams)


def victim_minor(count: Count) -> bool | None:
    """The record shows the victim was a minor.

    Source: Esquivel-Quintana v. Sessions, 581 U.S. 385 (2017) (age-based sexual abuse of a
    minor); Matter of Velazquez-Herrera, 24 I&N Dec. 503 (BIA 2008) (child abuse). Tests:
    TestConditions.
    """
    return count.facts.get("victim_minor")


def domestic_relationship(count: Count) -> bool | None:
    """The record shows a domestic relationship with the victim.

    Source: 8 U.S.C. 1227(a)(2)(E)(i). The BIA treats the relationship as circumstance-specific
    (Matter of H. Estrada, 26 I&N Dec. 749 (BIA 2016)); the Ninth Circuit required it in the
    record (Cisneros-Perez v. Gonzales, 465 F.3d 386 (9th Cir. 2006)). Conservatively, BIA.
    Tests: TestConditions.
    """
    return count.facts.get("domestic_relationship")


def permanent_taking(count: Count) -> bool | None:
    """The record does not show a temporary taking (an intent to deprive permanently).

    Source: Matter of Diaz-Lizarraga, 26 I&N Dec. 847 (BIA 2016) (theft is a CIMT when it intends
    a permanent or substantially eroding taking); VC 10851 covers temporary takings.
    Tests: TestConditions.
    """
    temporary = count.facts.get("temporary_taking")
    return None if temporary is None else not temporary


def firearm_in_record(count: Count) -> bool | None:
    """The record shows the weapon was a firearm.

    Source: 8 U.S.C. 1227(a)(2)(C); a divisible "deadly weapon" statute is a firearm offense only
    when the record shows a firearm (modified categorical approach, Descamps v. United States,
    570 U.S. 254 (2013)). Tests: TestConditions.
    """
    return count.facts.get("firearm_in_record")


def force_beyond_touching(count: Count) -> bool | None:
    """The record does not limit the conduct to offensive touching.

    Source: Johnson v. United States, 559 U.S. 133 (2010) (violent force); 18 U.S.C. 16(a);
    Ortega-Mendez v. Gonzales, 450 F.3d 1010 (9th Cir. 2006) (PC 243(e) minimum conduct).
    Tests: TestConditions.
    """
    touching = count.facts.get("offensive_touching_only")
    return None if touching is None else not touching


def record_shows_minor(count: Count) -> bool | None:
    """The record of conviction shows a minor victim, for a statute with no age element.

    Unlike ``victim_minor``, a silent record answers False, not unknown: under the categorical
    approach a statute without an age element is not sexual abuse of a minor, so an unknown age
    can never make it one (Esquivel-Quintana v. Sessions, 581 U.S. 385 (2017); Mathis v. United
    States, 579 U.S. 500 (2016): a non-element fact cannot be read from the record). Where the
    record does show a minor the entry says "unclear" (the BIA may still look).
    Tests: tests/consequences/test_catalog_rules.py.
    """
    return count.facts.get("victim_minor") is True


CONDITIONS = {
    "always": always,
    "sentence_365": sentence_365,
    "felony": felony,
    "loss_over_10000": loss_over_10000,
    "federal_substance_named": federal_substance_named,
    "marijuana_over_30g": marijuana_over_30g,
    "victim_minor": victim_minor,
    "domestic_relationship": domestic_relationship,
    "permanent_taking": permanent_taking,
    "firearm_in_record": firearm_in_record,
    "force_beyond_touching": force_beyond_touching,
    "record_shows_minor": record_shows_minor,
}


class _FactsRead(dict):
    """An empty facts mapping that notes every fact a condition asks it for."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set[str] = set()

    def get(self, key: str, default: object = None) -> object:
        self.read.add(key)
        return default

    def __getitem__(self, key: str) -> object:
        self.read.add(key)
        raise KeyError(key)


def facts_read_by(when: str) -> frozenset[str]:
    """The record-of-conviction facts the condition ``when`` reads, found by asking it.

    Derived, not declared: each condition in ``CONDITIONS`` is run on counts at every level and
    on both sides of the one-year line, with a facts mapping that notes what is read, so a new
    condition that reads a fact is found without a list to keep in step. The offer page shows
    only the facts a count's entry reads (engine.facts_used; issue 15 item 3).
    Tests: tests/consequences/test_facts_used.py.
    """
    return _facts_read_by(CONDITIONS[when])


@functools.cache  # keyed by the function itself: conditions never change while running
def _facts_read_by(condition: Callable[[Count], bool | None]) -> frozenset[str]:
    read: set[str] = set()
    for level in (None, *Level):
        for sentence in (None, 0, ONE_YEAR_DAYS):
            facts = _FactsRead()
            condition(Count(level, tuple(Level), sentence, sentence, facts))
            read |= facts.read
    return frozenset(read)


# For each condition: (while the fact is unknown, when it holds, when it is known not to hold).
CONDITION_TEXT = {
    "always": (None, None, None),
    "sentence_365": (
        "if 365 days or more are imposed on this count, suspended time included",
        "365 days or more imposed on this count, suspended time included",
        "less than 365 days on this count (or a misdemeanor, PC 18.5)",
    ),
    "felony": (
        "if the count is a felony at plea (not reduced under PC 17(b))",
        "a felony at plea",
        "not a felony at plea",
    ),
    "loss_over_10000": (
        "if the loss to the victim(s) exceeds $10,000",
        "loss over $10,000",
        "loss of $10,000 or less stipulated; restitution or other evidence can still prove a "
        "larger loss",
    ),
    "federal_substance_named": (
        "if the record names a federally controlled substance",
        "the record names a federally controlled substance",
        "the record does not name a federally controlled substance",
    ),
    "marijuana_over_30g": (
        "if more than 30 grams of marijuana, or not for personal use",
        "more than 30 grams of marijuana",
        "30 grams of marijuana or less: the one-time personal-use exception may apply "
        "(circumstance-specific)",
    ),
    "victim_minor": (
        "if the record shows the victim was a minor",
        "the record shows the victim was a minor",
        "the record does not show a minor victim",
    ),
    "domestic_relationship": (
        "if the record (or, for the BIA, other evidence) shows a domestic relationship",
        "a domestic relationship with the victim",
        "the record does not show a domestic relationship; the BIA lets other evidence prove one",
    ),
    "permanent_taking": (
        "unless the record shows a temporary taking",
        "the record does not show a temporary taking",
        "the record shows a temporary taking",
    ),
    "firearm_in_record": (
        "if the record shows the weapon was a firearm",
        "the record shows a firearm",
        "the record does not show a firearm",
    ),
    "force_beyond_touching": (
        "unless the record limits the conduct to offensive touching",
        "the record does not limit the conduct to offensive touching",
        "the record limits the conduct to offensive touching",
    ),
    "record_shows_minor": (
        None,
        "the record shows a minor victim, though the statute has no age element",
        "the statute has no age element and the record shows no minor victim",
    ),
}

# Facts that immigration authorities may prove by any reliable evidence, not only the record of
# conviction, so a favourable stipulation never makes the answer a plain "no".
CIRCUMSTANCE_SPECIFIC_CONDITIONS = frozenset(
    {"loss_over_10000", "marijuana_over_30g", "domestic_relationship"}
)


def verdict_when_condition_fails(when: str, otherwise: Verdict) -> Verdict:
    """The verdict when a flag's condition is known not to hold.

    Normally the entry's ``otherwise``. For circumstance-specific facts (fraud loss: Nijhawan v.
    Holder, 557 U.S. 29 (2009); marijuana amount: Matter of Davey, 26 I&N Dec. 37 (BIA 2012);
    domestic relationship: Matter of H. Estrada, 26 I&N Dec. 749 (BIA 2016)) a stipulation does
    not bind the immigration court, so the answer is at best "arguably not".
    Tests: TestConditions.
    """
    if (
        when in CIRCUMSTANCE_SPECIFIC_CONDITIONS
        and otherwise.severity < Verdict.ARGUABLY_NOT.severity
    ):
        return Verdict.ARGUABLY_NOT
    return otherwise


# --- Record-of-conviction rules -----------------------------------------------------------------


def marijuana_exception(grams: float) -> bool:
    """True if the amount fits the one-time exception for 30 g or less of marijuana.

    Source: 8 U.S.C. 1227(a)(2)(B)(i) ("a single offense involving possession for one's own use of
    30 grams or less of marijuana"); inadmissibility has only the 1182(h) waiver for it.
    Tests: TestMarijuana.
    """
    return grams <= MARIJUANA_EXCEPTION_GRAMS


# --- CIMT -------------------------------------------------------------------------------------


def one_cimt_deportable(max_one_year_or_more: bool | None) -> tuple[bool | None, str]:
    """Whether one CIMT makes an admitted person deportable, and on what condition.

    Source: 8 U.S.C. 1227(a)(2)(A)(i): committed within five years after admission *and* a
    sentence of one year or longer may be imposed. The admission date is seldom known, so the
    answer always carries that condition. Returns (True/False/None, text). Tests: TestCimt.
    """
    if max_one_year_or_more is False:
        return False, "one CIMT alone is not deportable: the maximum is 364 days or less (PC 18.5)"
    if max_one_year_or_more is None:
        return None, "deportable if a felony at plea and committed within 5 years of admission"
    return True, "deportable if committed within 5 years of admission"


def petty_offense_exception(
    max_one_year_or_more: bool | None, sentence_days: int | None
) -> bool | None:
    """Whether the petty-offense exception to CIMT inadmissibility can apply: True, False, None.

    Source: 8 U.S.C. 1182(a)(2)(A)(ii)(II): only one CIMT, a maximum possible penalty of one year
    or less, and no more than six months imposed (suspended time included, 1101(a)(48)(B)).
    "Only one CIMT" is a fact about the person's whole history, so a True answer still reads
    "if it is the only CIMT". Tests: TestCimt.
    """
    if max_one_year_or_more is True:
        return False
    if sentence_days is not None and sentence_days > PETTY_OFFENSE_MAX_IMPOSED_DAYS:
        return False
    if max_one_year_or_more is None or sentence_days is None:
        return None
    return True


def petty_offense_text(applies: bool | None) -> str:
    """The words for ``petty_offense_exception``'s answer. Tests: TestCimt."""
    if applies is True:
        return (
            "inadmissible unless it is the only CIMT: the petty-offense exception covers one "
            "(maximum 364 days, 180 days or less imposed)"
        )
    if applies is False:
        return "inadmissible: the petty-offense exception does not apply"
    return (
        "inadmissible unless the petty-offense exception applies "
        "(the only CIMT, a misdemeanor, 180 days or less imposed)"
    )


def two_cimts(cimt_verdicts: Iterable[Verdict]) -> Finding | None:
    """Two or more CIMTs in one disposition: deportable unless from a single scheme.

    Source: 8 U.S.C. 1227(a)(2)(A)(ii) (two CIMTs after admission, any sentence, not arising out
    of a single scheme of criminal misconduct); it also ends the petty-offense exception.
    ``cimt_verdicts`` are the counts' flagged CIMT verdicts; the answer is as sure as the
    second-surest of them. Returns a Finding or None. Tests: TestDisposition.
    """
    flagged = sorted(
        (v for v in cimt_verdicts if v.is_flagged), key=lambda v: v.severity, reverse=True
    )
    if len(flagged) < 2:
        return None
    return Finding(
        flagged[1],
        "two_cimts",
        "unless the CIMTs arose from a single scheme of criminal misconduct; neither is then the "
        "only CIMT "
        "for the petty-offense exception",
    )


# --- Status relevance -------------------------------------------------------------------------

NONCITIZEN_STATUSES = tuple(
    s for s in Status if s not in (Status.US_CITIZEN, Status.US_NATIONAL, Status.UNKNOWN)
)
# Admitted (or treated as admitted) people, whom deportability grounds reach (8 U.S.C. 1227(a)).
# An overstay was admitted on a visa; a possible derivative citizen may turn out to be an LPR.
DEPORTABILITY_STATUSES = (
    Status.POSSIBLE_DERIVATIVE_CITIZEN,
    Status.LPR,
    Status.CONDITIONAL_LPR,
    Status.REFUGEE,
    Status.ASYLEE,
    Status.NONIMMIGRANT_VISA,
    Status.U_T_VISA,
    Status.UNDOCUMENTED_OVERSTAY,
)
# People seeking admission, adjustment or a waiver, and LPRs who travel (8 U.S.C. 1182(a)).
INADMISSIBILITY_STATUSES = NONCITIZEN_STATUSES
# Inadmissible under 1182(a)(6)(A), (6)(C) or (7): the Laken Riley Act's detention reaches them.
LAKEN_RILEY_STATUSES = (
    Status.POSSIBLE_DERIVATIVE_CITIZEN,
    Status.ASYLUM_APPLICANT,
    Status.TPS,
    Status.DACA,
    Status.VAWA_SELF_PETITIONER,
    Status.SIJS,
    Status.PAROLEE,
    Status.UNDOCUMENTED_EWI,
    Status.UNDOCUMENTED_OVERSTAY,
    Status.PRIOR_REMOVAL_ORDER,
)
# Good moral character is needed for naturalization, non-LPR cancellation, VAWA and T adjustment.
GOOD_MORAL_CHARACTER_STATUSES = (
    Status.POSSIBLE_DERIVATIVE_CITIZEN,
    Status.LPR,
    Status.CONDITIONAL_LPR,
    Status.REFUGEE,
    Status.ASYLEE,
    Status.U_T_VISA,
    Status.VAWA_SELF_PETITIONER,
    Status.UNDOCUMENTED_EWI,
    Status.UNDOCUMENTED_OVERSTAY,
)


def statuses_for(ground: Ground, subcategory: str | None = None) -> tuple[Status, ...]:
    """The statuses a ground matters for, in Status order.

    Sources: deportability grounds reach admitted people (8 U.S.C. 1227(a)): firearm
    (1227(a)(2)(C)), domestic violence (1227(a)(2)(E)), other deportability grounds.
    Inadmissibility grounds (8 U.S.C. 1182(a)(2)) reach everyone seeking admission or adjustment,
    LPRs who travel (1101(a)(13)(C)(v)), and non-LPR cancellation (1229b(b)(1)(C)).
    An aggravated felony, a CIMT and a controlled-substance offense reach every noncitizen
    (deportability, inadmissibility, and the bars to relief). DACA bar: DACA (8 C.F.R. 236.22);
    TPS bar: TPS (8 U.S.C. 1254a(c)(2)(B)); asylum bar: asylees, applicants and refugees
    (1158(b)(2), 1159(c)); good moral character: naturalization (1427(a)), cancellation,
    VAWA and T adjustment. Citizens and nationals: none. Tests: TestStatuses.
    """
    if ground in (Ground.FIREARM, Ground.DOMESTIC_VIOLENCE, Ground.OTHER_DEPORTABILITY):
        return DEPORTABILITY_STATUSES
    if ground == Ground.CONTROLLED_SUBSTANCE and subcategory == "trafficking_reason_to_believe":
        return INADMISSIBILITY_STATUSES
    if ground in (Ground.PROSTITUTION, Ground.OTHER_INADMISSIBILITY):
        return INADMISSIBILITY_STATUSES
    if ground == Ground.DACA_BAR:
        return (Status.DACA,)
    if ground == Ground.TPS_BAR:
        return (Status.TPS,)
    if ground == Ground.ASYLUM_BAR:
        return (Status.REFUGEE, Status.ASYLEE, Status.ASYLUM_APPLICANT)
    if ground == Ground.MANDATORY_DETENTION and subcategory == "laken_riley":
        return LAKEN_RILEY_STATUSES
    if ground == Ground.GOOD_MORAL_CHARACTER:
        return GOOD_MORAL_CHARACTER_STATUSES
    return NONCITIZEN_STATUSES


def matters_for(status: Status, statuses: Collection[Status]) -> bool:
    """Whether a flag tagged with ``statuses`` is shown for a person of ``status``.

    Citizens and nationals: never (8 U.S.C. 1101(a)(22); removal reaches only "aliens").
    Unknown status or a possible derivative citizen: always, the worst case across statuses
    (PC 1016.3(b) consideration works without status). Otherwise: only if the status is listed.
    Tests: TestStatuses.
    """
    if status.is_citizen:
        return False
    if status.shows_every_ground:
        return True
    return status in statuses


# --- Derived grounds (docs/catalog.md: the engine derives these) ---------------------------------


def daca_bar(count: Count) -> Finding:
    """DACA: a felony, a "significant misdemeanor", or one of three misdemeanors.

    Source: 8 C.F.R. 236.22(b)(6) (DACA rule, 2022): significant misdemeanor = domestic violence,
    sexual abuse or exploitation, burglary, unlawful firearm possession or use, drug distribution
    or trafficking, DUI, or any misdemeanor with more than 90 days to serve in custody (suspended
    time excluded). Infractions are not misdemeanors. Tests: TestDaca, boundary in test_engine.
    """
    if count.level == Level.INFRACTION:
        return Finding(Verdict.NO, None, "an infraction is not a misdemeanor for DACA")
    is_felony = felony(count)
    if is_felony:
        return Finding(Verdict.YES, "felony", "a felony conviction")
    significant_tags = sorted(count.tags & DACA_SIGNIFICANT_TAGS)
    if significant_tags:
        condition = f"a significant misdemeanor ({', '.join(significant_tags)})"
        if is_felony is None:
            condition += ", or a felony"
        return Finding(Verdict.YES, "significant_misdemeanor", condition)
    custody = count.custody_days
    if custody is not None and custody > DACA_SIGNIFICANT_CUSTODY_DAYS:
        return Finding(
            Verdict.YES, "significant_misdemeanor", "more than 90 days in custody to serve"
        )
    counts_toward = "counts toward the three-misdemeanor bar"
    if custody is None:
        counts_toward = (
            "a significant misdemeanor if more than 90 days in custody are imposed; otherwise "
            + counts_toward
        )
    if is_felony is None:
        return Finding(
            Verdict.YES,
            "felony",
            "if a felony at plea (not reduced under PC 17(b)); as a misdemeanor, " + counts_toward,
        )
    return Finding(Verdict.NO, "misdemeanor", counts_toward)


def tps_bar(count: Count) -> Finding:
    """TPS: one felony, or two misdemeanors.

    Source: 8 U.S.C. 1254a(c)(2)(B)(i); 8 C.F.R. 244.1 (a misdemeanor is punishable by more than
    5 days; infractions do not count), 244.4(a). Tests: TestTps.
    """
    if count.level == Level.INFRACTION:
        return Finding(Verdict.NO, None, "an infraction is not a misdemeanor for TPS")
    is_felony = felony(count)
    if is_felony:
        return Finding(Verdict.YES, "felony", "a felony conviction")
    counts_toward = "one misdemeanor alone is not a bar; any second misdemeanor conviction bars TPS"
    if is_felony is None:
        return Finding(
            Verdict.YES,
            "felony",
            "if a felony at plea (not reduced under PC 17(b)); as a misdemeanor, " + counts_toward,
        )
    return Finding(Verdict.NO, "misdemeanor", counts_toward)


def asylum_bar(
    af_verdict: Verdict | None, af_condition: str | None, count: Count
) -> Finding | None:
    """Asylum and withholding: particularly serious crime.

    Source: 8 U.S.C. 1158(b)(2)(A)(ii), (B)(i): an aggravated felony is a particularly serious
    crime for asylum; otherwise it is decided case by case (Matter of N-A-M-, 24 I&N Dec. 336
    (BIA 2007)), and drug trafficking (Matter of Y-L-, A-G- & R-S-R-, 23 I&N Dec. 270 (A.G. 2002))
    and violent felonies are the usual candidates. Tests: TestAsylum.
    """
    if af_verdict is not None and af_verdict.is_flagged:
        return Finding(af_verdict, "aggravated_felony", af_condition)
    if count.tags & {"drug_distribution", "violent_force"}:
        is_felony = felony(count)
        if is_felony is False:
            return Finding(
                Verdict.ARGUABLY_NOT,
                "particularly_serious_crime",
                "a misdemeanor is rarely a particularly serious crime",
            )
        condition = "decided case by case" + ("" if is_felony else ", if a felony at plea")
        return Finding(Verdict.UNCLEAR, "particularly_serious_crime", condition)
    return None


def mandatory_detention(flagged: Iterable[tuple[Verdict, str | None]]) -> Finding | None:
    """Detention without bond on conviction: aggravated felony, controlled substance, firearm, CIMT.

    Source: 8 U.S.C. 1226(c)(1)(A)-(C). ``flagged`` is the count's (verdict, condition) pairs for
    those four grounds; the answer is the surest of them. For an admitted person with one CIMT
    1226(c)(1)(C) also needs a sentence of a year or more; the text says so. Tests: TestDetention.
    """
    flagged = [pair for pair in flagged if pair[0].is_flagged]
    if not flagged:
        return None
    verdict, condition = max(flagged, key=lambda pair: (pair[0].severity, pair[1] is None))
    return Finding(verdict, "conviction", condition)


def laken_riley_detention(tags: Collection[str]) -> Finding | None:
    """Detention without bond on a mere charge or arrest, for inadmissible noncitizens.

    Source: Laken Riley Act, Pub. L. 119-1 (2025), adding 8 U.S.C. 1226(c)(1)(E): a person
    inadmissible under 1182(a)(6)(A), (6)(C) or (7) who is charged with, arrested for, convicted of
    or admits burglary, theft, larceny, shoplifting, assault of a law enforcement officer, or a
    crime causing death or serious bodily injury. Tests: TestDetention.
    """
    if "laken_riley" not in tags:
        return None
    return Finding(
        Verdict.YES,
        "laken_riley",
        "on the charge or arrest alone, if the person entered without inspection or lacks valid "
        "documents "
        "(8 U.S.C. 1182(a)(6)(A), (6)(C), (7))",
    )


def good_moral_character(
    af: tuple[Verdict, str | None] | None,
    cimt_or_cs: tuple[Verdict, str | None] | None,
    custody_days: int | None,
) -> list[Finding]:
    """Good moral character bars: aggravated felony (permanent), CIMT or CS, 180 days confined.

    Source: 8 U.S.C. 1101(f)(8) (aggravated felony: permanent bar), 1101(f)(3) (offenses in
    1182(a)(2)(A), within the statutory period), 1101(f)(7) (confined 180 days or more in the
    period). ``af`` and ``cimt_or_cs`` are (verdict, condition) pairs or None. Actual confinement
    depends on credits, so a custody term of 180 days or more gives "assume yes".
    Tests: TestGoodMoralCharacter.
    """
    findings = []
    if af is not None and af[0].is_flagged:
        findings.append(Finding(af[0], "aggravated_felony", af[1]))
    if cimt_or_cs is not None and cimt_or_cs[0].is_flagged:
        condition = "within the statutory period" + (f"; {cimt_or_cs[1]}" if cimt_or_cs[1] else "")
        findings.append(Finding(cimt_or_cs[0], "cimt_or_controlled_substance", condition))
    if custody_days is not None and custody_days >= GMC_CONFINEMENT_DAYS:
        findings.append(
            Finding(
                Verdict.ASSUME_YES,
                "confinement_180_days",
                "if 180 days or more are actually served in the period",
            )
        )
    return findings


# --- Disposition-level rules --------------------------------------------------------------------


def aggregate_sentence(sentences: Sequence[int | None]) -> Finding | None:
    """Two or more convictions with aggregate sentences of five years or more.

    Source: 8 U.S.C. 1182(a)(2)(B) (any offenses, any single trial or not; sentences "actually
    imposed", suspended time included under 1101(a)(48)(B)). ``sentences`` lists each convicted
    count's sentence in days, None when not known. Tests: TestDisposition.
    """
    if len(sentences) < 2:
        return None
    total = sum(days for days in sentences if days is not None)
    if total >= AGGREGATE_SENTENCE_DAYS:
        return Finding(
            Verdict.YES,
            "multiple_convictions",
            f"aggregate sentence of {total} days (5 years or more)",
        )
    return None


def conviction_counts_as_misdemeanor_or_felony(
    level: Level | None, possible_levels: Sequence[Level]
) -> bool:
    """Whether a count is a misdemeanor or felony (so counts toward DACA/TPS multiple bars).

    Either level counts (a felony bars by itself); an unstated level counts unless the statute
    allows only an infraction. Source: 8 C.F.R. 236.22(b)(6), 244.1. Tests: TestDisposition.
    """
    if level is not None:
        return level != Level.INFRACTION
    return any(allowed != Level.INFRACTION for allowed in possible_levels) or not possible_levels


def three_misdemeanors(number: int) -> Finding | None:
    """DACA: three or more misdemeanors not on the same date and not from the same act.

    Source: 8 C.F.R. 236.22(b)(6). Counts in one case often share a date, hence "assume yes"
    with that condition. Tests: TestDisposition.
    """
    if number < 3:
        return None
    return Finding(
        Verdict.ASSUME_YES,
        "three_misdemeanors",
        "unless they occurred on the same date or arose from the same act, omission or scheme",
    )


def two_misdemeanors(number: int) -> Finding | None:
    """TPS: two or more misdemeanors (or a felony). Source: 8 U.S.C. 1254a(c)(2)(B)(i).

    Tests: TestDisposition.
    """
    if number < 2:
        return None
    return Finding(Verdict.YES, "two_misdemeanors", None)


def second_dui(number_of_dui_counts: int) -> Finding | None:
    """Two DUI convictions create a presumption against good moral character.

    Source: Matter of Castillo-Perez, 27 I&N Dec. 664 (A.G. 2019). Tests: TestDisposition.
    """
    if number_of_dui_counts < 2:
        return None
    return Finding(
        Verdict.ASSUME_YES,
        "two_dui",
        "two or more DUI convictions: presumed to lack good moral character",
    )


# --- Attempt, conspiracy and solicitation (PC 664, 182(a)(1), 653f) with a named target --------
# The combined count takes the target offense's grounds, each adjusted by one function below.
# Tests: tests/consequences/test_rules.py TestInchoate, test_real_catalog.py (attempts).

ATTEMPT, CONSPIRACY, SOLICITATION = "attempt", "conspiracy", "solicitation"
# PC 664(b): an attempted misdemeanor is punished by at most half the target's term; a
# California misdemeanor is at most 364 days (PC 18.5), so an attempt is at most 182.
ATTEMPTED_MISDEMEANOR_MAX_DAYS = MISDEMEANOR_MAX_DAYS // 2


class Adjusted(NamedTuple):
    """A target flag's verdict for the combined count, why, and what to cite."""

    verdict: Verdict
    why: str
    citations: tuple[str, ...]


def _article(kind: str) -> str:
    return ("an " if kind == ATTEMPT else "a ") + kind


def _at_most(verdict: Verdict, ceiling: Verdict) -> Verdict:
    return verdict if verdict.severity <= ceiling.severity else ceiling


def inchoate_aggravated_felony(kind: str, verdict: Verdict) -> Adjusted:
    """An attempt or conspiracy to commit an aggravated felony is one; a solicitation may not be.

    Source: 8 U.S.C. 1101(a)(43)(U) ("an attempt or conspiracy to commit an offense described in
    this paragraph"), on the target's own terms (sentence, loss); Matter of Onyido, 22 I&N Dec.
    552 (BIA 1999) (attempted fraud: the intended loss counts). Solicitation is not in (U):
    Leyva-Licea v. INS, 187 F.3d 1147 (9th Cir. 1999); other circuits may differ, so at most
    "unclear". Tests: TestInchoate.
    """
    if kind == SOLICITATION:
        return Adjusted(
            _at_most(verdict, Verdict.UNCLEAR),
            "solicitation is not an attempt or conspiracy under (U) in the Ninth Circuit "
            "(Leyva-Licea); unsettled elsewhere",
            ("8 U.S.C. § 1101(a)(43)(U)", "Leyva-Licea v. INS, 187 F.3d 1147 (9th Cir. 1999)"),
        )
    return Adjusted(
        verdict,
        f"{_article(kind)} to commit an aggravated felony is one under (U), on the target's terms",
        ("8 U.S.C. § 1101(a)(43)(U)", "Matter of Onyido, 22 I&N Dec. 552 (BIA 1999)"),
    )


def inchoate_cimt(kind: str, verdict: Verdict) -> Adjusted:
    """An attempted or conspired CIMT is a CIMT; a solicited one is treated as one.

    Source: 8 U.S.C. 1182(a)(2)(A)(i)(I) ("a crime involving moral turpitude ... or an attempt or
    conspiracy to commit such a crime"), a rule the BIA applies to deportability alike (turpitude
    lies in the intended act); Barragan-Lopez v. Mukasey, 508 F.3d 899 (9th Cir. 2007)
    (solicitation of a turpitudinous crime), graded at most "assume yes" as the PC 653f entry
    does. Tests: TestInchoate.
    """
    if kind == SOLICITATION:
        return Adjusted(
            _at_most(verdict, Verdict.ASSUME_YES),
            "soliciting a turpitudinous crime is treated as a CIMT",
            ("Barragan-Lopez v. Mukasey, 508 F.3d 899 (9th Cir. 2007)",),
        )
    return Adjusted(
        verdict,
        f"{_article(kind)} to commit a CIMT is a CIMT",
        ("8 U.S.C. § 1182(a)(2)(A)(i)(I)",),
    )


def inchoate_controlled_substance(kind: str, verdict: Verdict) -> Adjusted:
    """Attempts and conspiracies "relating to" a controlled substance are drug offenses.

    Source: 8 U.S.C. 1227(a)(2)(B)(i) and 1182(a)(2)(A)(i)(II) ("or a conspiracy or attempt to
    violate"). Solicitation is not named: Coronado-Durazo v. INS, 123 F.3d 1322 (9th Cir. 1997)
    held a generic solicitation is not a drug offense, but the BIA reads "relating to" broadly,
    so at most "unclear". Tests: TestInchoate.
    """
    if kind == SOLICITATION:
        return Adjusted(
            _at_most(verdict, Verdict.UNCLEAR),
            "solicitation is not named in the drug grounds (Coronado-Durazo, 9th Cir.); unsettled "
            "elsewhere",
            ("Coronado-Durazo v. INS, 123 F.3d 1322 (9th Cir. 1997)",),
        )
    return Adjusted(
        verdict,
        f"the drug grounds name {_article(kind)} to violate a drug law",
        ("8 U.S.C. § 1227(a)(2)(B)(i)", "8 U.S.C. § 1182(a)(2)(A)(i)(II)"),
    )


def inchoate_other(kind: str, ground: Ground, verdict: Verdict) -> Adjusted:
    """Every other ground of the target for the combined count.

    Firearm: 8 U.S.C. 1227(a)(2)(C) names "attempting or conspiring". Domestic violence: a crime
    of violence includes the "attempted use" of force (18 U.S.C. 16(a)), but United States v.
    Taylor, 596 U.S. 845 (2022) held an attempt need not attempt force, so an attempt is at most
    "assume yes"; a conspiracy or solicitation has no force element, so "unclear". Other grounds
    are not written for inchoate forms: at most "unclear" for a conspiracy or solicitation, and
    the target's answer for an attempt. Tests: TestInchoate.
    """
    if ground == Ground.FIREARM and kind != SOLICITATION:
        return Adjusted(
            verdict,
            f"the firearm ground names {'attempting' if kind == ATTEMPT else 'conspiring'}",
            ("8 U.S.C. § 1227(a)(2)(C)",),
        )
    if ground == Ground.DOMESTIC_VIOLENCE and kind == ATTEMPT:
        return Adjusted(
            _at_most(verdict, Verdict.ASSUME_YES),
            "a crime of violence includes an attempted use of force; Taylor leaves room to argue",
            ("18 U.S.C. § 16(a)", "United States v. Taylor, 596 U.S. 845 (2022)"),
        )
    if kind == ATTEMPT:
        return Adjusted(verdict, "an attempt is treated as the completed target offense", ())
    return Adjusted(
        _at_most(verdict, Verdict.UNCLEAR),
        f"the ground does not name {_article(kind)}; unsettled",
        (),
    )


def inchoate_flag(kind: str, ground: Ground, verdict: Verdict) -> Adjusted:
    """The one place a target's ground is adjusted for an attempt, conspiracy or solicitation."""
    if ground == Ground.AGGRAVATED_FELONY:
        return inchoate_aggravated_felony(kind, verdict)
    if ground == Ground.CIMT:
        return inchoate_cimt(kind, verdict)
    if ground == Ground.CONTROLLED_SUBSTANCE:
        return inchoate_controlled_substance(kind, verdict)
    return inchoate_other(kind, ground, verdict)


def inchoate_levels(
    kind: str, target_levels: Sequence[Level], form_levels: Sequence[Level]
) -> tuple[Level, ...]:
    """The levels the combined offense allows.

    Attempt: the target's (PC 664(a)-(b): an attempted felony is punished as a felony, an
    attempted misdemeanor as a misdemeanor). Conspiracy: PC 182(a) punishes a conspiracy to
    commit a felony as that felony, and one to commit a misdemeanor as a wobbler (county jail up
    to a year, or 1170(h)). Solicitation: the PC 653f entry's levels. Tests: TestInchoate.
    """
    if kind == CONSPIRACY:
        if Level.FELONY in target_levels:
            return tuple(level for level in target_levels if level != Level.INFRACTION)
        return (Level.FELONY, Level.MISDEMEANOR)
    if kind == SOLICITATION:
        return tuple(form_levels)
    return tuple(level for level in target_levels if level != Level.INFRACTION) or tuple(
        target_levels
    )


def inchoate_sentence_problem(
    kind: str, level: Level | None, sentence_days: int | None
) -> str | None:
    """Why a sentence is impossible for an attempt, or None.

    PC 664(b): an attempted misdemeanor carries at most half the target's term, so never more
    than 182 days. Tests: TestInchoate.
    """
    if (
        kind == ATTEMPT
        and level == Level.MISDEMEANOR
        and sentence_days is not None
        and sentence_days > ATTEMPTED_MISDEMEANOR_MAX_DAYS
    ):
        return (
            f"an attempted misdemeanor cannot carry {sentence_days} days: PC 664(b) allows at "
            f"most half the target's term ({ATTEMPTED_MISDEMEANOR_MAX_DAYS} days)"
        )
    return None


ATTEMPT_SENTENCE_TEXT = (
    "the sentence imposed on the attempt counts, and PC 664 halves the target's term"
)


# --- Prior convictions and the whole history (issue 16 item 2) ---------------------------------
# The disposition-level rules above take the present counts; these take the priors too.
# Tests: tests/consequences/test_priors.py.

GMC_STATUTORY_PERIOD_DAYS = 5 * 365  # 8 U.S.C. 1427(a): five years before naturalization


def counts_as_misdemeanor(level: Level | None, possible_levels: Sequence[Level]) -> bool:
    """Whether a conviction is, or may be, a misdemeanor for the DACA and TPS counts.

    Only misdemeanors count toward "two misdemeanors" (TPS, 8 U.S.C. 1254a(c)(2)(B)(i); 8 C.F.R.
    244.1) and "three misdemeanors" (DACA, 8 C.F.R. 236.22(b)(6)); a felony bars by itself and an
    infraction never counts. A wobbler whose level is open is either a misdemeanor or a felony
    that bars anyway, so it counts; so does a prior of unknown level and offense. Tests:
    TestMisdemeanorCounts.
    """
    if level is not None:
        return level == Level.MISDEMEANOR
    return Level.MISDEMEANOR in possible_levels or not possible_levels


def misdemeanor_occasions(
    count_dates: Sequence[datetime.date | None],
    single_scheme: bool | None,
    prior_dates: Iterable[datetime.date],
) -> tuple[int, int]:
    """(fewest, most) separate occasions the misdemeanors fall on, for DACA's three.

    8 C.F.R. 236.22(b)(6) counts misdemeanors "not occurring on the same date and not arising
    out of the same act, omission or scheme of misconduct". ``count_dates`` are the present
    misdemeanor counts' offense dates (None when not given); ``single_scheme`` the deputy's
    answer (True, False or None); ``prior_dates`` the prior misdemeanors' conviction dates, each
    date a separate case. Tests: TestMisdemeanorCounts.
    """
    known = {date for date in count_dates if date is not None}
    if not count_dates:
        fewest = most = 0
    elif single_scheme is True:
        fewest = most = 1
    elif None not in count_dates:
        most = len(known)
        fewest = most if single_scheme is False else 1
    else:
        most = len(count_dates)
        fewest = max(1, len(known)) if single_scheme is False else 1
    priors = len(set(prior_dates))
    return fewest + priors, most + priors


def daca_three_misdemeanors(number: int, occasions: tuple[int, int]) -> Finding | None:
    """DACA's three misdemeanors, decided from the dates and the single-scheme answer.

    Source: 8 C.F.R. 236.22(b)(6). ``number`` counts the misdemeanors (present and prior),
    ``occasions`` is ``misdemeanor_occasions``'s (fewest, most). Three certain occasions: yes;
    fewer than three possible: no; otherwise "assume yes" with the condition, as before.
    Tests: TestMisdemeanorCounts.
    """
    if number < 3:
        return None
    fewest, most = occasions
    if fewest >= 3:
        return Finding(
            Verdict.YES,
            "three_misdemeanors",
            f"{fewest} misdemeanors on separate dates, not from one act or scheme",
        )
    if most < 3:
        return Finding(
            Verdict.NO,
            "three_misdemeanors",
            "on the same date or from the same act or scheme: they count as fewer than three",
        )
    return three_misdemeanors(number)


def two_cimts_with_history(
    count_verdicts: Iterable[Verdict],
    prior_verdicts: Iterable[Verdict],
    single_scheme: bool | None,
    dates_differ: bool = False,
) -> Finding | None:
    """Two CIMTs after admission (deportable, any sentence) across the present counts and priors.

    Source: 8 U.S.C. 1227(a)(2)(A)(ii), "not arising out of a single scheme of criminal
    misconduct", read narrowly (Matter of Adetiba, 20 I&N Dec. 506 (BIA 1992); Szonyi v.
    Whitaker, 915 F.3d 1228 (9th Cir. 2019)): a prior conviction is a separate scheme; counts
    committed on different dates are too. The deputy's "single scheme" answer decides the present
    counts; unknown keeps the verdict with the condition in words. Needs at least one present
    CIMT (two old ones are not this plea's consequence). Tests: TestTwoCimts.
    """
    present = sorted((v for v in count_verdicts if v.is_flagged), key=_severity, reverse=True)
    prior = sorted((v for v in prior_verdicts if v.is_flagged), key=_severity, reverse=True)
    if not present or len(present) + len(prior) < 2:
        return None
    findings = []
    if prior:
        verdict = min(present[0], prior[0], key=_severity)
        findings.append(
            Finding(verdict, "two_cimts", "a prior CIMT conviction and a CIMT in this disposition")
        )
    if len(present) >= 2:
        if single_scheme is True:
            findings.append(
                Finding(
                    Verdict.ARGUABLY_NOT,
                    "two_cimts",
                    "the counts arise from a single scheme of criminal misconduct, as recorded "
                    "(read narrowly: Matter of Adetiba)",
                )
            )
        elif single_scheme is False or dates_differ:
            why = "not from a single scheme, as recorded"
            if single_scheme is None:
                why = "committed on different dates, so not a single scheme (Matter of Adetiba)"
            findings.append(Finding(present[1], "two_cimts", why))
        else:
            both = two_cimts(present)
            assert both is not None  # two flagged present CIMTs always make a finding
            findings.append(both)
    return max(findings, key=lambda finding: finding.verdict.severity)


def petty_offense_exception_lost(
    count_verdicts: Iterable[Verdict], prior_verdicts: Iterable[Verdict]
) -> Finding | None:
    """The petty-offense exception ends once the person has another CIMT.

    Source: 8 U.S.C. 1182(a)(2)(A)(ii)(II): it covers "only one crime"; a single scheme does not
    save it (inadmissibility has no single-scheme rule). So with a present CIMT and any other
    CIMT, present or prior, the person is inadmissible for a CIMT. Tests: TestTwoCimts.
    """
    present = sorted((v for v in count_verdicts if v.is_flagged), key=_severity, reverse=True)
    prior = sorted((v for v in prior_verdicts if v.is_flagged), key=_severity, reverse=True)
    every = sorted(present + prior, key=_severity, reverse=True)
    if not present or len(every) < 2:
        return None
    return Finding(
        every[1],
        "petty_offense_exception_lost",
        "another CIMT"
        + (" (a prior conviction)" if prior else "")
        + ": the petty-offense exception covers only one crime, so a CIMT here makes the person "
        "inadmissible",
    )


def recidivist_possession(
    possession_verdict: Verdict,
    prior_is_drug: bool | None,
    pleaded_and_proven: bool | None,
    prior_final: bool | None,
) -> Finding | None:
    """A second simple possession as an illicit-trafficking aggravated felony (B).

    Source: Lopez v. Gonzales, 549 U.S. 47 (2006) (a state offense is (B) only if it would be a
    federal felony); Carachuri-Rosendo v. Holder, 560 U.S. 563 (2010): a second possession is a
    federal felony (21 U.S.C. 844(a)) only if the conviction itself rests on a prior drug
    conviction that was final, pleaded and proven. ``possession_verdict`` is the present count's
    controlled-substance verdict; ``prior_is_drug`` whether a prior is a drug conviction;
    ``pleaded_and_proven`` and ``prior_final`` True, False or None. Tests: TestRecidivist.
    """
    if not possession_verdict.is_flagged or not prior_is_drug:
        return None
    if pleaded_and_proven is False:
        return Finding(
            Verdict.NO,
            "B",
            "the prior drug conviction is not pleaded and proven in this case, so not recidivist "
            "possession (Carachuri-Rosendo)",
        )
    if prior_final is False:
        return Finding(
            Verdict.NO,
            "B",
            "the prior drug conviction was not final when this offense was committed",
        )
    if pleaded_and_proven is True:
        verdict = min(possession_verdict, Verdict.ASSUME_YES, key=_severity)
        return Finding(
            verdict,
            "B",
            "a prior drug conviction pleaded and proven: recidivist possession, a federal felony "
            "(21 U.S.C. 844(a))" + ("" if prior_final else ", if the prior was final"),
        )
    return Finding(
        Verdict.UNCLEAR,
        "B",
        "if the prior drug conviction is pleaded and proven in this case (Carachuri-Rosendo)",
    )


def prior_felony(level: Level | None) -> Finding | None:
    """A prior felony bars TPS and DACA by itself. Source: 8 U.S.C. 1254a(c)(2)(B)(i); 8 C.F.R.
    236.22(b)(6). Tests: TestMisdemeanorCounts."""
    if level != Level.FELONY:
        return None
    return Finding(Verdict.YES, "prior_felony", "a prior felony conviction")


def prior_good_moral_character(
    af_verdict: Verdict | None, cimt_or_cs_verdict: Verdict | None, recent: bool | None
) -> list[Finding]:
    """Good moral character bars a prior conviction carries.

    Source: 8 U.S.C. 1101(f)(8): an aggravated felony (convicted on or after Nov. 29, 1990) bars
    it permanently; 1101(f)(3): a CIMT or drug offense within the statutory period (usually five
    years, 8 U.S.C. 1427(a)). ``recent`` says whether the prior falls in the last five years.
    Tests: TestGoodMoralCharacterHistory.
    """
    findings = []
    if af_verdict is not None and af_verdict.is_flagged:
        findings.append(
            Finding(
                af_verdict,
                "prior_aggravated_felony",
                "a prior aggravated felony: a permanent bar (if convicted on or after "
                "Nov. 29, 1990)",
            )
        )
    if cimt_or_cs_verdict is not None and cimt_or_cs_verdict.is_flagged and recent:
        findings.append(
            Finding(
                cimt_or_cs_verdict,
                "prior_cimt_or_controlled_substance",
                "a prior CIMT or drug conviction within the last five years",
            )
        )
    return findings


def _severity(verdict: Verdict) -> int:
    return verdict.severity


# --- Shared rules keyed by a tag (issue 16 item 3) ----------------------------------------------


def obstruction_after_pugin(possible_levels: Sequence[Level]) -> Verdict | None:
    """The (S) obstruction-of-justice verdict for an entry tagged ``obstruction``, or None.

    Source: 8 U.S.C. 1101(a)(43)(S) (obstruction of justice, a term of a year or more); Pugin v.
    Garland, 599 U.S. 600 (2023) (no pending proceeding needed); ILRC chart (PC 32, 136.1,
    148(b)-(d), VC 20001: keep the sentence under a year). A misdemeanor-only offense can never
    reach a year (PC 18.5), so it gets none. "Assume yes" when the entry does not grade it itself.
    Tests: tests/consequences/test_catalog_rules.py.
    """
    if Level.FELONY not in possible_levels:
        return None
    return Verdict.ASSUME_YES


def domestic_violence_from_crime_of_violence(
    crime_of_violence_verdict: Verdict | None,
) -> Verdict | None:
    """The domestic-violence verdict of a crime of violence against a person, or None.

    Source: 8 U.S.C. 1227(a)(2)(E)(i): a crime of domestic violence is a crime of violence (18
    U.S.C. 16(a)) against a protected person; the relationship is circumstance-specific (Matter
    of H. Estrada, 26 I&N Dec. 749 (BIA 2016)). The entry's (F) verdict grades the force element
    (Borden v. United States, 593 U.S. 420 (2021); United States v. Draper, 84 F.4th 797 (9th
    Cir. 2023)); the condition is the relationship. Tests: test_catalog_rules.py.
    """
    if crime_of_violence_verdict is None or not crime_of_violence_verdict.is_flagged:
        return None
    return crime_of_violence_verdict
