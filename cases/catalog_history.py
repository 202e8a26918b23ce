"""The catalog versions this deployment has run, kept in the database (issue 17 item 1: "the
entries changed since the last version").

A catalog lives in memory, read from its data files; a server that restarts forgets the version
it ran before. So each version is recorded the first time it is seen (the Office catalog page,
a catalog loaded while running, seed_demo): its number, its effective date and, per entry, the
SHA-256 of the entry's canonical content. The entries changed since the previous version are then
the difference between two recorded versions, whatever restarts came between.

"Previous" is the highest recorded version number below the one in use, not the last one a
process happened to load: every server of a deployment answers the same.
Tests: tests/test_catalog_history.py, tests/test_office_pages.py.
"""

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

from django.db import IntegrityError, transaction

from consequences.catalog import Catalog, Offense

from .models import CatalogEntryFingerprint, CatalogVersion

# Left out of an entry's fingerprint: `file` (which file holds an entry does not matter,
# docs/catalog.md), `parsed` (derived from `code`) and `last_reviewed` (the review record, shown
# beside each entry; a re-review that changes nothing is not a change of the law).
_NOT_CONTENT = ("file", "parsed", "last_reviewed")


def entry_fingerprint(entry: Offense) -> str:
    """The SHA-256 of what the entry says: every field but those in _NOT_CONTENT, as JSON with
    sorted keys and sorted tags, so the same entry always gives the same digest."""
    content = {
        name: value for name, value in dataclasses.asdict(entry).items() if name not in _NOT_CONTENT
    }
    content["tags"] = sorted(entry.tags)
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=4)
def fingerprints(catalog: Catalog) -> dict[str, str]:
    """{code: fingerprint} of a loaded catalog (kept per catalog object: it never changes)."""
    return {code: entry_fingerprint(entry) for code, entry in catalog.offenses.items()}


def record_catalog(catalog: Catalog) -> CatalogVersion:
    """The stored record of `catalog`'s version, made with its entries' fingerprints if this is
    the first time any process sees it.

    Several processes may see a new version at the same moment: the version number is unique,
    so one insert wins and the others, refused, read the winner's rows. The version and its
    fingerprints are written in one transaction, so nobody reads a version without its entries.
    A version number recorded before keeps its first fingerprints (docs/catalog.md: every change
    to an entry bumps the version).
    """
    stored = recorded(catalog.version)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            stored = CatalogVersion.objects.create(
                version=catalog.version, effective=catalog.effective
            )
            digests = fingerprints(catalog)
            CatalogEntryFingerprint.objects.bulk_create(
                CatalogEntryFingerprint(
                    catalog=stored, code=code, title=entry.title, sha256=digests[code]
                )
                for code, entry in catalog.offenses.items()
            )
    except IntegrityError:
        return CatalogVersion.objects.get(version=catalog.version)
    return stored


def recorded(version: str) -> CatalogVersion | None:
    """The stored record of `version`, or None."""
    return CatalogVersion.objects.filter(version=version).first()


def record_catalogs(*catalogs: Catalog | None) -> None:
    """Record each catalog given (None is skipped): the one a reload replaced and the new one."""
    for catalog in catalogs:
        if catalog is not None:
            record_catalog(catalog)


def version_key(version: str) -> tuple[int, ...]:
    """A version number as numbers: 2026.12.10 → (2026, 12, 10), after 2026.12.9."""
    return tuple(int(part) for part in version.split("."))


def previous_version(version: str) -> CatalogVersion | None:
    """The highest recorded version below `version`, or None (the first one recorded)."""
    below = [
        stored
        for stored in CatalogVersion.objects.all()
        if version_key(stored.version) < version_key(version)
    ]
    return max(below, key=lambda stored: version_key(stored.version), default=None)


@dataclass
class Changes:
    """What changed from a recorded version to the catalog in use: entries added and changed
    (the running catalog's, with their review record) and removed (code and title as recorded)."""

    previous: CatalogVersion
    added: list[Offense]
    changed: list[Offense]
    removed: list[CatalogEntryFingerprint]


def changes_since_previous(catalog: Catalog) -> Changes | None:
    """The entries added, changed and removed since the version recorded before `catalog`'s,
    or None when no earlier version is recorded. Records `catalog` first if it is new."""
    record_catalog(catalog)
    previous = previous_version(catalog.version)
    if previous is None:
        return None
    before = {entry.code: entry for entry in previous.entries.all()}
    now = fingerprints(catalog)
    return Changes(
        previous=previous,
        added=[catalog.offenses[code] for code in sorted(now) if code not in before],
        changed=[
            catalog.offenses[code]
            for code in sorted(now)
            if code in before and before[code].sha256 != now[code]
        ],
        removed=[before[code] for code in sorted(before) if code not in now],
    )
