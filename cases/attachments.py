"""The defense's PDF attachments: what is accepted, how it is scanned, where it is kept.

Accepted: a PDF of at most 10 MB. The type is read from the file itself — it starts with the
magic bytes `%PDF-` and pypdf can open it and find a page — never from its name or the
browser's content type. A file that fails is refused with a message and nothing is stored.

Scanned: with `clamdscan` (the ClamAV daemon's client) when it is on PATH. Its exit code says
what it found (0 clean, 1 virus found, 2 an error): a virus refuses the file; no scanner, or a
scanner that failed, stores the file and records honestly that it was not scanned.

Kept: through Django's storage API, in the "defense_attachments" storage of STORAGES (by
default a FileSystemStorage under settings.PRIVATE_MEDIA_ROOT, which no URL serves).
"""

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from typing import cast

from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from .choices import ScanResult

MAX_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
SCAN_TIMEOUT_SECONDS = 60


class _AttachmentStorage(LazyObject):
    """STORAGES["defense_attachments"], looked up when first used (and again after a test
    changes STORAGES), as Django's own `default_storage` is."""

    def _setup(self):
        self._wrapped = storages["defense_attachments"]


_lazy_storage = _AttachmentStorage()
storage = cast(Storage, _lazy_storage)


def _reset(*, setting, **kwargs):
    if setting == "STORAGES":
        _lazy_storage._wrapped = empty  # type: ignore[assignment]  # LazyObject's own sentinel


setting_changed.connect(_reset, dispatch_uid="defense_attachment_storage_reset")


@dataclass(frozen=True)
class Checked:
    """An upload that passed: its bytes' fingerprint and what the scan found."""

    upload: object
    name: str
    size: int
    sha256: str
    scan: str
    scan_detail: str


def check(upload):
    """Check one uploaded file; return `Checked`, or raise ValidationError in the user's words."""
    name = _display_name(upload.name)
    if upload.size > MAX_BYTES:
        raise ValidationError(
            f"“{name}” is {upload.size / 1024 / 1024:.1f} MB; an attachment can be at most 10 MB."
        )
    data = _read(upload)
    if not data.startswith(PDF_MAGIC):
        raise ValidationError(f"“{name}” is not a PDF. Only PDF files can be attached.")
    if not _opens_as_pdf(upload):
        raise ValidationError(
            f"“{name}” starts like a PDF but cannot be read as one (damaged or incomplete)."
        )
    result, detail = scan(data)
    if result is None:
        raise ValidationError(f"“{name}” was refused: the virus scanner found {detail}.")
    upload.seek(0)
    return Checked(upload, name, upload.size, hashlib.sha256(data).hexdigest(), result, detail)


def _display_name(name):
    """The file's own name without any folder a browser sent, for messages and the record."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(char for char in base if char.isprintable()).strip()
    return (base or "attachment.pdf")[:200]


def _read(upload):
    upload.seek(0)
    data = b"".join(upload.chunks())
    upload.seek(0)
    return data


def _opens_as_pdf(upload):
    try:
        reader = PdfReader(upload, strict=False)
        return len(reader.pages) > 0
    except (PyPdfError, ValueError, TypeError, KeyError, OSError):
        return False
    finally:
        upload.seek(0)


def scan(data):
    """(ScanResult, detail) for bytes, or (None, what was found) when clamdscan finds a virus.

    clamdscan streams stdin to the daemon (`-`); its exit codes are ClamAV's: 0 no virus found,
    1 virus found, 2 an error. A missing scanner, an error or a timeout is "not scanned", said
    as such on the record: never reported as clean.
    """
    command = shutil.which("clamdscan")
    if command is None:
        return ScanResult.NOT_SCANNED, "clamdscan is not installed on this server"
    try:
        finished = subprocess.run(  # noqa: S603 - a fixed program, no shell, bytes on stdin
            [command, "--no-summary", "-"],
            input=data,
            capture_output=True,
            timeout=SCAN_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return ScanResult.SCAN_FAILED, f"clamdscan did not finish ({type(error).__name__})"
    output = finished.stdout.decode("utf-8", errors="replace").strip()
    if finished.returncode == 0:
        return ScanResult.CLEAN, "clamdscan: no virus found"
    if finished.returncode == 1:
        found = output.rsplit(":", 1)[-1].removesuffix("FOUND").strip() or "a virus"
        return None, found[:150]
    said = finished.stderr.decode("utf-8", errors="replace").strip() or output
    return ScanResult.SCAN_FAILED, f"clamdscan error (exit {finished.returncode}): {said}"[:200]
