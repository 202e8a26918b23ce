"""Putting a signed worksheet's PDFs on the job queue, after the signing or review commits.

The worker renders the copies a reader will ask for: the tagged PDF for a reader who may see a
volunteered status and, when the worksheet carries one, the copy without it. The archival
variant is rendered at its first download. If the broker is down or not configured, the action
still succeeds: the PDF is rendered at its first download, and nothing is lost.
"""

import logging

from django.conf import settings
from django.db import transaction

from . import pdf, pdf_store
from .models import Worksheet

log = logging.getLogger(__name__)


def enqueue_after_commit(worksheet):
    transaction.on_commit(lambda: enqueue(worksheet.pk))


def enqueue(worksheet_id):
    if not settings.CELERY_BROKER_URL:
        return False
    from .tasks import render_worksheet_pdfs

    try:
        render_worksheet_pdfs.apply_async(args=[worksheet_id], retry=False)
    except Exception:  # the broker is down: the first download renders instead
        log.warning("PDF job for worksheet %s not queued: broker unavailable", worksheet_id)
        return False
    return True


def render_now(worksheet_id):
    """Render and store the worksheet's PDFs; the keys stored."""
    worksheet = (
        Worksheet.objects.select_related("case", "case__office", "signed_by", "review")
        .filter(pk=worksheet_id, signed_at__isnull=False)
        .first()
    )
    if worksheet is None:
        return []
    keys = []
    for show_status in (True, False):
        key = pdf_store.key_for(worksheet, pdf.DEFAULT_VARIANT, show_status)
        if key not in keys:
            pdf_store.render_and_store(worksheet, pdf.DEFAULT_VARIANT, show_status)
            keys.append(key)
    return keys
