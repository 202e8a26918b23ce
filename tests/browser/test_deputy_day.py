"""The deputy's day, in one run of headless Chromium (issue 15, "Verification").

The supervisor returns DEMO-0001's worksheet; the deputy finds it on "Needs my action", amends
it and signs it again; searches "hernandez" without the accent and finds José Luis Hernández;
builds an offer and watches the aggravated felony clear as custody goes from 365 to 364 days,
before saving; records its conveyance on a date, through the confirmation page; and records the
defense's request for consideration. Each step's own test, with its edge cases, is in
test_inbox_flow.py, test_offer_entry_live.py, test_offer_life.py and test_defense_request.py;
this one checks that the steps join up into one working day.

Every check after a navigation or an htmx swap waits (`expect`): on a loaded machine the page
may still be loading when the click returns.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from cases import offers
from cases.choices import DispositionStatus, ReviewOutcome
from cases.models import Case, DefenseSubmission, Disposition, Review, Worksheet
from tests.browser.conftest import log_in, log_out, screenshot
from tests.pdf_samples import one_page_pdf

pytestmark = pytest.mark.browser

COMMENTS = "Say how the victim's input was weighed against the equities."
CUSTODY = "Custody imposed (days, including suspended)"


def test_the_deputys_day(demo, new_page):
    case = Case.objects.get(court_case_number="DEMO-0001")
    first = Worksheet.objects.get(case=case, version=1)
    today = offers.today()
    Case.objects.filter(pk=case.pk).update(filed_on=today - datetime.timedelta(days=20))
    page = new_page()

    # The supervisor returns the worksheet with comments.
    log_in(page, "supervisor1")
    expect(page.get_by_role("heading", name="Needs my action")).to_be_visible()
    page.get_by_test_id("inbox-reviews").get_by_role(
        "link", name="Review worksheet v1"
    ).first.click()
    page.get_by_label("Return to the deputy with comments").check()
    page.get_by_label("Comments for the deputy").fill(COMMENTS)
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("heading", name="Worksheets awaiting your review")).to_be_visible()
    assert Review.objects.get(worksheet=first).outcome == ReviewOutcome.RETURNED
    log_out(page)

    # The deputy's home page says so, with the comments and the amend button beside them.
    log_in(page, "deputy1")
    expect(page.get_by_role("heading", name="Needs my action")).to_be_visible()
    returned = page.get_by_test_id(f"returned-{first.pk}")
    expect(returned.get_by_text("Returned: action needed")).to_be_visible()
    expect(returned.get_by_text(COMMENTS)).to_be_visible()
    returned.get_by_label("Why amend?").fill(
        "The supervisor asked how the victim's input was weighed."
    )
    returned.get_by_role("button", name="Start an amendment").click()
    expect(page.get_by_role("heading", name=re.compile("worksheet, version 2"))).to_be_visible()
    page.get_by_label("Reasons for the decision").fill(
        first.reasons + " The victim's input was weighed: she supports the stay-away terms."
    )
    page.get_by_role("button", name="Sign worksheet").click()
    expect(page.get_by_role("heading", name="Signed and frozen")).to_be_visible()
    assert Worksheet.objects.get(amends=first).is_signed
    page.get_by_role("link", name="Needs my action").click()
    expect(page.get_by_role("heading", name="Needs my action")).to_be_visible()
    expect(page.get_by_test_id(f"returned-{first.pk}")).to_have_count(0)

    # Search without the accent, from the home page; the row opens the case.
    page.get_by_label("Name, alias or case number").fill("hernandez")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="Cases")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="DEMO-0001")
    expect(row.get_by_text("Hernández")).to_be_visible()
    row.get_by_role("link", name="DEMO-0001").click()
    expect(page.get_by_role("heading", name=re.compile("Hernández"))).to_be_visible()

    # A new offer: count 1's flags follow the custody as it is typed, before saving.
    page.get_by_role("link", name="New offer").click()
    expect(page.get_by_role("button", name="Save offer")).to_be_visible()
    page.locator("#id_name").fill("Felony with 364 days")
    count_1 = page.locator("fieldset.term").nth(0)
    count_1.get_by_label("Level at plea").select_option("felony")
    custody = count_1.get_by_label(CUSTODY)
    custody.fill("")
    custody.press_sequentially("365", delay=30)
    flagged = count_1.locator(".count-preview > ul.flags")
    expect(flagged).to_contain_text("Aggravated felony")
    custody.press("Backspace")
    custody.press_sequentially("4", delay=30)
    expect(flagged).not_to_contain_text("Aggravated felony")
    assert not Disposition.objects.filter(case=case, name="Felony with 364 days").exists()
    for index in (1, 2):
        page.locator("fieldset.term").nth(index).get_by_label("Plead or dismiss").select_option(
            "dismiss"
        )
    page.get_by_role("button", name="Save offer").click()
    expect(page.get_by_text("Offer “Felony with 364 days” saved.")).to_be_visible()
    offer = Disposition.objects.get(case=case, name="Felony with 364 days")
    assert offer.terms.get(charge__number=1).custody_days_imposed == 364

    # Conveyed two days ago, through the confirmation page.
    card = page.locator(f"section.offer:has(#disp-{offer.pk})")
    card.get_by_role("link", name="Record conveyance…").click()
    conveyed_on = page.get_by_label("Conveyed to the defense on")
    expect(conveyed_on).to_have_value(today.isoformat())
    earlier = today - datetime.timedelta(days=2)
    conveyed_on.fill(earlier.isoformat())
    page.get_by_role("button", name="Confirm: record as conveyed").click()
    expect(page.get_by_text(f"recorded as conveyed on {earlier:%-d %b %Y}")).to_be_visible()
    expect(card).to_contain_text(f"conveyed {earlier:%-d %b %Y}")
    conveyed = Disposition.objects.get(pk=offer.pk)
    assert conveyed.status == DispositionStatus.CONVEYED
    assert offers.local_day(conveyed.conveyed_at) == earlier

    # The defense's request for consideration, with its letter.
    page.get_by_role("link", name="Record the defense's request for consideration").click()
    expect(page.get_by_label("Defense counsel")).not_to_have_value("")
    page.get_by_label("Consequences the defense claims").fill(
        "Deportable as an aggravated felony (crime of violence with a year)."
    )
    page.get_by_label("Equities").fill("Lawful resident for 19 years; two children at home.")
    page.get_by_label("Attachments (PDF, at most 10 MB each)").set_input_files(
        {
            "name": "pd-letter.pdf",
            "mimeType": "application/pdf",
            "buffer": one_page_pdf("Request for consideration under PC 1016.3(b)"),
        }
    )
    page.get_by_role("button", name="Save the request").click()
    expect(page.get_by_text("saved with 1 attachment")).to_be_visible()
    expect(page.locator("#defense-requests")).to_contain_text("pd-letter.pdf")
    submission = DefenseSubmission.objects.get(case=case)
    assert submission.equities.startswith("Lawful resident")
    screenshot(page, "deputy-day-end")
    assert page.errors == [], page.errors
