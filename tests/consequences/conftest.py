"""Catalogs for the engine's tests: a small hand-written fixture catalog, and the real one."""

from pathlib import Path

import pytest

from consequences.catalog import get_catalog, load_catalog
from consequences.engine import assess_count
from consequences.statuses import Verdict

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def fixture_catalog():
    """tests/consequences/fixtures/valid: simplified entries that exercise each rule."""
    return load_catalog(FIXTURES / "valid")


@pytest.fixture(scope="session")
def real_catalog():
    """The project's catalog under consequences/catalog/."""
    return get_catalog()


@pytest.fixture
def assess(real_catalog):
    """assess(code, **terms): one count against the real catalog, which must know the code.

    test_engine.py overrides it with the fixture catalog.
    """

    def assess(code, **terms):
        result = assess_count(code, catalog=real_catalog, **terms)
        assert result.known, result.message
        return result

    return assess


def worst(result, ground, subcategory=None):
    """The surest verdict the result gives on a ground (NO if the ground is not listed)."""
    verdicts = [
        f.verdict
        for f in result.flags
        if f.ground == ground and (subcategory is None or f.subcategory == subcategory)
    ]
    return max(verdicts, key=lambda v: v.severity, default=Verdict.NO)
