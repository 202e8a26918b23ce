"""Reading California offense codes however practitioners write them.

``parse("Pen. Code § 273.5, subd. (a)")``, ``parse("273.5a PC")`` and ``parse("PC 273.5(a)")`` all
give the same ``OffenseCode``, whose ``canonical`` spelling ("PC 273.5(a)") is the catalog key.
Five codes are understood: Penal (PC), Health and Safety (HS), Vehicle (VC), Business and
Professions (BP) and Welfare and Institutions (WI). Tests: tests/consequences/test_codes.py.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

# Every way of writing a code's name, once lower-cased and stripped of dots, spaces, "code",
# a leading "cal"/"california" and with "and" written "&".
_ALIASES = {
    "PC": ("pc", "pen", "penal", "cpc"),
    "HS": ("hs", "h&s", "hsc", "h&sc", "health&saf", "health&safety", "heal&saf"),
    "VC": ("vc", "veh", "vehicle", "cvc"),
    "BP": ("bp", "b&p", "bpc", "bus&prof", "bus&profs", "business&professions", "bus&professions"),
    "WI": ("wi", "w&i", "wic", "welf&inst", "welfare&institutions", "welf&institutions"),
}
_CODE_BY_ALIAS = {alias: code for code, aliases in _ALIASES.items() for alias in aliases}
CODES = tuple(_ALIASES)

# A federal section: "18 USC 922(g)", "18 U.S.C. § 922(g)(1)", "21 U.S.C.A. 841". The title is part
# of the code ("18 USC"), so the catalog can carry guidance for it (kind = "guidance"); the engine
# never analyses it as a California offense.
_FEDERAL = re.compile(
    r"^\s*(?P<title>\d{1,2})\s*u\.?\s*s\.?\s*c\.?\s*(?:a\.?)?\s*(?:§+|sec\.?|section)?\s*"
    r"(?P<number>\d+)(?P<letter>[a-z]?)(?P<parens>(?:\s*\(\s*[a-z0-9]{1,4}\s*\))*)\s*$",
    re.IGNORECASE,
)

# A section number ("273.5", "273a", "273ab"), then its subdivisions: "(a)(1)", "(a) (1)", or
# glued on as in "273.5a" or "243e1".
_SECTION = re.compile(
    r"(?<![\d.])(?P<number>\d+(?:\.\d+)?)(?P<glued>[a-z]{1,2}\d*)?"
    r"(?P<parens>(?:\s*\(\s*[a-z0-9]{1,4}\s*\))*)(?![\w.(])",
    re.IGNORECASE,
)
_PARENS = re.compile(r"\(\s*([a-z0-9]{1,4})\s*\)", re.IGNORECASE)
# Words that may surround the section number without changing its meaning.
_NOISE = re.compile(
    r"§+|\bsections?\b|\bsecs?\b\.?|\bsubds?\b\.?|\bsubdivisions?\b|[,;:]", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class OffenseCode:
    """A parsed offense code: ``code`` "PC", ``section`` "273.5", ``subdivisions`` ("a", "1")."""

    code: str
    section: str
    subdivisions: tuple[str, ...] = ()

    @property
    def subdivision(self) -> str:
        """The subdivision path as written after the section, e.g. "(e)(1)"; "" for none."""
        return "".join(f"({part})" for part in self.subdivisions)

    @property
    def canonical(self) -> str:
        """The catalog's spelling: "PC 273.5(a)"."""
        return f"{self.code} {self.section}{self.subdivision}"

    def __str__(self) -> str:
        return self.canonical

    def fallbacks(self) -> tuple["OffenseCode", ...]:
        """This code, then each less specific one down to the bare section, never another section.

        "PC 273.5(a)(1)" gives "PC 273.5(a)(1)", "PC 273.5(a)", "PC 273.5".
        """
        return tuple(
            OffenseCode(self.code, self.section, self.subdivisions[:depth])
            for depth in range(len(self.subdivisions), -1, -1)
        )


def parse(text: object) -> OffenseCode | None:
    """The ``OffenseCode`` that ``text`` names, or None if it cannot be read unambiguously."""
    found = readings(text)
    return found[0] if found else None


def readings(text: object) -> tuple[OffenseCode, ...]:
    """Every way to read ``text``, the likeliest first; () if it names no code.

    A letter glued to a section number is the one ambiguity: "PC 273a" and "PC 496d" are sections
    of their own, while "PC 273.5a" is a hurried "PC 273.5(a)". A letter after a whole number is
    read as part of the section, after a decimal as a subdivision, and the other reading comes
    second (the catalog lookup tries it only when the first names no section it knows). A letter
    followed by digits ("243e1") is always subdivisions: (e)(1).
    """
    if not isinstance(text, str) or len(text) > 200:
        return ()
    return _readings(text)


@lru_cache(maxsize=4096)
def _readings(text: str) -> tuple[OffenseCode, ...]:
    federal = _FEDERAL.match(text)
    if federal:
        # "1028A": a section's letter in capitals, as the U.S. Code writes it.
        section = str(int(federal["number"])) + federal["letter"].upper()
        parts = _subdivisions(_PARENS.findall(federal["parens"]))
        return (OffenseCode(f"{int(federal['title'])} USC", section, parts),)
    cleaned = _NOISE.sub(" ", text).strip()
    matches = list(_SECTION.finditer(cleaned))
    if len(matches) != 1:
        return ()
    match = matches[0]
    before, after = cleaned[: match.start()], cleaned[match.end() :]
    if _alias_key(before) and _alias_key(after):
        return ()
    code = _CODE_BY_ALIAS.get(_alias_key(before) or _alias_key(after))
    if code is None:
        return ()
    whole, dot, decimals = match["number"].partition(".")
    number = str(int(whole)) + dot + decimals
    glued = (match["glued"] or "").lower()
    parens = _PARENS.findall(match["parens"])
    if glued[1:2].isalpha():
        return _two_letters(code, number, dot, glued, parens)
    as_subdivisions = OffenseCode(
        code, number, _subdivisions(([glued[0], glued[1:]] if glued else []) + parens)
    )
    if not glued or glued[1:]:
        return (as_subdivisions,)
    as_section = OffenseCode(code, number + glued, _subdivisions(parens))
    if parens and not dot:
        return (as_section,)  # "273a(b)": a letter then a subdivision is a section's letter
    if dot:
        return (as_subdivisions, as_section)
    return (as_section, as_subdivisions)


def _two_letters(
    code: str, number: str, dot: str, glued: str, parens: list[str]
) -> tuple[OffenseCode, ...]:
    """Two letters after a whole number: a section of its own, "PC 273ab" (assault causing a
    child's death or coma). Unlike one letter, there is no second reading as "273a(b)": that is
    a far lesser offense, and an unknown "273ab" must read as unknown, never as it. No section
    ends in two letters after a decimal ("273.5ab"), so that is not read at all."""
    if dot:
        return ()
    return (
        OffenseCode(
            code, number + glued[:2], _subdivisions(([glued[2:]] if glued[2:] else []) + parens)
        ),
    )


def code_for_name(words: str) -> str | None:
    """ "Pen. Code" → "PC", "H & S" → "HS"; None for anything else."""
    return _CODE_BY_ALIAS.get(_alias_key(words))


def _alias_key(words: str) -> str:
    key = words.lower().replace(".", "").replace(" and ", "&")
    key = re.sub(r"\s+", "", key)
    key = re.sub(r"^(cal|california)(?=.)", "", key)
    key = re.sub(r"(?<=.)code$", "", key)
    return key


def _subdivisions(raw: list[str]) -> tuple[str, ...]:
    """Subdivisions in California's case: (a) lower, (1), (A) upper after a number, (i) lower."""
    parts = []
    for index, part in enumerate(p for p in raw if p):
        if part.isdigit():
            parts.append(str(int(part)))
        elif index > 0 and parts[-1].isdigit() and len(part) == 1:
            parts.append(part.upper())
        else:
            parts.append(part.lower())
    return tuple(parts)


# --- Attempt, conspiracy and solicitation written with their target -----------------------------

ATTEMPT = "attempt"
CONSPIRACY = "conspiracy"
SOLICITATION = "solicitation"

# The section that makes each form a crime, and the canonical code the result is filed under.
# PC 664 (attempt, with its penalty subdivisions), PC 182 / 182(a)(1) (conspiracy to commit a
# crime; 182(a)(2)-(6) are crimes of their own) and PC 653f (solicitation of listed crimes).
_FORM_SECTIONS = {"664": ATTEMPT, "182": CONSPIRACY, "653f": SOLICITATION}
FORM_CODES = {ATTEMPT: "PC 664", CONSPIRACY: "PC 182(a)(1)", SOLICITATION: "PC 653f"}
# "attempted PC 211", "attempt to commit PC 211", "conspiracy to commit HS 11352",
# "solicitation of PC 211": the form in words, before the target.
_FORM_WORDS = re.compile(
    r"^\s*(?P<word>attempted|attempt|conspiracy|conspiring|solicitation|soliciting)\b"
    r"(?:\s+(?:to\s+commit|to|of|for))?\s+(?P<target>.+)$",
    re.IGNORECASE,
)
_WORD_KIND = {
    "attempted": ATTEMPT,
    "attempt": ATTEMPT,
    "conspiracy": CONSPIRACY,
    "conspiring": CONSPIRACY,
    "solicitation": SOLICITATION,
    "soliciting": SOLICITATION,
}
_BARE_SECTION = re.compile(
    r"^\s*\d+(?:\.\d+)?[a-z]{0,2}\d*(?:\s*\(\s*[a-z0-9]{1,4}\s*\))*\s*$", re.I
)


@dataclass(frozen=True, slots=True)
class CombinedForm:
    """An attempt, conspiracy or solicitation and the target as written ("PC 664/211").

    ``target`` is the target's text; ``target_code_given`` is False when it is a bare section
    ("211", "11352"), whose code the catalog decides (``Catalog.resolve_target``).
    """

    kind: str
    form_code: str
    target: str
    target_code_given: bool


def combined_form(text: object) -> CombinedForm | None:
    """The attempt, conspiracy or solicitation ``text`` writes with a target, or None.

    Every practitioner spelling: "PC 664/211", "PC 211/664", "664/211 PC", "PC 664/187(a)",
    "PC 182(a)(1)/HS 11352", "PC 182(a)(1)/11352", "attempted PC 211", "attempt PC 211",
    "attempt to commit PC 211", "conspiracy to commit HS 11352", "solicitation of PC 211".
    A bare form ("PC 664", "PC 653f(d)") is not combined: it keeps its own catalog entry.
    Tests: tests/consequences/test_codes.py TestCombinedForms.
    """
    if not isinstance(text, str) or len(text) > 200:
        return None
    return _combined_form(text)


@lru_cache(maxsize=4096)
def _combined_form(text: str) -> CombinedForm | None:
    if "/" not in text:
        words = _FORM_WORDS.match(text)
        if words is None:
            return None
        kind = _WORD_KIND[words["word"].lower()]
        target = words["target"].strip()
        return CombinedForm(kind, FORM_CODES[kind], target, not _BARE_SECTION.match(target))
    parts = [part.strip() for part in text.split("/")]
    if len(parts) != 2 or not all(parts):
        return None
    given = [parse(part) for part in parts]
    if given == [None, None]:
        return None  # "664/211" names no code at all
    for index in (0, 1):
        found = given[index]
        if found is None and _BARE_SECTION.match(parts[index]):
            # "PC 211/664", "HS 11352/182": a bare form is a Penal Code section.
            found = parse(f"PC {parts[index]}")
        form_kind = _form_kind(found)
        if form_kind is None:
            continue
        other = parts[1 - index]
        target_given = given[1 - index] is not None
        if not target_given and not _BARE_SECTION.match(other):
            return None
        return CombinedForm(form_kind, FORM_CODES[form_kind], other, target_given)
    return None


def _form_kind(found: OffenseCode | None) -> str | None:
    if found is None or found.code != "PC":
        return None
    kind = _FORM_SECTIONS.get(found.section)
    if kind == CONSPIRACY and found.subdivisions not in ((), ("a",), ("a", "1")):
        return None  # PC 182(a)(2)-(6) are not conspiracies to commit a named target
    return kind
