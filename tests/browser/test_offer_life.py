"""End to end in headless Chromium: an offer's life (issue 15, items 5 and 7).

supervisor1 keeps a "Standard DV misdemeanor" template; deputy1 builds an offer on DEMO-0001
from it, records its conveyance on an earlier day through the confirmation page (a date in the
future is refused first), and records it as entered. Then every page of this area is checked
at 390, 768 and 1366 px: nothing scrolls sideways. Screenshots go to test-artifacts/ and the
guide's to docs/images/.
"""

import datetime

import pytest
from playwright.sync_api import expect

from cases import offers
from cases.choices import DispositionStatus
from cases.models import Case, Disposition
from tests.browser.conftest import axe_violations, log_in, log_out, screenshot

pytestmark = pytest.mark.browser


def test_an_offer_from_a_template_is_conveyed_on_a_date_and_entered(demo, new_page):
    case = Case.objects.get(court_case_number="DEMO-0001")
    today = offers.today()
    Case.objects.filter(pk=case.pk).update(filed_on=today - datetime.timedelta(days=20))
    page = new_page()

    # The supervisor keeps the office's templates.
    log_in(page, "supervisor1")
    page.goto(f"/cases/{case.pk}/offers/new/")
    page.get_by_role("link", name="Keep the office's offer templates").click()
    page.get_by_role("link", name="New template").click()
    page.get_by_label("Name").fill("Standard DV misdemeanor")
    page.get_by_label("Statute pleaded to").fill("PC 243(e)(1)")
    page.get_by_label("Level at plea").select_option("misdemeanor")
    page.get_by_label("Sentence form").select_option("iss")
    page.get_by_label("Custody imposed (days, including suspended)").fill("364")
    page.get_by_label("of which suspended (days)").fill("364")
    page.get_by_label("Probation (months)").fill("36")
    page.get_by_label("PC 1203.097 batterer program").check()
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_text("Offer template “Standard DV misdemeanor” saved.")).to_be_visible()
    screenshot(page, "offer-templates", guide=True)
    log_out(page)

    # The deputy builds an offer from it: count 1 filled by the template.
    log_in(page, "deputy1")
    page.goto(case.get_absolute_url())
    page.get_by_role("link", name="New offer").click()
    page.get_by_label("Start from an office template").select_option(
        label="Standard DV misdemeanor"
    )
    page.get_by_label("for", exact=True).select_option(label="Count 1: PC 273.5(a)")
    page.get_by_role("button", name="Fill the count").click()
    first = page.locator("fieldset.term").nth(0)
    expect(first.get_by_label("Statute pleaded to")).to_have_value("PC 243(e)(1)")
    expect(first.get_by_label("of which suspended (days)")).to_have_value("364")
    for index in (1, 2):
        term = page.locator("fieldset.term").nth(index)
        term.get_by_label("Plead or dismiss").select_option("dismiss")
    screenshot(page, "offer-from-template", guide=True)
    page.get_by_role("button", name="Save offer").click()
    expect(page.get_by_text("Offer “Standard DV misdemeanor” saved.")).to_be_visible()
    offer = Disposition.objects.get(case=case, name="Standard DV misdemeanor")

    # Conveyed on an earlier day, through the confirmation page; the future is refused.
    card = page.locator(f"section.offer:has(#disp-{offer.pk})")
    card.get_by_role("link", name="Record conveyance…").click()
    expect(page.get_by_label("Conveyed to the defense on")).to_have_value(today.isoformat())
    tomorrow = today + datetime.timedelta(days=1)
    page.get_by_label("Conveyed to the defense on").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Confirm: record as conveyed").click()
    expect(page.get_by_text("is in the future")).to_be_visible()
    assert Disposition.objects.get(pk=offer.pk).status == DispositionStatus.DRAFT
    earlier = today - datetime.timedelta(days=2)
    page.get_by_label("Conveyed to the defense on").fill(earlier.isoformat())
    screenshot(page, "offer-convey", guide=True)
    page.get_by_role("button", name="Confirm: record as conveyed").click()
    expect(page.get_by_text(f"recorded as conveyed on {earlier:%-d %b %Y}")).to_be_visible()

    # Entered by the court, with its date.
    card.get_by_role("link", name="Record the answer…").click()
    page.get_by_label("Entered").check()
    page.get_by_label("Date").fill(today.isoformat())
    page.get_by_role("button", name="Record the answer").click()
    expect(page.get_by_text("recorded as entered on")).to_be_visible()
    expect(card).to_contain_text(f"conveyed {earlier:%-d %b %Y}")
    expect(card).to_contain_text(f"entered {today:%-d %b %Y}")
    card.scroll_into_view_if_needed()
    screenshot(page, "offer-entered", guide=True)
    done = Disposition.objects.get(pk=offer.pk)
    assert done.status == DispositionStatus.ENTERED and done.entered_on == today
    assert offers.local_day(done.conveyed_at) == earlier
    assert not page.errors


@pytest.mark.parametrize("width", (390, 768, 1366))
def test_the_offer_pages_fit_every_width(demo, new_page, width):
    case = Case.objects.get(court_case_number="DEMO-0001")
    offer = case.dispositions.filter(status=DispositionStatus.DRAFT).first()
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "supervisor1")
    urls = {
        "case": case.get_absolute_url(),
        "convey": f"/offers/{offer.pk}/convey/",
        "templates": "/offer-templates/",
        "template-new": "/offer-templates/new/",
    }
    wide = {}
    for name, url in urls.items():
        assert page.goto(url).status == 200, url
        scroll, inner = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll > inner:
            wide[name] = scroll
        screenshot(page, f"offers-{name}-{width}")
    assert not wide, f"wider than {width} px: {wide}"
    assert not page.errors


def test_the_offer_pages_have_no_serious_accessibility_violation(demo, new_page):
    case = Case.objects.get(court_case_number="DEMO-0001")
    offer = case.dispositions.filter(status=DispositionStatus.DRAFT).first()
    conveyed = case.dispositions.exclude(pk=offer.pk).first()
    Disposition.objects.filter(pk=conveyed.pk).update(
        status=DispositionStatus.CONVEYED,
        conveyed_at=offer.created_at,
        conveyed_month=offer.created_at.date().replace(day=1),
    )
    page = new_page(bypass_csp=True)
    log_in(page, "supervisor1")
    found = {}
    for url in (
        f"/offers/{offer.pk}/convey/",
        f"/offers/{conveyed.pk}/answer/",
        f"/offers/{conveyed.pk}/withdraw/",
        "/offer-templates/",
        "/offer-templates/new/",
    ):
        assert page.goto(url).status == 200, url
        violations = axe_violations(page)
        if violations:
            found[url] = violations
    assert not found, found
