"""axe-core over the main pages: no serious or critical accessibility violation.

axe-core 4.11 is vendored (tests/browser/vendor/, from the npm registry) and injected from the
local file, so the scan fetches nothing. Injecting a script needs the page's CSP bypassed in
this context only; the end-to-end test runs under the real policy and fails on any refusal.
"""

import json

import pytest

from cases.models import Case, Worksheet
from tests.browser.conftest import axe_violations, log_in, screenshot

pytestmark = pytest.mark.browser


def deputy_pages():
    signed_case = Case.objects.get(court_case_number="DEMO-0001")
    draft_case = Case.objects.get(court_case_number="DEMO-0004")
    offer = signed_case.dispositions.first()
    pages = {
        "needs-my-action": "/",
        "case-list": "/cases/",
        "case-list-search": "/cases/?q=273.5&stage=pre_prelim",
        "case-list-name-search": "/cases/?q=hernandez",
        "case-new": "/cases/new/",
        "case-detail": signed_case.get_absolute_url(),
        "case-edit": f"/cases/{signed_case.pk}/edit/",
        "offer-new": f"/cases/{signed_case.pk}/offers/new/",
        "offer-edit": f"/offers/{offer.pk}/edit/",
        "compare-page": f"/cases/{signed_case.pk}/compare/",
    }
    signed = Worksheet.objects.filter(case=signed_case).order_by("-version").first()
    if signed is not None:
        pages["worksheet-of-demo-0001"] = signed.get_absolute_url()
    draft = Worksheet.objects.filter(case=draft_case, signed_at__isnull=True).first()
    if draft is not None:
        pages["worksheet-draft-of-demo-0004"] = draft.get_absolute_url()
    return pages


def test_the_deputy_pages_have_no_serious_accessibility_violation(demo, new_page):
    page = new_page(bypass_csp=True)
    log_in(page, "deputy1")
    found = {}
    for name, url in deputy_pages().items():
        page.goto(url)
        screenshot(page, f"a11y-{name}")
        violations = axe_violations(page)
        if violations:
            found[url] = violations
    assert not found, json.dumps(found, indent=1)


def test_the_review_queue_has_no_serious_accessibility_violation(demo, new_page):
    page = new_page(bypass_csp=True)
    log_in(page, "supervisor1")
    page.goto("/reviews/")
    violations = axe_violations(page)
    assert not violations, json.dumps(violations, indent=1)


def test_the_access_changes_page_has_no_serious_accessibility_violation(demo, new_page):
    from django.contrib.auth import get_user_model

    from cases import actions

    users = get_user_model().objects.select_related("membership")
    admin, deputy = users.get(username="admin1"), users.get(username="deputy1")
    membership = deputy.membership
    actions.set_membership(
        deputy, by_user=admin, office=membership.office, unit=membership.unit, role="supervisor"
    )
    page = new_page(bypass_csp=True)
    log_in(page, "supervisor1")
    page.goto("/audit/access/")
    assert "Supervisor" in page.inner_text("table")
    screenshot(page, "a11y-access-changes")
    violations = axe_violations(page)
    assert not violations, json.dumps(violations, indent=1)
