"""Jobs the worker runs (config/celery.py)."""

from celery import shared_task

from . import pdf_jobs


@shared_task(
    name="cases.render_worksheet_pdfs",
    acks_late=True,  # a worker that dies mid-render leaves the job to another
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=2,
    max_retries=5,
)
def render_worksheet_pdfs(worksheet_id, later=False):
    """Render and store a signed worksheet's first PDF, queueing the others behind it
    (`later`: render those). Idempotent: what is stored is skipped."""
    return pdf_jobs.run_job(worksheet_id, later=later)
