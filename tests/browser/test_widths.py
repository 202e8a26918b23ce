"""Every width (issue 14, items 1, 5 and 8): the main pages at 390, 768 and 1366 px wide.

No page scrolls sideways (wide tables scroll inside their own box), the navigation collapses on
narrow screens, touch targets are at least 44 px tall, and DEMO-0001's case page, every detail
closed, fits in 1,800 px at 1366 × 900. Screenshots of each page at each width go to
test-artifacts/ (widths-*.png) to be looked at.
"""

import json

import pytest

from cases.models import Case, Review, Worksheet
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

WIDTHS = (390, 768, 1366)
HEIGHT_TARGET = 1800


def pages_of_the_issue():
    """Case list, case, offer form, compare, worksheet, review queue, review and dashboard."""
    demo = Case.objects.get(court_case_number="DEMO-0001")
    worksheet = Worksheet.objects.filter(case=demo).order_by("-version").first()
    pending = Review.objects.filter(decided_at__isnull=True).select_related("worksheet").first()
    draft = Worksheet.objects.get(case__court_case_number="DEMO-0004", signed_at__isnull=True)
    return {
        "needs-my-action": "/inbox/",
        "case-list": "/cases/",
        "search": "/cases/?q=hernandez",
        "case": demo.get_absolute_url(),
        "offer-form": f"/offers/{demo.dispositions.order_by('pk').first().pk}/edit/",
        "compare": f"/cases/{demo.pk}/compare/",
        "worksheet-signed": worksheet.get_absolute_url(),
        "worksheet-draft": draft.get_absolute_url(),
        "review-queue": "/reviews/",
        "review": f"/reviews/{pending.worksheet.pk}/",
        "dashboard": "/reports/",
    }


# Controls a finger must hit: buttons, form fields, disclosure summaries, navigation links.
TOUCH_TARGETS = """() => [...document.querySelectorAll(
    'main .btn, main button, main select, main input:not([type=hidden]):not([type=checkbox])'
    + ':not([type=radio]), main textarea, main summary, nav .nav-link, nav .navbar-toggler')]
  .filter(el => el.offsetParent !== null)
  .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height])
  .filter(([, height]) => height < 44)"""


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways_and_targets_are_44_px(demo, new_page, width):
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "supervisor1")
    overflowing, small = {}, {}
    for name, url in pages_of_the_issue().items():
        response = page.goto(url)
        assert response.status == 200, url
        scroll_width, inner_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width:
            overflowing[name] = scroll_width
        too_small = page.evaluate(TOUCH_TARGETS)
        if too_small:
            small[name] = too_small[:5]
        screenshot(page, f"widths-{name}-{width}")
    assert not overflowing, f"wider than {width} px: {overflowing}"
    assert not small, json.dumps(small, indent=1)
    assert not page.errors


@pytest.mark.parametrize("width", (390, 768))
def test_the_navigation_collapses_on_narrow_screens(demo, new_page, width):
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "supervisor1")
    queue = page.get_by_role("link", name="Review queue")
    assert not queue.is_visible()
    page.get_by_role("button", name="Menu").click()
    queue.wait_for(state="visible")
    queue.click()
    page.wait_for_url("**/reviews/")
    assert not page.errors


def test_demo_0001_fits_in_1800_px_at_1366_with_details_closed(demo, new_page):
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "supervisor1")
    page.goto(Case.objects.get(court_case_number="DEMO-0001").get_absolute_url())
    assert page.evaluate("() => [...document.querySelectorAll('details[open]')].length") == 0
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= HEIGHT_TARGET, height
    # A cell of the grid opens that count's flags.
    page.locator(".grid-link").nth(1).click()
    assert page.evaluate("() => document.querySelector('details.count-flags').open")
