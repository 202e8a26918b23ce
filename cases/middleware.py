"""Request-scoped plumbing: a request id that ties log lines and audit events together."""

import re

from .models import new_request_id

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
