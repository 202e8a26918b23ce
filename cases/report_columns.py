"""The compliance report's shortcut columns: the one place that knows how each is written.

The report (the `compliance` app) counts plain columns on offers, worksheets and reviews
instead of joining every case or reading JSON. Each column is a copy of a fact kept elsewhere,
so it is only right if every writer computes it the same way; these functions are that way.
The actions call them at conveyance, signing and when a case moves; `seed_volume`'s bulk path
calls the same functions on the rows it bulk-creates; the report tests build their data with
them too.

- scope (`models.SCOPE_FIELDS`): the case's office, unit and assigned deputy, copied onto its
  offers, worksheets and reviews (`models.CaseScope`);
- `Disposition.conveyed_month`: the local month of `conveyed_at`, next to
  `conveyed_with_signed_worksheet` (was a signed worksheet in place when it was conveyed, and
  had it frozen the very terms conveyed? `signed_worksheet_froze`);
- `Disposition.signed_late` and its `LateSignature` row: conveyed without a signed worksheet,
  and a worksheet considering it signed afterwards;
- `Worksheet.flagged_grounds`: one bit per ground flagged on any offer considered
  (`models.GROUND_BITS`); `Worksheet.overridden_grounds`: one bit per ground of its flag
  overrides;
- `ReportMonth.stale`: the report's monthly rollup (`compliance.rollups`) of every month a
  case's offers, worksheets or reviews are counted in must be rebuilt after any write that can
  change a figure or a key of those months: `mark_case_months_stale`, called by the actions in
  their transaction.

It lives in `cases`, not in `compliance`, because the columns are `cases`' own and its actions
write them: `compliance` only reads them, so the dependency runs one way (compliance → cases)
and the actions never import report code. tests/test_reports.py and tests/test_seed_volume.py
check the actions and the bulk seeding against each other through these columns.
"""

from django.utils import timezone

from .models import (
    SCOPE_FIELDS,
    Disposition,
    LateSignature,
    ReportMonth,
    Review,
    Worksheet,
    flagged_grounds_in,
    ground_mask,
)
from .worksheets import signed_offer_terms_hash

# --- Scope --------------------------------------------------------------------------------------


def scope_of(row):
    """The scope columns of a case (or of a row that already carries them), as field values."""
    return {name: getattr(row, name) for name in SCOPE_FIELDS}


def copy_scope(rows, case_of):
    """Set each unsaved row's scope from its case, for writers that bulk_create (which skips
    `CaseScope.save`, the fallback for single rows); `case_of(row)` returns the case in memory,
    so this makes no query."""
    for row in rows:
        for name, value in scope_of(case_of(row)).items():
            setattr(row, name, value)


def move_scope(case):
    """The case moved (unit or deputy): its offers, worksheets and reviews follow, so the
    report's copies of the scope stay the case's as it is now. Call inside the action's
    transaction.

    The one `update()` on worksheets the application makes: only these three columns, which
    are not part of what was signed; on PostgreSQL the frozen-worksheet trigger lets exactly
    these through (migration 0007) and refuses any other change.
    """
    scope = scope_of(case)
    Disposition.objects.filter(case=case).update(**scope)
    Worksheet.objects.filter(case=case).update(**scope)
    Review.objects.filter(worksheet__case=case).update(**scope)


# --- Conveyance ---------------------------------------------------------------------------------


def local_month(moment):
    """The first day of the month `moment` falls in, in settings.TIME_ZONE (California), the
    zone the reports count months in, whatever zone a request activated; None for None."""
    if moment is None:
        return None
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


def signed_worksheet_froze(disposition, terms_hash, *, signed_by):
    """`conveyed_with_signed_worksheet`: did a worksheet signed at or before `signed_by` consider
    this offer with exactly the terms whose hash is `terms_hash` (`Disposition.
    conveyed_terms_hash`)? A worksheet that froze other terms under the same offer id does not
    count (issue 13: an offer edited after signing was counted as considered). Reads the few
    signed worksheets that considered the offer; content signed before per-offer hashes were
    stored is hashed from its offer entry (`worksheets.signed_offer_terms_hash`)."""
    signed = Worksheet.objects.signed().filter(
        case_id=disposition.case_id, signed_at__lte=signed_by, dispositions_considered=disposition
    )
    return any(
        signed_offer_terms_hash(content, disposition.pk) == terms_hash
        for content in signed.values_list("signed_content", flat=True)
        if content
    )


def mark_conveyed(disposition, conveyed_at, *, with_signed_worksheet):
    """Set an offer's conveyance time and the report's columns that go with it (the caller
    saves or bulk-creates it): the trend's month, and whether a signed worksheet considering
    it was in place, which the caller establishes (`actions.convey_offer` asks the database)."""
    disposition.conveyed_at = conveyed_at
    disposition.conveyed_month = local_month(conveyed_at)
    disposition.conveyed_with_signed_worksheet = with_signed_worksheet


# --- Signing ------------------------------------------------------------------------------------


def flagged_grounds(worksheet):
    """`Worksheet.flagged_grounds` from its frozen engine output: set it before the save that
    signs (a signed worksheet cannot change afterwards)."""
    return ground_mask(flagged_grounds_in(worksheet.engine_output))


def overridden_grounds(worksheet):
    """`Worksheet.overridden_grounds` from its flag overrides: set it before the save that signs
    (overrides are frozen with the worksheet, migration 0003). An override is always of one of
    the engine's grounds (the flag it disagrees with), each of which has a bit."""
    return override_bits(worksheet.overrides.values_list("ground", flat=True))


def override_bits(grounds):
    """`Worksheet.overridden_grounds` for the grounds of its overrides (the bulk seeding knows
    them without asking the database)."""
    return ground_mask(grounds)


def is_signed_late(disposition, signed_at, frozen_terms_hash=None):
    """Late, not missing: conveyed without a signed worksheet, and a worksheet considering it
    was signed at `signed_at`, after the conveyance, with the terms that were conveyed: when
    the offer recorded the hash of its conveyed terms, the worksheet's hash for it
    (`frozen_terms_hash`) must be the same. Offers conveyed before that hash existed (and the
    bulk seeding's, which have no terms) have none to compare."""
    return (
        disposition.conveyed_at is not None
        and disposition.conveyed_with_signed_worksheet is False
        and disposition.conveyed_at < signed_at
        and (
            not disposition.conveyed_terms_hash
            or disposition.conveyed_terms_hash == frozen_terms_hash
        )
    )


def late_signatures(worksheet, considered, signed_at):
    """Unsaved `LateSignature` rows for the offers among `considered` (offers the worksheet
    considered that have none yet) that a signature at `signed_at` makes late."""
    content = worksheet.signed_content or {}
    return [
        LateSignature(disposition=offer, signed_at=signed_at, worksheet=worksheet)
        for offer in considered
        if is_signed_late(offer, signed_at, signed_offer_terms_hash(content, offer.pk))
    ]


def record_late_signatures(worksheet):
    """After a worksheet is signed (in the same transaction): a `LateSignature` row for each
    offer it considered that was conveyed before without one, and their `signed_late` flag."""
    considered = worksheet.dispositions_considered.filter(late_signature__isnull=True)
    rows = LateSignature.objects.bulk_create(
        late_signatures(worksheet, considered, worksheet.signed_at)
    )
    Disposition.objects.filter(pk__in=[row.disposition_id for row in rows]).update(signed_late=True)
    return rows


# --- The report's monthly rollups ---------------------------------------------------------------


def mark_months_stale(office_id, months):
    """Mark the rollup of `office_id` for each of `months` (first days) stale, in the caller's
    transaction: the write and the mark commit together, so no reader can see the new rows with
    the month still marked fresh. An upsert, so concurrent writers never collide on the unique
    (office, month); on PostgreSQL it waits for a rebuild holding the row's lock, and a rebuild
    that deleted the row meanwhile is followed by a fresh insert."""
    months = sorted({month for month in months if month is not None})
    if not months:
        return
    ReportMonth.objects.bulk_create(
        [ReportMonth(office_id=office_id, month=month, stale=True) for month in months],
        update_conflicts=True,
        unique_fields=["office", "month"],
        update_fields=["stale"],
    )


def case_months(case_ids):
    """Every month the report counts something of the cases `case_ids` in: their offers'
    conveyance months, their worksheets' signing months and their reviews' request months
    (local months)."""
    months = set(
        Disposition.objects.filter(case_id__in=case_ids, conveyed_month__isnull=False)
        .values_list("conveyed_month", flat=True)
        .distinct()
    )
    signed = Worksheet.objects.filter(case_id__in=case_ids, signed_at__isnull=False)
    months.update(local_month(at) for at in signed.values_list("signed_at", flat=True))
    requested = Review.objects.filter(worksheet__case_id__in=case_ids)
    months.update(local_month(at) for at in requested.values_list("requested_at", flat=True))
    return months


def mark_case_months_stale(case, also=()):
    """After a write to `case` (its counts, scope, offers, worksheets, reviews or defense
    requests), in the same transaction: every month it is counted in is stale, and `also`
    (months it is no longer counted in, e.g. a withdrawn conveyance's). Whatever changed, the
    whole case: the rollup's keys are the case's attributes (felony, offense groups, the
    policy-scope attributes), so a change to one count can move every row of it. Three small
    reads bounded by the case's own rows, and one upsert."""
    mark_cases_months_stale(case.office_id, [case.pk], also)


def mark_cases_months_stale(office_id, case_ids, also=()):
    """`mark_case_months_stale` for many cases of one office at once (the import's batches)."""
    mark_months_stale(office_id, case_months(list(case_ids)) | set(also))
