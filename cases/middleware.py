"""Request-scoped plumbing: a request id that ties log lines and audit events together, and the
check that picks up a newly installed offense catalog."""

import logging
import re
import time

from django.conf import settings

from consequences import catalog

from .models import new_request_id

log = logging.getLogger("considered.catalog")

_SAFE_ID = re.compile(r"^[A-Za-z0-9-]{8,40}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A proxy's id is kept when it is well-formed, so its log and ours can be matched.
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else new_request_id()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class CatalogRefreshMiddleware:
    """Every CATALOG_CHECK_SECONDS, look whether a new catalog was installed and load it.

    Each application process holds its own parsed catalog (parsed at start-up), so a reload in
    one process would leave the others on the old law; this check lets every worker pick up a
    new version on its own, without a restart. Files that fail validation are refused and the
    running version stays (consequences.catalog.refresh_catalog); both outcomes are logged.
    The check is a few stat calls, at most once per interval per process.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.interval = settings.CATALOG_CHECK_SECONDS
        self.next_check = time.monotonic() + self.interval

    def __call__(self, request):
        if self.interval > 0 and time.monotonic() >= self.next_check:
            self.next_check = time.monotonic() + self.interval
            check_installed_catalog()
        return self.get_response(request)


def check_installed_catalog():
    """Load the installed catalog if it changed; log the new version or the refusal."""
    before = catalog.refused_catalog()
    loaded = catalog.refresh_catalog()
    if loaded is not None:
        log.warning("Offense catalog %s loaded while running.", loaded.version)
    refused = catalog.refused_catalog()
    if refused is not None and refused is not before:
        log.error("New offense catalog refused; the running version stays: %s", refused)
    return loaded
