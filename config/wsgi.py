"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _warm_up():
    """Pay the one-off costs while the worker boots rather than in its first requests: importing
    every view (WeasyPrint among them), parsing the offense catalog and creating the PDF font
    configuration. None of it touches the database, so a worker still boots while it is down."""
    from django.urls import get_resolver

    from cases import pdf
    from consequences.catalog import get_catalog

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every view module)
    get_catalog()
    pdf.font_configuration()


_warm_up()
