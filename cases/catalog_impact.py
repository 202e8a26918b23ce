"""When the law changes: what a new catalog version changes in an office's open work (issue 16
item 6).

`impact(old, new, cases=...)` compares two catalogs over the records:

- **unsigned offers** — offers still open (draft, conveyed or accepted) that no signed
  worksheet considered — assessed under both catalogs, with the case's priors and
  single-scheme answer: every flag whose verdict differs, with the old and the new verdict;
- **signed worksheets** — the current signed version of each worksheet — whose frozen
  analysis differs from what the new catalog says of the same frozen inputs (the counts as
  pleaded, the priors and the single-scheme answer frozen with them).

Nothing is written: a signed worksheet never changes, and the report only says where a deputy
should look again (amend it, or re-read the offer). Queries are bounded: four for the offers and
one for the worksheets, however many there are. The screen is `cases.views.catalog_impact`, the
command `manage.py catalog_impact OLD [NEW]`. Tests: tests/test_catalog_impact.py.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from consequences import engine

from . import analysis
from .choices import DispositionStatus
from .models import Case, Disposition, PleaTerm, PriorConviction, Worksheet

OPEN_STATUSES = (DispositionStatus.DRAFT, DispositionStatus.CONVEYED, DispositionStatus.ACCEPTED)
NOT_FLAGGED = "none"  # a ground the catalog does not flag at all
NOT_IN_CATALOG = "not_in_catalog"  # a count the catalog has no analysis for


@dataclass(frozen=True)
class Change:
    """One flag whose verdict differs: where (count number, or None for the offer as a whole),
    which ground and subcategory, and the verdict under each catalog."""

    count: int | None
    ground: str
    subcategory: str | None
    old: str
    new: str

    def to_dict(self):
        return {
            "count": self.count,
            "ground": self.ground,
            "subcategory": self.subcategory,
            "old": self.old,
            "new": self.new,
        }


@dataclass
class OfferImpact:
    disposition: Disposition
    changes: list[Change]


@dataclass
class WorksheetImpact:
    worksheet: Worksheet
    offer: str  # the offer's name as frozen
    changes: list[Change]


@dataclass
class Impact:
    old_version: str
    new_version: str
    offers: list[OfferImpact] = field(default_factory=list)
    worksheets: list[WorksheetImpact] = field(default_factory=list)

    @property
    def same_version(self):
        return self.old_version == self.new_version


def impact(old, new, *, cases=None):
    """What changes from catalog `old` to catalog `new` over `cases` (a Case queryset; default:
    every case, for the operator's command)."""
    cases = Case.objects.all() if cases is None else cases
    result = Impact(old.version, new.version)
    offers = unsigned_offers(cases) if old is not new else ()
    for disposition in offers:
        history = analysis.History.of(disposition.case, disposition.case.priors.all())
        terms = sorted(disposition.terms.all(), key=lambda term: term.charge.number)
        before = analysis.assess_offer(disposition, terms, history, catalog=old)
        after = analysis.assess_offer(disposition, terms, history, catalog=new)
        numbers = {term.charge_id: term.charge.number for term in terms}
        changes = compare(_offer_verdicts(before, numbers), _offer_verdicts(after, numbers))
        if changes:
            result.offers.append(OfferImpact(disposition, changes))
    for worksheet in signed_worksheets(cases):
        result.worksheets.extend(_worksheet_impact(worksheet, new))
    return result


def unsigned_offers(cases):
    """Open offers of `cases` that no signed worksheet considered, with what assessing needs."""
    considered = Worksheet.objects.signed().values("dispositions_considered")
    return (
        Disposition.objects.filter(case__in=cases, status__in=OPEN_STATUSES)
        .exclude(pk__in=considered)
        .select_related("case")
        .prefetch_related(
            Prefetch("terms", queryset=PleaTerm.objects.select_related("charge")),
            Prefetch("case__priors", queryset=PriorConviction.objects.all()),
        )
        .order_by("case__court_case_number", "created_at", "pk")
    )


def signed_worksheets(cases):
    """The current signed version of each worksheet of `cases` (an amended one is superseded)."""
    return (
        Worksheet.objects.current()
        .signed()
        .filter(case__in=cases)
        .select_related("case")
        .order_by("case__court_case_number", "version")
    )


def _worksheet_impact(worksheet, new):
    """Per offer the worksheet considered: the frozen verdicts against the new catalog's verdicts
    for the same frozen inputs."""
    content = worksheet.signed_content or {}
    frozen = content.get("analysis", {}).get("dispositions", {})
    history = analysis.History.from_content(content)
    numbers = {count["id"]: count["number"] for count in content.get("counts", [])}
    found = []
    for offer in content.get("dispositions", []):
        result = frozen.get(offer["id"])
        if result is None:
            continue
        stored = {
            "flags": result.get("flags", []),
            "terms": result.get("counts", {}),
        }
        before = _offer_verdicts(stored, numbers)
        after = _offer_verdicts(_reassess(offer, result, history, new), numbers)
        changes = compare(before, after)
        if changes:
            found.append(WorksheetImpact(worksheet, offer.get("name", ""), changes))
    return found


def _reassess(offer, frozen, history, catalog):
    """The new catalog's answer for an offer's frozen inputs, shaped like `assess_offer`'s.

    A count that was not analysed when signed (no frozen input) stays unanalysed; a dismissed
    count stays dismissed. Counts are re-read in the order the worksheet froze them."""
    counts = frozen.get("counts", {})
    inputs = {}
    by_count = {}
    for term in offer.get("terms", []):
        count = counts.get(term["count_id"]) or {}
        given = count.get("input")
        if count.get("dismissed") or given is None:
            by_count[term["count_id"]] = count
            continue
        inputs[term["count_id"]] = {key: value for key, value in given.items() if key != "status"}
    flags = []
    if inputs:
        try:
            result = engine.assess_disposition(
                list(inputs.values()),
                priors=history.priors,
                single_scheme=history.single_scheme,
                catalog=catalog,
            )
        except engine.InvalidInput as problem:
            # The new catalog refuses terms the old one took (say a level it no longer lists).
            for count_id, given in inputs.items():
                by_count[count_id] = analysis._not_analysed(given["offense"], str(problem), catalog)
        else:
            flags = [flag.to_dict() for flag in result.flags]
            for count_id, assessed in zip(inputs, result.counts, strict=True):
                by_count[count_id] = assessed.to_dict()
    return {"flags": flags, "terms": by_count}


def _offer_verdicts(result, numbers):
    """{(count number or None, ground, subcategory): verdict} for an offer's analysis.

    `numbers` maps a count's id (as the analysis keys it) to its number. A count the catalog
    has no analysis for is one entry, NOT_IN_CATALOG, so a count that becomes (or stops being)
    unknown is reported too."""
    verdicts = {}
    for flag in result.get("flags", []):
        verdicts[(None, flag["ground"], flag["subcategory"])] = flag["verdict"]
    for count_id, count in result.get("terms", {}).items():
        number = numbers.get(count_id, numbers.get(str(count_id)))
        if count.get("dismissed"):
            continue
        if not count.get("offense", {}).get("known", True):
            verdicts[(number, "offense", None)] = NOT_IN_CATALOG
            continue
        for flag in count.get("flags", []):
            verdicts[(number, flag["ground"], flag["subcategory"])] = flag["verdict"]
    return verdicts


def compare(before, after):
    """The flags whose verdict differs, in count order (the offer as a whole last)."""
    changes = []
    for key in set(before) | set(after):
        old = before.get(key, NOT_FLAGGED)
        new = after.get(key, NOT_FLAGGED)
        if old != new:
            changes.append(Change(key[0], key[1], key[2], old, new))
    changes.sort(key=lambda c: (c.count is None, c.count or 0, c.ground, c.subcategory or ""))
    return changes
