"""The report's reads go to the replica alias when one is configured (config/routers.py).

In tests "replica" is a TEST MIRROR of the default database: the same rows through a second
alias, so the queries each alias ran tell where the router sent them."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.choices import Role
from config.routers import ReportReplicaRouter
from tests import factories

# transaction=True: the mirror is a second connection, which sees only committed rows.
pytestmark = pytest.mark.django_db(databases=["default", "replica"], transaction=True)

REPORT_TABLES = ('"cases_disposition"', '"cases_worksheet"', '"cases_review"', '"cases_unit"')


@pytest.fixture
def admin_client(client):
    office = factories.make_office()
    admin = factories.make_user("ada", office, role=Role.ADMIN)
    client.force_login(admin)
    return client


def _get(client, name):
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(reverse(name))
    assert response.status_code == 200
    return [q["sql"] for q in primary], [q["sql"] for q in replica]


def _on_report_tables(statements):
    """Reads of the report's tables. The viewer's membership, which the middleware reads with
    its office and unit joined, is not one: it is about who asks, and stays on the primary."""
    return [
        s
        for s in statements
        if any(table in s for table in REPORT_TABLES) and ' FROM "cases_membership" ' not in s
    ]


def test_dashboard_reads_its_figures_from_the_replica(admin_client, settings):
    settings.REPORTS_FROM_REPLICA = True
    # The first view builds the whole months' rollups (compliance.rollups) from the records on
    # the primary: a lagging replica would freeze an old count as fresh. Once they are built,
    # whole months are read from the rollup table (on the primary, with the markers the
    # writes set) and the partial current month from the records, on the replica.
    _get(admin_client, "report_dashboard")
    primary, replica = _get(admin_client, "report_dashboard")
    assert any('"compliance_monthlyrollup"' in s for s in primary)
    # The three aggregates of compliance.counts.count_raw, on the replica only.
    assert len([s for s in replica if s.startswith("SELECT")]) >= 3
    assert _on_report_tables(replica) == replica
    assert _on_report_tables(primary) == []
    # What a write depends on, and the write itself, stay on the primary: the audit row,
    # the viewer's membership and session.
    assert any(s.startswith('INSERT INTO "cases_auditevent"') for s in primary)
    assert any('"cases_membership"' in s for s in primary)
    assert not any(s.startswith(("INSERT", "UPDATE", "DELETE")) for s in replica)


def test_without_a_replica_everything_reads_the_primary(admin_client, settings):
    settings.REPORTS_FROM_REPLICA = False
    _get(admin_client, "report_dashboard")  # builds the rollups
    primary, replica = _get(admin_client, "report_dashboard")
    assert replica == []
    assert len(_on_report_tables(primary)) >= 4


def test_other_pages_read_the_primary_even_with_a_replica(admin_client, settings):
    settings.REPORTS_FROM_REPLICA = True
    primary, replica = _get(admin_client, "case_list")
    assert replica == []
    assert primary


def test_writes_and_migrations_never_go_to_the_replica():
    router = ReportReplicaRouter()
    assert router.db_for_write(None) == "default"
    assert router.allow_migrate("replica", "cases") is False
    assert router.allow_migrate("default", "cases") is True
