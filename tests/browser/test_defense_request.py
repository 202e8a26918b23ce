"""End to end in headless Chromium: a deputy records the defense's request for consideration
with a PDF attachment (issue 15 item 6), enters its proposal as an offer, downloads the file,
and finds the request on the worksheet. A file that is not a PDF is refused first, keeping what
was typed. The pages are looked at 390, 768 and 1366 px wide (test-artifacts/defense-*.png).
"""

import hashlib

import pytest
from playwright.sync_api import expect

from cases.choices import DispositionLabel, ProposedBy, ScanResult
from cases.models import Case, DefenseSubmission
from tests.browser.conftest import axe_violations, log_in, screenshot
from tests.pdf_samples import one_page_pdf

pytestmark = pytest.mark.browser

LETTER = one_page_pdf("Request for consideration under PC 1016.3(b)")
WIDTHS = (390, 768, 1366)


def no_sideways_scroll(page):
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    return scroll_width <= inner_width


def test_a_deputy_records_the_defense_request_with_an_attachment(demo, new_page):
    case = Case.objects.get(court_case_number="DEMO-0004")
    page = new_page()
    log_in(page, "deputy1")
    page.goto(case.get_absolute_url())
    page.get_by_role("link", name="Record the defense's request for consideration").click()
    expect(page.get_by_label("Defense counsel")).not_to_have_value("")
    page.get_by_label("Consequences the defense claims").fill(
        "Deportable as an aggravated felony (crime of violence with a year)."
    )
    page.get_by_label("Equities").fill("Lawful resident for 19 years; two children at home.")

    # Not a PDF, whatever its name: refused in the form, the text typed is kept, nothing stored.
    page.get_by_label("Attachments (PDF, at most 10 MB each)").set_input_files(
        {"name": "letter.pdf", "mimeType": "application/pdf", "buffer": b"plain text"}
    )
    page.get_by_role("button", name="Save the request").click()
    expect(page.get_by_text("“letter.pdf” is not a PDF.")).to_be_visible()
    expect(page.get_by_label("Equities")).to_have_value(
        "Lawful resident for 19 years; two children at home."
    )
    assert not DefenseSubmission.objects.filter(case=case).exists()

    page.get_by_label("Attachments (PDF, at most 10 MB each)").set_input_files(
        {"name": "pd-letter.pdf", "mimeType": "application/pdf", "buffer": LETTER}
    )
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert no_sideways_scroll(page), f"the request form scrolls sideways at {width} px"
        screenshot(page, f"defense-request-form-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("button", name="Save the request").click()
    expect(page.get_by_text("saved with 1 attachment")).to_be_visible()
    submission = DefenseSubmission.objects.get(case=case)
    attachment = submission.attachments.get()
    assert attachment.sha256 == hashlib.sha256(LETTER).hexdigest()
    assert attachment.scan in (ScanResult.NOT_SCANNED, ScanResult.CLEAN)

    # The attachment downloads as a file, byte for byte.
    section = page.locator("#defense-requests")
    with page.expect_download() as download_info:
        section.get_by_role("link", name="pd-letter.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "pd-letter.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == LETTER

    # The proposal, entered on the offer page as every offer is.
    section.get_by_role("link", name="Enter the proposal as an offer").click()
    expect(page.get_by_label("Kind of offer")).to_be_disabled()
    page.get_by_label("Name", exact=True).fill("PD proposal: 364 days")
    for fieldset in page.locator("fieldset.term").all():
        level = fieldset.get_by_label("Level at plea")
        if not level.input_value():
            level.select_option("misdemeanor")
        fieldset.get_by_label("Custody imposed (days, including suspended)").fill("364")
    page.get_by_role("button", name="Save offer").click()
    expect(page.get_by_text("Offer “PD proposal: 364 days” saved.")).to_be_visible()
    submission.refresh_from_db()
    proposal = submission.proposed_disposition
    assert (proposal.label, proposal.proposed_by) == (DispositionLabel.DEFENSE, ProposedBy.DEFENSE)
    expect(page.locator("#defense-requests")).to_contain_text("proposes PD proposal: 364 days")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#defense-requests").scroll_into_view_if_needed()
        assert no_sideways_scroll(page), f"the case page scrolls sideways at {width} px"
        page.locator("#defense-requests").screenshot(path=_artifact(f"defense-case-{width}"))
    page.set_viewport_size({"width": 1366, "height": 900})

    # The worksheet shows the request beside the office's analysis.
    page.get_by_role("link", name="Worksheet v1 (draft)").click()
    request_section = page.locator("#defense-request")
    expect(request_section).to_contain_text("Lawful resident for 19 years")
    expect(request_section).to_contain_text("pd-letter.pdf")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert no_sideways_scroll(page), f"the worksheet scrolls sideways at {width} px"
        request_section.screenshot(path=_artifact(f"defense-worksheet-{width}"))
    assert not page.errors, page.errors

    # axe-core finds nothing serious on the request form and the case page (it is injected as
    # a script, so this page lets it past the Content-Security-Policy).
    checker = new_page(bypass_csp=True)
    log_in(checker, "deputy1")
    for url in (f"/defense-requests/{submission.pk}/edit/", case.get_absolute_url()):
        checker.goto(url)
        assert not axe_violations(checker), url


def _artifact(name):
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")
