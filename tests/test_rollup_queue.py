"""With a job queue, the dashboard never rebuilds a stale month inside the page: it counts that
month from the raw rows, exactly, and a real worker rebuilds it (issue 19 item 4). Without a
broker, or with the broker down, the page rebuilds it as before."""

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker

from cases.choices import ChargeLevel
from cases.models import ReportMonth
from compliance import rollups
from compliance.filters import ReportFilter
from compliance.models import MonthlyRollup
from config.celery import app
from tests import factories
from tests.test_pdf_queue import redis_url
from tests.test_reports import convey
from tests.test_rollups import assert_same

pytestmark = pytest.mark.django_db(transaction=True)

FEBRUARY = dt.date(2025, 2, 1)
PERIOD = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))  # whole months: all from the rollup


@pytest.fixture(autouse=True)
def fresh_queue_state(monkeypatch):
    """What this process remembers of earlier jobs and of a broker that was down."""
    monkeypatch.setattr(rollups, "_queued", {})
    monkeypatch.setattr(rollups, "_broker_down_until", 0.0)
    yield
    drop_broker_connections()  # the next test's broker may be another


def use_broker(settings, url):
    """Point the app at `url`, dropping the connections kept to the broker of an earlier test
    (a running process never changes its broker; a test does)."""
    settings.CELERY_BROKER_URL = url
    app.conf.broker_url = url
    drop_broker_connections()


def drop_broker_connections():
    app._pool = None
    app.amqp._producer_pool = None


def february_with_a_stale_month(office, unit, alice, dave):
    """Two conveyances in February: the first rolled up, the second marking February stale."""
    case = factories.make_case(office, unit, alice)
    factories.make_charge(case, 1, "PC 459", level=ChargeLevel.FELONY)
    convey(factories.make_disposition(case), "2025-02-03 10:00", compliant=True)
    report_filter = ReportFilter(office.pk, *PERIOD)
    assert rollups.refresh(office.pk, list(report_filter.months())) == 3  # January to March
    assert rolled_up_conveyances(office) == 1
    convey(factories.make_disposition(case), "2025-02-20 10:00", compliant=False)
    assert february(office).stale
    return report_filter


def february(office):
    return ReportMonth.objects.get(office=office, month=FEBRUARY)


def rolled_up_conveyances(office):
    return sum(
        MonthlyRollup.objects.filter(office=office, month=FEBRUARY, offense_group=0).values_list(
            "offers_conveyed", flat=True
        )
    )


def test_the_page_counts_a_stale_month_raw_and_the_worker_rebuilds_it(
    settings, office, unit, alice, dave
):
    use_broker(settings, redis_url())
    with app.connection_for_write() as connection:  # no job of an earlier run
        connection.default_channel.queue_purge(app.conf.task_default_queue)
    report_filter = february_with_a_stale_month(office, unit, alice, dave)

    bare = assert_same(report_filter, dave)  # exact, with February counted raw

    assert bare.counts["offers_conveyed"] == 2
    assert february(office).stale  # the page did not rebuild it
    assert rolled_up_conveyances(office) == 1
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30):
        deadline = time.monotonic() + 60
        while february(office).stale and time.monotonic() < deadline:
            time.sleep(0.2)
    assert not february(office).stale  # the worker rebuilt it
    assert rolled_up_conveyances(office) == 2
    assert_same(report_filter, dave)


def test_without_a_broker_the_page_rebuilds_the_stale_month(settings, office, unit, alice, dave):
    settings.CELERY_BROKER_URL = ""
    report_filter = february_with_a_stale_month(office, unit, alice, dave)
    assert_same(report_filter, dave)
    assert not february(office).stale
    assert rolled_up_conveyances(office) == 2


def test_with_the_broker_down_the_page_rebuilds_and_stops_asking(
    settings, office, unit, alice, dave
):
    use_broker(settings, "redis://127.0.0.1:1/0")  # nothing listens there
    report_filter = february_with_a_stale_month(office, unit, alice, dave)
    assert_same(report_filter, dave)
    assert not february(office).stale
    assert rolled_up_conveyances(office) == 2
    # The next pages do not wait on the broker again for a while: they rebuild at once.
    assert rollups._broker_down_until > time.monotonic()
    assert rollups.queue_rebuild(office.pk, [FEBRUARY]) is False


def test_the_rebuild_job_is_idempotent(office, unit, alice, dave):
    from compliance.tasks import rebuild_months

    february_with_a_stale_month(office, unit, alice, dave)
    assert rebuild_months(office.pk, [FEBRUARY.isoformat()]) == 1
    rows = list(MonthlyRollup.objects.filter(office=office, month=FEBRUARY).values_list("pk"))
    assert rebuild_months(office.pk, [FEBRUARY.isoformat()]) == 0  # fresh: nothing done
    assert list(MonthlyRollup.objects.filter(office=office, month=FEBRUARY).values_list("pk")) == (
        rows
    )
    assert rolled_up_conveyances(office) == 2
