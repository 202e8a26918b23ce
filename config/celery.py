"""The job queue's application: Celery with Redis (or RabbitMQ) as its broker.

Workers run `celery -A config worker` on this machine or any other that reaches the broker, the
database and the PDF storage. With no CELERY_BROKER_URL set, nothing is queued: a signed
worksheet's PDF is rendered and stored at its first download instead (cases.pdf_jobs).
"""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("considered")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["cases", "compliance"])


@worker_process_init.connect
def _warm_up(**kwargs):
    """Load the fonts and parse the print stylesheets as each worker process starts, so the
    first signing's PDF does not wait for them (about 0.1 s of CPU
    measured on a loaded machine); then freeze what is loaded out of the garbage collector's
    sight (config/collector.py: 24–31 ms of each render went to collections)."""
    from cases import pdf
    from config import collector

    pdf.warm_up()
    collector.settle()
