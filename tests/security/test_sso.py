"""Single sign-on against a real OpenID Connect provider on loopback (tests/sso_provider).

The Django test client plays Considered's side; a `requests` session plays the person's browser
at the provider (its log-in form, then the authorization endpoint). Discovery, the code flow
with PKCE, RS256 keys from the JWKS, userinfo and the group mapping are the real ones.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core.checks import Error
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import sso
from cases.checks import single_sign_on_role_map
from cases.choices import AuditAction, Role, SecondFactorPolicy
from cases.models import AuditEvent
from tests import factories
from tests.sso_test_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_CLIENT_ID,
    PROVIDER_PASSWORD,
    provider_user,
    running_provider,
)

CALLBACK = "http://testserver/login/sso/callback/"
GROUPS = {"da-admins": Role.ADMIN, "da-supervisors": Role.SUPERVISOR, "da-deputies": Role.DEPUTY}

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def provider():
    users = [
        provider_user("ann", "ann@alpha.gov", ["da-deputies"]),
        provider_user("mia", "mia@alpha.gov", ["da-deputies"], mfa=True),
        provider_user("sam", "sam@alpha.gov", ["da-supervisors", "da-deputies"]),
        provider_user("nobody", "nobody@alpha.gov", ["da-deputies"]),
        provider_user("drifter", "drifter@alpha.gov", ["parks-department"]),
        provider_user("gone", "gone@alpha.gov", ["da-deputies"]),
    ]
    with running_provider([CALLBACK], users) as running:
        yield running


@pytest.fixture(autouse=True)
def sso_settings(settings, provider, office):
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ROLE_MAP = {office.slug: dict(GROUPS)}
    sso.forget_discovery()
    return settings


@pytest.fixture
def people(office, unit):
    """Considered's accounts for the provider's people (nobody and drifter's e-mail aside)."""
    made = {}
    for name in ["ann", "mia", "sam", "drifter"]:
        made[name] = _with_email(factories.make_user(name, office, Role.DEPUTY, unit), name)
    gone = _with_email(factories.make_user("gone", office, Role.DEPUTY, unit), "gone")
    gone.is_active = False
    gone.save()
    made["gone"] = gone
    return made


def _with_email(user, name):
    user.email = f"{name}@alpha.gov"
    user.save()
    return user


def start(client, next_url="/"):
    """Our log-in → the provider's authorization URL (with state, nonce and PKCE)."""
    response = client.get(f"/login/sso/?next={next_url}")
    assert response.status_code == 302
    return response["Location"]


def at_provider(authorization_url, username):
    """The person signs in at the provider; its redirect back to Considered's callback."""
    browser = requests.Session()
    response = browser.get(authorization_url, allow_redirects=False)
    login_url = response.headers["Location"]
    if login_url.startswith("/"):
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorization_url))
        login_url = origin + login_url
    form = browser.get(login_url)
    response = browser.post(
        login_url,
        data={
            "username": username,
            "password": PROVIDER_PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            "next": parse_qs(urlsplit(login_url).query)["next"][0],
        },
        headers={"Referer": form.url},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:300]
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorization_url))
    response = browser.get(origin + response.headers["Location"], allow_redirects=False)
    callback = response.headers["Location"]
    assert callback.startswith(CALLBACK), callback
    return callback


def sign_on(client, username, next_url="/"):
    return client.get(at_provider(start(client, next_url), username))


def refusals(reason):
    return AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, data__reason=reason)


def assert_signed_out(client):
    assert SESSION_KEY not in client.session


# --- Signing in ---------------------------------------------------------------------------------


def test_a_deputy_signs_in_through_discovery_the_code_flow_and_pkce(client, people, provider):
    authorization_url = start(client, "/cases/")
    asked = parse_qs(urlsplit(authorization_url).query)
    assert authorization_url.startswith(f"{provider.issuer}/authorize/")  # from discovery
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"][0]
    assert asked["nonce"][0] and asked["state"][0] and asked["client_id"] == [CLIENT_ID]

    response = client.get(at_provider(authorization_url, "ann"))

    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert client.session[SESSION_KEY] == str(people["ann"].pk)
    login = AuditEvent.objects.get(action=AuditAction.LOGIN, object_id=str(people["ann"].pk))
    assert login.summary == "single sign-on"
    assert client.get("/").status_code == 200


def test_the_first_mapped_group_gives_the_role_and_the_change_is_audited(client, people):
    sam = people["sam"]
    assert sam.membership.role == Role.DEPUTY

    assert sign_on(client, "sam").status_code == 302

    sam.membership.refresh_from_db()
    assert sam.membership.role == Role.SUPERVISOR  # da-supervisors comes first in the map
    assert sam.has_perm("cases.review_worksheet")
    change = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(sam.pk))
    assert change.user is None and change.data["source"] == "single sign-on"
    assert change.data["changes"] == {"role": {"before": "deputy", "after": "supervisor"}}


# --- Second factor ------------------------------------------------------------------------------


def test_the_providers_second_factor_stands_in_for_the_apps(client, people):
    TOTPDevice.objects.create(user=people["mia"], name="phone", confirmed=True)
    sign_on(client, "mia")  # the provider says amr: ["pwd", "mfa"]
    assert client.get("/").status_code == 200


def test_without_the_providers_second_factor_the_apps_is_asked(client, people):
    TOTPDevice.objects.create(user=people["ann"], name="phone", confirmed=True)
    sign_on(client, "ann")  # amr: ["pwd"]
    assert client.get("/").url.startswith("/login/verify/")


def test_trust_in_the_providers_second_factor_can_be_turned_off(client, people, settings):
    settings.OIDC_TRUST_PROVIDER_MFA = False
    TOTPDevice.objects.create(user=people["mia"], name="phone", confirmed=True)
    sign_on(client, "mia")
    assert client.get("/").url.startswith("/login/verify/")


def test_office_policy_takes_everyone_to_enrolment_first(client, people, office):
    factories.set_policy(office, second_factor=SecondFactorPolicy.EVERYONE)
    sign_on(client, "ann")
    response = client.get("/cases/")
    assert response.url.startswith("/login/second-factor/")
    page = client.get(response.url).content.decode()
    assert "requires everyone" in page
    # Just signed in with the county account: the code alone enrols (no local password asked).
    assert 'name="password"' not in page
    device = TOTPDevice.objects.get(user=people["ann"], confirmed=False)
    from tests.security.test_authentication import current_code

    response = client.post("/login/second-factor/", {"token": current_code(device)})
    assert response.status_code == 200 and "Backup codes" in response.content.decode()
    assert client.get("/").status_code == 200


def test_with_the_providers_second_factor_policy_needs_no_enrolment(client, people, office):
    factories.set_policy(office, second_factor=SecondFactorPolicy.EVERYONE)
    sign_on(client, "mia")
    assert client.get("/").status_code == 200


def test_office_policy_asks_a_password_user_to_enrol_too(client, office, alice):
    factories.set_policy(office, second_factor=SecondFactorPolicy.EVERYONE)
    client.post("/login/", {"username": "alice", "password": "correct-horse-battery"})
    assert client.get("/").url.startswith("/login/second-factor/")


# --- Who is refused -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "reason", "words"),
    [
        ("nobody", "unknown_user", "has no Considered account"),
        ("drifter", "no_group", "not in a directory group"),
        ("gone", "deactivated", "has been deactivated"),
    ],
)
def test_people_who_may_not_sign_in_are_refused_and_audited(
    client, people, office, username, reason, words
):
    response = sign_on(client, username)
    assert response.status_code == 403
    assert words in response.content.decode()
    assert_signed_out(client)
    event = refusals(reason).get()
    assert event.data["method"] == "single sign-on"
    if username in people:  # the event points at the account, by id only
        assert event.object_id == str(people[username].pk) and event.office == office
    assert username not in event.summary and "@" not in event.summary


# --- Bad callbacks ------------------------------------------------------------------------------


def test_a_callback_with_a_forged_state_is_refused(client, people):
    callback = at_provider(start(client), "ann")
    forged = callback.replace("state=", "state=x")
    response = client.get(forged)
    assert response.status_code == 403
    assert "already been used or has expired" in response.content.decode()
    assert_signed_out(client)
    assert refusals("bad_state").count() == 1


def test_a_callback_in_another_browser_is_refused(client, people):
    callback = at_provider(start(client), "ann")
    from django.test import Client

    response = Client().get(callback)  # the state belongs to the first browser's session
    assert response.status_code == 403
    assert refusals("bad_state").count() == 1


def test_a_replayed_callback_is_refused(client, people):
    callback = at_provider(start(client), "ann")
    assert client.get(callback).status_code == 302
    logins = AuditEvent.objects.filter(action=AuditAction.LOGIN).count()
    response = client.get(callback)  # each state works once
    assert response.status_code == 403
    assert refusals("bad_state").count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN).count() == logins
    client.post("/logout/")
    assert client.get(callback).status_code == 403
    assert_signed_out(client)


def test_a_replayed_code_with_a_fresh_state_is_refused_by_the_provider(client, people):
    first = at_provider(start(client), "ann")
    assert client.get(first).status_code == 302
    client.post("/logout/")
    code = parse_qs(urlsplit(first).query)["code"][0]
    fresh_state = parse_qs(urlsplit(start(client)).query)["state"][0]

    response = client.get(f"/login/sso/callback/?code={code}&state={fresh_state}")

    assert response.status_code == 403
    assert_signed_out(client)
    assert refusals("code_refused").count() == 1


def test_an_id_token_issued_to_another_application_is_refused(client, people, settings):
    """The provider's own token, signed with its key, for another of its applications: the
    signature is good and the audience is not ours."""
    settings.OIDC_RP_CLIENT_ID = OTHER_CLIENT_ID
    callback = at_provider(start(client), "ann")
    real_get_token = sso.ProviderBackend.get_token

    def exchange_as_other_application(backend, payload):
        return real_get_token(backend, {**payload, "client_id": OTHER_CLIENT_ID})

    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    sso.ProviderBackend.get_token = exchange_as_other_application
    try:
        response = client.get(callback)
    finally:
        sso.ProviderBackend.get_token = real_get_token
    assert response.status_code == 403
    assert_signed_out(client)
    assert refusals("wrong_audience").count() == 1


def test_an_expired_id_token_is_refused(client, people):
    """The provider's ID tokens live two minutes; the callback arrives five minutes later."""
    callback = at_provider(start(client), "ann")
    with time_machine.travel(timedelta(minutes=5), tick=True):
        response = client.get(callback)
    assert response.status_code == 403
    assert "expired" in response.content.decode()
    assert_signed_out(client)
    assert refusals("expired_token").count() == 1


def test_a_provider_error_is_refused(client, people):
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    response = client.get(f"/login/sso/callback/?error=access_denied&state={state}")
    assert response.status_code == 403
    assert refusals("provider_error").count() == 1


def test_an_unreachable_provider_is_a_clear_503(client, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9/o"  # the discard port: nothing listens
    sso.forget_discovery()
    response = client.get("/login/sso/")
    assert response.status_code == 503
    assert "did not answer" in response.content.decode()
    assert refusals("provider_unavailable").count() == 1


# --- Local passwords, and SSO turned off ---------------------------------------------------------


def test_office_policy_can_turn_local_passwords_off(client, office, alice):
    office.local_passwords_allowed = False
    office.save()
    response = client.post("/login/", {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 200
    assert "signs in with the county account only" in response.content.decode()
    assert_signed_out(client)
    assert refusals("local_passwords_off").get().object_id == str(alice.pk)


def test_local_passwords_stay_when_single_sign_on_is_not_set_up(client, office, alice, settings):
    settings.OIDC_ISSUER = ""
    office.local_passwords_allowed = False
    office.save()
    response = client.post("/login/", {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_the_log_in_page_offers_the_county_account_only_when_set_up(client, settings):
    assert "Sign in with your county account" in client.get("/login/").content.decode()
    settings.OIDC_ISSUER = ""
    assert "Sign in with your county account" not in client.get("/login/").content.decode()
    assert client.get("/login/sso/").status_code == 404
    assert client.get("/login/sso/callback/?code=x&state=y").status_code == 404


def test_the_provider_backend_ignores_password_log_ins(rf, alice):
    request = rf.post("/login/?code=x&state=y")
    backend = sso.ProviderBackend()
    assert backend.authenticate(request, username="alice", password="correct-horse-battery") is None


# --- The role map at start-up --------------------------------------------------------------------


def test_a_role_map_with_an_unknown_office_or_role_stops_the_start(settings, office):
    settings.OIDC_ROLE_MAP = {office.slug: {"da-deputies": "deputy"}}
    assert single_sign_on_role_map(None) == []
    settings.OIDC_ROLE_MAP = {"atlantis": {"da-deputies": "deputy"}, office.slug: {"g": "boss"}}
    errors = single_sign_on_role_map(None)
    assert all(isinstance(error, Error) and error.id == "considered.E010" for error in errors)
    messages = [error.msg for error in errors]
    assert len(messages) == 2 and all(m.startswith("OIDC_ROLE_MAP") for m in messages)
    assert "'atlantis'" in messages[0] and "'boss'" in messages[1]


# --- The session afterwards ---------------------------------------------------------------------


def test_an_account_deactivated_while_signed_in_loses_its_session(client, people):
    sign_on(client, "ann")
    assert client.get("/").status_code == 200
    people["ann"].is_active = False
    people["ann"].save()
    assert client.get("/").url.startswith("/login/")


def test_signing_in_again_with_the_provider_renews_the_proof_of_identity(client, people):
    """`?reauth=1` makes the provider ask again (prompt=login, max_age=0); the new sign-in
    restarts the 15-minute window in which signing needs no password (cases.reauth)."""
    from cases import reauth

    sign_on(client, "ann")
    session = client.session
    session[reauth.SESSION_KEY] = 0  # the window has long lapsed
    session.save()
    authorization_url = start(client, "/cases/&reauth=1")
    asked = parse_qs(urlsplit(authorization_url).query)
    assert asked["prompt"] == ["login"] and asked["max_age"] == ["0"]

    session_key, csrf = client.session.session_key, client.cookies["csrftoken"].value

    assert client.get(at_provider(authorization_url, "ann")).status_code == 302

    assert client.session[SESSION_KEY] == str(people["ann"].pk)
    assert client.session[reauth.SESSION_KEY] > 0
    # The same session and CSRF token: a worksheet open in another tab can still be signed.
    assert client.session.session_key == session_key
    assert client.cookies["csrftoken"].value == csrf
    again = AuditEvent.objects.filter(summary="single sign-on: identity confirmed again")
    assert again.count() == 1


def test_the_callback_reads_the_database_a_bounded_number_of_times(
    client, people, django_assert_max_num_queries
):
    callback = at_provider(start(client), "ann")
    with django_assert_max_num_queries(15):  # session, account, axes, audit
        assert client.get(callback).status_code == 302
