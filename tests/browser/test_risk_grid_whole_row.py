"""The risk grid's whole-offer row is in view without scrolling inside the grid (issue 14).

The grid's box is capped at one screen; DEMO-0001's rows are taller than that at 1366 px, so
the "Whole offer" row (two CIMTs, the petty-offense exception, the DACA and TPS counts) sat
below the fold of the box. It now stays at the box's foot, and scrolls with nothing.
"""

import pytest

from cases.models import Case
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1366, 900)])
def test_the_whole_offer_row_shows_without_scrolling_the_grid(demo, new_page, width, height):
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, "supervisor1")
    page.goto(Case.objects.get(court_case_number="DEMO-0001").get_absolute_url())
    box = page.locator(".risk-grid-wrap").first
    box.scroll_into_view_if_needed()
    page.evaluate("() => document.querySelector('.risk-grid-wrap').scrollIntoView()")
    scroll_top = page.evaluate("() => document.querySelector('.risk-grid-wrap').scrollTop")
    assert scroll_top == 0  # nothing scrolled inside the grid
    wrap = box.bounding_box()
    row = page.locator(".risk-grid tr.grid-whole").first
    cell = row.locator("th").first.bounding_box()
    assert row.locator("th").first.inner_text().strip()
    # The row's header cell lies wholly inside the box's visible area, and inside the window.
    assert cell["y"] >= wrap["y"] - 1
    assert cell["y"] + cell["height"] <= wrap["y"] + wrap["height"] + 1
    assert cell["y"] + cell["height"] <= height + 1
    # What is shown there is the row itself, not something painted over it.
    top_element = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('tr')?.className || ''",
        [cell["x"] + 5, cell["y"] + cell["height"] / 2],
    )
    assert "grid-whole" in top_element
    screenshot(page, f"risk-grid-whole-row-{width}x{height}")
    assert page.errors == [], page.errors
