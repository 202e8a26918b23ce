"""The system pieces the suite needs (the Debian packages in .ci/system-packages), checked once
before any test runs, so that a machine without them fails loudly instead of skipping."""

import os
import shutil
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


def missing_system_pieces():
    """[description] of every missing piece, each naming the Debian package that brings it."""
    missing = []
    if not (CHROMIUM.exists() or shutil.which(str(CHROMIUM))):
        missing.append(f"Chromium at {CHROMIUM} (Debian package chromium)")
    for program in ("pdftotext", "pdffonts", "pdftoppm"):
        if shutil.which(program) is None:
            missing.append(f"{program} (Debian package poppler-utils)")
    if not (shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")):
        missing.append("HAProxy (Debian package haproxy)")
    from weasyprint.text.ffi import harfbuzz_subset

    if harfbuzz_subset is None:
        missing.append("HarfBuzz's font subsetter (Debian package libharfbuzz-subset0)")
    return missing
