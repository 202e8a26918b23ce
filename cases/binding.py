"""A signed worksheet binds the offers it considered; a conveyed offer is what the defense heard.

The terms of such an offer (its plea terms and the offer fields its worksheet entry shows) never
change in place. Issue 13 offered two ways out: an edit makes a new offer, or an edit requires an
amendment of the worksheet. We chose the new offer (copy-on-write, `actions.revise_offer`):

- the signed record keeps pointing at true terms: worksheet v1 considered offer 9, and offer 9
  still says what v1 says, so nothing signed ever has to change or be explained away;
- what was conveyed stays readable beside what replaced it ("revised from offer 9");
- the revision is a draft like any other: before its conveyance counts as compliant, a signed
  worksheet (an amendment, or the current draft) has to consider it, and the compliance check
  compares the hash of its terms at conveyance with the hash that worksheet froze
  (`report_columns.signed_worksheet_froze`, the one writer of the report's columns).

Three layers keep the rule, as for signed worksheets: the actions refuse with a message
(`actions.save_disposition`, `actions.update_case`); `cases.frozen` refuses ORM writes of frozen
terms whatever the caller (SQLite's only database-side guard); on PostgreSQL the triggers of
migration `0016_offer_terms_frozen` refuse them even from raw SQL.
"""

from .choices import DispositionStatus
from .models import Disposition, FlagOverride, Worksheet
from .worksheets import live_offer_terms_hash

# The offer's own columns that are part of its terms (its worksheet entry reads them, or they
# change what is pleaded): the PostgreSQL trigger and `cases.frozen` refuse changes to these.
# Status, dates, notes and the report's columns move on; the terms do not.
TERM_FIELDS = ("case_id", "label", "name", "proposed_by", "diversion", "diversion_requires_plea")

_THROUGH = Worksheet.dispositions_considered.through


def signed_versions_considering(disposition_ids):
    """{offer id: the lowest version of a signed worksheet that considered it}, in one query."""
    rows = (
        _THROUGH.objects.filter(
            disposition_id__in=list(disposition_ids), worksheet__signed_at__isnull=False
        )
        .order_by("worksheet__version")
        .values_list("disposition_id", "worksheet__version")
    )
    versions: dict[int, int] = {}
    for disposition_id, version in rows:
        versions.setdefault(disposition_id, version)
    return versions


def why_frozen(disposition, signed_versions=None):
    """Why this offer's terms can no longer change, in the deputy's words, or "" if they can.

    `signed_versions` is `signed_versions_considering` of the offers a page lists, when the
    caller already has it (one query for all); otherwise it is looked up for this offer.
    """
    if signed_versions is None:
        signed_versions = signed_versions_considering([disposition.pk] if disposition.pk else [])
    signed_version = signed_versions.get(disposition.pk)
    reasons = []
    if disposition.status != DispositionStatus.DRAFT:
        reasons.append("was conveyed")
    if signed_version is not None:
        reasons.append(f"was considered by the signed worksheet v{signed_version}")
    return " and ".join(reasons)


def is_frozen_in_database(disposition_id):
    """Are this offer's terms frozen, as the database says now (not as an object in memory)?"""
    if disposition_id is None:
        return False
    conveyed = (
        Disposition.objects.filter(pk=disposition_id)
        .exclude(status=DispositionStatus.DRAFT)
        .exists()
    )
    return conveyed or bool(signed_versions_considering([disposition_id]))


def terms_hash_now(disposition):
    """The hash of the offer's terms as stored now: what conveyance records."""
    return live_offer_terms_hash(disposition)


def signed_overrides_naming(charge_ids):
    """{count id: the lowest version of a signed worksheet with an override on that count}.

    A signed worksheet freezes its overrides in its content (count number, ground, verdicts,
    reason; hash-covered), so the record does not need the rows. But the rows are frozen with
    it (`cases.frozen`, migration 0003's trigger), and a count's removal would cascade to them:
    refused there with a message about the worksheet. So the writers that remove counts
    (`actions.update_case`, the importer) keep such a count and say why, first. An override can
    sit on a count no considered offer pleads (its offer was unticked before signing), which is
    why the plea terms' check alone does not cover it.
    """
    ids = list(charge_ids)
    if not ids:
        return {}
    rows = (
        FlagOverride.objects.filter(charge_id__in=ids, worksheet__signed_at__isnull=False)
        .order_by("worksheet__version")
        .values_list("charge_id", "worksheet__version")
    )
    versions: dict[int, int] = {}
    for charge_id, version in rows:
        versions.setdefault(charge_id, version)
    return versions
