"""Known prior convictions, as the engine takes them (issue 16 item 2).

A ``PriorConviction`` is a plain value: the code as written, the date of conviction, the sentence
imposed (suspended time included, 8 U.S.C. 1101(a)(48)(B)), the level and where it was learned.
``assess_disposition(..., priors=[...])`` uses them for the grounds that depend on history (two
CIMTs, the petty-offense exception, recidivist possession, the 5-year aggregate, DACA and TPS
counts, a second DUI, good moral character). Priors are not immigration status: nothing here asks
about status. Tests: tests/consequences/test_priors.py.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from . import codes
from .rules import InvalidInput
from .statuses import Level

SOURCES = ("rap_sheet", "defense", "court_record")
_FIELDS = {"code", "convicted_on", "sentence_days", "level", "source", "pleaded_and_proven"}


@dataclass(frozen=True, slots=True)
class PriorConviction:
    """One prior conviction. ``None`` means not known.

    ``sentence_days`` is the whole term imposed, suspended time included. ``pleaded_and_proven``
    answers whether this prior is pleaded and proven in the present case (it decides recidivist
    possession: Carachuri-Rosendo v. Holder, 560 U.S. 563 (2010)).
    """

    code: str
    convicted_on: datetime.date
    sentence_days: int | None = None
    level: str | None = None
    source: str = "rap_sheet"
    pleaded_and_proven: bool | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "convicted_on": self.convicted_on.isoformat(),
            "sentence_days": self.sentence_days,
            "level": None if self.level is None else str(self.level),
            "source": self.source,
            "pleaded_and_proven": self.pleaded_and_proven,
        }


def read_prior(value: object, number: int, today: datetime.date) -> PriorConviction:
    """A checked ``PriorConviction`` from one given as a value or a mapping.

    Bad input raises ``InvalidInput`` naming the prior and the field: an unreadable code, a date
    of conviction that is missing, malformed or in the future, a negative or fractional sentence,
    an unknown level or source. Tests: test_priors.py TestBadInput.
    """
    where = f"prior {number}"
    if isinstance(value, Mapping):
        unknown = set(value) - _FIELDS
        if unknown:
            raise InvalidInput(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        value = PriorConviction(
            code=value.get("code"),  # type: ignore[arg-type]
            convicted_on=value.get("convicted_on"),  # type: ignore[arg-type]
            sentence_days=value.get("sentence_days"),
            level=value.get("level"),
            source=value.get("source") or "rap_sheet",
            pleaded_and_proven=value.get("pleaded_and_proven"),
        )
    if not isinstance(value, PriorConviction):
        raise InvalidInput(f"{where}: expected a prior conviction with a code and a date")
    code = value.code
    if not isinstance(code, str) or not (codes.readings(code) or codes.combined_form(code)):
        raise InvalidInput(
            f"{where}: code {code!r} cannot be read as an offense code such as 'PC 484'"
        )
    convicted_on = _date(value.convicted_on, where)
    if convicted_on > today:
        raise InvalidInput(
            f"{where}: convicted_on {convicted_on.isoformat()} is in the future; give the date "
            "of conviction"
        )
    days = value.sentence_days
    if days is not None and (type(days) is not int or days < 0):
        raise InvalidInput(
            f"{where}: sentence_days must be a whole number of days, 0 or more (got {days!r})"
        )
    if value.level is not None and value.level not in Level.values:
        raise InvalidInput(
            f"{where}: level {value.level!r} is not felony, misdemeanor or infraction"
        )
    if value.source not in SOURCES:
        raise InvalidInput(f"{where}: source {value.source!r} is not one of {', '.join(SOURCES)}")
    if value.pleaded_and_proven is not None and not isinstance(value.pleaded_and_proven, bool):
        raise InvalidInput(f"{where}: pleaded_and_proven must be true, false or left out")
    if convicted_on is not value.convicted_on:
        value = PriorConviction(
            code,
            convicted_on,
            days,
            value.level,
            value.source,
            value.pleaded_and_proven,
        )
    return value


def _date(value: object, where: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(
        f"{where}: convicted_on {value!r} is not a date such as 2021-03-04 (date of conviction)"
    )
