"""Issue 17's verification in one walk, in Chromium: first-day setup, single sign-on of a deputy,
and counsel answering a worksheet that office policy routed.

dave administers a new office: he adds a unit and a deputy (who is e-mailed an invitation) and
sets the policy that sends every worksheet flagging the domestic violence ground to counsel. The
deputy, gabriela, signs in with her county account through the loopback OpenID Connect provider
(tests/sso_provider), and signs a worksheet whose offer flags that ground. erin (counsel) finds it
in her queue and answers; gabriela sees the answer on "Needs my action". Each person has their own
browser context, as they would have their own browser. The separate, more detailed walks:
tests/browser/test_office_setup.py, test_sso_flow.py, test_counsel_flow.py.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from cases import sso
from cases.choices import CounselRouting, Role
from cases.models import CounselRequest, Worksheet
from tests import factories
from tests.browser.conftest import DEMO_PASSWORD, log_in
from tests.browser.test_sso_flow import at_provider
from tests.sso_test_support import CLIENT_ID, CLIENT_SECRET, provider_user, running_provider

pytestmark = pytest.mark.browser

DEPUTY_EMAIL = "g.ortiz@alpha.gov"
ANSWER = "The DV ground stays unless the record is limited to offensive touching (PC 243(e)(1))."


@pytest.fixture
def provider(live_server):
    users = [provider_user("gortiz", DEPUTY_EMAIL, ["da-deputies"], mfa=True)]
    with running_provider([f"{live_server.url}/login/sso/callback/"], users) as running:
        yield running


@pytest.fixture
def new_office(transactional_db, settings, provider):
    """An office on its first day: its administrator and its immigration counsel, nothing else;
    single sign-on set up with the county's provider (the operator's settings, docs/sso.md)."""
    office = factories.make_office("Alpha County District Attorney")
    factories.make_user("dave", office, Role.ADMIN, password=DEMO_PASSWORD)
    factories.make_user("erin", office, Role.COUNSEL, password=DEMO_PASSWORD)
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ROLE_MAP = {office.slug: {"da-deputies": Role.DEPUTY}}
    sso.forget_discovery()
    yield office
    sso.forget_discovery()


def a_signable_worksheet(office, deputy):
    """What the deputy entered before lunch (the case and offer screens have their own walks):
    a PC 273.5(a) count pleaded as charged with a domestic relationship on the record, which
    flags the domestic violence ground, and a worksheet ready to sign."""
    unit = deputy.membership.unit
    case = factories.make_case(office, unit, deputy, number="ALPHA-0001")
    charge = factories.make_charge(case, 1, "PC 273.5(a)")
    offer = factories.make_disposition(case)
    factories.make_term(offer, charge, domestic_relationship=True)
    return factories.ready_worksheet(case, deputy, offer)


def test_first_day_sign_on_and_counsel_answering_a_routed_worksheet(
    new_office, new_page, live_server, provider
):
    # --- First day: dave adds a unit, a deputy, and routes DV worksheets to counsel. ---
    admin = new_page()
    log_in(admin, "dave")
    admin.get_by_role("link", name="Office", exact=True).click()
    admin.get_by_role("link", name="Units", exact=True).click()
    expect(admin.get_by_label("Unit name")).to_be_visible()
    admin.get_by_label("Unit name").fill("Domestic Violence Unit")
    admin.get_by_role("button", name="Add unit").click()
    expect(admin.get_by_text("Unit “Domestic Violence Unit” added.")).to_be_visible()

    admin.get_by_role("link", name="Users", exact=True).click()
    admin.get_by_role("link", name="Add a user").click()
    expect(admin.get_by_label("Username")).to_be_visible()
    admin.get_by_label("Username").fill("gortiz")
    admin.get_by_label("First name").fill("Gabriela")
    admin.get_by_label("Last name").fill("Ortiz")
    admin.get_by_label("E-mail").fill(DEPUTY_EMAIL)
    admin.get_by_label("Bar number").fill("298765")
    admin.get_by_label("Role").select_option(label="Deputy DA")
    admin.get_by_label("Unit", exact=True).select_option(label="Domestic Violence Unit")
    admin.get_by_role("button", name="Add and send invitation").click()
    expect(admin.get_by_text("Gabriela Ortiz was added.")).to_be_visible()
    expect(admin.get_by_role("row").filter(has_text="gortiz")).to_contain_text("Invited")
    (invitation,) = [message for message in mail.outbox if message.to == [DEPUTY_EMAIL]]
    assert "/invite/" in invitation.body

    admin.get_by_role("link", name="Policy", exact=True).click()
    admin.get_by_role("link", name="Change policy").click()
    expect(admin.get_by_role("heading", name="Office policy")).to_be_visible()
    admin.get_by_label(CounselRouting.GROUND.label).check()
    admin.get_by_label("Ground routed to counsel").select_option("domestic_violence")
    admin.get_by_role("button", name="Save the policy").click()
    expect(admin.get_by_text("Policy saved")).to_be_visible()

    # --- The deputy signs in with her county account, never having chosen a password. ---
    gabriela = get_user_model().objects.get(username="gortiz")
    assert not gabriela.has_usable_password()
    worksheet = a_signable_worksheet(new_office, gabriela)
    deputy = new_page()
    deputy.goto("/login/")
    deputy.get_by_role("link", name="Sign in with your county account").click()
    deputy.wait_for_url(f"{provider.origin}/**")
    at_provider(deputy, "gortiz")
    deputy.wait_for_url(lambda url: url.startswith(live_server.url) and "/login/" not in url)
    expect(deputy.get_by_role("button", name="Log out")).to_be_visible()
    expect(deputy.get_by_text("Deputy DA · ")).to_be_visible()

    # She signs; policy sends the worksheet to counsel because its offer flags the DV ground.
    deputy.goto(worksheet.get_absolute_url())
    deputy.get_by_role("button", name="Sign worksheet").click()
    expect(deputy.get_by_role("heading", name="Signed and frozen")).to_be_visible()
    routed = CounselRequest.objects.get(worksheet=worksheet)
    assert routed.by_policy and routed.requested_by is None
    assert Worksheet.objects.get(pk=worksheet.pk).signed_by == gabriela

    # --- Counsel answers from her queue. ---
    counsel = new_page()
    log_in(counsel, "erin")
    counsel.get_by_role("link", name="Counsel's queue").click()
    expect(counsel.get_by_role("link", name="Answer ALPHA-0001")).to_be_visible()
    counsel.get_by_role("link", name="Answer ALPHA-0001").click()
    expect(counsel.get_by_role("heading", name="Record-of-conviction facts")).to_be_visible()
    expect(counsel.get_by_text("domestic relationship: yes")).to_be_visible()
    counsel.get_by_label("Your written view").fill(ANSWER)
    counsel.get_by_role("button", name="Send the answer").click()
    expect(counsel.get_by_text("ALPHA-0001: answer sent.")).to_be_visible()

    # --- The deputy sees the answer on "Needs my action", and reads it on the worksheet. ---
    deputy.get_by_role("link", name="Needs my action").click()
    answers = deputy.get_by_test_id("inbox-counsel")
    expect(answers).to_be_visible()
    expect(answers).to_contain_text("ALPHA-0001")
    expect(answers).to_contain_text("answered by Erin Tester")
    answers.get_by_role("link", name=f"Worksheet v{worksheet.version}").click()
    expect(deputy.get_by_test_id("counsel-answer")).to_have_text(ANSWER)

    for page in (admin, deputy, counsel):
        assert not page.errors, page.errors
