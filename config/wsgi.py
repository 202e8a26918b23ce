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
        from config.celery import app

        app.producer_pool  # noqa: B018 (made, not connected: the first job connects)
    collector.settle()


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
