"""Loading and validating the offense catalog (format: docs/catalog.md).

The catalog is TOML under ``consequences/catalog/``: ``catalog.toml`` for the version and the
effective date, ``offenses/*.toml`` for the entries. ``get_catalog()`` loads it once per process;
``load_catalog(root)`` loads any directory (tests use small fixture catalogs). A malformed entry
raises ``CatalogError`` naming the file, the entry and the field.
Tests: tests/consequences/test_catalog.py.
"""

import datetime
import re
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeGuard, overload

# tomli is the standard library's tomllib (same parser, same errors), but its wheels are compiled
# with mypyc: the catalog's 800 KB of TOML parse about 3x faster, which is most of a catalog load.
import tomli

from . import codes, rules
from .statuses import Ground, Level, Status, Verdict

# Django's choices build their `.values` list on every call; the loader asks thousands of times.
_LEVELS = tuple(Level.values)
_GROUNDS = tuple(Ground.values)
_VERDICTS = tuple(Verdict.values)

CATALOG_ROOT = Path(__file__).resolve().parent / "catalog"

TAGS = frozenset(
    {
        "dv",
        "sex_offense",
        "burglary",
        "theft",
        "firearm",
        "drug_distribution",
        "drug_possession",
        "dui",
        "violent_force",
        "laken_riley",
        "serious_felony",
        "violent_felony",
        "obstruction",
        "fraud",
        "public_order",
        "vehicle",
        "registration",
    }
)

# Record-of-conviction facts and the type each takes; absent means unknown.
FACT_TYPES: dict[str, type | tuple[type, ...]] = {
    "substance_named": bool,
    "grams": (int, float),
    "victim_minor": bool,
    "domestic_relationship": bool,
    "offensive_touching_only": bool,
    "temporary_taking": bool,
    "loss_over_10000": bool,
    "firearm_in_record": bool,
}

DOMESTIC_VIOLENCE_SUBCATEGORIES = (
    "domestic_violence",
    "stalking",
    "child_abuse",
    "protection_order",
)
CONTROLLED_SUBSTANCE_SUBCATEGORIES = ("conviction", "trafficking_reason_to_believe", "drug_abuser")
AGGRAVATED_FELONY_LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTU")

# What an entry is (docs/catalog.md, "Kinds"). Only an "offense" is analysed. A "guidance" entry
# (a federal or renumbered section) and a "not_an_offense" entry (PC 1203.4, PC 17(b), ...) carry
# no flags: the engine answers them as unknown, never safe, with the entry's summary as the text.
KINDS = ("offense", "guidance", "not_an_offense")

_ENTRY_FIELDS = {
    "code",
    "kind",
    "title",
    "levels",
    "tags",
    "summary",
    "last_reviewed",
    "sources",
    "flag",
    "alternative",
    "see_also",
}
_FLAG_FIELDS = {"ground", "subcategory", "verdict", "when", "otherwise", "note", "fix", "citations"}
_ALTERNATIVE_FIELDS = {"code", "conditions", "sentence_days_max", "level", "facts", "citations"}
_HEADER_FIELDS = {"version", "effective", "description"}
_VERSION = re.compile(r"^\d{4}\.\d{1,2}\.\d+$")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


class CatalogError(Exception):
    """A malformed catalog file; the message names the file, the entry and the field."""

    def __init__(self, file: str, entry: str | None, field_name: str | None, problem: str) -> None:
        self.file, self.entry, self.field, self.problem = file, entry, field_name, problem
        where = f"{file}"
        if entry is not None:
            where += f", entry {entry}"
        if field_name is not None:
            where += f", field {field_name!r}"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class FlagRule:
    """One ground an offense may carry, as the entry states it (before the facts are known)."""

    ground: Ground
    subcategory: str | None
    verdict: Verdict
    when: str
    otherwise: Verdict
    note: str
    fix: str | None
    citations: tuple[str, ...]
    statuses: tuple[Status, ...]  # precomputed: the statuses this ground matters for


@dataclass(frozen=True, slots=True)
class Alternative:
    """A safer plea a public practice advisory names, and the terms it is assessed at."""

    code: str
    conditions: str
    sentence_days_max: int | None
    level: Level | None
    facts: tuple[tuple[str, object], ...]
    citations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Offense:
    """One catalog entry."""

    code: str
    parsed: codes.OffenseCode
    title: str
    levels: tuple[Level, ...]
    tags: frozenset[str]
    summary: str
    last_reviewed: datetime.date
    sources: tuple[str, ...]
    flags: tuple[FlagRule, ...]
    alternatives: tuple[Alternative, ...]
    see_also: tuple[str, ...]
    file: str
    kind: str = "offense"


@dataclass(frozen=True, slots=True)
class Match:
    """What a lookup found: the entry, and whether it fell back or down to reach it."""

    offense: Offense
    requested: str
    exact: bool
    note: str | None


@dataclass(frozen=True, eq=False)
class Catalog:
    version: str
    effective: datetime.date
    description: str
    offenses: dict[str, Offense]
    _by_section: dict[tuple[str, str], tuple[Offense, ...]] = field(repr=False)
    # Engine-owned memo (alternatives' assessments); lives and dies with this catalog.
    memo: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.offenses)

    def get(self, code: str) -> Offense | None:
        """The entry whose canonical code is exactly ``code``, or None."""
        return self.offenses.get(code)

    def in_section(self, parsed: codes.OffenseCode) -> tuple[Offense, ...]:
        """Every entry of the same code and section, e.g. PC 243(a), PC 243(d), PC 243(e)(1)."""
        return self._by_section.get((parsed.code, parsed.section), ())

    def resolve(self, text: object) -> tuple[codes.OffenseCode | None, Match | None]:
        """Memoised ``_resolve`` (the same few codes are asked for all day)."""
        cache = self.memo.setdefault("resolve", {})
        key = text if isinstance(text, str) else None
        if key is None or key not in cache:
            answer = self._resolve(text)
            if key is None:
                return answer
            if len(cache) >= 20_000:
                cache.clear()
            cache[key] = answer
        return cache[key]

    def _resolve(self, text: object) -> tuple[codes.OffenseCode | None, Match | None]:
        """Read ``text`` and find its entry: (parsed code or None, Match or None).

        Of the readings ``codes.readings`` offers ("PC 647f": section 647f, or 647(f)), the first
        whose section the catalog knows is used, and the match says so.
        """
        found = codes.readings(text)
        for number, parsed in enumerate(found):
            if not self.in_section(parsed):
                continue
            match = self.lookup(parsed)
            if match is not None and number > 0:
                note = f"Read {text!r} as {parsed.canonical}." + (
                    f" {match.note}" if match.note else ""
                )
                match = Match(match.offense, match.requested, False, note)
            return parsed, match
        return (found[0] if found else None), None

    def lookup(self, parsed: codes.OffenseCode) -> Match | None:
        """Find the entry for a parsed code, or None.

        Falls back from the most specific subdivision to the section ("PC 273.5(a)(1)" →
        "PC 273.5(a)" → "PC 273.5"), never to another section. A bare section that the catalog
        only has subdivisions for matches when exactly one subdivision is listed; with several
        the caller must choose (``in_section`` lists them).
        """
        requested = parsed.canonical
        for candidate in parsed.fallbacks():
            offense = self.offenses.get(candidate.canonical)
            if offense is not None:
                exact = candidate == parsed
                note = None if exact else f"No entry for {requested}; using {offense.code}."
                return Match(offense, requested, exact, note)
        if not parsed.subdivisions:
            siblings = self.in_section(parsed)
            if len(siblings) == 1:
                (offense,) = siblings
                note = f"{requested} read as {offense.code}, the only subdivision in the catalog."
                return Match(offense, requested, False, note)
        return None


def load_catalog(root: str | Path = CATALOG_ROOT) -> "Catalog":
    """Read and validate the catalog under ``root``; raise CatalogError on the first problem."""
    catalog, problems = _load(Path(root), collect=False)
    return catalog


def check_catalog(root: str | Path = CATALOG_ROOT) -> list[CatalogError]:
    """Every problem in the catalog under ``root`` (an empty list when it is valid)."""
    try:
        _, problems = _load(Path(root), collect=True)
    except CatalogError as error:  # the header, or a file that is not TOML
        return [error]
    return problems


def _load(root: Path, *, collect: bool) -> tuple["Catalog", list[CatalogError]]:
    problems: list[CatalogError] = []

    def problem(error: CatalogError) -> None:
        if not collect:
            raise error
        problems.append(error)

    version, effective, description = _read_header(root / "catalog.toml")
    offenses: dict[str, Offense] = {}
    for path in sorted((root / "offenses").glob("*.toml")):
        label = f"offenses/{path.name}"
        try:
            raw_entries = _read_toml(path, label).get("offense", [])
        except CatalogError as error:
            problem(error)
            continue
        for index, raw in enumerate(raw_entries, start=1):
            try:
                offense = _read_offense(raw, label, index, effective)
            except CatalogError as error:
                problem(error)
                continue
            if offense.code in offenses:
                other = offenses[offense.code].file
                problem(
                    CatalogError(label, offense.code, "code", f"duplicate code, also in {other}")
                )
                continue
            offenses[offense.code] = offense
    for offense in offenses.values():
        for number, alternative in enumerate(offense.alternatives, start=1):
            wrong = _alternative_problem(alternative, offenses.get(alternative.code))
            if wrong:
                problem(
                    CatalogError(
                        offense.file, offense.code, f"alternative[{number}].{wrong[0]}", wrong[1]
                    )
                )
    by_section: dict[tuple[str, str], tuple[Offense, ...]] = {}
    for offense in offenses.values():
        key = (offense.parsed.code, offense.parsed.section)
        by_section[key] = by_section.get(key, ()) + (offense,)
    return Catalog(version, effective, description, offenses, by_section), problems


def _alternative_problem(
    alternative: Alternative, target: Offense | None
) -> tuple[str, str] | None:
    """(field, problem) if an alternative cannot be assessed as written, else None."""
    if target is None:
        return "code", f"{alternative.code} is not in the catalog"
    if target.kind != "offense":
        return "code", f"{alternative.code} is a {target.kind} entry, not an offense to plead to"
    if alternative.level is not None and alternative.level not in target.levels:
        return "level", f"{alternative.code} cannot be a {alternative.level}"
    days = alternative.sentence_days_max
    if days is not None and days > rules.MISDEMEANOR_MAX_DAYS and Level.FELONY not in target.levels:
        return (
            "sentence_days_max",
            f"{alternative.code} is never a felony: at most 364 days (PC 18.5)",
        )
    return None


class _Running:
    """The catalog this process answers from, and how the installed files looked when it was
    read (so ``refresh_catalog`` can tell that a new version was installed)."""

    lock = threading.Lock()
    catalog: "Catalog | None" = None
    fingerprint: object = None
    # (fingerprint, CatalogError) of installed files that failed validation
    refused: "tuple[object, CatalogError] | None" = None
    previous: "Catalog | None" = None  # the catalog the last reload replaced, for the impact report


def get_catalog() -> "Catalog":
    """The running catalog: the installed one, loaded and validated once per process, until
    ``reload_catalog`` replaces it with a newer one that validates."""
    catalog = _Running.catalog
    if catalog is None:
        with _Running.lock:
            if _Running.catalog is None:
                fingerprint = installed_fingerprint()
                _Running.catalog = load_catalog(CATALOG_ROOT)
                _Running.fingerprint = fingerprint
            catalog = _Running.catalog
    return catalog


def reload_catalog(root: str | Path | None = None) -> tuple["Catalog | None", "Catalog"]:
    """Load the catalog under ``root`` (default: the installed one) while the application runs.

    The new files are validated first: on any problem ``CatalogError`` is raised and the
    running version stays in place, untouched (issue 16: "A catalog file that fails validation
    is refused at load, and the running version stays in place"). On success the new catalog
    replaces the running one at once, for every later request of this process; an assessment
    already under way finishes on the catalog it started with (each engine call reads
    ``get_catalog()`` once). Returns (old, new). Tests: tests/consequences/test_reload.py.
    """
    installed = root is None or Path(root).resolve() == Path(CATALOG_ROOT).resolve()
    fingerprint = installed_fingerprint() if installed else None
    try:
        new = load_catalog(CATALOG_ROOT if root is None else root)
    except CatalogError as error:
        if installed:
            _Running.refused = (fingerprint, error)
        raise
    with _Running.lock:
        old = _Running.catalog
        _Running.catalog = new
        _Running.fingerprint = fingerprint
        _Running.refused = None
        if old is not None and old.version != new.version:
            _Running.previous = old
    return old, new


def refresh_catalog() -> "Catalog | None":
    """Reload the installed catalog if its files changed since the running one was read.

    What each application process calls now and then (``cases.middleware.CatalogRefresh``), so
    that every worker picks up a new version without a restart. Installed files that fail
    validation are refused once (not retried until they change again) and the running version
    stays. Returns the new catalog if one was loaded, else None; raises nothing.
    """
    fingerprint = installed_fingerprint()
    if fingerprint == _Running.fingerprint or _Running.catalog is None:
        return None
    refused = _Running.refused
    if refused is not None and refused[0] == fingerprint:
        return None
    try:
        return reload_catalog()[1]
    except CatalogError:
        return None


def previous_catalog() -> "Catalog | None":
    """The catalog the last reload of this process replaced (another version), or None."""
    return _Running.previous


def installed_changed() -> bool:
    """True when the installed files are not those the running catalog was read from."""
    return _Running.catalog is not None and installed_fingerprint() != _Running.fingerprint


def refused_catalog() -> CatalogError | None:
    """The validation error of installed files that were refused at load, or None."""
    refused = _Running.refused
    return refused[1] if refused is not None else None


def forget_catalog() -> None:
    """Drop the running catalog, so the next ``get_catalog()`` reads the installed files again
    (tests that point CATALOG_ROOT elsewhere)."""
    with _Running.lock:
        _Running.catalog = _Running.fingerprint = _Running.refused = _Running.previous = None


def installed_fingerprint(root: str | Path | None = None) -> tuple[object, ...]:
    """The names, sizes and modification times of the installed catalog's files: cheap to read
    (a few hundred stat calls), and it changes whenever a file is replaced or edited."""
    root = Path(CATALOG_ROOT if root is None else root)
    paths = [root / "catalog.toml", *sorted((root / "offenses").glob("*.toml"))]
    found: list[tuple[str, int | None, int | None]] = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            found.append((path.name, None, None))
        else:
            found.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def _read_toml(path: Path, label: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomli.load(handle)
    except FileNotFoundError:
        raise CatalogError(label, None, None, "file not found") from None
    except tomli.TOMLDecodeError as error:
        raise CatalogError(label, None, None, f"not valid TOML: {error}") from None


def _read_header(path: Path) -> tuple[str, datetime.date, str]:
    label = "catalog.toml"
    data = _read_toml(path, label)
    for name in data:
        if name not in _HEADER_FIELDS:
            raise CatalogError(label, None, name, "unknown field")
    version = data.get("version")
    if not isinstance(version, str) or not _VERSION.match(version):
        raise CatalogError(label, None, "version", 'required, as "YYYY.MM.N" (e.g. "2026.11.1")')
    effective = data.get("effective")
    if not _is_date(effective):
        raise CatalogError(label, None, "effective", "required, a date such as 2026-11-27")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise CatalogError(label, None, "description", "must be a string")
    return version, effective, description


class _Entry:
    """Reads one entry's fields, raising CatalogError that names file, entry and field."""

    def __init__(self, file: str, name: str) -> None:
        self.file, self.name = file, name

    def error(self, field_name: str | None, problem: str) -> CatalogError:
        return CatalogError(self.file, self.name, field_name, problem)

    def check_fields(self, raw: object, allowed: Collection[str], prefix: str = "") -> None:
        if not isinstance(raw, dict):
            raise self.error(prefix.rstrip(".") or None, "must be a table")
        for name in raw:
            if name not in allowed:
                raise self.error(prefix + name, "unknown field")

    @overload
    def text(
        self, raw: dict[str, Any], name: str, prefix: str = "", required: Literal[True] = True
    ) -> str: ...
    @overload
    def text(
        self, raw: dict[str, Any], name: str, prefix: str = "", required: bool = True
    ) -> str | None: ...
    def text(
        self, raw: dict[str, Any], name: str, prefix: str = "", required: bool = True
    ) -> str | None:
        value = raw.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(prefix + name, "required, a non-empty string")
        return value.strip()

    def texts(
        self, raw: dict[str, Any], name: str, prefix: str = "", required: bool = True
    ) -> tuple[str, ...]:
        value = raw.get(name, [] if not required else None)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(prefix + name, "must be a list of non-empty strings")
        if required and not value:
            raise self.error(prefix + name, "required, at least one")
        return tuple(v.strip() for v in value)

    def choice(
        self,
        raw: dict[str, Any],
        name: str,
        choices: Collection[Any],
        prefix: str = "",
        default: Any = None,
    ) -> Any:
        value = raw.get(name, default)
        if value is None:
            raise self.error(prefix + name, "required")
        return self.one_of(value, prefix + name, choices)

    def one_of(self, value: Any, field_name: str, choices: Collection[Any]) -> Any:
        if value not in choices:
            allowed = ", ".join(str(c) for c in choices)
            raise self.error(field_name, f"unknown value {value!r}; expected one of: {allowed}")
        return value

    def code(self, value: object, name: str) -> codes.OffenseCode:
        parsed = codes.parse(value) if isinstance(value, str) else None
        if parsed is None:
            raise self.error(name, f"{value!r} is not an offense code such as 'PC 273.5(a)'")
        if parsed.canonical != value:
            raise self.error(name, f"write {value!r} in canonical form: {parsed.canonical!r}")
        return parsed


def _read_offense(raw: object, file: str, index: int, effective: datetime.date) -> Offense:
    if not isinstance(raw, dict):
        raise CatalogError(file, f"#{index}", None, "an [[offense]] must be a table")
    raw_code = raw.get("code")
    entry = _Entry(file, raw_code if isinstance(raw_code, str) else f"#{index}")
    entry.check_fields(raw, _ENTRY_FIELDS)
    if raw_code is None:
        raise entry.error("code", "required")
    parsed = entry.code(raw_code, "code")
    kind = entry.choice(raw, "kind", KINDS, default="offense")
    if kind != "offense":
        return _read_guidance(entry, raw, parsed, kind, file, effective)
    if parsed.code not in codes.CODES:
        raise entry.error("kind", f'{raw_code} is not a California code: write kind = "guidance"')
    levels = entry.texts(raw, "levels")
    for level in levels:
        entry.one_of(level, "levels", _LEVELS)
    if len(set(levels)) != len(levels):
        raise entry.error("levels", "lists a level twice")
    tags = entry.texts(raw, "tags", required=False)
    for tag in tags:
        entry.one_of(tag, "tags", sorted(TAGS))
    last_reviewed = _last_reviewed(entry, raw, effective)
    raw_flags = raw.get("flag")
    if not isinstance(raw_flags, list) or not raw_flags:
        raise entry.error(
            "flag", "required, at least one [[offense.flag]] (a 'no' flag says why it is safe)"
        )
    raw_alternatives = raw.get("alternative", [])
    if not isinstance(raw_alternatives, list):
        raise entry.error("alternative", "must be a list of [[offense.alternative]] tables")
    see_also = entry.texts(raw, "see_also", required=False)
    for number, code in enumerate(see_also, start=1):
        entry.code(code, f"see_also[{number}]")
    return Offense(
        code=raw_code,
        parsed=parsed,
        title=entry.text(raw, "title"),
        levels=tuple(Level(level) for level in levels),
        tags=frozenset(tags),
        summary=entry.text(raw, "summary"),
        last_reviewed=last_reviewed,
        sources=entry.texts(raw, "sources"),
        flags=tuple(_read_flag(entry, flag, n) for n, flag in enumerate(raw_flags, start=1)),
        alternatives=tuple(
            _read_alternative(entry, alt, n) for n, alt in enumerate(raw_alternatives, start=1)
        ),
        see_also=see_also,
        file=file,
    )


def _last_reviewed(entry: _Entry, raw: dict[str, Any], effective: datetime.date) -> datetime.date:
    last_reviewed = raw.get("last_reviewed")
    if not _is_date(last_reviewed):
        raise entry.error(
            "last_reviewed", "required, a date such as 2026-11-27 (no quotes, no time)"
        )
    if last_reviewed > effective:
        raise entry.error(
            "last_reviewed", f"{last_reviewed} is after the catalog's effective date {effective}"
        )
    return last_reviewed


def _read_guidance(
    entry: _Entry,
    raw: dict[str, Any],
    parsed: codes.OffenseCode,
    kind: str,
    file: str,
    effective: datetime.date,
) -> Offense:
    """A "guidance" or "not_an_offense" entry: its summary is the whole answer, with no flags,
    levels or alternatives, so nothing in it can be read as an analysis."""
    for name in ("flag", "alternative", "levels", "tags"):
        if name in raw:
            raise entry.error(name, f"a {kind} entry has no {name}: it is never analysed")
    see_also = entry.texts(raw, "see_also", required=False)
    for number, code in enumerate(see_also, start=1):
        entry.code(code, f"see_also[{number}]")
    return Offense(
        code=raw["code"],
        parsed=parsed,
        title=entry.text(raw, "title"),
        levels=(),
        tags=frozenset(),
        summary=entry.text(raw, "summary"),
        last_reviewed=_last_reviewed(entry, raw, effective),
        sources=entry.texts(raw, "sources"),
        flags=(),
        alternatives=(),
        see_also=see_also,
        file=file,
        kind=kind,
    )


def _read_flag(entry: _Entry, raw: dict[str, Any], number: int) -> FlagRule:
    prefix = f"flag[{number}]."
    entry.check_fields(raw, _FLAG_FIELDS, prefix)
    ground = Ground(entry.choice(raw, "ground", _GROUNDS, prefix))
    subcategory = raw.get("subcategory")
    if ground == Ground.AGGRAVATED_FELONY:
        entry.choice(raw, "subcategory", AGGRAVATED_FELONY_LETTERS, prefix)
    elif ground == Ground.DOMESTIC_VIOLENCE:
        entry.choice(raw, "subcategory", DOMESTIC_VIOLENCE_SUBCATEGORIES, prefix)
    elif ground == Ground.CONTROLLED_SUBSTANCE and subcategory is not None:
        entry.choice(raw, "subcategory", CONTROLLED_SUBSTANCE_SUBCATEGORIES, prefix)
    elif subcategory is not None and not (
        isinstance(subcategory, str) and _IDENTIFIER.match(subcategory)
    ):
        raise entry.error(
            prefix + "subcategory", "must be a lower-case identifier such as 'alcohol_health'"
        )
    verdict = Verdict(entry.choice(raw, "verdict", _VERDICTS, prefix))
    when = entry.choice(raw, "when", tuple(rules.CONDITIONS), prefix)
    otherwise = Verdict(entry.choice(raw, "otherwise", _VERDICTS, prefix, default="no"))
    fix = entry.text(raw, "fix", prefix, required=verdict.is_flagged)
    return FlagRule(
        ground=ground,
        subcategory=subcategory,
        verdict=verdict,
        when=when,
        otherwise=otherwise,
        note=entry.text(raw, "note", prefix),
        fix=fix,
        citations=entry.texts(raw, "citations", prefix),
        statuses=rules.statuses_for(ground, subcategory),
    )


def _read_alternative(entry: _Entry, raw: dict[str, Any], number: int) -> Alternative:
    prefix = f"alternative[{number}]."
    entry.check_fields(raw, _ALTERNATIVE_FIELDS, prefix)
    if "code" not in raw:
        raise entry.error(prefix + "code", "required")
    entry.code(raw["code"], prefix + "code")
    days = raw.get("sentence_days_max")
    if days is not None and (type(days) is not int or days < 0):
        raise entry.error(prefix + "sentence_days_max", "must be a whole number of days, 0 or more")
    level = raw.get("level")
    if level is not None:
        level = Level(entry.choice(raw, "level", _LEVELS, prefix))
        if level != Level.FELONY and days is not None and days > rules.MISDEMEANOR_MAX_DAYS:
            raise entry.error(
                prefix + "sentence_days_max", f"a {level} cannot exceed 364 days (PC 18.5)"
            )
    facts = raw.get("facts", {})
    if not isinstance(facts, dict):
        raise entry.error(
            prefix + "facts", "must be a table such as { offensive_touching_only = true }"
        )
    for name, value in facts.items():
        expected = FACT_TYPES.get(name)
        if expected is None:
            raise entry.error(
                f"{prefix}facts.{name}", f"unknown fact; expected one of: {', '.join(FACT_TYPES)}"
            )
        if not fact_has_type(value, expected):
            raise entry.error(f"{prefix}facts.{name}", f"{value!r} is not a valid value")
    return Alternative(
        code=raw["code"],
        conditions=entry.text(raw, "conditions", prefix),
        sentence_days_max=days,
        level=level,
        facts=tuple(sorted(facts.items())),
        citations=entry.texts(raw, "citations", prefix, required=False),
    )


def fact_has_type(value: object, expected: type | tuple[type, ...]) -> bool:
    """True if ``value`` fits a fact of type ``expected`` (a bool is not a number here)."""
    if expected is bool:
        return isinstance(value, bool)
    return (
        isinstance(value, expected)
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and value >= 0
    )


def _is_date(value: object) -> TypeGuard[datetime.date]:
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
