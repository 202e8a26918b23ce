"""The API for the office's case management system (issue 18 item 2): tokens and scopes, each
endpoint, office isolation, the status restriction, rate limits and the OpenAPI schema."""

import datetime as dt

import pytest
import yaml
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openapi_spec_validator import validate

from cases import actions
from cases.api.tokens import make_token, revoke_token, token_for
from cases.choices import ApprovalPolicy, AuditAction, Decision, DisclosureSource, Role
from cases.models import AuditEvent, Case, ServiceToken, StatusDisclosure
from tests import factories
from tests.security import urlwalk


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):  # the rate limits live in the database cache
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token(office, dave):
    return make_token(
        office, by_user=dave, name="PbK", scopes=["read", "write_cases", "read_worksheets"]
    )[1]


def call(client, method, url, token=None, **kwargs):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return getattr(client, method)(url, content_type="application/json", **headers, **kwargs)


BODY = {
    "defendant_name": "José Hernández",
    "unit": "Felony Unit",
    "assigned_deputy": "alice",
    "next_hearing": "2026-12-20",
    "counts": [
        {"number": 1, "statute": "PC 273.5(a)", "level": "wobbler"},
        {"number": 2, "statute": "PC 243(e)(1)", "level": "misdemeanor"},
    ],
}


def test_put_creates_then_reports_unchanged(client, token, office, alice):
    url = reverse("api_case", args=["API-1"])
    first = call(client, "put", url, token, data=BODY)
    assert first.status_code == 201, first.content
    assert first.json()["outcome"] == "created"
    assert first.json()["case"]["consideration"] == "none"
    again = call(client, "put", url, token, data=BODY)
    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")
    case = Case.objects.get(office=office, court_case_number="API-1")
    assert case.charges.count() == 2 and case.assigned_deputy == alice
    event = AuditEvent.objects.filter(object_type="case", action=AuditAction.CREATE).get()
    assert event.user is None and event.data["service_token"] == ServiceToken.objects.get().pk
    assert "Hernández" not in event.summary


def test_a_body_that_does_not_match_gets_400_with_the_field_path(client, token, unit):
    body = {**BODY, "counts": [{"number": 1, "statute": "PC 211", "level": "severe"}]}
    response = call(client, "put", reverse("api_case", args=["API-2"]), token, data=body)
    assert response.status_code == 400
    assert "not a valid choice" in response.json()["counts"]["0"]["level"][0]  # counts.0.level
    missing = call(client, "put", reverse("api_case", args=["API-2"]), token, data={"unit": "x"})
    assert set(missing.json()) >= {"defendant_name", "counts"}
    assert not Case.objects.exists()


def test_the_imports_own_refusals_come_back_as_400(client, token, unit):
    body = {**BODY, "unit": "Nowhere", "assigned_deputy": ""}
    response = call(client, "put", reverse("api_case", args=["API-3"]), token, data=body)
    assert response.status_code == 400
    assert "There is no unit “Nowhere” in this office." in response.json()["errors"]


def signed_case(office, unit, alice, number="API-S"):
    factories.set_policy(office, supervisor_approval=ApprovalPolicy.ALWAYS)
    case = factories.make_case(office, unit, alice, number=number)
    charge = factories.make_charge(case, 1, "HS 11351", level="felony")
    offer = factories.make_disposition(case, name="Standard")
    factories.make_term(offer, charge, level="felony", custody_days_imposed=365)
    worksheet = factories.ready_worksheet(case, alice, offer, Decision.MODIFIED)
    actions.convey_offer(offer, by_user=alice)
    return case, actions.sign_worksheet(worksheet, by_user=alice)


def test_get_reads_the_consideration_status(client, token, office, unit, alice):
    case, worksheet = signed_case(office, unit, alice)
    response = call(client, "get", reverse("api_case", args=[case.court_case_number]), token)
    assert response.status_code == 200
    data = response.json()
    assert data["consideration"] == "signed"
    assert data["offers"][0]["status"] == "conveyed"
    assert data["worksheets"] == [
        {
            "version": 1,
            "signed": True,
            "signed_at": data["worksheets"][0]["signed_at"],
            "review": "pending",
            "content_hash": worksheet.content_hash,
            "current": True,
        }
    ]
    assert "aggravated_felony" in data["flagged_grounds"]
    assert "volunteered_status" not in data


@pytest.fixture
def root(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.org", "pw-long-enough")


def test_an_administrator_cannot_grant_what_their_role_may_not_see(office, dave, root):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        make_token(office, by_user=dave, name="sneaky", scopes=["read"], view_status=True)
    assert not ServiceToken.objects.exists()
    token, _ = make_token(office, by_user=root, name="cleared", scopes=["read"], view_status=True)
    assert token.view_status


def test_status_only_for_a_token_granted_view_status(client, office, unit, alice, dave, root):
    case, _ = signed_case(office, unit, alice)
    StatusDisclosure.objects.create(
        case=case, status="lpr", source=DisclosureSource.DEFENSE_LETTER, recorded_by=alice
    )
    plain = make_token(office, by_user=dave, name="plain", scopes=["read"])[1]
    cleared = make_token(office, by_user=root, name="cleared", scopes=["read"], view_status=True)[1]
    url = reverse("api_case", args=[case.court_case_number])
    assert "volunteered_status" not in call(client, "get", url, plain).json()
    assert call(client, "get", url, cleared).json()["volunteered_status"] == ["lpr"]


def test_the_worksheet_pdf(client, token, office, unit, alice):
    case, worksheet = signed_case(office, unit, alice)
    response = call(
        client, "get", reverse("api_worksheet_pdf", args=[case.court_case_number]), token
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).latest("at")
    assert event.data["via"] == "api" and event.data["status_shown"] is False
    none = factories.make_case(office, unit, alice, number="API-NONE")
    missing = call(
        client, "get", reverse("api_worksheet_pdf", args=[none.court_case_number]), token
    )
    assert missing.status_code == 404


def test_changes_since_lists_what_changed_for_polling(client, token, office, unit, alice):
    before = timezone.now() - dt.timedelta(seconds=1)
    case, _ = signed_case(office, unit, alice)
    response = call(
        client,
        "get",
        reverse("api_changes"),
        token,
        data=None,
        QUERY_STRING=f"since={before.isoformat().replace('+', '%2B')}",
    )
    assert response.status_code == 200, response.content
    numbers = [change["court_case_number"] for change in response.json()["changes"]]
    assert numbers == [case.court_case_number]
    later = response.json()["next_since"]
    again = call(
        client,
        "get",
        reverse("api_changes"),
        token,
        QUERY_STRING=f"since={later.replace('+', '%2B')}",
    )
    assert again.json()["changes"] == []
    bad = call(client, "get", reverse("api_changes"), token, QUERY_STRING="since=yesterday")
    assert bad.status_code == 400 and "ISO 8601" in bad.json()["since"][0]


@pytest.mark.parametrize(
    "scopes, method, name, allowed",
    [
        (["read"], "put", "api_case", False),
        (["write_cases"], "get", "api_case", False),
        (["read"], "get", "api_worksheet_pdf", False),
        (["read_worksheets"], "get", "api_changes", False),
        (["read"], "get", "api_case", True),
    ],
)
def test_each_call_needs_its_scope(
    client, office, unit, alice, dave, scopes, method, name, allowed
):
    case, _ = signed_case(office, unit, alice)
    secret = make_token(office, by_user=dave, name="scoped", scopes=scopes)[1]
    url = reverse(name) if name == "api_changes" else reverse(name, args=[case.court_case_number])
    kwargs = {"data": BODY} if method == "put" else {"QUERY_STRING": "since=2020-01-01T00:00:00Z"}
    response = call(client, method, url, secret, **kwargs)
    assert (response.status_code == 403) is (not allowed), response.content


def test_no_revoked_or_expired_token_gets_401(client, office, dave, token):
    url = reverse("api_case", args=["ANY"])
    assert call(client, "get", url).status_code == 401
    assert call(client, "get", url, "cst_made-up").status_code == 401
    stored = token_for(token)
    revoke_token(stored, by_user=dave)
    assert call(client, "get", url, token).status_code == 401
    expiring, secret = make_token(office, by_user=dave, name="short", scopes=["read"], days=1)
    ServiceToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now())
    assert call(client, "get", url, secret).status_code == 401


def test_guessing_tokens_from_one_address_is_cut_off(client, token, settings):
    """After the limit of unknown tokens from one address, every call from it gets 429, even
    with a valid token (a guessed token must not get through); another address is unaffected."""
    settings.API_AUTH_FAILURE_LIMIT = (3, 600)
    url = reverse("api_case", args=["ANY"])
    for attempt in range(3):
        assert call(client, "get", url, f"cst_guess-{attempt}").status_code == 401
    refused = call(client, "get", url, token)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "unknown token" in refused.json()["detail"]
    elsewhere = call(client, "get", url, token, REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == 404  # authenticated; the case does not exist


def test_tokens_are_stored_hashed(token):
    stored = ServiceToken.objects.get()
    assert token not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64
    assert token.startswith(stored.prefix)


def test_the_rate_limit_answers_429_with_retry_after(client, token, settings):
    settings.API_RATE_LIMIT = "3/min"
    url = reverse("api_case", args=["NONE"])
    codes = [call(client, "get", url, token).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    response = call(client, "get", url, token)
    assert int(response["Retry-After"]) > 0


# --- Office isolation over every API route ------------------------------------------------------


def test_every_api_route_gives_another_offices_token_404(client, office, unit, alice, dave, olivia):
    case, _ = signed_case(office, unit, alice)
    theirs = factories.make_user("omar", olivia.membership.office, Role.ADMIN)
    outsider = make_token(
        olivia.membership.office,
        by_user=theirs,
        name="theirs",
        scopes=["read", "write_cases", "read_worksheets"],
    )[1]
    mine = make_token(office, by_user=dave, name="mine", scopes=["read", "read_worksheets"])[1]
    walked = 0
    for route in urlwalk.api_routes():
        if "number" not in route.params:
            continue
        url = reverse(route.name, kwargs={"number": case.court_case_number})
        assert call(client, "get", url, mine).status_code == 200, route.name  # the control
        assert call(client, "get", url, outsider).status_code == 404, route.name
        walked += 1
    assert walked == 2
    put = call(
        client, "put", reverse("api_case", args=[case.court_case_number]), outsider, data=BODY
    )
    assert put.status_code == 400  # their office has no such unit; ours is untouched
    assert Case.objects.filter(court_case_number=case.court_case_number).count() == 1
    since = "since=2000-01-01T00:00:00Z"
    listed = call(client, "get", reverse("api_changes"), outsider, QUERY_STRING=since).json()
    assert case.court_case_number not in str(listed)


def test_a_refused_call_is_audited_as_on_the_screens(client, office, unit, alice, dave, olivia):
    """A 404 (another office's case) or a 403 (a scope the token lacks) is a security event in
    the calling token's office, like a page refused to a signed-in user; no event in ours."""
    case, _ = signed_case(office, unit, alice)
    their_office = olivia.membership.office
    theirs = factories.make_user("omar", their_office, Role.ADMIN)
    outsider = make_token(their_office, by_user=theirs, name="theirs", scopes=["read"])
    url = reverse("api_case", args=[case.court_case_number])
    assert call(client, "get", url, outsider[1]).status_code == 404
    refused = AuditEvent.objects.filter(action=AuditAction.REFUSED)
    event = refused.get()
    assert event.office == their_office and event.user is None
    assert event.data == {
        "service_token": outsider[0].pk,
        "status": 404,
        "method": "GET",
        "path": url,
    }
    writer = make_token(office, by_user=dave, name="writer", scopes=["write_cases"])[1]
    assert call(client, "get", url, writer).status_code == 403
    assert refused.filter(office=office, data__status=403).count() == 1
    assert not refused.filter(office=office, data__status=404).exists()
    before = AuditEvent.objects.count()  # a malformed body writes nothing (docs/api.md)
    assert call(client, "put", url, writer, data={"unit": "x"}).status_code == 400
    assert AuditEvent.objects.count() == before


def test_every_api_route_is_walked():
    names = {route.name for route in urlwalk.api_routes()}
    assert names == {"api_schema", "api_changes", "api_case", "api_worksheet_pdf"}


# --- The schema ---------------------------------------------------------------------------------


def test_the_openapi_schema_is_served_and_valid(client, db):
    response = client.get(reverse("api_schema"))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate(schema)
    assert {"/api/v1/cases/{number}/", "/api/v1/changes/"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["serviceToken"]["scheme"] == "bearer"


# --- The administrator's screen -----------------------------------------------------------------


def test_the_administrator_makes_and_revokes_a_token(client, office, dave):
    client.force_login(dave)
    response = client.post(
        reverse("service_tokens"), {"name": "PbK nightly", "scopes": ["read", "write_cases"]}
    )
    text = response.content.decode()
    stored = ServiceToken.objects.get()
    start = text.index('value="cst_') + 7
    secret = text[start : text.index('"', start)]
    assert token_for(secret) == stored
    assert secret not in client.get(reverse("service_tokens")).content.decode()  # shown once
    client.post(reverse("service_token_revoke", args=[stored.pk]))
    assert token_for(secret) is None
    assert AuditEvent.objects.filter(object_type="servicetoken").count() == 2


@pytest.mark.parametrize("who", ["alice", "carol", "erin"])
def test_only_the_administrator_manages_tokens(client, office, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("service_tokens")).status_code == 403
    assert (
        client.post(reverse("service_tokens"), {"name": "x", "scopes": ["read"]}).status_code == 403
    )
    assert not ServiceToken.objects.exists()


def test_another_offices_administrator_cannot_revoke_ours(client, office, dave, olivia, token):
    theirs = factories.make_user("omar", olivia.membership.office, Role.ADMIN)
    client.force_login(theirs)
    stored = ServiceToken.objects.get()
    assert client.post(reverse("service_token_revoke", args=[stored.pk])).status_code == 404
    assert token_for(token) == stored


def test_a_write_only_token_reads_nothing_back(client, office, unit, alice, dave):
    secret = make_token(office, by_user=dave, name="writer", scopes=["write_cases"])[1]
    response = call(client, "put", reverse("api_case", args=["API-W"]), secret, data=BODY)
    assert response.status_code == 201 and "case" not in response.json()


def test_changes_of_one_moment_are_never_cut_apart(client, token, office, unit, monkeypatch):
    from cases.api import views

    monkeypatch.setattr(views, "CHANGES_LIMIT", 1)
    moment = timezone.now()
    for number in ("SAME-1", "SAME-2"):
        factories.make_case(office, unit, number=number)
    Case.objects.filter(court_case_number__startswith="SAME-").update(updated_at=moment)
    since = (moment - dt.timedelta(seconds=5)).isoformat().replace("+", "%2B")
    listed = call(client, "get", reverse("api_changes"), token, QUERY_STRING=f"since={since}")
    numbers = [change["court_case_number"] for change in listed.json()["changes"]]
    assert numbers == ["SAME-1", "SAME-2"]
