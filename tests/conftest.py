"""People and their rights: the fixtures every feature's tests are written around.

alice is a deputy who owns the case; bob is a deputy in her unit; carol supervises the unit;
dave administers the office; erin is immigration counsel; frank is a deputy in another unit of
the same office; olivia is a deputy in another office (the outsider).
"""

import pytest

from cases.choices import Role
from tests import factories
from tests.system import missing_system_pieces


def pytest_collection_modifyitems(session, config, items):
    """Refuse to run, naming what is missing, rather than skip or fail test by test.

    Only the engine's tests (tests/consequences) run without the Debian packages; whatever else
    is collected needs Chromium, poppler and HarfBuzz's subsetter, in CI or not.
    """
    if all("/tests/consequences/" in str(item.path) for item in items):
        return
    missing = missing_system_pieces()
    if missing:
        lines = "\n".join(f"  - {piece}" for piece in missing)
        raise pytest.UsageError(
            f"These tests need system packages that are missing:\n{lines}\n"
            "Run `make install` as root (it installs them), or run .ci/system-packages "
            "for the exact command."
        )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path_factory):
    """The defense's attachments go to a fresh directory per test, never to var/."""
    folder = tmp_path_factory.mktemp("private-media")
    storages = {**settings.STORAGES}
    storages["defense_attachments"] = {
        **storages["defense_attachments"],
        "OPTIONS": {**storages["defense_attachments"]["OPTIONS"], "location": folder},
    }
    settings.STORAGES = storages
    settings.PRIVATE_MEDIA_ROOT = folder


@pytest.fixture
def office(db):
    return factories.make_office("Alpha County District Attorney")


@pytest.fixture
def unit(office):
    return factories.make_unit(office, "Felony Unit")


@pytest.fixture
def other_unit(office):
    return factories.make_unit(office, "Misdemeanor Unit")


@pytest.fixture
def other_office(db):
    return factories.make_office("Omega County District Attorney")


@pytest.fixture
def alice(office, unit):
    return factories.make_user("alice", office, Role.DEPUTY, unit)


@pytest.fixture
def bob(office, unit):
    return factories.make_user("bob", office, Role.DEPUTY, unit)


@pytest.fixture
def carol(office, unit):
    return factories.make_user("carol", office, Role.SUPERVISOR, unit)


@pytest.fixture
def dave(office):
    return factories.make_user("dave", office, Role.ADMIN)


@pytest.fixture
def erin(office):
    return factories.make_user("erin", office, Role.COUNSEL)


@pytest.fixture
def frank(office, other_unit):
    return factories.make_user("frank", office, Role.DEPUTY, other_unit)


@pytest.fixture
def olivia(other_office):
    unit = factories.make_unit(other_office, "Omega Unit")
    return factories.make_user("olivia", other_office, Role.DEPUTY, unit)


@pytest.fixture
def case(office, unit, alice):
    case = factories.make_case(office, unit, alice, number="ALPHA-0001")
    factories.make_charge(case, 1, "PC 273.5(a)")
    factories.make_charge(case, 2, "HS 11351")
    return case


@pytest.fixture
def outsider_case(other_office, olivia):
    unit = olivia.membership.unit
    case = factories.make_case(other_office, unit, olivia, number="OMEGA-0001")
    factories.make_charge(case, 1, "PC 211")
    return case
