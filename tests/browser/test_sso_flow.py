"""A deputy signs in with the county account, in Chromium, against the loopback provider.

Considered runs in pytest-django's live server; the provider (tests/sso_provider) in its own
process. The browser follows every redirect itself: our log-in page, discovery's authorization
endpoint, the provider's log-in form, the callback, the page asked for.
"""

import pytest
from playwright.sync_api import expect

from cases import sso
from cases.choices import Role, SecondFactorPolicy
from tests import factories
from tests.browser.conftest import screenshot
from tests.sso_test_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    PROVIDER_PASSWORD,
    provider_user,
    running_provider,
)

pytestmark = pytest.mark.browser

WIDTHS = (390, 768, 1366)


@pytest.fixture
def provider(live_server):
    users = [
        provider_user("ann", "ann@alpha.gov", ["da-deputies"], mfa=True),
        provider_user("nobody", "nobody@alpha.gov", ["da-deputies"]),
    ]
    with running_provider([f"{live_server.url}/login/sso/callback/"], users) as running:
        yield running


@pytest.fixture
def county(transactional_db, settings, provider):
    office = factories.make_office("Alpha County District Attorney")
    unit = factories.make_unit(office, "Felony Unit")
    ann = factories.make_user("ann", office, Role.SUPERVISOR, unit)
    ann.email = "ann@alpha.gov"
    ann.save()
    # The provider's second factor satisfies the everyone-MFA policy.
    factories.set_policy(office, second_factor=SecondFactorPolicy.EVERYONE)
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ROLE_MAP = {office.slug: {"da-deputies": Role.DEPUTY}}
    sso.forget_discovery()
    return ann


def at_provider(page, username):
    page.get_by_label("County username").fill(username)
    page.get_by_label("County password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Sign in to the county").click()


def fits(page, name):
    """No horizontal scroll at a phone's, a tablet's and a desktop's width."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        screenshot(page, f"{name}-{width}")


def test_a_deputy_signs_in_with_the_county_account(new_page, live_server, county, provider):
    page = new_page()
    page.goto("/cases/")
    page.wait_for_url("**/login/**")
    fits(page, "sso-login")
    page.get_by_role("link", name="Sign in with your county account").click()
    page.wait_for_url(f"{provider.origin}/**")
    at_provider(page, "ann")
    page.wait_for_url(f"{live_server.url}/cases/")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    county.membership.refresh_from_db()
    assert county.membership.role == Role.DEPUTY  # the directory's group decides the role
    assert not page.errors


def test_someone_without_an_account_sees_why(new_page, live_server, county, provider):
    page = new_page()
    page.goto("/login/")
    page.get_by_role("link", name="Sign in with your county account").click()
    at_provider(page, "nobody")
    page.wait_for_url(f"{live_server.url}/login/sso/callback/**")
    expect(page.get_by_role("heading", name="You are not signed in")).to_be_visible()
    expect(page.get_by_text("Your county account has no Considered account")).to_be_visible()
    fits(page, "sso-refused")
    page.get_by_role("link", name="Back to the log-in page").click()
    page.wait_for_url(f"{live_server.url}/login/")
