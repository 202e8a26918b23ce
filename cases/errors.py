"""Error pages that reveal nothing, and a clean 503 when the database is unreachable.

A database outage shows up as OperationalError or InterfaceError wherever the first query runs:
in a view (caught by `DatabaseUnavailableMiddleware.process_exception`) or in middleware such as
the session's (caught by `server_error`, installed as `handler500`). Both answer 503 with a page
rendered without any request context, since the context processors would query the dead database
again. The fault drill relies on this: an outage gives 503 pages and /healthz 503, never a trace.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable():
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request, *args, **kwargs):
    """handler500: 503 for a database outage, else the plain 500 page (no context, no details)."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        return database_unavailable()
    return HttpResponseServerError(render_to_string("500.html"))


class DatabaseUnavailableMiddleware:
    """Turns a database outage raised in a view into the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            import logging

            logging.getLogger("django.request").error(
                "Database unavailable: %s", request.path, exc_info=exception
            )
            return database_unavailable()
        return None
