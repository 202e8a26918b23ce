"""The catalog versions a deployment has run, stored with a fingerprint of each entry
(cases.catalog_history), so that "the entries changed since the last version" survives a
restart. The page itself: tests/test_office_pages.py."""

import dataclasses
import datetime

import pytest

from cases import catalog_history
from cases.models import CatalogEntryFingerprint, CatalogVersion
from consequences import catalog as catalogs
from tests.catalog_versions import NEW_VERSION, changed_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def installed():
    return catalogs.get_catalog()


def test_an_entry_fingerprint_is_its_content_not_its_file_or_review_date(installed):
    entry = installed.get("PC 488")
    digest = catalog_history.entry_fingerprint(entry)
    assert len(digest) == 64
    moved = dataclasses.replace(entry, file="offenses/elsewhere.toml")
    reviewed = dataclasses.replace(entry, last_reviewed=datetime.date(2030, 1, 1))
    assert catalog_history.entry_fingerprint(moved) == digest
    assert catalog_history.entry_fingerprint(reviewed) == digest
    retitled = dataclasses.replace(entry, title=entry.title + " (renamed)")
    assert catalog_history.entry_fingerprint(retitled) != digest


def test_only_the_changed_entry_has_another_fingerprint(installed, tmp_path):
    new = catalogs.load_catalog(changed_catalog(tmp_path / "new"))
    before, after = catalog_history.fingerprints(installed), catalog_history.fingerprints(new)
    assert before.keys() == after.keys()
    assert [code for code in before if before[code] != after[code]] == ["PC 488"]


def test_a_version_is_recorded_once_with_every_entry(installed):
    first = catalog_history.record_catalog(installed)
    again = catalog_history.record_catalog(installed)
    assert first == again and CatalogVersion.objects.count() == 1
    assert (first.version, first.effective) == (installed.version, installed.effective)
    assert first.entries.count() == len(installed)
    stored = first.entries.get(code="PC 488")
    assert stored.title == installed.get("PC 488").title
    assert stored.sha256 == catalog_history.entry_fingerprint(installed.get("PC 488"))


def test_a_process_that_loses_the_race_reads_the_winners_record(installed, monkeypatch):
    winner = catalog_history.record_catalog(installed)
    # This process looked before the other one's insert was committed, and saw nothing.
    monkeypatch.setattr(catalog_history, "recorded", lambda version: None)
    assert catalog_history.record_catalog(installed) == winner
    assert CatalogVersion.objects.count() == 1
    assert CatalogEntryFingerprint.objects.count() == len(installed)


def test_the_previous_version_is_the_highest_number_below(installed):
    for version in ("2026.12.9", "2026.12.10", "2027.1.1"):
        CatalogVersion.objects.create(version=version, effective=datetime.date(2026, 12, 1))
    assert catalog_history.previous_version("2026.12.11").version == "2026.12.10"
    assert catalog_history.previous_version("2026.12.10").version == "2026.12.9"
    assert catalog_history.previous_version("2026.1.1") is None


def test_added_changed_and_removed_from_the_recorded_version(installed):
    older = CatalogVersion.objects.create(version="2000.1.1", effective=datetime.date(2000, 1, 1))
    digests = catalog_history.fingerprints(installed)
    rows = [
        CatalogEntryFingerprint(catalog=older, code=code, title="t", sha256=digest)
        for code, digest in digests.items()
        if code != "PC 488"  # added since
    ]
    rows.append(CatalogEntryFingerprint(catalog=older, code="PC 999", title="Gone", sha256="0"))
    CatalogEntryFingerprint.objects.bulk_create(rows)
    CatalogEntryFingerprint.objects.filter(catalog=older, code="PC 211").update(sha256="1" * 64)

    changes = catalog_history.changes_since_previous(installed)
    assert changes.previous == older
    assert [entry.code for entry in changes.added] == ["PC 488"]
    assert [entry.code for entry in changes.changed] == ["PC 211"]
    assert [(entry.code, entry.title) for entry in changes.removed] == [("PC 999", "Gone")]
    assert CatalogVersion.objects.filter(version=installed.version).exists()  # recorded too


def test_a_version_loaded_while_running_is_recorded_with_the_one_it_replaced(
    installed, tmp_path, monkeypatch
):
    from cases.middleware import check_installed_catalog

    catalogs.forget_catalog()
    running = catalogs.get_catalog()
    monkeypatch.setattr(catalogs, "CATALOG_ROOT", changed_catalog(tmp_path / "installed"))
    try:
        assert check_installed_catalog().version == NEW_VERSION
        assert set(CatalogVersion.objects.values_list("version", flat=True)) == {
            running.version,
            NEW_VERSION,
        }
    finally:
        monkeypatch.undo()
        catalogs.forget_catalog()
