"""Jobs the worker runs for the reports (config/celery.py)."""

import datetime as dt

from celery import shared_task

from . import rollups


@shared_task(
    name="compliance.rebuild_months",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=2,
    max_retries=5,
)
def rebuild_months(office_id, months):
    """Rebuild the office's stale or missing monthly rollups among `months` (ISO dates).
    Idempotent: a month found fresh is skipped, and two workers rebuilding the same month take
    its marker's row lock in turn (`rollups.rebuild_month`)."""
    return rollups.refresh(office_id, [dt.date.fromisoformat(month) for month in months])
