"""Refuse text that cannot be stored or shown faithfully: NUL bytes, other control characters,
and bytes that are not UTF-8.

PostgreSQL refuses a NUL in a text column with a 500; SQLite stores it and truncates it on the way
out; both are worse than a clear message. Django decodes a malformed query string or form body
with replacement characters, silently changing what the user typed. So every GET parameter and
every form field of a POST (names and values) is checked against the raw bytes before any view
runs, and a 400 page says what is wrong. Uploaded files are not text and are not checked here.
"""

import datetime as dt
import re
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import ValidationError
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
        return problem_in_multipart(request) or problem_in_text(
            list(request.POST) + [v for key in request.POST for v in request.POST.getlist(key)]
        )
    return None


def problem_in_multipart(request):
    """The problem with a multipart form field (not a file) that is not valid UTF-8, or None.

    Django decodes multipart fields with replacement characters, so the check reads the raw
    parts, as `problem_in_urlencoded` does for a url-encoded body: the same text is refused
    the same way however the browser encoded the form. A body too large to hold in memory is
    a file upload, whose text fields are checked for the replacement character instead.
    """
    boundary = request.content_params.get("boundary", "").encode("latin-1", errors="replace")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if not boundary or (limit is not None and length > limit):
        values = [v for key in request.POST for v in request.POST.getlist(key)]
        return "not UTF-8" if any("\ufffd" in v for v in [*request.POST, *values]) else None
    for part in request.body.split(b"--" + boundary):
        head, blank_line, content = part.partition(b"\r\n\r\n")
        if not blank_line or b"filename=" in head.lower():
            continue  # the preamble, the closing delimiter, or a file (not text)
        try:
            head.decode("utf-8")
            content.decode("utf-8")
        except UnicodeDecodeError:
            return "not UTF-8"
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


# --- Dates a search may cover -------------------------------------------------------------------

# A search's end date is turned into "before the next midnight": 9999-12-31 has no next day, and
# year 1 has no previous one in some time zones. Nothing the office records falls outside these
# years, so a date beyond them is a typing slip that gets a message, not an OverflowError (a 500).
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


def validate_search_date(value):
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.",
            code="date_out_of_range",
        )
