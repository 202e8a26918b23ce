"""First-day setup in the Office area (issue 17, verification), in Chromium: the demo office's
administrator adds a unit and a deputy, sees the deputy in the list, and the deputy chooses a
password from the e-mailed invitation and logs in. Then every office page at 390, 768 and
1366 px: no sideways scroll, 44 px touch targets, no grave axe-core violation; screenshots go to
test-artifacts/ (office-*.png) and, with UPDATE_GUIDE_IMAGES=1, to docs/images for
docs/admin-guide.md."""

import json
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from cases.models import Unit
from tests.browser.conftest import axe_violations, log_in, log_out, screenshot
from tests.browser.test_widths import TOUCH_TARGETS

pytestmark = pytest.mark.browser

PASSPHRASE = "gang-unit-deputy-passphrase-1"


def test_first_day_setup_unit_deputy_and_invitation(demo, new_page):
    page = new_page()
    log_in(page, "admin1")
    page.get_by_role("link", name="Office", exact=True).click()
    page.get_by_role("link", name="Units", exact=True).click()
    page.get_by_label("Unit name").fill("Gang Crimes Unit")
    page.get_by_role("button", name="Add unit").click()
    expect(page.get_by_text("Unit “Gang Crimes Unit” added.")).to_be_visible()
    expect(page.get_by_role("link", name="Gang Crimes Unit")).to_be_visible()
    screenshot(page, "admin-units", guide=True)

    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name="Add a user").click()
    page.get_by_label("Username").fill("gdeputy")
    page.get_by_label("First name").fill("Gabriela")
    page.get_by_label("Last name").fill("Ortiz")
    page.get_by_label("E-mail").fill("g.ortiz@example.org")
    page.get_by_label("Bar number").fill("298765")
    page.get_by_label("Role").select_option(label="Deputy DA")
    # Forgetting the unit is caught, and nothing typed is lost.
    page.get_by_role("button", name="Add and send invitation").click()
    expect(page.get_by_text("Choose the unit this deputy works in")).to_be_visible()
    assert page.get_by_label("E-mail").input_value() == "g.ortiz@example.org"
    page.get_by_label("Unit", exact=True).select_option(label="Gang Crimes Unit")
    screenshot(page, "admin-add-user", guide=True)
    page.get_by_role("button", name="Add and send invitation").click()
    expect(page.get_by_text("Gabriela Ortiz was added.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="gdeputy")
    assert "Deputy DA" in row.inner_text() and "Gang Crimes Unit" in row.inner_text()
    assert "Invited" in row.inner_text() and "Never" in row.inner_text()
    screenshot(page, "admin-users", guide=True)
    page.get_by_role("link", name="Access changes").first.click()
    # The click returns when the new page starts loading; expect() waits for the row to arrive.
    expect(page.get_by_role("row").filter(has_text="gdeputy").first).to_be_visible()
    screenshot(page, "admin-access-changes", guide=True)
    log_out(page)

    (message,) = [m for m in mail.outbox if m.to == ["g.ortiz@example.org"]]
    link = re.search(r"https?://\S+/invite/\S+/", message.body).group(0)
    page.goto(link)
    expect(page.get_by_text("Your username is gdeputy")).to_be_visible()
    page.locator("#id_new_password1").fill(PASSPHRASE)
    page.locator("#id_new_password2").fill(PASSPHRASE)
    page.get_by_role("button", name="Set password").click()
    page.wait_for_url("**/login/**")
    page.get_by_label("Username").fill("gdeputy")
    page.get_by_label("Password").fill(PASSPHRASE)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    expect(page.get_by_text("Deputy DA · ")).to_be_visible()
    assert not page.get_by_role("link", name="Office", exact=True).count()
    assert page.goto("/office/").status == 403
    page.errors.clear()  # the 403 above is the point
    assert Unit.objects.get(name="Gang Crimes Unit").memberships.get().user.username == "gdeputy"


@pytest.mark.parametrize("width", (390, 768, 1366))
def test_office_pages_fit_every_width(demo, new_page, width):
    page = new_page(bypass_csp=True)  # to inject axe-core; the pages' own scripts are the same
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "admin1")
    deputy = Unit.objects.filter(memberships__role="deputy").first().memberships.first().user
    unit = deputy.membership.unit
    pages = {
        "users": "/office/",
        "add-user": "/office/users/new/",
        "user": f"/office/users/{deputy.pk}/",
        "deactivate": f"/office/users/{deputy.pk}/deactivate/",
        "units": "/office/units/",
        "unit": f"/office/units/{unit.pk}/",
        "policy": "/office/policy/",
        "catalog": "/office/catalog/",
    }
    overflowing, small, grave = {}, {}, {}
    for name, url in pages.items():
        assert page.goto(url).status == 200, url
        scroll_width, inner_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width:
            overflowing[name] = scroll_width
        too_small = page.evaluate(TOUCH_TARGETS)
        if too_small:
            small[name] = too_small[:5]
        if width == 1366:
            violations = axe_violations(page)
            if violations:
                grave[name] = violations
        screenshot(page, f"office-{name}-{width}", guide=width == 1366 and name in GUIDE)
    assert not overflowing, f"wider than {width} px: {overflowing}"
    assert not small, json.dumps(small, indent=1)
    assert not grave, json.dumps(grave, indent=1)
    assert not page.errors


GUIDE = {"policy", "catalog", "user"}
