"""Offense groups for the report's filter: code families as SQL conditions on a case's counts.

A case is in a group when any of its counts as charged is; docs/codebook.md prints the
definitions (`OffenseGroup.definition`). `Level` is the felony or misdemeanor filter.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from cases.models import Charge


def _int_range_regex(low, high):
    """A regular expression matching a section whose whole-number part is in [low, high].

    Sections are text ("273.5", "273a", "11350"), so a numeric range is written as a pattern
    (the to-regex-range method: split into runs with a fixed digit prefix). It is the same
    pattern on SQLite (Python's re) and PostgreSQL (POSIX ARE): only [0-9], |, (), ^ and $.
    """
    stops = {high}
    nines = 1
    stop = int(str(low)[:-nines] + "9" * nines)
    while low <= stop < high:
        stops.add(stop)
        nines += 1
        stop = int(str(low)[:-nines] + "9" * nines)
    zeros = 1
    stop = (high + 1) - (high + 1) % 10**zeros - 1
    while low < stop <= high:
        stops.add(stop)
        zeros += 1
        stop = (high + 1) - (high + 1) % 10**zeros - 1
    parts = []
    start = low
    for stop in sorted(stops):
        parts.append(_digits_pattern(str(start), str(stop)))
        start = stop + 1
    return r"^(" + "|".join(parts) + r")([^0-9]|$)"


def _digits_pattern(start, stop):
    pattern, any_digits = "", 0
    for a, b in zip(start, stop, strict=True):
        if a == b:
            pattern += a
        elif a == "0" and b == "9":
            any_digits += 1
        else:
            pattern += f"[{a}-{b}]"
    return pattern + "[0-9]" * any_digits


def _sections(code, *ranges, exact=(), subdivisions=()):
    """Counts of one code: whole-number ranges, exact sections, (section, subdivision prefix)."""
    q = Q()
    for low, high in ranges:
        q |= Q(section__regex=_int_range_regex(low, high))
    if exact:
        q |= Q(section__in=exact)
    for section, subdivision in subdivisions:
        q |= Q(section=section, subdivision__startswith=subdivision)
    return Q(code=code) & q


@dataclass(frozen=True)
class OffenseGroup:
    key: str
    label: str
    definition: str  # as docs/codebook.md prints it
    match: Q = field(repr=False)


# Code families, checked in this order: a count belongs to the first group it matches, so the
# groups never overlap. A case is in a group when any of its counts as charged is. Derived from
# the Penal Code's titles and parts and the catalog's tags (docs/catalog.md); the codebook
# lists them. Counts whose statute could not be read fall in "other".
_DV = _sections(
    "PC",
    exact=("273.5", "273.6", "273a", "273ab", "273d", "646.9"),
    subdivisions=(("243", "(e)"), ("166", "(c)")),
)
_SEX = _sections("PC", (261, 269), (281, 290), (311, 314), subdivisions=(("647", "(b)"),))
_PERSONS = _sections("PC", (187, 248), (270, 273), (368, 368), (422, 422))
_WEAPONS = _sections("PC", (16000, 34370), (417, 417))
_PROPERTY = _sections("PC", (450, 625))
_DRUGS = _sections("HS", (11000, 11999)) | _sections("BP", exact=("4060", "4140"))
_VEHICLE = Q(code="VC")
_PUBLIC = _sections("PC", (67, 186), (369, 421), (640, 653), (1320, 1320), (4500, 4600))

_ORDERED = [
    (
        "domestic_violence",
        "Domestic violence, stalking, child abuse, protective orders",
        _DV,
        "PC 273.5, 273.6, 273a, 273ab, 273d, 646.9, 243(e), 166(c)",
    ),
    ("sex_offense", "Sex offenses and prostitution", _SEX, "PC 261–269, 281–290, 311–314, 647(b)"),
    (
        "persons",
        "Other offenses against the person",
        _PERSONS,
        "PC 187–248 (homicide, kidnapping, robbery, assault, battery), 270–273, 368, 422",
    ),
    ("weapons", "Weapons", _WEAPONS, "PC 16000–34370 (Part 6), 417"),
    (
        "property",
        "Property, theft and fraud",
        _PROPERTY,
        "PC 450–625 (arson, burglary, forgery, theft, fraud, receiving, vandalism)",
    ),
    ("drugs", "Controlled substances", _DRUGS, "HS 11000–11999, BP 4060, BP 4140"),
    ("vehicle", "Driving and vehicle offenses", _VEHICLE, "every VC section"),
    (
        "public_order",
        "Justice and public order",
        _PUBLIC,
        "PC 67–186 (obstruction, contempt), 369–421, 640–653, 1320, 4500–4600",
    ),
]


def _build_groups():
    groups, earlier = [], Q()
    for key, label, match, definition in _ORDERED:
        groups.append(OffenseGroup(key, label, definition, match & ~earlier if earlier else match))
        earlier |= match
    groups.append(OffenseGroup("other", "Other", "any count in none of the groups above", ~earlier))
    return {group.key: group for group in groups}


OFFENSE_GROUPS = _build_groups()


def offense_group_of(charge):
    """The group of one count, by the same rule as the SQL filter (for pages and tests)."""
    matches = Charge.objects.filter(pk=charge.pk)
    for group in OFFENSE_GROUPS.values():
        if matches.filter(group.match).exists():
            return group.key
    return "other"  # pragma: no cover - "other" matches whatever the others do not


class Level:
    FELONY = "felony"
    MISDEMEANOR = "misdemeanor"
    CHOICES = [
        ("", "Felony and misdemeanor"),
        (FELONY, "Felony cases"),
        (MISDEMEANOR, "Misdemeanor cases"),
    ]
