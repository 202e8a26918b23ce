"""cases.pdf: the renderer fetches nothing but the project's print files, embeds no file, uses
only the shipped fonts, and gives the same bytes for the same input."""

from datetime import UTC, datetime

import pytest

from cases import pdf
from tests.pdf_tools import catalog, embedded_files, metadata, pdf_fonts, pdf_text, xmp

HOSTILE_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<style>@import url("http://169.254.169.254/latest/meta-data/");</style>
<link rel="stylesheet" href="https://evil.example/x.css">
<link rel="attachment" href="file:///etc/passwd">
<link rel="attachment" href="considered:print/fonts.css">
</head><body>
<p>Visible text</p>
<img src="http://169.254.169.254/latest/meta-data/iam" alt="">
<img src="ftp://evil.example/x.png" alt="">
<img src="data:image/svg+xml;base64,PHN2Zy8+" alt="">
<div class="bg">background</div>
<style>.bg { background: url(file:///etc/passwd); }</style>
<object data="file:///etc/passwd"></object>
<iframe src="http://169.254.169.254/"></iframe>
<a href="considered:../../config/settings.py">link</a>
<img src="considered:fonts/../../config/settings.py" alt="">
<img src="considered:print/../fonts/OFL.txt" alt="">
<img src="relative.png" alt="">
</body></html>"""


def render(html, **kwargs):
    kwargs.setdefault("title", "T")
    kwargs.setdefault("author", "A")
    kwargs.setdefault("subject", "S")
    return pdf.render_pdf(html, **kwargs)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/font.ttf",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "data:text/css,body{}",
        "considered:../config/settings.py",
        "considered:fonts/../../config/settings.py",
        "considered:fonts/%2e%2e/OFL.txt",
        "considered:css/considered.css",
        "considered:fonts/missing.ttf",
        "considered:fonts/OFL.txt?x=1",
        "considered:/etc/passwd",
        "CONSIDERED:fonts/NotoSans-Regular.ttf",
        "",
    ],
)
def test_fetcher_refuses_anything_but_print_files(url):
    fetcher = pdf.StaticOnlyFetcher()
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_the_fonts_and_print_stylesheets():
    fetcher = pdf.StaticOnlyFetcher()
    font = fetcher.fetch("considered:fonts/NotoSans-Regular.ttf")
    css = fetcher.fetch("considered:print/fonts.css")
    assert font.read(4) == b"\x00\x01\x00\x00"
    assert b"@font-face" in css.read()
    assert fetcher.refused == []


def test_hostile_html_fetches_nothing_and_embeds_nothing():
    fetcher = pdf.StaticOnlyFetcher()
    data = render(HOSTILE_HTML, fetcher=fetcher)

    assert "Visible text" in pdf_text(data)
    asked_outside = [url for url in fetcher.requested if pdf.static_path(url) is None]
    assert asked_outside == fetcher.refused  # everything outside static/ was refused…
    assert "http://169.254.169.254/latest/meta-data/" in fetcher.refused  # …including these
    assert "file:///etc/passwd" in fetcher.refused
    served = set(fetcher.requested) - set(fetcher.refused)
    assert all(url.startswith("considered:") for url in served)
    assert embedded_files(data) == []
    assert b"root:x:0:0" not in data


def test_the_pdf_carries_title_author_subject_and_the_given_date():
    signed = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    data = render("<p>x</p>", title="Title é", author="Dana Deputy", subject="Sub", created=signed)
    info = metadata(data)
    assert info.title == "Title é"
    assert info.author == "Dana Deputy"
    assert info.subject == "Sub"
    assert info["/CreationDate"].startswith("D:20260304050607")
    assert info["/ModDate"] == info["/CreationDate"]


@pytest.mark.parametrize("variant", sorted(pdf.VARIANTS))
def test_same_input_gives_the_same_bytes(variant):
    signed = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    first = render("<p>Same 王小明</p>", variant=variant, created=signed)
    second = render("<p>Same 王小明</p>", variant=variant, created=signed)
    assert first == second


def test_tagged_variant_is_tagged_pdf_ua():
    data = render("<h1>Heading</h1><p>x</p>", variant="tagged")
    root = catalog(data)
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert "pdfuaid:part" in xmp(data)


def test_archival_variant_declares_pdf_a_2b():
    data = render("<h1>Heading</h1><p>x</p>", variant="archival")
    description = xmp(data)
    assert 'pdfaid:part="2"' in description or "<pdfaid:part>2</pdfaid:part>" in description
    assert "B" in description.split("pdfaid:conformance")[1][:6]
    assert "/OutputIntents" in catalog(data)
    assert embedded_files(data) == []


def test_unknown_variant_is_refused():
    with pytest.raises(ValueError, match="variant"):
        render("<p>x</p>", variant="pdf/x-4")


NAMES = {
    "accented Latin": "José Ñúñez Gonçalves Đặng Thị Hương Øyvind Łukasz",
    "Cyrillic": "Иван Петрович Сидоров",
    "Arabic": "محمد عبد الله",
    "Chinese": "王小明 陳大文",
    "Japanese": "山田太郎 やまだ タロウ",
    "Korean": "김민준",
    "Armenian": "Հայկ Սարգսյան",
    "Hebrew": "דוד כהן",
    "Gurmukhi": "ਗੁਰਪ੍ਰੀਤ",
}


def test_names_in_many_scripts_render_with_the_shipped_fonts_only():
    html = "".join(f"<p>{name}</p>" for name in NAMES.values())
    # A script none of the shipped fonts covers: it must print as boxes, not pull in a system font.
    html += "<p>ሰላም</p>"
    data = render(f"<html lang='en'><body>{html}</body></html>")

    text = pdf_text(data)
    for script, name in NAMES.items():
        for word in name.split():
            assert word in text, f"{script}: {word} not recovered"
    fonts = pdf_fonts(data)
    names = {name.split("+", 1)[1] for name, _ in fonts}
    assert all(embedded for _, embedded in fonts)
    # Every font in the file is one of ours (cases/pdf_fonts.conf hides the system's).
    assert all(name.startswith("Considered-") for name in names), names
    assert {"Considered-Sans", "Considered-Arabic", "Considered-CJK"} <= names
    assert {"Considered-Armenian", "Considered-Hebrew", "Considered-Gurmukhi"} <= names


def test_renders_from_several_threads_share_the_fonts_safely():
    """runserver and threaded workers render from several threads: one at a time, same bytes."""
    from concurrent.futures import ThreadPoolExecutor

    signed = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(
            pool.map(lambda _: render("<p>Иван 王小明 محمد</p>", created=signed), range(3))
        )
    assert results[0] == results[1] == results[2]
    assert "王小明" in pdf_text(results[0])


def test_print_stylesheets_are_parsed_once_per_process_and_again_when_edited(monkeypatch):
    parsed = []
    real = pdf.CSS

    def counting(*args, **kwargs):
        parsed.append(kwargs.get("url"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pdf, "CSS", counting)
    monkeypatch.setattr(pdf, "_parsed_stylesheets", {})
    first = render("<p>Once</p>", stylesheets=("print/report.css",))
    assert parsed == ["considered:print/fonts.css", "considered:print/report.css"]
    assert render("<p>Once</p>", stylesheets=("print/report.css",)) == first
    assert len(parsed) == 2  # the second render parsed nothing
    # An edited stylesheet (its file's modification time no longer the one parsed) is read again.
    for key, (mtime, sheet) in list(pdf._parsed_stylesheets.items()):
        if key[0] == "print/report.css":
            pdf._parsed_stylesheets[key] = (mtime - 1, sheet)
    render("<p>Once</p>", stylesheets=("print/report.css",))
    assert parsed[2:] == ["considered:print/report.css"]


def test_a_worker_process_parses_the_stylesheets_as_it_starts(monkeypatch):
    from celery.signals import worker_process_init

    import config.celery  # noqa: F401 (connects the warm-up)
    from config import collector

    monkeypatch.setattr(pdf, "_parsed_stylesheets", {})
    # The warm-up's freeze is for a worker process, not this one (tested in test_project.py).
    monkeypatch.setattr(collector, "settle", lambda: None)
    worker_process_init.send(sender=None)
    assert {path for path, _ in pdf._parsed_stylesheets} == {
        "print/fonts.css",
        "print/worksheet.css",
    }
