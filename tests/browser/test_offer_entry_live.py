"""Offer entry in headless Chromium (issue 15 item 3): a deputy builds an offer and watches the
aggravated felony clear at 364 days, the record facts follow the statute, a typo gets "did you
mean", and the page fits at 390, 768 and 1366 px. Screenshots: test-artifacts/offer-entry-*.png.
"""

import os

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cases.models import Case, PleaTerm
from tests import factories
from tests.browser.conftest import ARTIFACTS, GUIDE_IMAGES, log_in, screenshot

pytestmark = pytest.mark.browser


def count_picture(term, name, *, guide=True):
    """One count's fieldset as a picture: an artifact, and the guide's when asked
    (UPDATE_GUIDE_IMAGES=1, as tests/browser/conftest.screenshot)."""
    ARTIFACTS.mkdir(exist_ok=True)
    term.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if guide and os.environ.get("UPDATE_GUIDE_IMAGES"):
        GUIDE_IMAGES.mkdir(parents=True, exist_ok=True)
        term.screenshot(path=str(GUIDE_IMAGES / f"{name}.png"))


def dv_case():
    deputy = get_user_model().objects.get(username="deputy1")
    demo = Case.objects.get(court_case_number="DEMO-0001")
    case = factories.make_case(demo.office, demo.unit, deputy, "LIVE-0001")
    charge = factories.make_charge(case, 1, "PC 273.5(a)", level="felony")
    return case, charge


def flagged(term):
    return term.locator(".count-preview > ul.flags")


def tab_stops(page, term_id):
    """(controls, panel stops) a keyboard user passes through in one count, by pressing Tab."""
    page.locator(f"#{term_id} select").first.focus()
    controls, panel = 1, 0
    for _ in range(120):
        page.keyboard.press("Tab")
        where = page.evaluate(
            """(id) => { const el = document.activeElement;
                if (!el.closest('#' + id)) return 'out';
                return el.closest('.term-preview') ? 'panel' : 'control'; }""",
            term_id,
        )
        if where == "out":
            return controls, panel
        if where == "panel":
            panel += 1
        else:
            controls += 1
    raise AssertionError("the focus never left the count")


def test_a_deputy_watches_the_aggravated_felony_clear_at_364_days(demo, new_page):
    case, charge = dv_case()
    page = new_page()
    log_in(page, "deputy1")
    page.goto(f"/cases/{case.pk}/offers/new/")
    term = page.locator(f"#term-{charge.pk}")
    # The level comes from the count and the catalog; a DV count asks for no record fact.
    expect(term.get_by_label("Level at plea")).to_have_value("felony")
    expect(term.locator("[data-fact]:visible")).to_have_count(0)
    expect(term.locator(".facts-none")).to_be_visible()

    custody = term.get_by_label("Custody imposed (days, including suspended)")
    custody.fill("")
    custody.press_sequentially("365", delay=30)
    expect(flagged(term)).to_contain_text("Aggravated felony")
    count_picture(term, "offer-entry-365", guide=False)
    custody.press("Backspace")
    custody.press_sequentially("4", delay=30)
    expect(flagged(term)).not_to_contain_text("Aggravated felony")
    expect(term.locator(".term-preview")).to_contain_text("Aggravated felony")  # not flagged
    count_picture(term, "offer-entry-364")

    # An impossible term: the error in place, nothing saved.
    term.get_by_label("Level at plea").select_option("misdemeanor")
    custody.fill("400")
    custody.dispatch_event("input")
    expect(term.locator(".preview-errors")).to_contain_text("cannot exceed 364 days")
    assert not PleaTerm.objects.filter(charge=charge).exists()
    custody.fill("364")  # the misdemeanor the deputy chose stays chosen
    expect(term.get_by_label("Level at plea")).to_have_value("misdemeanor")

    # The facts follow the statute: a theft asks for the loss, a DV count hides it, emptied.
    statute = term.get_by_label("Statute pleaded to")
    statute.fill("PC 487(a)")
    statute.dispatch_event("input")
    loss = term.get_by_label("Loss ($)")
    expect(loss).to_be_visible()
    loss.fill("20000")
    statute.fill("PC 273.5(a)")
    statute.dispatch_event("input")
    expect(loss).to_be_hidden()
    expect(loss).to_have_value("")

    # A typo gets "did you mean"; choosing it puts the catalog's code in the field.
    statute.fill("")
    statute.press_sequentially("PC 2735a", delay=20)
    expect(term.locator(".statute-status")).to_contain_text("Not in catalog")
    expect(term.locator(".term-preview")).to_contain_text("Not in catalog")
    pick = term.get_by_role("button", name="PC 273.5(a)")
    count_picture(term.locator(".statute-help"), "offer-entry-did-you-mean")
    pick.click()
    expect(statute).to_have_value("PC 273.5(a)")
    expect(term.locator(".statute-status")).to_contain_text("In catalog")

    # Saved, the case page shows the same answer.
    term.get_by_label("Level at plea").select_option("felony")
    custody.fill("364")
    page.locator("#id_name").fill("Standard offer")
    page.get_by_role("button", name="Save offer").click()
    page.wait_for_url(f"**/cases/{case.pk}/**")
    saved = PleaTerm.objects.get(charge=charge)
    assert (saved.custody_days_imposed, saved.level_at_plea, saved.loss_amount) == (
        364,
        "felony",
        None,
    )
    assert page.errors == [], page.errors


def test_the_tab_presses_of_a_dv_count(demo, new_page):
    """A keyboard walk through one DV count, against the same count with every fact asked (the
    form before issue 15: all eight facts shown); the numbers go in the report."""
    case, charge = dv_case()
    unknown = factories.make_charge(case, 2, "PC 99999", level="felony")
    page = new_page()
    log_in(page, "deputy1")
    page.goto(f"/cases/{case.pk}/offers/new/")
    dv_controls, dv_panel = tab_stops(page, f"term-{charge.pk}")
    all_controls, _ = tab_stops(page, f"term-{unknown.pk}")
    print(
        f"\nTab stops, DV count: {dv_controls} controls + {dv_panel} in its flags panel; "
        f"with all eight facts: {all_controls} controls"
    )
    assert all_controls - dv_controls == 8


@pytest.mark.parametrize("width", (390, 768, 1366))
def test_the_offer_page_fits_every_width(demo, new_page, width):
    case, charge = dv_case()
    factories.make_charge(case, 2, "HS 11351", level="felony")
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "deputy1")
    page.goto(f"/cases/{case.pk}/offers/new/")
    custody = page.locator(f"#term-{charge.pk}").get_by_label(
        "Custody imposed (days, including suspended)"
    )
    custody.fill("365")
    custody.dispatch_event("input")
    expect(page.locator(f"#term-{charge.pk} .count-preview > ul.flags")).to_contain_text(
        "Aggravated felony"
    )
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    screenshot(page, f"offer-entry-{width}")
    assert scroll_width <= inner_width
    assert page.errors == [], page.errors
