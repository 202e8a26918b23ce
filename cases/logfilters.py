"""Keep personal data out of logs and error reports.

Django attaches the request to the records of `django.request` and `django.security`; handlers
such as AdminEmailHandler print its GET and POST data, which hold names, charges and, sometimes,
a volunteered status. `DropRequestData` removes the request from every record before any handler
sees it (the path and status code stay in the message) and strips the DETAIL line PostgreSQL adds
to constraint errors, which quotes the offending values. Installed on every handler in
settings.LOGGING; see docs/security.md.
"""

import logging
import re

_DETAIL = re.compile(r"^(DETAIL|HINT|CONTEXT):.*$", re.MULTILINE)
_REDACTED = r"\1: [redacted]"


class DropRequestData(logging.Filter):
    def filter(self, record):
        if hasattr(record, "request"):
            record.request = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _DETAIL.sub(_REDACTED, record.exc_text)
        if isinstance(record.msg, str) and "DETAIL:" in record.msg:
            record.msg = _DETAIL.sub(_REDACTED, record.msg)
        return True
