"""Loading a new catalog version while the application runs (issue 16 item 6).

"A catalog file that fails validation is refused at load, and the running version stays in
place." The new files are validated before anything is replaced; every process picks up a new
installed version by itself (refresh_catalog, called by cases.middleware).
"""

import logging

import pytest

from consequences import catalog as catalogs
from consequences import engine
from consequences.catalog import CatalogError
from tests.catalog_versions import NEW_VERSION, broken_catalog, changed_catalog


@pytest.fixture
def fresh():
    """A process that has loaded the installed catalog; forgotten again afterwards, so no other
    test sees a catalog these tests loaded."""
    catalogs.forget_catalog()
    running = catalogs.get_catalog()
    yield running
    catalogs.forget_catalog()


def petty_theft_cimt():
    result = engine.assess_count("PC 488", level="misdemeanor")
    (flag,) = [flag for flag in result.flags if flag.ground == "cimt"]
    return flag.verdict.value, result.catalog_version


def test_a_valid_new_version_replaces_the_running_one(fresh, tmp_path):
    assert petty_theft_cimt() == ("yes", fresh.version)
    old, new = catalogs.reload_catalog(changed_catalog(tmp_path / "new"))
    assert old is fresh and new.version == NEW_VERSION
    assert catalogs.get_catalog() is new
    assert petty_theft_cimt() == ("unclear", NEW_VERSION)
    assert catalogs.previous_catalog() is fresh


def test_a_file_that_fails_validation_is_refused_and_the_running_version_stays(fresh, tmp_path):
    with pytest.raises(CatalogError) as refused:
        catalogs.reload_catalog(broken_catalog(tmp_path / "broken"))
    assert refused.value.file == "offenses/property_fraud_justice.toml"
    assert refused.value.field.endswith(".verdict")
    assert catalogs.get_catalog() is fresh
    assert petty_theft_cimt() == ("yes", fresh.version)
    assert catalogs.previous_catalog() is None


def test_a_missing_folder_is_refused_too(fresh, tmp_path):
    with pytest.raises(CatalogError, match="catalog.toml: file not found"):
        catalogs.reload_catalog(tmp_path / "nowhere")
    assert catalogs.get_catalog() is fresh


def test_every_process_picks_up_a_new_installed_version(fresh, tmp_path, monkeypatch):
    assert catalogs.refresh_catalog() is None  # nothing changed
    monkeypatch.setattr(catalogs, "CATALOG_ROOT", changed_catalog(tmp_path / "installed"))
    assert catalogs.installed_changed()
    loaded = catalogs.refresh_catalog()
    assert loaded is not None and loaded.version == NEW_VERSION
    assert catalogs.get_catalog() is loaded and not catalogs.installed_changed()
    assert catalogs.refresh_catalog() is None


def test_installed_files_that_fail_are_refused_once_and_logged(
    fresh, tmp_path, monkeypatch, caplog, settings
):
    from cases.middleware import check_installed_catalog

    monkeypatch.setattr(catalogs, "CATALOG_ROOT", broken_catalog(tmp_path / "installed"))
    loads = []
    real_load = catalogs.load_catalog
    monkeypatch.setattr(
        catalogs, "load_catalog", lambda root: loads.append(root) or real_load(root)
    )
    with caplog.at_level(logging.ERROR, logger="considered.catalog"):
        assert check_installed_catalog() is None
        assert check_installed_catalog() is None
    assert catalogs.get_catalog() is fresh
    assert len(loads) == 1  # refused once, not re-read on every check
    assert isinstance(catalogs.refused_catalog(), CatalogError)
    (record,) = caplog.records
    assert "refused; the running version stays" in record.getMessage()


def test_the_middleware_checks_once_per_interval(fresh, tmp_path, monkeypatch, rf, settings):
    from cases import middleware

    settings.CATALOG_CHECK_SECONDS = 60
    checks = []
    monkeypatch.setattr(middleware, "check_installed_catalog", lambda: checks.append(1))
    handler = middleware.CatalogRefreshMiddleware(lambda request: "response")
    assert handler(rf.get("/")) == "response" and checks == []  # not before the interval
    handler.next_check = 0  # the interval has passed
    handler(rf.get("/"))
    handler(rf.get("/"))
    assert checks == [1]
