"""The job queue's application: Celery with Redis (or RabbitMQ) as its broker.

Workers run `celery -A config worker` on this machine or any other that reaches the broker, the
database and the PDF storage. With no CELERY_BROKER_URL set, nothing is queued: a signed
worksheet's PDF is rendered and stored at its first download instead (cases.pdf_jobs).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("considered")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["cases"])
