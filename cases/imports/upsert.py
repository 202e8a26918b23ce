"""Writing imported cases: an idempotent upsert keyed on the court case number in the office.

The case management system is the system of record for the case; this app is the system of
record for the § 1016.3(b) consideration. So an import creates and updates cases, their
hearings and their counts, and never touches an offer, a worksheet or anything signed: a count
that an offer uses stays as it is, and the report says what the file wanted changed.

Cases are written in batches (a few queries per batch, bulk inserts and updates), so a file of
10,000 cases costs a few hundred queries, not tens of thousands.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from .. import binding, report_columns
from ..models import Case, Charge, PleaTerm
from .cleaning import COUNT_FIELDS, CleanCase, Lookups, clean_case
from .formats import Incoming

BATCH = 500
CREATED, UPDATED, UNCHANGED, REFUSED = "created", "updated", "unchanged", "refused"


@dataclass
class Line:
    """What happened to one case of the file."""

    row: int
    case_number: str
    outcome: str
    messages: list[str] = field(default_factory=list)


@dataclass
class Report:
    """The totals, and the lines a reader must see (refused, or imported with a note). Every
    line is kept only when asked (`keep_all`): a large file's report then stays small."""

    keep_all: bool = True
    lines: list[Line] = field(default_factory=list)
    file_problem: str = ""
    totals: dict[str, int] = field(
        default_factory=lambda: {CREATED: 0, UPDATED: 0, UNCHANGED: 0, REFUSED: 0}
    )

    def add(self, line: Line) -> None:
        self.totals[line.outcome] += 1
        if self.keep_all or line.outcome == REFUSED or line.messages:
            self.lines.append(line)

    @property
    def noted(self) -> list[Line]:
        """The lines a reader must see: refused, or imported with a note."""
        return [line for line in self.lines if line.outcome == REFUSED or line.messages]


def upsert(incoming: Iterable[Incoming], lookups: Lookups, report: Report) -> None:
    seen: dict[str, int] = {}
    batch: list[tuple[Incoming, CleanCase]] = []
    for item in incoming:
        number = str(item.data.get("court_case_number") or "").strip()
        if item.problems:
            report.add(Line(item.row, number, REFUSED, item.problems))
            continue
        if number and number in seen:
            report.add(
                Line(
                    item.row,
                    number,
                    REFUSED,
                    [f"Case {number} appears again in the file (first at {_where(seen[number])})."],
                )
            )
            continue
        cleaned = clean_case(item.data, lookups)
        if isinstance(cleaned, list):
            report.add(Line(item.row, number, REFUSED, cleaned))
            continue
        seen[number] = item.row  # a few dozen bytes per case, to catch a repeated number
        batch.append((item, cleaned))
        if len(batch) >= BATCH:
            _write(batch, lookups.office, report)
            batch = []
    if batch:
        _write(batch, lookups.office, report)
    report.lines.sort(key=lambda line: line.row)  # refusals are known before their batch is written


def _where(row: int) -> str:
    return f"row {row}"


def _write(batch: list[tuple[Incoming, CleanCase]], office, report: Report) -> None:
    numbers = [cleaned.number for _, cleaned in batch]
    # Locked until the import's transaction ends (import_file, or the API's PUT, holds it): an
    # edit in the app (actions.update_case locks the same row) waits for the import, or the
    # import waits for it and reads what it saved. Read without the lock, the batch's
    # bulk_update would write back this read's values over an edit committed meanwhile (every
    # changed case is written with every field any case of the batch changed) and leave the
    # version where that edit put it, so a form opened after the edit would not notice the
    # import. The version then moves with the write (below), so a form opened before the import
    # is refused as a conflict (integrity.check_version). In pk order, so two imports lock in
    # the same order. SQLite has no row locks (a no-op there): its transactions are IMMEDIATE
    # (config/settings.py), so the import holds the database's write lock from its start.
    existing = {
        case.court_case_number: case
        for case in Case.objects.filter(office=office, court_case_number__in=numbers)
        .order_by("pk")
        .select_for_update()
    }
    charges: dict[int, dict[int, Charge]] = {}
    for charge in Charge.objects.filter(case__in=list(existing.values())).order_by(
        "case", "number"
    ):
        charges.setdefault(charge.case_id, {})[charge.number] = charge
    ids = [charge.pk for counts in charges.values() for charge in counts.values()]
    used = _offers_using(iter(ids))
    overridden = binding.signed_overrides_naming(ids)

    new_cases: list[Case] = []
    changed_cases: list[Case] = []
    changed_names: set[str] = set()
    moved: list[Case] = []
    new_charges: list[Charge] = []
    changed_charges: list[Charge] = []
    gone_charges: list[int] = []
    now = timezone.now()
    pending_counts: list[tuple[Case, list[dict[str, Any]]]] = []

    for item, cleaned in batch:
        line = Line(item.row, cleaned.number, UNCHANGED, list(cleaned.notes))
        case = existing.get(cleaned.number)
        if case is None:
            case = Case(office=office, court_case_number=cleaned.number, **cleaned.fields)
            new_cases.append(case)
            pending_counts.append((case, cleaned.counts))
            line.outcome = CREATED
            report.add(line)
            continue
        scope_before = report_columns.scope_of(case)
        names = [name for name, value in cleaned.fields.items() if _differs(case, name, value)]
        for name in names:
            setattr(case, name, cleaned.fields[name])
        counts_changed = _merge_counts(
            case,
            cleaned.counts,
            charges.get(case.pk, {}),
            used,
            overridden,
            line,
            new_charges,
            changed_charges,
            gone_charges,
        )
        if names or counts_changed:
            # A change of counts alone is a change of the case too: its version moves (a form
            # open on it notices) and the API's change feed lists it.
            case.lock_version += 1
            case.updated_at = now
            changed_cases.append(case)
            changed_names.update(names)
            if report_columns.scope_of(case) != scope_before:
                moved.append(case)
        if names or counts_changed:
            line.outcome = UPDATED
        report.add(line)

    if new_cases:
        Case.objects.bulk_create(new_cases)
        for case, counts in pending_counts:
            new_charges.extend(_charge(case, count) for count in counts)
    if changed_cases:
        Case.objects.bulk_update(
            changed_cases, [*sorted(changed_names), "lock_version", "updated_at"]
        )
    for case in moved:
        report_columns.move_scope(case)
    if gone_charges:
        Charge.objects.filter(pk__in=gone_charges).delete()
    if changed_charges:
        Charge.objects.bulk_update(changed_charges, list(COUNT_FIELDS))
    if new_charges:
        Charge.objects.bulk_create(new_charges)
    if changed_cases:  # new cases have nothing counted yet
        report_columns.mark_cases_months_stale(office.pk, [case.pk for case in changed_cases])


def _merge_counts(
    case, counts, existing, used, overridden, line, new_charges, changed_charges, gone_charges
):
    """Counts keyed by their number: add, change or remove, except a count an offer uses,
    which stays as it is with the difference reported, and a count a signed worksheet's
    override names, which is not removed (binding.signed_overrides_naming). True when anything
    is written."""
    changed = False
    wanted = {count["number"]: count for count in counts}
    for number, charge in existing.items():
        if number in wanted:
            continue
        if charge.pk in used:
            line.messages.append(
                f"Count {number} is not in the file but {_offers(used[charge.pk])} uses it: kept."
            )
        elif charge.pk in overridden:
            line.messages.append(
                f"Count {number} is not in the file but signed worksheet version "
                f"{overridden[charge.pk]} has an override on it: kept."
            )
        else:
            gone_charges.append(charge.pk)
            changed = True
    for number, count in wanted.items():
        charge = existing.get(number)
        if charge is None:
            new_charges.append(_charge(case, count))
            changed = True
            continue
        differences = [name for name in COUNT_FIELDS if getattr(charge, name) != count[name]]
        if not differences:
            continue
        if charge.pk in used:
            line.messages.append(
                f"Count {number} differs in the file ({_describe(differences)}) but "
                f"{_offers(used[charge.pk])} uses it: kept as it was."
            )
            continue
        for name in differences:
            setattr(charge, name, count[name])
        changed_charges.append(charge)
        changed = True
    return changed


def _differs(case: Case, name: str, value: Any) -> bool:
    """Compare a foreign key by its id: reading `case.unit` would cost a query per case."""
    field = Case._meta.get_field(name)
    if field.is_relation:
        attname = getattr(field, "attname", name)
        return getattr(case, attname) != (value.pk if value is not None else None)
    return getattr(case, name) != value


def _charge(case: Case, count: dict[str, Any]) -> Charge:
    values = {name: count[name] for name in COUNT_FIELDS}
    return Charge(case=case, number=count["number"], **values)


def _offers_using(charge_ids: Iterator[int]) -> dict[int, list[int]]:
    ids = list(charge_ids)
    if not ids:
        return {}
    found: dict[int, list[int]] = {}
    rows = PleaTerm.objects.filter(Q(charge_id__in=ids)).values_list("charge_id", "disposition_id")
    for charge_id, offer_id in rows.order_by("charge_id", "disposition_id"):
        found.setdefault(charge_id, []).append(offer_id)
    return found


def _offers(ids: list[int]) -> str:
    if len(ids) == 1:
        return f"offer {ids[0]}"
    return "offers " + ", ".join(str(pk) for pk in ids)


def _describe(names: list[str]) -> str:
    words = {
        "statute_as_entered": "statute",
        "code": "",
        "section": "",
        "subdivision": "",
        "title": "title",
        "offense_date": "offense date",
    }
    shown = [words.get(name, name) for name in names]
    if "statute" in shown:  # the catalog's title follows the statute
        shown.remove("title") if "title" in shown else None
    return ", ".join(dict.fromkeys(word for word in shown if word)) or "statute"
