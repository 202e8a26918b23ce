"""End to end in headless Chromium: a deputy's court day, and the supervisor's queue.

deputy1 enters a case with three counts (one not in the catalog), adds a standard offer and an
engine alternative, compares them, signs the worksheet, amends it and signs again; supervisor1
then finds it in the review queue. Screenshots go to test-artifacts/ and the guide's to
docs/images/.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cases import actions
from cases.models import Case, Review, Worksheet
from tests import factories
from tests.browser.conftest import log_in, log_out, screenshot

pytestmark = pytest.mark.browser


def enter_count(page, index, statute, level):
    row = page.locator(".count-row").nth(index)
    row.get_by_label("Statute").fill(statute)
    row.get_by_label("Level").select_option(label=level)
    return row


def test_a_deputy_takes_a_case_from_entry_to_a_signed_amended_worksheet(demo, new_page):
    page = new_page()
    log_in(page, "deputy1")
    expect(page.get_by_role("heading", name="Needs my action")).to_be_visible()
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_role("heading", name="Cases")).to_be_visible()
    screenshot(page, "case-list", guide=True)

    # A case with three counts, added without a reload; a fourth added and removed again.
    page.get_by_role("link", name="New case").click()
    page.get_by_label("Court case number").fill("E2E-0001")
    page.get_by_label("Defendant's name").fill("Alex Example")
    page.get_by_label("Next hearing").fill("2026-12-20")
    enter_count(page, 0, "Pen. Code § 273.5(a)", "Wobbler")
    for index, (statute, level) in enumerate(
        [("H&S 11351", "Felony"), ("PC 99999", "Misdemeanor")], 1
    ):
        page.get_by_role("button", name="Add a count").click()
        expect(page.locator(".count-row")).to_have_count(index + 1)
        enter_count(page, index, statute, level)
    page.get_by_role("button", name="Add a count").click()
    expect(page.locator(".count-row")).to_have_count(4)
    page.locator(".count-row").nth(3).get_by_role("button", name="Remove this count").click()
    expect(page.locator(".count-row")).to_have_count(3)
    screenshot(page, "case-entry", guide=True)
    page.get_by_role("button", name="Save case").click()
    expect(page.get_by_text("Case E2E-0001 saved.")).to_be_visible()
    case = Case.objects.get(court_case_number="E2E-0001")
    assert [c.statute for c in case.charges.order_by("number")] == [
        "PC 273.5(a)",
        "HS 11351",
        "PC 99999",
    ]
    # The unknown statute is accepted but never shown as safe.
    expect(page.get_by_text("Not in catalog — no analysis").first).to_be_visible()

    # The standard offer, every count pleaded as charged.
    page.get_by_role("link", name="New offer").click()
    expect(page.get_by_label("Kind of offer")).to_have_value("standard")
    for fieldset in page.locator("fieldset.term").all():
        level = fieldset.get_by_label("Level at plea")
        if not level.input_value():
            level.select_option("felony")
        fieldset.get_by_label("Custody imposed (days, including suspended)").fill("365")
        fieldset.get_by_label("Probation (months)").fill("36")
    page.locator("fieldset.term").nth(2).get_by_label("Level at plea").select_option("misdemeanor")
    page.locator("fieldset.term").nth(2).get_by_label(
        "Custody imposed (days, including suspended)"
    ).fill("90")
    page.get_by_role("button", name="Save offer").click()
    expect(page.get_by_text("Offer “Standard offer” saved.")).to_be_visible()

    # An alternative the engine suggests for count 1, as a new offer in one click.
    standard = case.dispositions.get()
    # The risk grid's cell (count 1, standard offer) opens that count's flags for that offer.
    page.locator(f'a.grid-link[href="#flags-c1-o{standard.pk}"]').click()
    offer = page.locator(f"#flags-c1-o{standard.pk}")
    expect(offer).to_be_visible()
    offer.get_by_text("Safer alternatives in the catalog").first.click()
    offer.get_by_role("button", name=re.compile(r"Use this alternative \(PC 243\(e\)\(1\)")).click()
    expect(
        page.get_by_text("New offer “Count 1: PC 243(e)(1) instead of PC 273.5(a)” created")
    ).to_be_visible()
    assert case.dispositions.count() == 2
    screenshot(page, "case-detail", guide=True)

    # Compare them side by side.
    page.get_by_role("link", name="Compare offers").click()
    expect(page.get_by_role("heading", name=re.compile("Compare offers"))).to_be_visible()
    expect(page.locator("td.changed").first).to_be_visible()
    expect(page.get_by_text("plea changed").first).to_be_visible()
    screenshot(page, "compare", guide=True)
    page.get_by_role("link", name="E2E-0001").click()

    # The worksheet: a departure (the alternative chosen), signed.
    page.get_by_role("button", name="Start the § 1016.3(b) worksheet").click()
    expect(page.get_by_role("heading", name=re.compile("worksheet, version 1"))).to_be_visible()
    page.get_by_label("Offer chosen").select_option(
        label="Count 1: PC 243(e)(1) instead of PC 273.5(a)"
    )
    page.get_by_text("Factors weighed (optional)").click()
    page.get_by_label("Seriousness of the offense: weight").select_option("for_standard")
    page.get_by_label("Equities (family, work, years here): weight").select_option(
        "for_alternative"
    )
    page.get_by_label("Equities (family, work, years here): note").fill(
        "Two children, 12 years here."
    )
    page.get_by_label("A similarly situated citizen would receive the same offer").check()
    page.get_by_label("Decision", exact=True).select_option("modified")
    page.get_by_label("Reasons for the decision").fill(
        "Same custody; the alternative avoids an aggravated felony."
    )
    screenshot(page, "worksheet-draft", guide=True)
    page.get_by_role("button", name="Sign worksheet").click()
    expect(page.get_by_role("heading", name="Signed and frozen")).to_be_visible()
    first = Worksheet.objects.get(case=case)
    assert first.is_signed and len(first.content_hash) == 64
    expect(page.locator(".worksheet-signed .hash")).to_have_text(first.content_hash)
    expect(page.get_by_text("Awaiting review", exact=True)).to_be_visible()
    screenshot(page, "worksheet-signed", guide=True)

    # Amend: a new version, the signed one stays readable; sign the amendment.
    page.get_by_label("Why amend?").fill("Interpreter language was missing.")
    page.get_by_role("button", name="Start an amendment").click()
    expect(page.get_by_role("heading", name=re.compile("worksheet, version 2"))).to_be_visible()
    expect(page.get_by_role("link", name="Version 1")).to_be_visible()
    page.get_by_role("button", name="Sign worksheet").click()
    expect(page.get_by_role("heading", name="Signed and frozen")).to_be_visible()
    second = Worksheet.objects.get(amends=first)
    assert second.is_signed and second.content_hash != first.content_hash
    page.get_by_role("link", name="Version 1").click()
    expect(page.locator(".worksheet-signed .hash")).to_have_text(first.content_hash)
    assert Review.objects.filter(worksheet__case=case).count() == 2
    assert page.errors == [], page.errors  # no script error, no CSP refusal
    log_out(page)

    # The supervisor's queue.
    log_in(page, "supervisor1")
    page.goto("/reviews/")
    expect(page.get_by_text("E2E-0001").first).to_be_visible()
    screenshot(page, "review-queue", guide=True)


def test_statute_suggestions_appear_as_you_type(demo, new_page):
    page = new_page()
    log_in(page, "deputy1")
    page.goto("/cases/new/")
    statute = page.locator(".count-row").first.get_by_label("Statute")
    statute.press_sequentially("PC 273.5", delay=20)
    expect(page.locator(".count-row").first.locator(".statute-status")).to_contain_text("PC 273.5")
    options = page.locator(".count-row").first.locator("datalist option")
    expect(options.first).to_have_attribute("label", re.compile(r"^PC 273\.5\S* — \w+"))
    statute.fill("")
    statute.press_sequentially("PC 99999", delay=20)
    expect(page.locator(".count-row").first.locator(".statute-status")).to_contain_text(
        "Not in catalog — no analysis"
    )
    assert page.errors == [], page.errors


def test_counts_are_added_and_removed_from_the_keyboard(demo, new_page):
    page = new_page()
    log_in(page, "deputy1")
    page.goto("/cases/new/")
    page.get_by_role("button", name="Add a count").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".count-row")).to_have_count(2)
    # The cursor lands in the new row's statute field.
    focused = page.evaluate("document.activeElement.name")
    second_key = page.locator(".count-row").nth(1).get_attribute("id").removeprefix("row-")
    assert focused == f"count-{second_key}-statute"
    page.keyboard.press("Shift+Tab")  # back to the previous control, then to its Remove button
    page.locator(".count-row").nth(1).get_by_role("button", name="Remove this count").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".count-row")).to_have_count(1)
    assert page.evaluate("document.activeElement.classList.contains('statute-input')")


def test_signing_a_one_offer_worksheet_takes_at_most_20_tab_presses(demo, new_page):
    """Issue 14, item 2: from the first field to Sign by keyboard, in at most 20 Tab presses."""
    deputy = get_user_model().objects.get(username="deputy1")
    case = Case.objects.get(court_case_number="DEMO-0001")
    one = factories.make_case(case.office, case.unit, deputy, "KEYS-0001")
    charge = factories.make_charge(one, 1, "PC 273.5(a)")
    factories.make_term(factories.make_disposition(one), charge, custody_days_imposed=364)
    worksheet = actions.start_worksheet(one, by_user=deputy)
    page = new_page()
    log_in(page, "deputy1")
    page.goto(worksheet.get_absolute_url())
    page.locator("#consideration input:not([type=hidden]), #consideration select").first.focus()
    presses = 0
    while presses < 60:
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Sign worksheet":
            break
        page.keyboard.press("Tab")
        presses += 1
    print(f"Tab presses from the first field to Sign: {presses}")
    assert presses <= 20, presses
    assert page.errors == [], page.errors
