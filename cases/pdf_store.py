"""Signed worksheets' PDFs, rendered once and served many times (issue 19 item 1).

A signed worksheet's PDF is deterministic: the same signed content, review, variant and reader's
status permission give the same bytes. So it is rendered once (by the worker, cases.pdf_jobs,
right after signing or review, or on the first download when no worker ran) and kept through
Django's storage API (the "worksheet_pdfs" storage: files under var/pdfs by default, or
S3-compatible object storage through django-storages; README, Deployment). A download serves the
stored bytes.

The key is a SHA-256 of everything the document is made of (`fingerprint`). A changed review
gives a new key, and so does a new layout after an upgrade (the templates' and stylesheets' own
hash). An old file is never served for new inputs.

Writes are atomic: the bytes go to a temporary name and are renamed into place, so a worker that
crashes mid-write leaves no half file, and two workers rendering the same PDF leave one file.
"""

import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages

from . import pdf
from .worksheets import content_for_display

# What the document is laid out by: a change to any of them is a new layout.
LAYOUT_FILES = (
    "templates/print/worksheet.html",
    "static/print/worksheet.css",
    "static/print/fonts.css",
    "cases/worksheet_layout.py",
    "cases/worksheet_print.py",
    "cases/pdf.py",
)


class AtomicFileSystemStorage(FileSystemStorage):
    """FileSystemStorage whose saves appear whole or not at all (temporary file, then rename),
    and where saving an existing name keeps the first file instead of inventing another name:
    the same key always holds the same bytes."""

    def _save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o640)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return name

    def get_available_name(self, name, max_length=None):
        return name  # a key names its content: the second writer replaces it with equal bytes


def storage():
    return storages["worksheet_pdfs"]


@cache
def layout_version():
    """A hash of the print templates and stylesheets: a new layout means new files."""
    digest = hashlib.sha256()
    for relative in LAYOUT_FILES:
        path = Path(settings.BASE_DIR) / relative
        digest.update(path.read_bytes())  # a missing file fails here, not silently
    return digest.hexdigest()[:16]


def shows_status(worksheet, show_status):
    """Whether the reader's copy differs by the status permission: only when the signed content
    carries a volunteered status; otherwise both readers get the same file."""
    return bool(show_status) and bool(content_for_display(worksheet).get("status_disclosure"))


def fingerprint(worksheet, variant, show_status):
    from .worksheet_print import attached_parts

    parts = {
        "content_hash": worksheet.content_hash,
        "variant": variant,
        "status": shows_status(worksheet, show_status),
        "layout": layout_version(),
        "attached": attached_parts(worksheet),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def key_for(worksheet, variant=pdf.DEFAULT_VARIANT, show_status=True):
    return f"worksheets/{worksheet.case_id}/{fingerprint(worksheet, variant, show_status)}.pdf"


def read(worksheet, variant=pdf.DEFAULT_VARIANT, show_status=True, *, name=None):
    """The stored bytes, or None when not rendered yet (or not signed: drafts are not kept).
    `name`: the key, when the caller has it already (a fingerprint reads the review and
    counsel's requests)."""
    if not worksheet.is_signed:
        return None
    name = name or key_for(worksheet, variant, show_status)
    store = storage()
    if not store.exists(name):
        return None
    with store.open(name, "rb") as handle:
        return handle.read()


def write(worksheet, data, variant=pdf.DEFAULT_VARIANT, show_status=True, *, name=None):
    if not worksheet.is_signed:
        return None
    name = name or key_for(worksheet, variant, show_status)
    store = storage()
    if not store.exists(name):
        store.save(name, ContentFile(data))
    return name


def render_and_store(worksheet, variant=pdf.DEFAULT_VARIANT, show_status=True, *, name=None):
    """The stored bytes, rendering and storing them first when missing. The key is worked out
    once (or given as `name`) for the read and the write."""
    from .worksheet_print import render_worksheet_pdf

    if worksheet.is_signed:
        name = name or key_for(worksheet, variant, show_status)
    data = read(worksheet, variant, show_status, name=name)
    if data is None:
        data = render_worksheet_pdf(
            worksheet, variant=variant, show_status=shows_status(worksheet, show_status)
        )
        write(worksheet, data, variant, show_status, name=name)
    return data
