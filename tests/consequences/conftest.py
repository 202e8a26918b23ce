"""Catalogs for the engine's tests: a small hand-written fixture catalog, and the real one."""

from pathlib import Path

import pytest

from consequences.catalog import get_catalog, load_catalog

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def fixture_catalog():
    """tests/consequences/fixtures/valid: simplified entries that exercise each rule."""
    return load_catalog(FIXTURES / "valid")


@pytest.fixture(scope="session")
def real_catalog():
    """The project's catalog under consequences/catalog/."""
    return get_catalog()
