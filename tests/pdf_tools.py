"""Reading PDFs in tests: poppler's pdftotext, pdffonts and pdftoppm, and pypdf."""

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader


def tool(name):
    """The full path of a program from the Debian package poppler-utils (.ci/run installs it)."""
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is missing: apt-get install poppler-utils")
    return path


BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdf_text(data, *, first=None, last=None):
    """The text of the PDF (or of pages first..last), whitespace collapsed, bidi marks removed."""
    args = [tool("pdftotext"), "-enc", "UTF-8"]
    if first is not None:
        args += ["-f", str(first), "-l", str(last or first)]
    result = subprocess.run([*args, "-", "-"], input=data, capture_output=True, check=True)
    text = BIDI_MARKS.sub("", result.stdout.decode("utf-8"))
    return " ".join(text.split())


def page_count(data):
    return len(PdfReader(io.BytesIO(data)).pages)


def pdf_fonts(data):
    """[(name, embedded)] as pdffonts lists them."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        output = subprocess.run(
            [tool("pdffonts"), handle.name], capture_output=True, check=True, text=True
        ).stdout
    fonts = []
    for line in output.splitlines()[2:]:
        columns = line.split()
        # name, type words…, encoding, emb, sub, uni, object, id
        fonts.append((columns[0], columns[-5] == "yes"))
    return fonts


def pdf_to_pngs(data, folder, *, first=1, last=2, resolution=40):
    """Render pages to PNG with pdftoppm; returns the files written."""
    folder = Path(folder)
    source = folder / "document.pdf"
    source.write_bytes(data)
    subprocess.run(
        [
            tool("pdftoppm"),
            "-png",
            "-r",
            str(resolution),
            "-f",
            str(first),
            "-l",
            str(last),
            str(source),
            str(folder / "page"),
        ],
        check=True,
    )
    return sorted(folder.glob("page*.png"))


def embedded_files(data):
    """Names of files embedded in the PDF (pypdf), plus any raw marker of them."""
    reader = PdfReader(io.BytesIO(data))
    names = list(reader.attachments)
    root = reader.trailer["/Root"]
    if "/Names" in root and "/EmbeddedFiles" in root["/Names"]:
        names.append("/EmbeddedFiles")
    if "/AF" in root:
        names.append("/AF")
    return names


def metadata(data):
    return PdfReader(io.BytesIO(data)).metadata


def catalog(data):
    return PdfReader(io.BytesIO(data)).trailer["/Root"]


def xmp(data):
    root = catalog(data)
    if "/Metadata" not in root:
        return ""
    return root["/Metadata"].get_object().get_data().decode("utf-8", "replace")
