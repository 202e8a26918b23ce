"""The deputy's day begins on "Needs my action" (issue 15 items 1 and 2), in headless Chromium:
the supervisor returns DEMO-0001's worksheet with comments; the deputy lands on the page, finds
it there with the comments and the amend button beside them, amends and signs again; then
searches "hernandez" without the accent and finds José Luis Hernández, and a case number opens
its case directly. Each page is also looked at 390, 768 and 1366 px wide.
"""

import re

import pytest
from playwright.sync_api import expect

from cases.choices import ReviewOutcome
from cases.models import Case, Review, Worksheet
from tests.browser.conftest import axe_violations, log_in, log_out, screenshot

pytestmark = pytest.mark.browser

COMMENTS = "Say how the victim's input was weighed against the equities."


def test_returned_worksheet_is_amended_from_needs_my_action(demo, new_page):
    case = Case.objects.get(court_case_number="DEMO-0001")
    first = Worksheet.objects.get(case=case, version=1)
    page = new_page()

    # The supervisor lands on the page and finds the worksheet waiting for review.
    log_in(page, "supervisor1")
    expect(page.get_by_role("heading", name="Needs my action")).to_be_visible()
    waiting = page.get_by_test_id("inbox-reviews")
    expect(waiting.get_by_text("DEMO-0001")).to_be_visible()
    waiting.get_by_role("link", name="Review worksheet v1").first.click()
    page.get_by_label("Return to the deputy with comments").check()
    page.get_by_label("Comments for the deputy").fill(COMMENTS)
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("heading", name="Worksheets awaiting your review")).to_be_visible()
    assert Review.objects.get(worksheet=first).outcome == ReviewOutcome.RETURNED
    log_out(page)

    # The deputy lands on "Needs my action": the comments, with the amend button beside them.
    log_in(page, "deputy1")
    expect(page.get_by_role("heading", name="Needs my action")).to_be_visible()
    expect(page.get_by_test_id("actions-waiting")).to_be_visible()
    returned = page.get_by_test_id(f"returned-{first.pk}")
    expect(returned.get_by_text("Returned: action needed")).to_be_visible()
    expect(returned.get_by_text(COMMENTS)).to_be_visible()
    screenshot(page, "needs-my-action", guide=True)
    comments_box = returned.locator(".returned-comments").bounding_box()
    button_box = returned.get_by_role("button", name="Start an amendment").bounding_box()
    assert abs(button_box["y"] - comments_box["y"]) < 150  # beside, not 5,000 px below

    # The case list says so in red.
    page.get_by_role("link", name="Cases", exact=True).click()
    row = page.get_by_role("row").filter(has_text="DEMO-0001")
    expect(row.get_by_text("Returned: action needed")).to_be_visible()
    page.go_back()

    returned = page.get_by_test_id(f"returned-{first.pk}")
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
    second = Worksheet.objects.get(amends=first)
    assert second.is_signed and second.content_hash != first.content_hash
    assert Worksheet.objects.get(pk=first.pk).content_hash == first.content_hash  # unchanged

    # Off the page now.
    page.get_by_role("link", name="Needs my action").click()
    expect(page.get_by_test_id(f"returned-{first.pk}")).to_have_count(0)

    # Search without the accent, from the page.
    page.get_by_label("Name, alias or case number").fill("hernandez")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="Cases")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="DEMO-0001")
    expect(row.get_by_text("Hernández")).to_be_visible()
    screenshot(page, "search-hernandez", guide=True)

    # An exact case number opens the case.
    page.get_by_label("Search", exact=True).fill("demo-0001")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(f"**{case.get_absolute_url()}")
    expect(page.get_by_role("heading", name=re.compile("Hernández"))).to_be_visible()
    assert page.errors == [], page.errors


@pytest.mark.parametrize("width", (390, 768, 1366))
def test_needs_my_action_fits_every_width(demo, new_page, width):
    first = Worksheet.objects.get(case__court_case_number="DEMO-0001", version=1)
    from django.contrib.auth import get_user_model

    from cases import actions

    supervisor = get_user_model().objects.get(username="supervisor1")
    actions.review_worksheet(
        first, by_user=supervisor, outcome=ReviewOutcome.RETURNED, comments=COMMENTS
    )
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "deputy1")
    for name, url in (("needs-my-action", "/inbox/"), ("case", first.case.get_absolute_url())):
        assert page.goto(url).status == 200
        expect(page.get_by_text("Returned: action needed").first).to_be_visible()
        scroll_width, inner_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width, (name, scroll_width)
        screenshot(page, f"widths-{name}-deputy-{width}")
    assert page.errors == [], page.errors


def test_the_returned_worksheet_block_has_no_serious_accessibility_violation(demo, new_page):
    first = Worksheet.objects.get(case__court_case_number="DEMO-0001", version=1)
    from django.contrib.auth import get_user_model

    from cases import actions

    supervisor = get_user_model().objects.get(username="supervisor1")
    actions.review_worksheet(
        first, by_user=supervisor, outcome=ReviewOutcome.RETURNED, comments=COMMENTS
    )
    page = new_page(bypass_csp=True)
    log_in(page, "deputy1")
    found = {}
    for url in ("/inbox/", first.case.get_absolute_url(), first.get_absolute_url()):
        page.goto(url)
        expect(page.get_by_text("Returned: action needed").first).to_be_visible()
        violations = axe_violations(page)
        if violations:
            found[url] = violations
    assert not found, found
