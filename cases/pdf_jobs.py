"""Putting a signed worksheet's PDFs on the job queue, after the signing or review commits.

The worker renders the copies a reader will ask for, the most read first: the tagged PDF for a
reader who may see a volunteered status (the signer, the supervisor: deputies and supervisors
hold `view_status`) in the job itself and, when the worksheet carries a status, the copy without
it (an administrator, a service token without status) in a second job queued behind, so that a
burst of signings has every signer's copy stored before any of those. The archival variant is
rendered at its first download. If the broker is down or not configured, the action still
succeeds: the PDF is rendered at its first download, and nothing is lost.
"""

import logging

from django.conf import settings
from django.db import transaction

from . import pdf, pdf_store
from .models import Worksheet

log = logging.getLogger(__name__)

# The reader's status permission of each copy (pdf_store.key_for's `show_status`), in the order
# they are rendered: the first in the signing's own job, the rest in one queued behind it.
FIRST_COPY = (True,)
LATER_COPIES = (False,)


def enqueue_after_commit(worksheet):
    transaction.on_commit(lambda: enqueue(worksheet.pk))


def enqueue(worksheet_id, *, later=False):
    """Queue the worksheet's first copy, or (`later=True`) its other copies; False when the
    broker is not configured or not reachable."""
    if not settings.CELERY_BROKER_URL:
        return False
    from .tasks import render_worksheet_pdfs

    try:
        render_worksheet_pdfs.apply_async(
            args=[worksheet_id], kwargs={"later": True} if later else {}, retry=False
        )
    except Exception:  # the broker is down: the first download renders instead
        log.warning("PDF job for worksheet %s not queued: broker unavailable", worksheet_id)
        return False
    return True


def run_job(worksheet_id, *, later=False):
    """The worker's job: the first copy, then the others queued behind; the keys stored."""
    worksheet = _signed(worksheet_id)
    if worksheet is None:
        return []
    if later:
        return _render(worksheet, LATER_COPIES)
    keys = _render(worksheet, FIRST_COPY)
    # Without a status every reader gets the first copy's file (the keys differ only by whether
    # the copy shows one): nothing is left to queue.
    first = pdf_store.shows_status(worksheet, FIRST_COPY[0])
    if any(pdf_store.shows_status(worksheet, show) != first for show in LATER_COPIES):
        enqueue(worksheet_id, later=True)
    return keys


def render_now(worksheet_id):
    """Render and store every copy of the worksheet's PDF, here and now; the keys stored."""
    worksheet = _signed(worksheet_id)
    return [] if worksheet is None else _render(worksheet, FIRST_COPY + LATER_COPIES)


def _render(worksheet, copies):
    """Store the copies for these readers' status permissions; two permissions share one file
    when the worksheet carries no status (pdf_store.shows_status)."""
    keys = []
    for show_status in copies:
        key = _key(worksheet, show_status)
        if key not in keys:
            pdf_store.render_and_store(worksheet, pdf.DEFAULT_VARIANT, show_status, name=key)
            keys.append(key)
    return keys


def _key(worksheet, show_status):
    return pdf_store.key_for(worksheet, pdf.DEFAULT_VARIANT, show_status)


def _signed(worksheet_id):
    return (
        Worksheet.objects.select_related("case", "case__office", "signed_by", "review")
        .filter(pk=worksheet_id, signed_at__isnull=False)
        .first()
    )
