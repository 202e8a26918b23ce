"""Counsel answers a routed worksheet, in Chromium (issue 17.3), and the pages of issue 17.2-3 at
390, 768 and 1366 px: nothing scrolls sideways. Screenshots: test-artifacts/counsel-*.png.

alice (deputy) sends her signed worksheet to counsel with a question; erin (counsel) finds it in
her queue, reads it and answers; alice sees the answer on the worksheet. The office routes on
request; dave (administrator) edits the policy.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases import actions
from cases.choices import CounselRouting, Role
from cases.models import CounselRequest
from tests import factories
from tests.browser.conftest import DEMO_PASSWORD, log_in, log_out, screenshot

pytestmark = pytest.mark.browser

WIDTHS = (390, 768, 1366)
ANSWER = "Offer B avoids the domestic violence ground if the record stays limited to touching."


@pytest.fixture
def routed_office(transactional_db):
    office = factories.make_office("Alpha County District Attorney")
    unit = factories.make_unit(office, "Felony Unit")
    factories.set_policy(office, counsel_routing=CounselRouting.ON_REQUEST)
    people = {
        name: factories.make_user(name, office, role, unit, password=DEMO_PASSWORD)
        for name, role in (("alice", Role.DEPUTY), ("erin", Role.COUNSEL), ("dave", Role.ADMIN))
    }
    case = factories.make_case(office, unit, people["alice"], number="ALPHA-0001")
    factories.make_charge(case, 1, "PC 273.5(a)")
    offer = factories.make_disposition(case)
    factories.make_term(offer, case.charges.get(), domestic_relationship=True)
    worksheet = factories.ready_worksheet(case, people["alice"], offer)
    signed = actions.sign_worksheet(worksheet, by_user=people["alice"])
    return {"worksheet": signed, **people}


def no_sideways_scroll(page, name):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{name} is {scroll_width} px wide at {width}"
        screenshot(page, f"counsel-{name}-{width}")


def test_counsel_answers_a_routed_worksheet(routed_office, new_page):
    worksheet = routed_office["worksheet"]
    page = new_page()
    log_in(page, "alice")
    page.goto(worksheet.get_absolute_url())
    page.get_by_label("Your question for counsel (optional)").fill("Is the DV ground avoidable?")
    page.get_by_role("button", name="Ask immigration counsel").click()
    page.get_by_text("Sent to immigration counsel.").wait_for()
    expect(page.locator("#counsel").get_by_text("Waiting")).to_be_visible()
    no_sideways_scroll(page, "worksheet-asked")
    log_out(page)

    log_in(page, "erin")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Counsel's queue").click()
    page.wait_for_url("**/counsel/")
    no_sideways_scroll(page, "queue")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Answer ALPHA-0001").click()
    page.get_by_role("heading", name="Record-of-conviction facts").wait_for()
    expect(page.get_by_text("domestic relationship: yes")).to_be_visible()
    expect(page.get_by_text("Is the DV ground avoidable?")).to_be_visible()
    no_sideways_scroll(page, "answer")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_label("Your written view").fill(ANSWER)
    page.get_by_role("button", name="Send the answer").click()
    page.get_by_text("ALPHA-0001: answer sent.").wait_for()
    log_out(page)

    log_in(page, "alice")
    page.goto(worksheet.get_absolute_url())
    answer = page.get_by_test_id("counsel-answer")
    assert answer.inner_text() == ANSWER
    no_sideways_scroll(page, "worksheet-answered")
    assert CounselRequest.objects.get(worksheet=worksheet).answered_by == routed_office["erin"]
    assert not page.errors


def test_the_policy_editor_fits_every_width(routed_office, new_page):
    page = new_page()
    log_in(page, "dave")
    page.goto(reverse("policy_edit"))
    page.get_by_role("heading", name="Office policy").wait_for()
    no_sideways_scroll(page, "policy-edit")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_label("Felony cases only").check()
    page.get_by_role("button", name="Save the policy").click()
    page.get_by_text("Policy saved").wait_for()
    assert not page.errors
