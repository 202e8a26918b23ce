"""The Office area beyond users (issue 17 item 1): units, the policy summary and the catalog in
use. dave administers the office; olivia's office is another one."""

import re

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape

from cases import actions, catalog_history, policy, policy_text
from cases.choices import AuditAction
from cases.models import AuditEvent, Unit
from consequences import catalog as catalogs
from tests.catalog_versions import NEW_VERSION, changed_catalog

pytestmark = pytest.mark.django_db


# --- Units --------------------------------------------------------------------------------------


def test_adding_a_unit_needs_only_its_name(client, dave, office):
    client.force_login(dave)
    response = client.post(reverse("office_units"), {"name": "  Gang   Unit "})
    assert response.status_code == 302
    unit = Unit.objects.get(name="Gang Unit")
    assert unit.office == office
    event = AuditEvent.objects.get(object_type="unit", object_id=str(unit.pk))
    assert (event.action, event.user, event.office) == (AuditAction.CREATE, dave, office)


def test_a_duplicate_or_empty_unit_name_is_a_form_error(client, dave, unit):
    client.force_login(dave)
    response = client.post(reverse("office_units"), {"name": "felony unit"})
    assert response.status_code == 200
    assert "Your office already has a unit with this name." in response.content.decode()
    response = client.post(reverse("office_units"), {"name": "   "})
    assert "This field is required." in response.content.decode()
    assert Unit.objects.filter(office=unit.office).count() == 1


def test_the_same_unit_name_in_another_office_is_fine(client, dave, olivia):
    client.force_login(dave)
    assert client.post(reverse("office_units"), {"name": "Omega Unit"}).status_code == 302


def test_renaming_a_unit_is_audited_and_lists_its_people(client, dave, unit, alice):
    client.force_login(dave)
    page = client.get(reverse("office_unit", args=[unit.pk])).content.decode()
    assert "alice" in page
    response = client.post(reverse("office_unit", args=[unit.pk]), {"name": "Felony Trial Unit"})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "Felony Trial Unit"
    event = AuditEvent.objects.get(object_type="unit", action=AuditAction.CHANGE)
    assert event.data == {
        "changes": {"name": {"before": "Felony Unit", "after": "Felony Trial Unit"}}
    }


def test_another_offices_units_are_neither_listed_nor_found(client, dave, unit, olivia):
    theirs = olivia.membership.unit
    client.force_login(dave)
    page = client.get(reverse("office_units")).content.decode()
    assert "Felony Unit" in page and theirs.name not in page
    assert client.get(reverse("office_unit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("office_unit", args=[theirs.pk]), {"name": "X"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Omega Unit"


@pytest.mark.parametrize("who", ["alice", "carol", "erin"])
def test_only_the_administrator_adds_units(client, request, who, unit):
    client.force_login(request.getfixturevalue(who))
    assert client.post(reverse("office_units"), {"name": "Gang Unit"}).status_code == 403
    assert client.post(reverse("office_unit", args=[unit.pk]), {"name": "X"}).status_code == 403
    assert not Unit.objects.filter(name__in=["Gang Unit", "X"]).exists()


# --- Policy -------------------------------------------------------------------------------------


def test_every_office_setting_has_a_sentence(office):
    identity = {"name", "county", "slug"}
    office_settings = [name for name in actions.OFFICE_FIELDS if name not in identity]
    _, rows = policy_text.summary(office)
    assert [row.field for row in rows] == list(policy.FIELDS) + office_settings
    for row in rows:
        assert row.does.endswith(".") and row.label and row.value


def test_the_policy_page_shows_each_setting_in_force(client, dave, office):
    actions.update_office_policy(office, by_user=dave, fields={"compliance_goal_percent": 85})
    policy.set_office_policy(
        office,
        by_user=dave,
        effective_from=timezone.localdate(),
        fields={"supervisor_approval": "always"},
    )
    client.force_login(dave)
    page = client.get(reverse("office_policy")).content.decode()
    assert "Approval for every signed worksheet" in page and "85 %" in page
    assert "in force since" in page and reverse("policy_edit") in page
    for row in policy_text.summary(office)[1]:
        assert escape(row.label) in page and escape(row.does) in page


# --- Catalog ------------------------------------------------------------------------------------


def test_the_catalog_page_shows_version_effective_date_and_reviews(client, dave):
    running = catalogs.get_catalog()
    client.force_login(dave)
    page = client.get(reverse("office_catalog"), {"q": "273.5"}).content.decode()
    assert running.version in page and f"{running.effective:%B}" in page
    entry = running.get("PC 273.5(a)")
    assert entry.code in page and f"{entry.last_reviewed:%Y-%m-%d}" in page
    assert entry.sources[0] in page
    assert "PC 211" not in page  # narrowed by the search
    assert "nothing to compare" in page  # no earlier version is recorded


@pytest.fixture
def restarts(monkeypatch):
    """restart(root) stands for a new server process with the catalog at `root` installed:
    nothing of the process before stays in memory (the parsed catalog, the version it replaced,
    the entries' fingerprints). Whatever the test installed is forgotten afterwards."""

    def restart(root):
        monkeypatch.setattr(catalogs, "CATALOG_ROOT", root)
        catalogs.forget_catalog()
        catalog_history.fingerprints.cache_clear()

    catalogs.forget_catalog()
    yield restart
    monkeypatch.undo()
    catalogs.forget_catalog()
    catalog_history.fingerprints.cache_clear()


def test_the_entries_changed_since_the_last_version_survive_a_restart(
    client, dave, tmp_path, restarts
):
    installed = catalogs.get_catalog()
    client.force_login(dave)
    page = client.get(reverse("office_catalog")).content.decode()  # the first view records it
    assert "nothing to compare" in page
    restarts(changed_catalog(tmp_path / "new"))
    assert catalogs.previous_catalog() is None  # the new process knows no version before
    for _ in range(2):  # and again after one more restart: the comparison is stored
        page = client.get(reverse("office_catalog")).content.decode()
        assert f"Version <strong>{NEW_VERSION}</strong>" in page
        assert f"From version {installed.version} " in page
        assert "0 added, 1 changed, 0 removed" in page
        assert re.findall(r"(Added|Changed|Removed): <strong>([^<]*)</strong>", page) == [
            ("Changed", "PC 488")
        ]
        entry = catalogs.get_catalog().get("PC 488")
        assert f"reviewed {dateformat.format(entry.last_reviewed, 'j M Y')}" in page
        assert escape(entry.sources[0]) in page
        restarts(catalogs.CATALOG_ROOT)
