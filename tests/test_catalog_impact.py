"""When the law changes: the catalog impact report (issue 16 item 6), as its readers use it.

The new catalog (tests/catalog_versions.py) makes petty theft's CIMT flag "unclear" instead of
"yes". alice (deputy) has an open petty-theft offer no worksheet signed, and a second case whose
worksheet was signed under the installed catalog; carol supervises her unit, dave administers
the office, and the other office's supervisor sees none of it. Signed worksheets never change.
"""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions
from cases.catalog_impact import impact
from cases.choices import AuditAction, Role
from cases.models import AuditEvent, Worksheet
from consequences import catalog as catalogs
from consequences.catalog import CATALOG_ROOT, load_catalog
from tests import factories
from tests.catalog_versions import NEW_VERSION, broken_catalog, changed_catalog
from tests.security.worlds import sign_directly

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def new_dir(tmp_path_factory):
    return changed_catalog(tmp_path_factory.mktemp("catalog") / "new")


@pytest.fixture
def old_catalog():
    return catalogs.get_catalog()


@pytest.fixture
def new_catalog(new_dir):
    return load_catalog(new_dir)


def petty_theft_case(office, unit, deputy, number):
    case = factories.make_case(office, unit, deputy, number=number)
    charge = factories.make_charge(case, 1, "PC 488", level="misdemeanor")
    offer = factories.make_disposition(case, name="Petty theft offer")
    factories.make_term(offer, charge, custody_days_imposed=10)
    return case, offer


@pytest.fixture
def open_offer(office, unit, alice):
    return petty_theft_case(office, unit, alice, "ALPHA-0401")[1]


@pytest.fixture
def signed(office, unit, alice):
    case, offer = petty_theft_case(office, unit, alice, "ALPHA-0402")
    worksheet = actions.start_worksheet(case, by_user=alice)
    return sign_directly(worksheet, alice)


@pytest.fixture
def outsider_offer(other_office):
    unit = factories.make_unit(other_office, "Omega Unit 2")
    deputy = factories.make_user("oscar", other_office, Role.DEPUTY, unit)
    return petty_theft_case(other_office, unit, deputy, "OMEGA-0401")[1]


class TestImpact:
    def test_an_open_offer_whose_flag_changes_is_listed_with_both_verdicts(
        self, open_offer, old_catalog, new_catalog
    ):
        result = impact(old_catalog, new_catalog)
        assert (result.old_version, result.new_version) == (old_catalog.version, NEW_VERSION)
        (item,) = result.offers
        assert item.disposition == open_offer
        changes = [change.to_dict() for change in item.changes]
        assert changes[0] == {
            "count": 1,
            "ground": "cimt",
            "subcategory": None,
            "old": "yes",
            "new": "unclear",
        }
        # Grounds derived from the CIMT follow it (good moral character, detention).
        assert {(c["ground"], c["old"], c["new"]) for c in changes[1:]} <= {
            ("good_moral_character", "yes", "unclear"),
            ("mandatory_detention", "yes", "unclear"),
        }

    def test_an_offer_a_signed_worksheet_considered_is_not_an_unsigned_offer(
        self, signed, old_catalog, new_catalog
    ):
        result = impact(old_catalog, new_catalog)
        assert result.offers == []
        (item,) = result.worksheets
        assert item.worksheet == signed and item.offer == "Petty theft offer"
        assert (1, "cimt", "yes", "unclear") in [
            (c.count, c.ground, c.old, c.new) for c in item.changes
        ]

    def test_signed_worksheets_never_change(self, signed, old_catalog, new_catalog):
        before = (signed.signed_content, signed.content_hash, signed.catalog_version)
        impact(old_catalog, new_catalog)
        signed.refresh_from_db()
        assert (signed.signed_content, signed.content_hash, signed.catalog_version) == before

    def test_nothing_differs_under_the_same_catalog(self, open_offer, signed, old_catalog):
        result = impact(old_catalog, old_catalog)
        assert result.offers == [] and result.worksheets == []

    def test_a_worksheet_reads_its_frozen_priors(
        self, office, unit, alice, old_catalog, new_catalog
    ):
        """The prior is frozen with the worksheet: the re-read uses it, not today's priors."""
        case, _ = petty_theft_case(office, unit, alice, "ALPHA-0403")
        actions.add_prior(
            case, by_user=alice, code="PC 484(a)", convicted_on=datetime.date(2020, 5, 4)
        )
        worksheet = sign_directly(actions.start_worksheet(case, by_user=alice), alice)
        case.priors.all().delete()
        (item,) = impact(old_catalog, new_catalog).worksheets
        assert item.worksheet == worksheet
        grounds = {(c.ground, c.subcategory): (c.old, c.new) for c in item.changes}
        assert grounds[("cimt", None)] == ("yes", "unclear")
        # Two CIMTs exist only with the frozen prior (PC 484(a)): the re-read used it.
        assert grounds[("cimt", "two_cimts")] == ("yes", "unclear")

    def test_queries_do_not_grow_with_offers_and_worksheets(
        self, office, unit, alice, old_catalog, new_catalog
    ):
        def queries():
            with CaptureQueriesContext(connection) as captured:
                result = impact(old_catalog, new_catalog)
            return len(captured.captured_queries), len(result.offers), len(result.worksheets)

        petty_theft_case(office, unit, alice, "ALPHA-0500")
        sign_directly(
            actions.start_worksheet(
                petty_theft_case(office, unit, alice, "ALPHA-0501")[0], by_user=alice
            ),
            alice,
        )
        few, offers, worksheets = queries()
        assert (offers, worksheets) == (1, 1)
        for number in range(502, 507):
            case, _ = petty_theft_case(office, unit, alice, f"ALPHA-0{number}")
            actions.add_prior(
                case, by_user=alice, code="PC 459", convicted_on=datetime.date(2019, 1, 1)
            )
            if number % 2:
                sign_directly(actions.start_worksheet(case, by_user=alice), alice)
        many, offers, worksheets = queries()
        assert (offers, worksheets) == (4, 3)
        assert many == few


class TestCommand:
    def test_it_lists_offers_and_worksheets(self, capsys, open_offer, signed, new_dir):
        call_command("catalog_impact", str(CATALOG_ROOT), str(new_dir))
        out = capsys.readouterr().out
        assert f"-> {NEW_VERSION}" in out
        assert "Unsigned offers whose flags change: 1" in out
        assert f"ALPHA-0401 · offer {open_offer.pk} (draft)" in out
        assert "count 1: cimt: yes -> unclear" in out
        assert "Signed worksheets whose frozen analysis differs: 1" in out
        assert f"ALPHA-0402 · worksheet {signed.pk} v1" in out
        assert "Defendant" not in out  # case numbers, never names

    def test_new_defaults_to_the_installed_catalog(self, capsys, open_offer, new_dir):
        call_command("catalog_impact", str(new_dir))
        out = capsys.readouterr().out
        assert "count 1: cimt: unclear -> yes" in out

    def test_an_office_narrows_it(self, capsys, open_offer, outsider_offer, new_dir, office):
        call_command("catalog_impact", str(CATALOG_ROOT), str(new_dir), office=office.slug)
        out = capsys.readouterr().out
        assert "ALPHA-0401" in out and "OMEGA-0401" not in out

    def test_a_catalog_that_fails_validation_is_refused(self, tmp_path, open_offer):
        with pytest.raises(CommandError, match="NEW catalog .* does not validate: offenses/"):
            call_command("catalog_impact", str(CATALOG_ROOT), str(broken_catalog(tmp_path / "b")))
        with pytest.raises(CommandError, match="OLD catalog .* catalog.toml: file not found"):
            call_command("catalog_impact", str(tmp_path / "nowhere"))


@pytest.fixture
def installed_new(new_dir, monkeypatch, settings):
    """The running process still has the installed catalog; a new version is then installed.
    The middleware's own check is off, so the page shows the version as pending however slow
    the machine (CatalogRefreshMiddleware would load it after CATALOG_CHECK_SECONDS)."""
    settings.CATALOG_CHECK_SECONDS = 0
    catalogs.forget_catalog()
    catalogs.get_catalog()
    monkeypatch.setattr(catalogs, "CATALOG_ROOT", new_dir)
    yield
    catalogs.forget_catalog()


class TestScreen:
    url = reverse("catalog_impact")

    def test_a_supervisor_sees_what_the_installed_version_would_change(
        self, client, carol, open_offer, signed, installed_new
    ):
        client.force_login(carol)
        response = client.get(self.url)
        assert response.status_code == 200
        page = response.content.decode()
        assert f"A newer catalog, <strong>{NEW_VERSION}</strong>" in page
        assert "ALPHA-0401 · Petty theft offer" in page
        assert "ALPHA-0402 · worksheet v1" in page
        assert "Yes — applies" in page or "Yes" in page
        assert "Unclear" in page
        assert "Load catalog" not in page  # only an administrator loads it
        event = AuditEvent.objects.get(object_type="catalog_impact")
        assert event.user == carol and event.data["new"] == NEW_VERSION

    def test_a_deputy_is_refused(self, client, alice, installed_new):
        client.force_login(alice)
        assert client.get(self.url).status_code == 403

    def test_another_offices_supervisor_sees_none_of_it(
        self, client, other_office, open_offer, signed, outsider_offer, installed_new
    ):
        unit = outsider_offer.case.unit
        supervisor = factories.make_user("oona", other_office, Role.SUPERVISOR, unit)
        client.force_login(supervisor)
        page = client.get(self.url).content.decode()
        assert "OMEGA-0401" in page
        assert "ALPHA-04" not in page

    def test_the_administrator_loads_it_and_then_sees_what_changed(
        self, client, dave, carol, open_offer, installed_new
    ):
        client.force_login(carol)
        assert client.post(self.url).status_code == 403
        assert catalogs.get_catalog().version != NEW_VERSION
        client.force_login(dave)
        page = client.get(self.url).content.decode()
        assert f"Load catalog {NEW_VERSION} now" in page
        response = client.post(self.url, follow=True)
        assert f"Catalog {NEW_VERSION} is now in use." in response.content.decode()
        assert catalogs.get_catalog().version == NEW_VERSION
        page = response.content.decode()
        assert "replaced <strong>" in page and "ALPHA-0401 · Petty theft offer" in page
        event = AuditEvent.objects.get(object_type="catalog", action=AuditAction.CHANGE)
        assert event.data["new"] == NEW_VERSION

    def test_a_refused_installed_version_leaves_the_running_one(
        self, client, dave, open_offer, tmp_path, monkeypatch
    ):
        catalogs.forget_catalog()
        running = catalogs.get_catalog()
        monkeypatch.setattr(catalogs, "CATALOG_ROOT", broken_catalog(tmp_path / "broken"))
        try:
            client.force_login(dave)
            page = client.get(self.url).content.decode()
            assert "A new catalog was refused at load" in page
            assert "property_fraud_justice.toml" in page
            response = client.post(self.url, follow=True)
            assert "The installed catalog was refused" in response.content.decode()
            assert catalogs.get_catalog() is running
            assert Worksheet.objects.count() == 0
        finally:
            catalogs.forget_catalog()
