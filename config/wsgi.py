"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _warm_up():
    """Pay the one-off costs while the worker boots rather than in its first requests: importing
    every view (WeasyPrint among them), parsing the offense catalog, creating the PDF font
    configuration and the job queue's pool of producers (kombu imports its transport then:
    ~0.1 s of CPU in each worker's first signing otherwise). None of it touches the database or
    the broker, so a worker still boots while either is down. Then what it loaded is frozen out
    of the garbage collector's sight (config/collector.py)."""
    from django.conf import settings
    from django.urls import get_resolver

    from cases import pdf
    from config import collector
    from consequences.catalog import get_catalog

    _refuse_bad_role_map()
    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every view module)
    get_catalog()
    pdf.font_configuration()
    if settings.CELERY_BROKER_URL:
        _warm_up_job_queue()
    collector.settle()


def _warm_up_job_queue():
    """The job queue's producer pool, made but not connected (the first job connects). A broker
    URL kombu cannot read (a misspelt scheme, a transport not installed) must not stop the web
    tier from booting: signing works without the queue, each PDF then rendered at its first
    download (cases.pdf_jobs), and the first job logs the same error."""
    import logging

    from config.celery import app

    try:
        app.producer_pool  # noqa: B018
    except Exception:
        logging.getLogger(__name__).warning(
            "The job queue's broker URL could not be read: PDFs render at first download",
            exc_info=True,
        )


def _refuse_bad_role_map():
    """gunicorn runs no system checks: a single sign-on role map with an unknown role stops
    the worker here (its offices are checked by `migrate`, which `make serve` runs first)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from cases.sso import role_map_problems

    if settings.OIDC_ISSUER:
        problems = role_map_problems(settings.OIDC_ROLE_MAP)
        if problems:
            raise ImproperlyConfigured(" ".join(problems))


_warm_up()
