"""Refuse text that cannot be stored or shown faithfully: NUL bytes, other control characters,
and bytes that are not UTF-8.

PostgreSQL refuses a NUL in a text column with a 500; SQLite stores it and truncates it on the way
out; both are worse than a clear message. Django decodes a malformed query string or form body
with replacement characters, silently changing what the user typed. So every GET parameter and
every form field of a POST (names and values) is checked against the raw bytes before any view
runs, and a 400 page says what is wrong. Uploaded files are not text and are not checked here.
"""

import re
from urllib.parse import unquote_to_bytes

from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string

# C0 controls except tab, line feed and carriage return; DEL; C1 controls.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MESSAGE = (
    "Your request contained characters that cannot be stored: a NUL byte, a control "
    "character or text that is not valid UTF-8. Remove them (they often come from pasting "
    "out of another program) and try again."
)


def problem_in_urlencoded(raw):
    """The first problem in an application/x-www-form-urlencoded string, or None."""
    if isinstance(raw, str):
        raw = raw.encode("latin-1", errors="replace")
    for pair in raw.split(b"&"):
        for part in pair.split(b"=", 1):
            try:
                text = unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return "not UTF-8"
            if _FORBIDDEN.search(text):
                return "control character"
    return None


def problem_in_text(values):
    for value in values:
        if isinstance(value, str) and _FORBIDDEN.search(value):
            return "control character"
    return None


def request_problem(request):
    problem = problem_in_urlencoded(request.META.get("QUERY_STRING", ""))
    if problem or request.method not in ("POST", "PUT", "PATCH"):
        return problem
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        return problem_in_urlencoded(request.body)
    if content_type == "multipart/form-data":
        return problem_in_text(
            list(request.POST)
            + [v for key in request.POST for v in request.POST.getlist(key)]
        )
    return None


def bad_text_response(request=None):
    return HttpResponseBadRequest(render_to_string("400.html", {"message": MESSAGE}))


class CleanTextMiddleware:
    """Early in the stack: a request with unstorable text gets a 400 page, not a 500 later."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_problem(request):
            return bad_text_response(request)
        return self.get_response(request)
