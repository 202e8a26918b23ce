"""The consequence engine: which immigration consequences a plea may carry, and what avoids them.

The cases app calls four functions (tests: tests/consequences/test_engine.py and
test_real_catalog.py):

- ``assess_count(offense, *, level, sentence_days, suspended_days, facts, status)``
  → ``CountAssessment``
- ``assess_disposition(counts, *, status, priors, single_scheme)`` → ``DispositionAssessment``
  (every count, plus the grounds only a whole disposition and the person's known priors can
  trigger: two CIMTs, the petty-offense exception, recidivist possession, five years aggregate,
  DACA's three and TPS's two misdemeanors, a second DUI, good moral character;
  tests/consequences/test_priors.py)
- ``suggest(prefix, limit=10)`` → ``[Suggestion]`` for autocomplete, and
  ``did_you_mean(text)`` → ``[Suggestion]`` for a code the catalog does not know
- ``facts_used(offense)`` → the record-of-conviction facts its entry reads (None if unknown)
- ``catalog_version()`` → ``"2026.12.2"``

An attempt, conspiracy or solicitation written with its target ("PC 664/211", "conspiracy to
commit HS 11352") is assessed from the target's entry, each ground adjusted by
``rules.inchoate_flag`` (tests/consequences/test_inchoate.py).

Every result says whether the offense was found (``known``); an offense that is not in the catalog
is never returned as a safe-looking empty answer: it has ``known = False`` and a ``message``.
Impossible input (a 400-day misdemeanor, an unknown status or fact) raises ``InvalidInput``.
Everything is advisory, not legal advice.
"""

import dataclasses
import datetime
import difflib
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import codes, rules
from .catalog import (
    FACT_TYPES,
    Alternative,
    Catalog,
    FlagRule,
    Match,
    Offense,
    fact_has_type,
    get_catalog,
)
from .codes import CombinedForm, OffenseCode
from .priors import PriorConviction, read_prior
from .rules import InvalidInput
from .statuses import Ground, Level, Status, Verdict

__all__ = [
    "DISCLAIMER",
    "AlternativeAssessment",
    "CountAssessment",
    "CountInput",
    "DispositionAssessment",
    "Flag",
    "InvalidInput",
    "PriorAssessment",
    "PriorConviction",
    "Suggestion",
    "assess_count",
    "assess_disposition",
    "catalog_effective",
    "catalog_version",
    "did_you_mean",
    "facts_used",
    "suggest",
]

DISCLAIMER = (
    "Advisory only; not legal advice. A tool for the prosecutor's consideration under PC "
    "1016.3(b); "
    "immigration consequences depend on the person's full history and status."
)

_DERIVED_GROUNDS = frozenset(
    {
        Ground.DACA_BAR,
        Ground.TPS_BAR,
        Ground.ASYLUM_BAR,
        Ground.MANDATORY_DETENTION,
        Ground.GOOD_MORAL_CHARACTER,
    }
)


@dataclass(frozen=True, slots=True)
class CountInput:
    """One count as asked about: the offense as written, and what is known of the plea terms.

    ``sentence_days`` is the custody ordered on the count; ``suspended_days`` any further term
    imposed but suspended. Immigration law counts both (8 U.S.C. 1101(a)(48)(B)); pass the whole
    term as ``sentence_days`` if it is not split. ``facts`` are record-of-conviction facts
    (docs/catalog.md); an absent fact is unknown.
    """

    offense: str
    level: str | None = None
    sentence_days: int | None = None
    suspended_days: int = 0
    facts: Mapping | None = None
    # When the offense was committed, for a disposition's history rules (DACA's same-date rule,
    # two CIMTs, a prior's finality); None when not given.
    offense_date: datetime.date | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "offense": self.offense,
            "level": None if self.level is None else str(self.level),
            "sentence_days": self.sentence_days,
            "suspended_days": self.suspended_days,
            "facts": dict(self.facts or {}),
        }
        if self.offense_date is not None:  # the one-count output stays as it was
            data["offense_date"] = self.offense_date.isoformat()
        return data


@dataclass(frozen=True, slots=True)
class Flag:
    """One ground as it applies to a count: how sure, if what, for whom, and what clears it."""

    ground: Ground
    subcategory: str | None
    verdict: Verdict
    condition: str | None
    statuses: tuple[Status, ...]
    fix: str | None
    citations: tuple[str, ...]
    note: str

    @property
    def is_flagged(self) -> bool:
        return self.verdict.is_flagged

    def to_dict(self) -> dict[str, Any]:
        return {
            "ground": self.ground.value,
            "subcategory": self.subcategory,
            "verdict": self.verdict.value,
            "condition": self.condition,
            "statuses": [status.value for status in self.statuses],
            "fix": self.fix,
            "citations": list(self.citations),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class AlternativeAssessment:
    """A safer plea from the entry, assessed by the same engine at the terms the entry names."""

    code: str
    title: str
    conditions: str
    citations: tuple[str, ...]
    assessment: "CountAssessment"
    # The terms the entry asks for, which adopting it must apply: a cap on the sentence
    # imposed, and the level when the entry names one or the statute has only one.
    sentence_days_max: int | None = None
    level: Level | None = None

    @property
    def flags(self) -> tuple[Flag, ...]:
        return self.assessment.flags

    def to_dict(self) -> dict[str, Any]:
        assessed = self.assessment
        return {
            "code": self.code,
            "title": self.title,
            "conditions": self.conditions,
            "flags": [flag.to_dict() for flag in self.flags],
            "assessed_at": {
                "level": None if assessed.level is None else assessed.level.value,
                "sentence_days": assessed.sentence_days,
                "facts": dict(assessed.input.facts or {}),
            },
            "citations": list(self.citations),
            "requires": {
                "sentence_days_max": self.sentence_days_max,
                "level": None if self.level is None else self.level.value,
            },
        }


@dataclass(frozen=True, slots=True)
class CountAssessment:
    """The engine's answer for one count."""

    input: CountInput
    status: Status
    known: bool
    code: str | None  # the entry's code if known, else the canonical spelling if it could be read
    title: str | None
    level: Level | None  # at plea, inferred where only one is possible
    sentence_days: int | None  # for immigration: suspended time included
    flags: tuple[Flag, ...]  # those that matter for ``status``
    alternatives: tuple[AlternativeAssessment, ...]
    catalog_version: str
    match_note: str | None = None  # e.g. "No entry for PC 273.5(a)(1); using PC 273.5(a)."
    message: str | None = None
    candidates: tuple[str, ...] = ()  # entries to choose from when a bare section is ambiguous
    all_flags: tuple[Flag, ...] = field(default=(), repr=False)  # before narrowing by status
    tags: frozenset = field(default=frozenset(), repr=False)
    possible_levels: tuple[Level, ...] = field(default=(), repr=False)
    kind: str | None = None  # the kind of the entry found ("offense", "guidance", ...), else None

    @property
    def flagged(self) -> tuple[Flag, ...]:
        """The flags whose verdict is yes, assume yes or unclear."""
        return tuple(flag for flag in self.flags if flag.is_flagged)

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": {**self.input.to_dict(), "status": self.status.value},
            "offense": {"code": self.code, "title": self.title, "known": self.known},
            "catalog_version": self.catalog_version,
            "flags": [flag.to_dict() for flag in self.flags],
            "alternatives": [alternative.to_dict() for alternative in self.alternatives],
            "match": self.match_note,
            "candidates": list(self.candidates),
            "message": self.message,
            "disclaimer": DISCLAIMER,
        }


@dataclass(frozen=True, slots=True)
class PriorAssessment:
    """A prior conviction as the engine read it: its catalog entry's answer, or unknown."""

    prior: PriorConviction
    assessment: CountAssessment

    @property
    def known(self) -> bool:
        return self.assessment.known

    def to_dict(self) -> dict[str, object]:
        assessed = self.assessment
        return {
            **self.prior.to_dict(),
            "offense": {"code": assessed.code, "title": assessed.title, "known": assessed.known},
            "flagged": [
                {"ground": flag.ground.value, "subcategory": flag.subcategory}
                for flag in assessed.all_flags
                if flag.is_flagged and flag.ground not in _DERIVED_GROUNDS
            ],
        }


@dataclass(frozen=True, slots=True)
class DispositionAssessment:
    """The answer for a whole disposition: each count, and the grounds only the whole triggers."""

    counts: tuple[CountAssessment, ...]
    status: Status
    flags: tuple[Flag, ...]  # disposition-level, those that matter for ``status``
    catalog_version: str
    message: str | None = None
    all_flags: tuple[Flag, ...] = field(default=(), repr=False)
    priors: tuple[PriorAssessment, ...] = ()
    single_scheme: bool | None = None

    @property
    def known(self) -> bool:
        """True only if every count's offense is in the catalog."""
        return all(count.known for count in self.counts)

    @property
    def unknown_priors(self) -> tuple[PriorAssessment, ...]:
        """Priors not in the catalog: counted for sentence totals and levels only."""
        return tuple(prior for prior in self.priors if not prior.known)

    def to_dict(self) -> dict[str, Any]:
        given = {}
        if self.priors or self.single_scheme is not None:  # earlier output stays as it was
            given = {
                "priors": [prior.prior.to_dict() for prior in self.priors],
                "single_scheme": self.single_scheme,
            }
        data = {
            "input": {
                "counts": [count.input.to_dict() for count in self.counts],
                "status": self.status.value,
                **given,
            },
            "known": self.known,
            "catalog_version": self.catalog_version,
            "counts": [count.to_dict() for count in self.counts],
            "flags": [flag.to_dict() for flag in self.flags],
            "message": self.message,
            "disclaimer": DISCLAIMER,
        }
        if self.priors:
            data["priors"] = [prior.to_dict() for prior in self.priors]
        return data


@dataclass(frozen=True, slots=True)
class Suggestion:
    code: str
    title: str


# --- Public functions -----------------------------------------------------------------------------


def catalog_version(catalog: Catalog | None = None) -> str:
    """The version of the catalog in use, to freeze into a signed worksheet."""
    return (catalog or get_catalog()).version


def catalog_effective(catalog: Catalog | None = None) -> datetime.date:
    """The date the catalog in use took effect."""
    return (catalog or get_catalog()).effective


def assess_count(
    offense: str,
    *,
    level: str | None = None,
    sentence_days: int | None = None,
    suspended_days: int = 0,
    facts: Mapping[str, object] | None = None,
    status: str | None = Status.UNKNOWN,
    catalog: Catalog | None = None,
) -> "CountAssessment":
    """Assess one count: ``assess_count("PC 273.5(a)", level="felony", sentence_days=364)``."""
    count_input = CountInput(offense, level, sentence_days, suspended_days, facts)
    return _assess(catalog or get_catalog(), count_input, _status(status), with_alternatives=True)


def assess_disposition(
    counts: Iterable[CountInput | Mapping[str, Any]],
    *,
    status: str | None = Status.UNKNOWN,
    priors: Iterable[PriorConviction | Mapping[str, Any]] = (),
    single_scheme: bool | None = None,
    catalog: Catalog | None = None,
    today: datetime.date | None = None,
) -> "DispositionAssessment":
    """Assess every count of a disposition together, against the person's known priors.

    ``counts`` holds ``CountInput``s or mappings with the same keys (``offense`` required;
    ``offense_date`` optional). ``priors`` holds ``PriorConviction``s or mappings (code,
    convicted_on, sentence_days, level, source, pleaded_and_proven). ``single_scheme`` is the
    deputy's answer to "do these counts arise from a single scheme or act?": True, False or None
    (unknown, read as "assume yes" for the grounds it would clear). Disposition-level grounds
    (8 U.S.C. 1227(a)(2)(A)(ii), 1182(a)(2)(A)(ii)(II), 1182(a)(2)(B), 1101(a)(43)(B) recidivist
    possession; DACA, TPS; Matter of Castillo-Perez; 1101(f)) are computed on every count's flags
    and the priors' before narrowing by status. ``today`` (default: the date) bounds a prior's
    date. Tests: test_engine.py TestDisposition, test_priors.py.
    """
    catalog = catalog or get_catalog()
    status = _status(status)
    if single_scheme not in (True, False, None):
        raise InvalidInput(
            f"single_scheme must be true (yes), false (no) or null (unknown), got {single_scheme!r}"
        )
    today = today or datetime.date.today()
    if isinstance(priors, (str, bytes, Mapping)):
        raise InvalidInput("priors must be a list of prior convictions")
    prior_results = tuple(
        _assess_prior(catalog, read_prior(prior, number, today), number)
        for number, prior in enumerate(priors, start=1)
    )
    assessed = tuple(
        _assess(catalog, _count_input(count, number), status, with_alternatives=True)
        for number, count in enumerate(counts, start=1)
    )
    all_flags = tuple(_disposition_flags(assessed, prior_results, single_scheme, today))
    unknown = [count.input.offense for count in assessed if not count.known]
    unknown_priors = [prior.prior.code for prior in prior_results if not prior.known]
    messages = []
    if unknown:
        messages.append(
            f"{len(unknown)} count(s) not in the catalog ({', '.join(map(str, unknown))}) — no "
            f"analysis for them, "
            "so the disposition-level grounds (two CIMTs, DACA, TPS) may be understated."
        )
    if unknown_priors:
        messages.append(
            f"{len(unknown_priors)} prior(s) not in the catalog ({', '.join(unknown_priors)}): "
            "counted for the sentence total and, where the level is given, the DACA and TPS "
            "counts; their other grounds are unknown, so history-based grounds may be understated."
        )
    if not messages and status.is_citizen:
        messages.append(_CITIZEN_MESSAGE)
    return DispositionAssessment(
        counts=assessed,
        status=status,
        flags=_narrow(all_flags, status),
        catalog_version=catalog.version,
        message=" ".join(messages) or None,
        all_flags=all_flags,
        priors=prior_results,
        single_scheme=single_scheme,
    )


def suggest(prefix: str, limit: int = 10, catalog: Catalog | None = None) -> list[Suggestion]:
    """Entries whose code starts with ``prefix`` (however written), then by words of the title."""
    catalog = catalog or get_catalog()
    if not isinstance(prefix, str) or not prefix.strip() or limit <= 0:
        return []
    index = catalog.memo.get("suggest")
    if index is None:
        index = catalog.memo["suggest"] = _suggest_index(catalog)
    key = _code_key(prefix)
    words = re.findall(r"[a-z0-9.]+", prefix.lower())
    by_code, by_title = [], []
    for offense, code_keys, title_words in index:
        if key and any(code_key.startswith(key) for code_key in code_keys):
            by_code.append(offense)
        elif words and all(any(word_.startswith(word) for word_ in title_words) for word in words):
            by_title.append(offense)
        if len(by_code) >= limit:
            break
    return [Suggestion(offense.code, offense.title) for offense in (by_code + by_title)[:limit]]


def did_you_mean(text: object, limit: int = 3, catalog: Catalog | None = None) -> list[Suggestion]:
    """Catalog entries whose code is close to ``text`` ("PC 2735a" → PC 273.5(a)), best first.

    For a statute the catalog does not know: difflib's ratio over the same compact keys as
    ``suggest`` ("pc273.5a"), so a dropped dot, bracket or letter still finds the entry. Only a
    suggestion: the statute as typed stays unknown until the deputy picks one.
    Tests: tests/consequences/test_facts_used.py.
    """
    catalog = catalog or get_catalog()
    key = _code_key(text) if isinstance(text, str) else None
    if not key or limit <= 0:
        return []
    index = catalog.memo.get("suggest")
    if index is None:
        index = catalog.memo["suggest"] = _suggest_index(catalog)
    # Compare with the code's letters when the text has them ("pc..."), else the section only.
    with_code = bool(re.match(r"[a-z]", key))
    candidates: dict[str, Offense] = {}
    for offense, code_keys, _ in index:
        if offense.kind == "offense":
            candidates.setdefault(code_keys[0] if with_code else code_keys[1], offense)
    close = difflib.get_close_matches(key, list(candidates), n=limit, cutoff=0.75)
    return [Suggestion(candidates[k].code, candidates[k].title) for k in close]


def facts_used(offense: object, catalog: Catalog | None = None) -> tuple[str, ...] | None:
    """The record-of-conviction facts (``FACT_TYPES`` names) that some rule of the entry for
    ``offense`` reads, in ``FACT_TYPES`` order; None when the catalog has no analysis of it.

    Not declared in the catalog: derived from each rule's ``when`` condition
    (``rules.facts_read_by``), the entry's own rules and the shared ones its tags bring. An
    attempt or conspiracy reads its target's. The offer page hides the other facts, which cannot
    change this count's answer. Tests: tests/consequences/test_facts_used.py.
    """
    catalog = catalog or get_catalog()
    if not isinstance(offense, str):
        return None
    cache = catalog.memo.setdefault("facts_used", {})
    if offense not in cache:
        if len(cache) >= 20_000:
            cache.clear()
        cache[offense] = _facts_used(catalog, offense)
    return cache[offense]


def _facts_used(catalog: Catalog, offense: str) -> tuple[str, ...] | None:
    form = codes.combined_form(offense)
    _, match = catalog.resolve(offense) if form is None else _resolve_target(catalog, form)
    if match is None or match.offense.kind != "offense":
        return None
    entry = match.offense
    neutral = rules.Count(None, entry.levels, None, None, {}, entry.tags)
    read: set[str] = set()
    for rule in entry.flags + _shared_rules(entry, neutral):
        read |= rules.facts_read_by(rule.when)
    return tuple(name for name in FACT_TYPES if name in read)


# --- Assessing one count ------------------------------------------------------------------------

_CITIZEN_MESSAGE = (
    "No immigration consequence applies to a U.S. citizen or national; none is listed."
)
_POSSIBLE_CITIZEN_MESSAGE = (
    "If the person is in fact a U.S. citizen none of these apply; derivative citizenship is for "
    "immigration counsel to confirm."
)


def _assess(
    catalog: Catalog, count_input: CountInput, status: Status, *, with_alternatives: bool
) -> CountAssessment:
    text = count_input.offense
    level = _level(count_input.level)
    custody = _days(count_input.sentence_days, "sentence_days")
    suspended = _days(count_input.suspended_days, "suspended_days") or 0
    sentence = rules.immigration_sentence(custody, suspended)
    facts = _facts(count_input.facts)
    form = codes.combined_form(text)
    if form is None:
        parsed, match = catalog.resolve(text)
    else:
        parsed, match = _resolve_target(catalog, form)
    if match is None:
        problem = rules.sentence_problem(level, sentence, custody)
        if problem:
            raise InvalidInput(f"{text}: {problem}")
        return _unknown(catalog, count_input, status, parsed, level, sentence, form)

    offense = match.offense
    if offense.kind != "offense":
        problem = rules.sentence_problem(level, sentence, custody)
        if problem:
            raise InvalidInput(f"{text}: {problem}")
        return _not_analysed(catalog, count_input, status, offense, level, sentence, match)
    form_entry = None if form is None else catalog.get(form.form_code)
    levels, code, title = offense.levels, offense.code, offense.title
    if form is not None:
        levels = rules.inchoate_levels(
            form.kind, offense.levels, form_entry.levels if form_entry else offense.levels
        )
        code = f"{form.form_code}/{offense.code}"
        title = f"{form.kind.capitalize()} ({form.form_code}) to commit: {offense.title}"
    if level is not None and level not in levels:
        allowed = ", ".join(levels)
        raise InvalidInput(f"{code} cannot be a {level} (the statute allows: {allowed})")
    level = rules.level_at_plea(level, levels, sentence)
    problem = rules.sentence_problem(level, sentence, custody)
    if problem is None and form is not None:
        problem = rules.inchoate_sentence_problem(form.kind, level, sentence)
    if (
        problem is None
        and level is None
        and sentence is not None
        and sentence > rules.MISDEMEANOR_MAX_DAYS
    ):
        problem = (
            f"{sentence} days is impossible: it is never a felony, "
            "and PC 18.5 caps a misdemeanor at 364 days"
        )
    if problem:
        raise InvalidInput(f"{code}: {problem}")

    count = rules.Count(level, levels, sentence, custody, facts, offense.tags)
    all_flags = _memoised_count_flags(catalog, offense, count, form)
    # A combined count's safer pleas are the form's own (PC 32 for an attempt or conspiracy).
    offered = (
        offense.alternatives if form is None else (form_entry.alternatives if form_entry else ())
    )
    alternatives: tuple[AlternativeAssessment, ...] = ()
    if with_alternatives and offered:
        alternatives = tuple(
            _alternative(catalog, alternative, count, status) for alternative in offered
        )
    flags = _narrow(all_flags, status)
    message = None
    if status.is_citizen:
        message = _CITIZEN_MESSAGE
    elif status == Status.POSSIBLE_DERIVATIVE_CITIZEN:
        message = _POSSIBLE_CITIZEN_MESSAGE
    elif not flags:
        message = (
            f"None of the {len(all_flags)} grounds listed for {code} matters for status "
            f"'{status.label}'; they are shown when the status is unknown."
        )
    return CountAssessment(
        input=count_input,
        status=status,
        known=True,
        code=code,
        title=title,
        level=level,
        sentence_days=sentence,
        flags=flags,
        alternatives=alternatives,
        catalog_version=catalog.version,
        match_note=match.note,
        message=message,
        all_flags=all_flags,
        tags=offense.tags,
        possible_levels=levels,
        kind=offense.kind,
    )


# Codes tried, in order, for a bare target section ("PC 182(a)(1)/11352"): the form's own code
# first, then the others; the first whose section the catalog knows is used, and the match says so.
_TARGET_CODE_ORDER = ("PC", "HS", "VC", "BP", "WI")


def _resolve_target(
    catalog: Catalog, form: CombinedForm
) -> tuple[OffenseCode | None, Match | None]:
    """The target of an attempt, conspiracy or solicitation: (parsed or None, Match or None)."""
    if form.target_code_given:
        return catalog.resolve(form.target)
    first = None
    for code_name in _TARGET_CODE_ORDER:
        parsed, match = catalog.resolve(f"{code_name} {form.target}")
        first = first or parsed
        if match is not None and parsed is not None:  # a match comes with its reading
            if code_name != "PC":
                note = f"Read the target {form.target!r} as {parsed.canonical}."
                match = Match(
                    match.offense,
                    match.requested,
                    False,
                    note + (f" {match.note}" if match.note else ""),
                )
            return parsed, match
    return first, None


def _unknown(
    catalog: Catalog,
    count_input: CountInput,
    status: Status,
    parsed: OffenseCode | None,
    level: Level | None,
    sentence: int | None,
    form: CombinedForm | None = None,
) -> CountAssessment:
    """An answer that says plainly there is no analysis, never an empty 'safe' one.

    An attempt, conspiracy or solicitation of an unknown target is unknown with the same warning.
    """
    candidates: tuple[str, ...] = ()
    if form is not None and parsed is None:
        message = (
            f"Could not read the target offense {form.target!r} of this {form.kind} "
            f"({form.form_code}) as a California offense code (for example 'PC 211') — no "
            "analysis. Do not treat it as safe."
        )
    elif form is not None and parsed is not None:
        candidates = tuple(offense.code for offense in catalog.in_section(parsed))
        message = (
            f"The target offense {parsed.canonical} of this {form.kind} ({form.form_code}) is not "
            "in the catalog — no analysis. Do not treat it as safe; ask immigration counsel."
        )
        if candidates and not parsed.subdivisions:
            message = (
                f"The target {parsed.canonical} of this {form.kind} ({form.form_code}) has several "
                f"subdivisions in the catalog ({', '.join(candidates)}): name one — no analysis "
                "yet."
            )
    elif parsed is None:
        message = (
            f"Could not read {count_input.offense!r} as a California offense code (for "
            "example 'PC 273.5(a)') — no analysis. Do not treat it as safe."
        )
    else:
        candidates = tuple(offense.code for offense in catalog.in_section(parsed))
        if candidates and not parsed.subdivisions:
            message = (
                f"{parsed.canonical} has several subdivisions in the catalog "
                f"({', '.join(candidates)}): name one — no analysis yet."
            )
        else:
            message = (
                f"{parsed.canonical} is not in the catalog — no analysis. Do not treat it as safe; "
                "ask immigration counsel."
            )
    return CountAssessment(
        input=count_input,
        status=status,
        known=False,
        code=_unknown_code(parsed, form),
        title=None,
        level=level,
        sentence_days=sentence,
        flags=(),
        alternatives=(),
        catalog_version=catalog.version,
        message=message,
        candidates=candidates,
    )


def _unknown_code(parsed: OffenseCode | None, form: CombinedForm | None) -> str | None:
    if parsed is None:
        return None
    return parsed.canonical if form is None else f"{form.form_code}/{parsed.canonical}"


def _not_analysed(
    catalog: Catalog,
    count_input: CountInput,
    status: Status,
    offense: Offense,
    level: Level | None,
    sentence: int | None,
    match: Match,
) -> CountAssessment:
    """A guidance or not-an-offense entry: still unknown and never safe (``known`` false, no flags),
    but with the entry's explanation instead of a bare "not in the catalog"."""
    if offense.kind == "not_an_offense":
        lead = f"{offense.code}, {offense.title}, is not an offense, so there is no analysis of it."
        tail = "Enter the offense of conviction to see its consequences."
    else:
        lead = f"{offense.code}, {offense.title}: this catalog has no analysis of it."
        tail = "Do not treat it as safe; ask immigration counsel."
    return CountAssessment(
        input=count_input,
        status=status,
        known=False,
        code=offense.code,
        title=offense.title,
        level=level,
        sentence_days=sentence,
        flags=(),
        alternatives=(),
        catalog_version=catalog.version,
        match_note=match.note,
        message=f"{lead} {offense.summary} {tail}",
        kind=offense.kind,
    )


def _memoised_count_flags(
    catalog: Catalog, offense: Offense, count: rules.Count, form: CombinedForm | None
) -> tuple[Flag, ...]:
    """``_count_flags``, memoised per catalog on everything it reads.

    The flags are a function of the entry, the combined form and every field of the count
    (conditions read the facts, the CIMT wording the level and sentence, the derived grounds the
    tags and custody), and Flags are immutable: a page that shows the same offers again, or a
    disposition that repeats a count, gets the tuple built the first time.
    """
    memo = catalog.memo.setdefault("count_flags", {})
    try:
        key = (
            id(offense),
            form,
            count.level,
            count.possible_levels,
            count.sentence_days,
            count.custody_days,
            frozenset(count.facts.items()),
            count.tags,
        )
        flags = memo.get(key)
    except TypeError:  # a fact value that cannot be hashed: build without the memo
        return _count_flags(offense, count, form, catalog.memo.setdefault("flags", {}))
    if flags is None:
        if len(memo) >= 50_000:
            memo.clear()
        flags = memo[key] = _count_flags(offense, count, form, catalog.memo.setdefault("flags", {}))
    return flags


def _count_flags(
    offense: Offense,
    count: rules.Count,
    form: CombinedForm | None = None,
    memo: dict[Any, Flag] | None = None,
) -> tuple[Flag, ...]:
    """The entry's flags with their conditions decided, then the derived grounds.

    A stated flag depends only on its rule, on whether the rule's condition holds, on the
    combined form and, for a CIMT, on the count's level and sentence. Flags are immutable, so
    each is built once per catalog and then reused from ``memo`` (the catalog's): building them
    was most of an assessment's cost (bench/bench_engine.py).
    """
    if memo is None:
        memo = {}
    elif len(memo) >= 50_000:
        memo.clear()
    stated: list[Flag] = []
    stated_derived: dict[tuple[str, str | None], list[Flag]] = {}
    form_key = None if form is None else (form.kind, form.form_code, offense.code)
    for rule in offense.flags + _shared_rules(offense, count):
        holds = rules.CONDITIONS[rule.when](count)
        context = None
        if rule.ground == Ground.CIMT:
            context = (count.level, count.possible_levels, count.sentence_days)
        # id(): the rule belongs to this catalog (or is a module-level shared rule) and so
        # outlives the memo; hashing the rule itself would cost more than building the flag.
        key = (id(rule), holds, form_key, context)
        flag = memo.get(key)
        if flag is None:
            flag = memo[key] = _stated_flag(offense, rule, holds, count, form)
        if rule.ground in _DERIVED_GROUNDS:
            stated_derived.setdefault((rule.ground, rule.subcategory), []).append(flag)
        else:
            stated.append(flag)
    return tuple(stated) + _merge_derived(_derived_flags(stated, count), stated_derived)


def _stated_flag(
    offense: Offense,
    rule: FlagRule,
    holds: bool | None,
    count: rules.Count,
    form: CombinedForm | None,
) -> Flag:
    """One of the entry's flags, its condition decided (``holds``: True, False or None)."""
    if_unknown, if_true, if_false = rules.CONDITION_TEXT[rule.when]
    if holds is None:
        verdict, condition = rule.verdict, if_unknown
    elif holds:
        verdict, condition = rule.verdict, if_true
    else:
        verdict = rules.verdict_when_condition_fails(rule.when, rule.otherwise)
        condition = if_false
    note, citations = rule.note, rule.citations
    if form is not None:
        verdict, condition, note, citations = _from_target(form, offense, rule, verdict, condition)
    if rule.ground == Ground.CIMT and verdict.is_flagged:
        condition = _cimt_condition(condition, count)
    return Flag(
        rule.ground,
        rule.subcategory,
        verdict,
        condition,
        rule.statuses,
        rule.fix,
        citations,
        note,
    )


def _shared_rules(offense: Offense, count: rules.Count) -> tuple[FlagRule, ...]:
    """Flags a shared rule gives every entry it reaches, unless the entry states its own.

    Each is one rule function in ``rules`` keyed by a tag, so it cannot be applied to one entry
    and forgotten on its sibling (issue 16 item 3): the obstruction aggravated felony after Pugin
    (tag ``obstruction``, ``rules.obstruction_after_pugin``) and the domestic-violence ground of a
    crime of violence against a person (tag ``violent_force``,
    ``rules.domestic_violence_from_crime_of_violence``). Tests: test_catalog_rules.py.
    """
    tags = offense.tags
    if "obstruction" not in tags and "violent_force" not in tags:
        return ()
    own = {(rule.ground, rule.subcategory): rule for rule in offense.flags}
    found = []
    if "obstruction" in tags and (Ground.AGGRAVATED_FELONY, "S") not in own:
        rule = _PUGIN_RULES.get(rules.obstruction_after_pugin(count.possible_levels))
        if rule is not None:
            found.append(rule)
    if "violent_force" in tags and (Ground.DOMESTIC_VIOLENCE, "domestic_violence") not in own:
        violence = own.get((Ground.AGGRAVATED_FELONY, "F"))
        verdict = rules.domestic_violence_from_crime_of_violence(
            violence.verdict if violence else None
        )
        if verdict is not None:
            found.append(_DV_FROM_VIOLENCE_RULES[verdict])
    return tuple(found)


def _shared_rule(
    ground: Ground,
    subcategory: str,
    verdict: Verdict,
    when: str,
    otherwise: Verdict,
    note: str,
    fix: str,
    citations: tuple[str, ...],
) -> FlagRule:
    return FlagRule(
        ground,
        subcategory,
        verdict,
        when,
        otherwise,
        note,
        fix,
        citations,
        rules.statuses_for(ground, subcategory),
    )


_PUGIN_RULES: dict[Verdict | None, FlagRule] = {
    verdict: _shared_rule(
        Ground.AGGRAVATED_FELONY,
        "S",
        verdict,
        "sentence_365",
        Verdict.NO,
        "An offense relating to obstruction of justice, with a year or more imposed; after Pugin "
        "v. Garland no pending proceeding is needed (shared rule for every entry tagged "
        "obstruction).",
        "Keep the sentence imposed on this count, suspended time included, to 364 days or less.",
        (
            "8 U.S.C. § 1101(a)(43)(S)",
            "Pugin v. Garland, 599 U.S. 600 (2023)",
        ),
    )
    for verdict in Verdict
}
_DV_FROM_VIOLENCE_RULES = {
    verdict: _shared_rule(
        Ground.DOMESTIC_VIOLENCE,
        "domestic_violence",
        verdict,
        "domestic_relationship",
        Verdict.NO,
        "A crime of violence against a person is a crime of domestic violence when the victim is "
        "a protected person (shared rule for every entry tagged violent_force whose crime-of-"
        "violence answer is flagged).",
        "Plead to an offense without violent force (e.g. one limited to offensive touching), or "
        "keep the relationship out of the record (the BIA may still look beyond it).",
        (
            "8 U.S.C. § 1227(a)(2)(E)(i)",
            "18 U.S.C. § 16(a)",
            "Matter of H. Estrada, 26 I&N Dec. 749 (BIA 2016)",
        ),
    )
    for verdict in Verdict
}


def _from_target(
    form: CombinedForm, offense: Offense, rule: FlagRule, verdict: Verdict, condition: str | None
) -> tuple[Verdict, str | None, str, tuple[str, ...]]:
    """A target offense's flag as it applies to its attempt, conspiracy or solicitation.

    The verdict is adjusted by ``rules.inchoate_flag`` (8 U.S.C. 1101(a)(43)(U), the CIMT and
    drug grounds' "attempt or conspiracy" words); derived grounds (DACA, TPS, detention, good
    moral character) keep the target entry's word, since the engine derives its own from the
    adjusted flags. The note says the flag comes from the target offense. Returns (verdict,
    condition, note, citations). Tests: test_engine.py TestCombinedForms.
    """
    origin = f"From the target offense {offense.code} ({form.kind}, {form.form_code})"
    if rule.ground in _DERIVED_GROUNDS:
        return verdict, condition, f"{origin}: {rule.note}", rule.citations
    adjusted = rules.inchoate_flag(form.kind, rule.ground, verdict)
    if form.kind == rules.ATTEMPT and rule.when == "sentence_365":
        condition = f"{condition}; {rules.ATTEMPT_SENTENCE_TEXT}"
    if form.kind == rules.ATTEMPT and rule.when == "loss_over_10000":
        condition = f"{condition}; for an attempt the intended loss counts (Matter of Onyido)"
    citations = adjusted.citations + tuple(c for c in rule.citations if c not in adjusted.citations)
    return adjusted.verdict, condition, f"{origin}: {adjusted.why}. {rule.note}", citations


def _merge_derived(
    engine_flags: Iterable[Flag], stated_derived: dict[tuple[str, str | None], list[Flag]]
) -> tuple[Flag, ...]:
    """The engine's derived flags merged with the entry's own, per (ground, subcategory).

    Each subcategory of a derived ground is a separate bar (8 U.S.C. 1101(f)(3), (7) and (8) are
    three good-moral-character bars; 1226(c)(1)(A)-(C) and the Laken Riley Act's (E) two kinds of
    detention), so an entry's flag answers only for its own subcategory (an entry's flag without
    one is an offense-specific point of its own, e.g. a DUI's Castillo-Perez note). On the same
    subcategory the entry speaks for itself unless the engine's own answer is more serious; every
    other subcategory, the engine's or the entry's, is kept. One flag per (ground, subcategory)
    keeps overrides, which are keyed that way, unambiguous. Tests: test_engine.py
    TestDerivedGrounds, test_real_catalog.py (PC 191.5(a), VC 23152).
    """
    if not stated_derived:
        return tuple(engine_flags)  # the engine derives one flag per (ground, subcategory)
    merged: dict[tuple[str, str | None], list[Flag]] = {}
    for flag in engine_flags:
        merged.setdefault((flag.ground, flag.subcategory), []).append(flag)
    for key, flags in stated_derived.items():
        engine = merged.get(key)
        if engine is None or _worst(flags).verdict.severity >= _worst(engine).verdict.severity:
            merged[key] = flags  # keeps the engine's place when it replaces one
    grounds: dict[str, int] = {}
    for ground, _ in merged:
        grounds.setdefault(ground, len(grounds))
    ordered = sorted(merged.items(), key=lambda item: grounds[item[0][0]])  # stable: by ground
    return tuple(flag for _, flags in ordered for flag in flags)


def _cimt_condition(condition: str | None, count: rules.Count) -> str:
    """Add what a CIMT means at this level and sentence: the 5-year ground, the petty offense."""
    one_year = rules.max_sentence_one_year_or_more(count.level, count.possible_levels)
    _, deportable = rules.one_cimt_deportable(one_year)
    petty = rules.petty_offense_text(rules.petty_offense_exception(one_year, count.sentence_days))
    return "; ".join(part for part in (condition, deportable, petty) if part)


def _derived_flags(stated: list[Flag], count: rules.Count) -> Iterator[Flag]:
    """DACA, TPS, asylum, detention and good-moral-character flags: level, sentence, tags, flags."""
    worst = _worst_pairs(stated)
    af = worst.get(Ground.AGGRAVATED_FELONY)
    cimt = worst.get(Ground.CIMT)
    cs = worst.get(Ground.CONTROLLED_SUBSTANCE)
    firearm = worst.get(Ground.FIREARM)
    yield _derived(Ground.DACA_BAR, rules.daca_bar(count))
    yield _derived(Ground.TPS_BAR, rules.tps_bar(count))
    finding = rules.asylum_bar(af and af[0], af and af[1], count)
    if finding:
        yield _derived(Ground.ASYLUM_BAR, finding)
    finding = rules.mandatory_detention([pair for pair in (af, cs, firearm, cimt) if pair])
    if finding:
        yield _derived(Ground.MANDATORY_DETENTION, finding)
    finding = rules.laken_riley_detention(count.tags)
    if finding:
        yield _derived(Ground.MANDATORY_DETENTION, finding)
    cimt_or_cs = max(
        (pair for pair in (cimt, cs) if pair), key=lambda pair: pair[0].severity, default=None
    )
    for finding in rules.good_moral_character(af, cimt_or_cs, count.custody_days):
        yield _derived(Ground.GOOD_MORAL_CHARACTER, finding)


# Notes, fixes and citations for the grounds the engine derives itself.
_DERIVED_TEXT: dict[object, tuple[str, str, tuple[str, ...]]] = {
    Ground.DACA_BAR: (
        "DACA is barred by a felony, a significant misdemeanor, or three other misdemeanors.",
        "Plead to a misdemeanor that is not a significant one (not DV, sexual abuse, burglary, "
        "firearm, drug "
        "sale or DUI) with 90 days or less to serve, or reduce under PC 17(b) at sentencing; an "
        "infraction is safer.",
        ("8 C.F.R. § 236.22(b)(6)", "ILRC, DACA and criminal bars advisory"),
    ),
    Ground.TPS_BAR: (
        "TPS is barred by one felony or two misdemeanors.",
        "Keep it a misdemeanor (PC 17(b) at sentencing) or, better, an infraction.",
        ("8 U.S.C. § 1254a(c)(2)(B)(i)", "8 C.F.R. §§ 244.1, 244.4(a)"),
    ),
    Ground.ASYLUM_BAR: (
        "A particularly serious crime bars asylum and withholding; an aggravated felony always "
        "is one for asylum.",
        "Avoid the aggravated felony (see that flag); for a violent or drug-trafficking felony, "
        "a misdemeanor "
        "or a non-trafficking plea.",
        (
            "8 U.S.C. § 1158(b)(2)(A)(ii), (B)(i)",
            "8 U.S.C. § 1231(b)(3)(B)",
            "Matter of N-A-M-, 24 I&N Dec. 336 (BIA 2007)",
        ),
    ),
    Ground.MANDATORY_DETENTION: (
        "Immigration detention without bond while removal is decided.",
        "Avoid the aggravated felony, controlled-substance, firearm and CIMT grounds (see those "
        "flags).",
        ("8 U.S.C. § 1226(c)(1)(A)-(C)",),
    ),
    Ground.GOOD_MORAL_CHARACTER: (
        "Good moral character is needed for naturalization, non-LPR cancellation and VAWA or T "
        "adjustment.",
        "Avoid the aggravated felony, CIMT and controlled-substance grounds, and keep custody to "
        "serve under 180 days.",
        (
            "8 U.S.C. § 1101(f)(3), (7), (8)",
            "Matter of Castillo-Perez, 27 I&N Dec. 664 (A.G. 2019)",
        ),
    ),
    Ground.CIMT: (
        "Two CIMTs after admission make a person deportable at any sentence.",
        "Plead one of the counts to an offense that is not a CIMT.",
        ("8 U.S.C. § 1227(a)(2)(A)(ii)", "8 U.S.C. § 1182(a)(2)(A)(ii)(II)"),
    ),
    (Ground.MANDATORY_DETENTION, "laken_riley"): (
        "The Laken Riley Act makes detention mandatory on a charge or arrest alone for some "
        "noncitizens.",
        "The charge itself triggers it: weigh filing or amending to an offense that is not "
        "burglary, theft, "
        "larceny, shoplifting, assault of an officer, or one causing death or serious injury.",
        ("8 U.S.C. § 1226(c)(1)(E)", "Laken Riley Act, Pub. L. No. 119-1 (2025)"),
    ),
    (Ground.GOOD_MORAL_CHARACTER, "confinement_180_days"): (
        "Confinement of 180 days or more during the statutory period bars good moral character.",
        "Keep the custody actually served under 180 days (credits count), or carry time as "
        "suspended or as programming.",
        ("8 U.S.C. § 1101(f)(7)",),
    ),
    (Ground.GOOD_MORAL_CHARACTER, "two_dui"): (
        "Two or more DUI convictions create a presumption against good moral character.",
        "Plead one count to a non-DUI offense such as VC 23103.5 (wet reckless) or VC 23103.",
        ("Matter of Castillo-Perez, 27 I&N Dec. 664 (A.G. 2019)",),
    ),
    (Ground.CIMT, "petty_offense_exception_lost"): (
        "The petty-offense exception covers a person's only CIMT; with another one, a CIMT makes "
        "the person inadmissible.",
        "Plead the count to an offense that is not a CIMT.",
        ("8 U.S.C. § 1182(a)(2)(A)(ii)(II)", "8 U.S.C. § 1182(a)(2)(A)(i)(I)"),
    ),
    (Ground.AGGRAVATED_FELONY, "B"): (
        "A second simple possession is an illicit-trafficking aggravated felony only when the "
        "conviction rests on a prior drug conviction that was final, pleaded and proven.",
        "Do not plead or prove the prior drug conviction in this case (no recidivist "
        "allegation), or plead to a non-drug offense.",
        (
            "8 U.S.C. § 1101(a)(43)(B)",
            "21 U.S.C. § 844(a)",
            "Lopez v. Gonzales, 549 U.S. 47 (2006)",
            "Carachuri-Rosendo v. Holder, 560 U.S. 563 (2010)",
        ),
    ),
    (Ground.GOOD_MORAL_CHARACTER, "prior_aggravated_felony"): (
        "An aggravated felony conviction bars good moral character permanently.",
        "Nothing in this plea clears a prior's bar; weigh it with the defense.",
        ("8 U.S.C. § 1101(f)(8)",),
    ),
    (Ground.GOOD_MORAL_CHARACTER, "prior_cimt_or_controlled_substance"): (
        "A CIMT or drug conviction within the statutory period bars good moral character.",
        "Nothing in this plea clears a prior's bar; weigh it with the defense.",
        ("8 U.S.C. § 1101(f)(3)", "8 U.S.C. § 1427(a)"),
    ),
    Ground.OTHER_INADMISSIBILITY: (
        "Two or more convictions with aggregate sentences of five years or more make a person "
        "inadmissible.",
        "Keep the total sentence imposed, suspended time included, under five years.",
        ("8 U.S.C. § 1182(a)(2)(B)", "8 U.S.C. § 1101(a)(48)(B)"),
    ),
}


@lru_cache(maxsize=1024)
def _derived(ground: Ground, finding: rules.Finding) -> Flag:
    """The Flag for a derived finding; findings repeat, so each Flag is built once."""
    note, fix, citations = _DERIVED_TEXT.get((ground, finding.subcategory)) or _DERIVED_TEXT[ground]
    return Flag(
        ground=ground,
        subcategory=finding.subcategory,
        verdict=finding.verdict,
        condition=finding.condition,
        statuses=rules.statuses_for(ground, finding.subcategory),
        fix=fix if finding.verdict.is_flagged else None,
        citations=citations,
        note=note,
    )


def _worst(flags: Iterable[Flag]) -> Flag:
    return max(flags, key=lambda flag: flag.verdict.severity)


def _worst_pairs(flags: Iterable[Flag]) -> dict[Ground, tuple[Verdict, str | None]]:
    """Per ground, the surest (verdict, condition) among the flags, in one pass.

    The surest is the most severe verdict; between equals, the one without a condition; between
    those, the first.
    """
    worst: dict[Ground, tuple[Verdict, str | None]] = {}
    ranks: dict[Ground, tuple[int, bool]] = {}
    for flag in flags:
        rank = (flag.verdict.severity, flag.condition is None)
        best = ranks.get(flag.ground)
        if best is None or rank > best:
            ranks[flag.ground] = rank
            worst[flag.ground] = (flag.verdict, flag.condition)
    return worst


def _narrow(flags: tuple[Flag, ...], status: Status) -> tuple[Flag, ...]:
    """The flags that matter for ``status`` (rules.matters_for)."""
    if status.shows_every_ground:
        return flags
    return tuple(flag for flag in flags if rules.matters_for(status, flag.statuses))


def _alternative(
    catalog: Catalog, alternative: Alternative, count: rules.Count, status: Status
) -> AlternativeAssessment:
    """Assess a safer plea at its own terms, carrying over the count's record facts (memoised)."""
    target = catalog.offenses[alternative.code]  # validated at load: always in the catalog
    facts = {**count.facts, **dict(alternative.facts)}
    if alternative.sentence_days_max is not None:
        # "At most N days": the term is known, the part served in custody is not.
        custody, suspended = None, alternative.sentence_days_max
    elif Level.FELONY in target.levels or (count.sentence_days or 0) <= rules.MISDEMEANOR_MAX_DAYS:
        custody = count.custody_days
        suspended = (count.sentence_days or 0) - (custody or 0)
    else:
        custody, suspended = (
            None,
            0,
        )  # the count's sentence is impossible for the alternative: leave it open
    level = alternative.level
    if level is None and count.level in target.levels:
        level = count.level
    if level == Level.MISDEMEANOR and custody is None and suspended > rules.MISDEMEANOR_MAX_DAYS:
        level = None
    if level == Level.INFRACTION or (level is None and target.levels == (Level.INFRACTION,)):
        custody, suspended = None, 0  # an infraction carries no custody (PC 19.6)
    key = (
        "alternative",
        alternative.code,
        custody,
        suspended,
        level,
        tuple(sorted(facts.items())),
        status,
    )
    assessment = catalog.memo.get(key)
    if assessment is None:
        count_input = CountInput(alternative.code, level, custody, suspended, facts)
        assessment = catalog.memo[key] = _assess(
            catalog, count_input, status, with_alternatives=False
        )
    required_level = alternative.level
    if required_level is None and len(target.levels) == 1:
        required_level = target.levels[0]
    return AlternativeAssessment(
        alternative.code,
        target.title,
        alternative.conditions,
        alternative.citations,
        assessment,
        sentence_days_max=alternative.sentence_days_max,
        level=required_level,
    )


# --- Disposition-level grounds ------------------------------------------------------------------


def _assess_prior(catalog: Catalog, prior: PriorConviction, number: int) -> PriorAssessment:
    """A prior's catalog answer (status unknown: every ground), or an unknown one."""
    count_input = CountInput(prior.code, prior.level, prior.sentence_days)
    try:
        assessment = _assess(catalog, count_input, Status.UNKNOWN, with_alternatives=False)
    except InvalidInput as error:
        raise InvalidInput(f"prior {number} ({prior.code}): {error}") from None
    return PriorAssessment(prior, assessment)


_CS_CONVICTION = frozenset({None, "conviction"})
_DRUG_TAGS = frozenset({"drug_possession", "drug_distribution"})


def _verdict(
    assessment: CountAssessment,
    ground: Ground,
    subcategories: Collection[str | None] | None = None,
) -> Verdict | None:
    """The surest verdict of one ground on an assessment (before narrowing), or None."""
    verdicts = [
        flag.verdict
        for flag in assessment.all_flags
        if flag.ground == ground and (subcategories is None or flag.subcategory in subcategories)
    ]
    return max(verdicts, key=lambda verdict: verdict.severity, default=None)


def _disposition_flags(
    counts: Sequence[CountAssessment],
    priors: Sequence[PriorAssessment] = (),
    single_scheme: bool | None = None,
    today: datetime.date | None = None,
) -> Iterator[Flag]:
    """The grounds only the whole disposition, with the person's priors, can trigger."""
    cimt_verdicts = [v for v in (_verdict(count, Ground.CIMT) for count in counts) if v]
    prior_cimts = [v for v in (_verdict(p.assessment, Ground.CIMT) for p in priors) if v]
    cimt_dates = [
        count.input.offense_date
        for count in counts
        if (_verdict(count, Ground.CIMT) or Verdict.NO).is_flagged
    ]
    dates_differ = None not in cimt_dates and len(set(cimt_dates)) > 1
    misdemeanors = [
        count for count in counts if rules.counts_as_misdemeanor(count.level, count.possible_levels)
    ]
    # A prior of unknown offense and unknown level cannot be counted either way; it is listed.
    prior_misdemeanors = [
        prior
        for prior in priors
        if (prior.known or prior.prior.level is not None)
        and rules.counts_as_misdemeanor(prior.assessment.level, prior.assessment.possible_levels)
    ]
    occasions = rules.misdemeanor_occasions(
        [count.input.offense_date for count in misdemeanors],
        single_scheme,
        [prior.prior.convicted_on for prior in prior_misdemeanors],
    )
    number = len(misdemeanors) + len(prior_misdemeanors)
    prior_felony = next(
        (
            finding
            for finding in (rules.prior_felony(prior.assessment.level) for prior in priors)
            if finding
        ),
        None,
    )
    duis = sum(1 for item in (*counts, *(p.assessment for p in priors)) if "dui" in item.tags)
    findings = [
        (
            Ground.CIMT,
            rules.two_cimts_with_history(cimt_verdicts, prior_cimts, single_scheme, dates_differ),
        ),
        (Ground.CIMT, rules.petty_offense_exception_lost(cimt_verdicts, prior_cimts)),
        (
            Ground.OTHER_INADMISSIBILITY,
            rules.aggregate_sentence(
                [count.sentence_days for count in counts]
                + [prior.prior.sentence_days for prior in priors]
            ),
        ),
        (Ground.AGGRAVATED_FELONY, _recidivist_possession(counts, priors)),
        (Ground.DACA_BAR, rules.daca_three_misdemeanors(number, occasions)),
        (Ground.DACA_BAR, prior_felony),
        (Ground.TPS_BAR, rules.two_misdemeanors(number)),
        (Ground.TPS_BAR, prior_felony),
        (Ground.GOOD_MORAL_CHARACTER, rules.second_dui(duis)),
    ]
    findings += [(Ground.GOOD_MORAL_CHARACTER, finding) for finding in _prior_gmc(priors, today)]
    for ground, finding in findings:
        if finding is not None:
            yield _derived(ground, finding)


def _recidivist_possession(
    counts: Sequence[CountAssessment], priors: Sequence[PriorAssessment]
) -> rules.Finding | None:
    """The surest recidivist-possession finding over the simple-possession counts (rules)."""
    drug_priors = [
        prior
        for prior in priors
        if prior.known
        and (
            prior.assessment.tags & _DRUG_TAGS
            or (_verdict(prior.assessment, Ground.CONTROLLED_SUBSTANCE) or Verdict.NO).is_flagged
        )
    ]
    if not drug_priors:
        return None
    answers = {prior.prior.pleaded_and_proven for prior in drug_priors}
    pleaded = True if True in answers else (False if answers == {False} else None)
    found = []
    for count in counts:
        if "drug_possession" not in count.tags:
            continue
        verdict = _verdict(count, Ground.CONTROLLED_SUBSTANCE, _CS_CONVICTION)
        if verdict is None:
            continue
        committed = count.input.offense_date
        final = None
        if committed is not None:
            final = any(prior.prior.convicted_on < committed for prior in drug_priors)
        finding = rules.recidivist_possession(verdict, True, pleaded, final)
        if finding is not None:
            found.append(finding)
    return max(found, key=lambda finding: finding.verdict.severity, default=None)


def _prior_gmc(
    priors: Sequence[PriorAssessment], today: datetime.date | None
) -> list[rules.Finding]:
    """Good-moral-character bars from the priors (rules.prior_good_moral_character)."""
    today = today or datetime.date.today()
    af = [v for v in (_verdict(p.assessment, Ground.AGGRAVATED_FELONY) for p in priors) if v]
    recent = [
        prior
        for prior in priors
        if (today - prior.prior.convicted_on).days <= rules.GMC_STATUTORY_PERIOD_DAYS
    ]
    cimt_cs = [
        verdict
        for prior in recent
        for verdict in (
            _verdict(prior.assessment, Ground.CIMT),
            _verdict(prior.assessment, Ground.CONTROLLED_SUBSTANCE, _CS_CONVICTION),
        )
        if verdict is not None
    ]
    return rules.prior_good_moral_character(
        max(af, key=lambda v: v.severity, default=None),
        max(cimt_cs, key=lambda v: v.severity, default=None),
        bool(cimt_cs),
    )


# --- Input ---------------------------------------------------------------------------------------


def _count_input(count: object, number: int) -> CountInput:
    if isinstance(count, CountInput):
        if count.offense_date is None or type(count.offense_date) is datetime.date:
            return count
        return dataclasses.replace(count, offense_date=_offense_date(count.offense_date, number))
    if not isinstance(count, Mapping):
        raise InvalidInput(f"count {number}: expected a mapping with an 'offense'")
    unknown = set(count) - {
        "offense",
        "level",
        "sentence_days",
        "suspended_days",
        "facts",
        "offense_date",
    }
    if unknown:
        raise InvalidInput(f"count {number}: unknown field(s) {', '.join(sorted(unknown))}")
    if "offense" not in count:
        raise InvalidInput(f"count {number}: 'offense' is required")
    return CountInput(
        count["offense"],
        count.get("level"),
        count.get("sentence_days"),
        count.get("suspended_days") or 0,
        count.get("facts"),
        _offense_date(count.get("offense_date"), number),
    )


def _offense_date(value: object, number: int) -> datetime.date | None:
    """A count's offense date from a date or an ISO string; None when not given."""
    if value is None or (
        isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
    ):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"count {number}: offense_date {value!r} is not a date such as 2026-05-01")


_STATUSES = {status.value: status for status in Status}
_LEVELS = {level.value: level for level in Level}


def _status(value: object) -> Status:
    if value is None:
        return Status.UNKNOWN
    status = _STATUSES.get(value) if isinstance(value, str) else None
    if status is not None:
        return status
    raise InvalidInput(f"unknown status {value!r}; expected one of: {', '.join(Status.values)}")


def _level(value: object) -> Level | None:
    if value is None:
        return None
    level = _LEVELS.get(value) if isinstance(value, str) else None
    if level is not None:
        return level
    raise InvalidInput(f"unknown level {value!r}; expected felony, misdemeanor or infraction")


def _days(value: object, name: str) -> int | None:
    if value is None:
        return None
    if type(value) is not int or value < 0:
        raise InvalidInput(f"{name} must be a whole number of days, 0 or more (got {value!r})")
    return value


def _facts(value: object) -> dict[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput("facts must be a mapping of fact names to values")
    facts = {}
    for name, fact in value.items():
        expected = FACT_TYPES.get(name)
        if expected is None:
            raise InvalidInput(f"unknown fact {name!r}; expected one of: {', '.join(FACT_TYPES)}")
        if fact is None:
            continue  # unknown, as if absent
        if not fact_has_type(fact, expected):
            raise InvalidInput(f"fact {name!r} cannot be {fact!r}")
        facts[name] = fact
    return facts


# --- Suggestions ---------------------------------------------------------------------------------


def _code_key(text: str) -> str | None:
    """ "pc 273.5(a" and "Pen. Code § 273.5a" → "pc273.5a"; "273.5" → "273.5"."""
    text = text.lower().replace("§", " ")
    match = re.match(r"^\s*([a-z&.\s]*?)\s*(?:(\d[\d.]*)\s*([()a-z0-9\s]*))?$", text)
    if not match:
        return None
    words, section, rest = match.groups()
    body = ""
    if words.strip():
        body = (codes.code_for_name(words) or "").lower()
        if not body:
            return None
    if not section:
        return body or None
    return body + section + re.sub(r"[^a-z0-9]", "", rest or "")


def _suggest_index(
    catalog: Catalog,
) -> list[tuple[Offense, tuple[str, str], tuple[str, ...]]]:
    def order(offense: Offense) -> tuple[int, str, int, str, str, tuple[str, ...]]:
        # "273" < "273.5" < "273a" < "274": the number, then any letter, then any decimals.
        parsed = offense.parsed
        whole, _, decimals = parsed.section.partition(".")
        number = re.match(r"\d+", whole).group()  # type: ignore[union-attr]  # a section starts with digits
        letters = whole[len(number) :]
        # Federal guidance entries ("18 USC 922(g)") sort after the California codes.
        body = codes.CODES.index(parsed.code) if parsed.code in codes.CODES else len(codes.CODES)
        return (body, parsed.code, int(number), letters, decimals, parsed.subdivisions)

    index = []
    for offense in sorted(catalog.offenses.values(), key=order):
        parsed = offense.parsed
        compact = parsed.section + "".join(parsed.subdivisions).lower()
        title_words = tuple(re.findall(r"[a-z0-9.]+", offense.title.lower()))
        index.append((offense, (parsed.code.lower() + compact, compact), title_words))
    return index
