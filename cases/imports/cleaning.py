"""Checking one incoming case against the office and the catalog: the values the upsert writes,
or the reasons it is refused, in the words of the person who reads the report."""

import datetime
import functools
from dataclasses import dataclass, field
from typing import Any

from consequences import engine
from consequences.codes import combined_form, parse

from ..choices import CaseStage, ChargeLevel
from ..forms import statute_fields
from ..models import Case, Charge

# Case fields the import writes, with their longest length (the model's).
TEXT_FIELDS = (
    "da_file_number",
    "defendant_name",
    "court_name",
    "department",
    "defense_counsel",
    "next_hearing_type",
)
COUNT_FIELDS = (
    "statute_as_entered",
    "code",
    "section",
    "subdivision",
    "title",
    "level",
    "enhancements",
    "offense_date",
)
MAX_LENGTHS = {name: getattr(Case._meta.get_field(name), "max_length", 0) for name in TEXT_FIELDS}
LEVEL_WORDS = {
    **{choice.value: choice.value for choice in ChargeLevel},
    "f": ChargeLevel.FELONY,
    "w": ChargeLevel.WOBBLER,
    "m": ChargeLevel.MISDEMEANOR,
    "i": ChargeLevel.INFRACTION,
}
STAGE_WORDS = {
    **{choice.value: choice.value for choice in CaseStage},
    **{str(choice.label).lower(): choice.value for choice in CaseStage},
}


@dataclass
class CleanCase:
    number: str
    fields: dict[str, Any]  # Case fields to write; a key left out of the file is left alone
    counts: list[dict[str, Any]]  # Charge fields with "number"
    notes: list[str] = field(default_factory=list)  # imported, but worth a reader's eye


@dataclass
class Lookups:
    """The office's units and deputies, read once per import."""

    office: Any
    units: dict[str, Any]
    deputies: dict[str, Any]

    @classmethod
    def for_office(cls, office):
        from ..models import Membership

        units = {unit.name.casefold(): unit for unit in office.units.all()}
        deputies: dict[str, Any] = {}
        for membership in Membership.objects.filter(
            office=office, user__is_active=True
        ).select_related("user"):
            deputies[membership.user.username.casefold()] = membership.user
            if membership.bar_number:
                deputies.setdefault(membership.bar_number.casefold(), membership.user)
        return cls(office=office, units=units, deputies=deputies)


def clean_case(data: dict[str, Any], lookups: Lookups) -> CleanCase | list[str]:
    """The case's values, or the list of reasons it is refused."""
    problems: list[str] = []
    number = _text(data.get("court_case_number"))
    if not number:
        return ["The court case number is missing."]
    fields: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in data:
            value = _text(data[name])
            limit = MAX_LENGTHS[name]
            if len(value) > limit:
                problems.append(f"The {_words(name)} is longer than {limit} characters.")
            fields[name] = value
    if not fields.get("defendant_name"):
        problems.append("The defendant's name is missing.")
    else:
        fields.setdefault(
            "caption", f"People of the State of California v. {fields['defendant_name']}"[:300]
        )
    if "aliases" in data:
        aliases = data["aliases"]
        if isinstance(aliases, str):
            aliases = [part.strip() for part in aliases.split(";")]
        fields["aliases"] = "; ".join(_text(alias) for alias in aliases if _text(alias))
        if len(fields["aliases"]) > 300:
            problems.append("The aliases are longer than 300 characters together.")
    unit_name = _text(data.get("unit"))
    unit = lookups.units.get(unit_name.casefold()) if unit_name else None
    if unit is None:
        problems.append(
            f"There is no unit “{unit_name}” in this office."
            if unit_name
            else "The unit is missing."
        )
    else:
        fields["unit"] = unit
    if "assigned_deputy" in data:
        who = _text(data["assigned_deputy"])
        user = lookups.deputies.get(who.casefold()) if who else None
        if who and user is None:
            problems.append(
                f"No active user of this office has the username or bar number “{who}”."
            )
        fields["assigned_deputy"] = user
    if "stage" in data and _text(data["stage"]):
        stage = STAGE_WORDS.get(_text(data["stage"]).lower())
        if stage is None:
            problems.append(f"“{_text(data['stage'])}” is not a stage this app knows.")
        else:
            fields["stage"] = stage
    if "next_hearing" in data:
        fields["next_hearing"] = _date(data["next_hearing"], "The next hearing date", problems)
    counts = _counts(data.get("counts"), problems)
    if problems:
        return problems
    case = CleanCase(number=number, fields=fields, counts=[])
    for count in counts:
        if not count["known"]:
            case.notes.append(
                f"Count {count['number']}: the catalog does not know "
                f"“{count['statute_as_entered']}”: "
                "its consequences will show as unknown."
            )
        del count["known"]
        case.counts.append(count)
    if len(number) > 40:
        return ["The court case number is longer than 40 characters."]
    return case


def _counts(raw: Any, problems: list[str]) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        problems.append("The case has no counts.")
        return []
    counts = []
    seen: set[int] = set()
    for position, item in enumerate(raw, start=1):
        where = f"row {item.get('row')}" if isinstance(item, dict) and "row" in item else ""
        if not isinstance(item, dict):
            problems.append(f"Count {position} is not an object.")
            continue
        number = _count_number(item.get("count_number", item.get("number")), position)
        label = f"Count {number}" if number else f"Count {position}"
        label += f" ({where})" if where and "row " in where else ""
        if number is None:
            problems.append(f"{label}: the count number must be a whole number of 1 or more.")
            continue
        if number in seen:
            problems.append(f"{label}: count {number} appears twice in the case.")
            continue
        seen.add(number)
        statute = _text(item.get("statute"))
        if not statute:
            problems.append(f"{label}: the statute is missing.")
            continue
        reading = _statute(statute)
        if reading is None:
            problems.append(
                f"{label}: “{statute}” cannot be read as a statute (write it as, say, PC 273.5(a))."
            )
            continue
        level = LEVEL_WORDS.get(_text(item.get("level")).lower())
        if level is None:
            problems.append(
                f"{label}: the level must be felony, wobbler, misdemeanor or infraction"
                f" (it says “{_text(item.get('level'))}”)."
            )
            continue
        enhancements = _text(item.get("enhancements"))
        if len(enhancements) > 300:
            problems.append(f"{label}: the enhancements are longer than 300 characters.")
        counts.append(
            {
                "number": number,
                "statute_as_entered": statute,
                **reading,
                "level": level,
                "enhancements": enhancements,
                "offense_date": _date(
                    item.get("offense_date"), f"{label}: the offense date", problems
                ),
            }
        )
    return counts


@functools.lru_cache(maxsize=4096)
def _statute(text: str) -> dict[str, Any] | None:
    """Code, section, subdivision and title from the catalog (None when unreadable); `known`
    says whether the catalog holds it. Cached: a county's file names a few hundred statutes."""
    if len(text) > Charge._meta.get_field("statute_as_entered").max_length:  # type: ignore[operator]
        return None
    if parse(text) is None and combined_form(text) is None:  # "PC 664/211" is an attempt
        return None
    result = engine.assess_count(text)
    return {
        **statute_fields(text),
        "title": (result.title or "")[:300] if result.known else "",
        "known": result.known,
    }


def _count_number(value: Any, position: int) -> int | None:
    if value in (None, ""):
        return position
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    if str(value).strip() not in (str(number), f"{number}.0") or number < 1 or number > 999:
        return None
    return number


def _date(value: Any, label: str, problems: list[str]) -> datetime.date | None:
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text) if len(text) == 10 else _bad_date()
    except ValueError:
        problems.append(f"{label} “{text}” must be a date written YYYY-MM-DD.")
        return None


def _bad_date() -> datetime.date:
    raise ValueError


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _words(name: str) -> str:
    return name.replace("_", " ").replace("da ", "DA ")
