"""The one PDF pipeline: HTML from a print template in, PDF bytes out, rendered in-process.

Used by the worksheet PDF and the compliance report PDF. What it guarantees, whatever the HTML:

- **Nothing is fetched but the project's own print files.** The URL fetcher serves
  `considered:fonts/…` and `considered:print/…` from `static/` and refuses every
  other URL — http, https, file, ftp, data, relative — so user text such as
  `<link rel=attachment href=file:///etc/passwd>` or `url(http://169.254.169.254/)` can neither
  reach the network nor embed a local file. (Templates escape user text anyway; this is the
  second wall.)
- **No embedded files.** Attachments are dropped and the finished PDF is checked for any.
- **Only the shipped fonts.** WeasyPrint gets a fontconfig configuration with no font
  directories, so every glyph comes from static/fonts/ (declared in static/print/fonts.css) and
  the output does not depend on which fonts a machine happens to have.
- **Deterministic.** The same HTML and metadata give the same bytes: dates come from the caller
  (a signed worksheet passes its signing time), the PDF identifier is a hash of the content, and
  nothing random is written.

`render_pdf(html, title=…, author=…, subject=…, variant="tagged" | "archival")`; see
README.md "Worksheet PDF" for why the variants are PDF/UA-1 and PDF/A-2b.
"""

import mimetypes
import os
import re
import threading
from pathlib import Path

from django.conf import settings
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Letters only: Django's manifest storage (collectstatic in production) leaves URLs matching
# ^[a-z]+: alone, and would otherwise try to hash "considered-…:fonts/…" as a relative file.
STATIC_SCHEME = "considered"
STATIC_DIR = Path(settings.BASE_DIR) / "static"
FONTS_CSS = "print/fonts.css"
# A fontconfig file that lists no font directory: system fonts are invisible to the renderer.
FONTCONFIG_FILE = Path(__file__).resolve().parent / "pdf_fonts.conf"

# `considered:` + one of the two folders + a plain file name. No "..", no query, no
# percent-escapes: anything else is refused before the file system is consulted.
_STATIC_URL = re.compile(rf"^{STATIC_SCHEME}:(fonts|print)/([A-Za-z0-9][A-Za-z0-9._-]*)$")

VARIANTS = {
    # The default download: a tagged PDF declaring PDF/UA-1 (screen readers, reflow).
    "tagged": {"pdf_variant": "pdf/ua-1", "pdf_tags": True},
    # The copy for long-term archiving: PDF/A-2b, tagged as well (allowed at level b).
    "archival": {"pdf_variant": "pdf/a-2b", "pdf_tags": True},
}
DEFAULT_VARIANT = "tagged"


class RefusedURL(ValueError):
    """The renderer asked for something other than the project's own print files."""


class StaticOnlyFetcher(URLFetcher):
    """Serves `considered:fonts/…` and `considered:print/…`; refuses the rest.

    WeasyPrint 70 requires a `URLFetcher` subclass. Every URL asked for is remembered in
    `requested` (and the refused ones in `refused`) so tests can prove nothing else was tried.
    WeasyPrint turns the refusal into a warning and renders on without the resource.
    """

    def __init__(self):
        super().__init__(allowed_protocols=(STATIC_SCHEME,), allow_redirects=False, timeout=1)
        self.requested = []
        self.refused = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        path = static_path(url)
        if path is None:
            self.refused.append(url)
            raise RefusedURL(f"the PDF renderer fetches only its own print files, not {url!r}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type == "text/css":
            content_type += "; charset=utf-8"
        headers = {"Content-Type": content_type}
        return URLFetcherResponse(url, body=path.read_bytes(), headers=headers)

    def open(self, url, data=None, timeout=None):  # urllib's entry point: the same rule
        return self.fetch(url if isinstance(url, str) else url.full_url)


def static_path(url):
    """The file under static/fonts or static/print that `url` names, or None."""
    match = _STATIC_URL.match(url or "")
    if match is None:
        return None
    folder = (STATIC_DIR / match[1]).resolve()
    path = (folder / match[2]).resolve()
    if path.parent != folder or not path.is_file():
        return None
    return path


def static_url(relative_path):
    """`print/worksheet.css` → `considered:print/worksheet.css`."""
    return f"{STATIC_SCHEME}:{relative_path}"


_font_config = None
# One font configuration per process, used by one render at a time: Pango and fontconfig objects
# are not made for concurrent use, and sharing them means the 11 MB of fonts are loaded once per
# process. A gthread process's threads take turns at it; they rarely render, as the job queue's
# worker stores each signed worksheet's PDF first (pdf_jobs).
_render_lock = threading.RLock()


def font_configuration():
    """The process's font configuration, holding only the shipped fonts (call under the lock).

    FONTCONFIG_FILE is read by fontconfig when the configuration is created, so it is set just
    for that moment; the environment is process-wide, and the lock keeps that moment private.
    """
    global _font_config
    with _render_lock:
        if _font_config is None:
            previous = os.environ.get("FONTCONFIG_FILE")
            os.environ["FONTCONFIG_FILE"] = str(FONTCONFIG_FILE)
            try:
                _font_config = FontConfiguration()
            finally:
                if previous is None:
                    del os.environ["FONTCONFIG_FILE"]
                else:
                    os.environ["FONTCONFIG_FILE"] = previous
        return _font_config


# Parsed print stylesheets, kept for the process: {(path, font configuration): (mtime, CSS)}.
_parsed_stylesheets: dict = {}


def stylesheets_for(paths, *, fetcher, font_config):
    """The fonts stylesheet, then the caller's print stylesheets, each parsed once per process.

    Parsing them (and registering the @font-face files) took some 3 % of each render's CPU. A
    parsed `CSS` is only read by a render, so one serves every document; it is tied to the
    process's font configuration, where its fonts were registered. The file's modification time
    is part of the check, so an edited stylesheet is read again. Only the first render's
    `fetcher` fetches the stylesheets and their fonts; every render's own `fetcher` still serves
    whatever the document itself asks for.
    """
    sheets = []
    for path in (FONTS_CSS, *paths):
        file = static_path(static_url(path))
        mtime = file.stat().st_mtime_ns if file is not None else None
        key = (path, id(font_config))
        cached = _parsed_stylesheets.get(key)
        if cached is None or cached[0] != mtime:
            # A missing file raises here, through the fetcher, as it did before the cache.
            sheet = CSS(url=static_url(path), url_fetcher=fetcher, font_config=font_config)
            cached = _parsed_stylesheets[key] = (mtime, sheet)
        sheets.append(cached[1])
    return sheets


def warm_up(stylesheets=("print/worksheet.css",)):
    """Create the font configuration and parse the print stylesheets now (a worker's start)."""
    with _render_lock:
        font_config = font_configuration()
        stylesheets_for(stylesheets, fetcher=StaticOnlyFetcher(), font_config=font_config)


def render_pdf(
    html,
    *,
    title,
    author,
    subject,
    variant=DEFAULT_VARIANT,
    stylesheets=(),
    created=None,
    keywords=(),
    lang="en-US",
    fetcher=None,
):
    """Render `html` (a complete, escaped document) to PDF bytes.

    `stylesheets` are paths under static/ (e.g. "print/worksheet.css"), applied after the fonts.
    `created` (an aware datetime) becomes the creation and modification dates; without it the
    PDF carries no date, so that two renders of the same input are byte-identical.
    `fetcher` may be passed in by tests to see what was asked for.
    """
    if variant not in VARIANTS:
        raise ValueError(f"Unknown PDF variant {variant!r}; use one of {', '.join(VARIANTS)}.")
    fetcher = fetcher or StaticOnlyFetcher()
    with _render_lock:
        font_config = font_configuration()
        document = HTML(string=html, base_url=None, url_fetcher=fetcher).render(
            stylesheets=stylesheets_for(stylesheets, fetcher=fetcher, font_config=font_config),
            font_config=font_config,
        )
        metadata = document.metadata
        metadata.title = title
        metadata.authors = [author] if author else []
        metadata.description = subject
        metadata.keywords = list(keywords)
        metadata.generator = "Considered"
        metadata.lang = metadata.lang or lang
        metadata.created = metadata.modified = _w3c_date(created) if created else None
        metadata.attachments = []  # <link rel=attachment> never makes it into the file
        metadata.custom = {}
        return document.write_pdf(
            **VARIANTS[variant], attachments=None, finisher=_refuse_embedded_files
        )


def _w3c_date(moment):
    """An aware datetime as the W3C date WeasyPrint writes into the PDF, to the second, in UTC."""
    from datetime import UTC

    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class EmbeddedFileFound(RuntimeError):
    pass


def _refuse_embedded_files(document, pdf):
    """Last check before the trailer: no file specification, no EmbeddedFiles tree."""
    names = pdf.catalog.get("Names")
    if names is not None and "EmbeddedFiles" in names:
        raise EmbeddedFileFound("the PDF would embed a file")
    for pdf_object in pdf.objects:
        if isinstance(pdf_object, dict) and pdf_object.get("Type") == "/Filespec":
            raise EmbeddedFileFound("the PDF would embed a file")
