"""Importing cases from the office's case management system (issue 18, docs/import.md).

`import_file` is the one entry point: the management command, the upload screen and the
folder watcher call it. It reads the file once to hash it, then streams it case by case.
"""

import hashlib
from typing import IO

from django.db import transaction

from .. import audit
from ..choices import AuditAction
from .cleaning import Lookups
from .formats import FORMATS, MAX_BYTES, FileRefused, Incoming, detect_format, read_cases
from .upsert import CREATED, REFUSED, UNCHANGED, UPDATED, Line, Report, upsert

FORMATS_ACCEPTED = tuple(FORMATS)

__all__ = [
    "CREATED",
    "FORMATS_ACCEPTED",
    "MAX_BYTES",
    "REFUSED",
    "UNCHANGED",
    "UPDATED",
    "FileRefused",
    "Line",
    "Report",
    "import_file",
    "upsert_one",
]


class _DryRun(Exception):
    pass


def import_file(
    stream: IO[bytes],
    *,
    name: str,
    office,
    by_user=None,
    dry_run=False,
    request=None,
    keep_all=True,
) -> Report:
    """Import `stream` (a binary file, seekable) into `office`.

    The whole import is one transaction and one audit event with its totals and the file's
    SHA-256. A dry run does the same work and rolls it back, so its report is exactly what a
    real run would do. A file refused as a whole (size, type, header) writes nothing and comes
    back as the report's `file_problem`. `keep_all=False` keeps only the lines a reader must see
    (refused, or with a note) besides the totals, so that a large import's memory stays flat.
    """
    report = Report(keep_all=keep_all)
    try:
        size, digest, head = _measure(stream)
        fmt = detect_format(name, head)
    except FileRefused as refused:
        report.file_problem = str(refused)
        return report
    try:
        with transaction.atomic():
            upsert(read_cases(stream, fmt), Lookups.for_office(office), report)
            if dry_run:
                raise _DryRun
            totals = report.totals
            audit.record(
                AuditAction.IMPORT,
                user=by_user,
                office=office,
                request=request,
                object_type="import",
                summary=(
                    f"Imported a {fmt.upper()} file (SHA-256 {digest[:12]}…): "
                    f"{totals[CREATED]} created, {totals[UPDATED]} updated, "
                    f"{totals[UNCHANGED]} unchanged, {totals[REFUSED]} refused"
                ),
                data={"format": fmt, "sha256": digest, "bytes": size, **totals},
            )
    except _DryRun:
        pass
    except FileRefused as refused:
        report.lines.clear()
        report.totals = Report().totals
        report.file_problem = str(refused)
    return report


def upsert_one(data: dict, *, office) -> Line:
    """One case, as the API's PUT gives it: the same rules as a file's case. The caller holds
    the transaction and writes the audit event."""
    report = Report()
    upsert([Incoming(row=1, data=data)], Lookups.for_office(office), report)
    return report.lines[0]


def _measure(stream: IO[bytes]) -> tuple[int, str, bytes]:
    """Size and SHA-256, reading in chunks (never the whole file at once); refused over the
    limit before anything is parsed."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    stream.seek(0)
    while chunk := stream.read(1024 * 1024):
        if not head:
            head = chunk[:4096]
        size += len(chunk)
        if size > MAX_BYTES:
            raise FileRefused(
                f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: "
                "split it into smaller files."
            )
        digest.update(chunk)
    stream.seek(0)
    if size == 0:
        raise FileRefused("The file is empty.")
    return size, digest.hexdigest(), head
