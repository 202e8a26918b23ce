"""Log in and out, the home page, the case page, /healthz, and login required everywhere."""

import pytest
from django.db import DatabaseError
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

# The single sign-on pages (tests/security/test_sso.py) come before any log-in, and so does an
# invitation link (tests/test_office_users.py).
PUBLIC = {
    "login",
    "healthz",
    "oidc_authentication_init",
    "oidc_authentication_callback",
    "invite_accept",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name


def concrete(route):
    """Turn a route pattern into a URL, with 1 for every parameter."""
    import re

    path = re.sub(r"<(?:\w+:)?\w+>", "1", route)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + path


# Opened by a token instead of a session: the API (a service token, docs/api.md; its schema
# is public) and the calendar feed (a user's feed token). Without the token they answer 401 or
# 404, never a page and never a redirect to a log-in a calendar program cannot make.
def token_route(name):
    return bool(name) and (name.startswith("api_") or name == "calendar_feed")


def app_routes():
    for route, name in _walk(get_resolver().url_patterns):
        if route.startswith("admin/") or name in PUBLIC or "(?P" in route or token_route(name):
            continue
        yield concrete(route), name


def token_routes():
    for route, name in _walk(get_resolver().url_patterns):
        if token_route(name) and name != "api_schema":
            yield concrete(route), name


@pytest.mark.parametrize(("url", "name"), list(token_routes()))
def test_every_token_route_refuses_without_its_token(client, url, name):
    response = client.get(url)
    assert response.status_code in (401, 404), url
    assert b"CANARY" not in response.content


def test_there_are_routes_to_check():
    assert len(list(app_routes())) >= 2


@pytest.mark.parametrize(("url", "name"), list(app_routes()))
def test_every_page_requires_login(client, url, name):
    response = client.get(url)
    assert response.status_code == 302, url
    assert response.url.startswith(reverse("login")), url


def test_admin_requires_login(client):
    response = client.get("/admin/cases/case/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_and_logout(client, alice):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Log out" in home.content.decode() and home.context["user"] == alice
    client.post(reverse("logout"))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_wrong_password_gets_a_generic_message(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert 'value="alice"' in response.content.decode()


def test_case_list_lists_the_office_cases_only(client, alice, case, outsider_case):
    client.force_login(alice)
    page = client.get(reverse("case_list")).content.decode()
    assert "ALPHA-0001" in page
    assert "OMEGA-0001" not in page


def test_case_page_shows_counts_and_offers(client, alice, case):
    offer = factories.make_disposition(case, name="Standard offer")
    factories.make_term(offer, case.charges.get(number=1), "PC 243(e)(1)", custody_days_imposed=30)
    client.force_login(alice)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "PC 273.5(a)" in page and "HS 11351" in page
    assert "Standard offer" in page and "PC 243(e)(1)" in page


def test_viewing_a_case_is_audited(client, alice, case):
    client.force_login(alice)
    client.get(case.get_absolute_url())
    event = AuditEvent.objects.get(action="view", object_type="case")
    assert event.object_id == str(case.pk)
    assert event.user == alice and event.office == case.office
    assert case.defendant_name not in event.summary


def test_another_office_case_is_not_found(client, olivia, case):
    client.force_login(olivia)
    assert client.get(case.get_absolute_url()).status_code == 404


def test_a_case_outside_the_deputy_reach_is_not_found(client, frank, case):
    client.force_login(frank)
    assert client.get(case.get_absolute_url()).status_code == 404


def test_a_user_without_an_office_is_refused(client, db, django_user_model):
    stray = django_user_model.objects.create_user("stray", password="x-very-long-password")
    client.force_login(stray)
    assert client.get(reverse("home")).status_code == 403


def queries_for(client, url):
    from django.db import connection

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_home_query_count_does_not_grow_with_cases(client, alice, office, unit):
    client.force_login(alice)
    factories.make_case(office, unit, alice)
    few = queries_for(client, reverse("home"))
    for _ in range(10):
        case = factories.make_case(office, unit, alice)
        factories.make_charge(case, 1, "PC 242")
    assert queries_for(client, reverse("home")) == few


def test_case_page_query_count_does_not_grow_with_counts_and_offers(client, alice, case):
    client.force_login(alice)
    offer = factories.make_disposition(case)
    factories.make_term(offer, case.charges.get(number=1))
    few = queries_for(client, case.get_absolute_url())
    for number in range(3, 10):
        factories.make_charge(case, number, "PC 459")
    for _ in range(3):
        offer = factories.make_disposition(case)
        for charge in case.charges.all():
            factories.make_term(offer, charge)
    assert queries_for(client, case.get_absolute_url()) == few


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "up"


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


# --- Blank forms rendered once per process (issue 19) -------------------------------------------


def crispy_in_page(response, form):
    """What `{% crispy form %}` gives in the page's own context."""
    from django.template import engines

    # A ContextList iterates over its contexts; keys() gives the names.
    page = {key: response.context[key] for key in response.context.keys()}  # noqa: SIM118
    crispy = engines["django"].from_string("{% load crispy_forms_tags %}{% crispy form %}")
    return crispy.render({**page, "form": form})


@pytest.mark.parametrize("who", ["alice", "carol"])
def test_kept_blank_forms_are_what_crispy_renders_in_each_page(client, request, case, who):
    """The case list's filters (blank, filtered, searched, refused) and the case page's prior
    form, for a deputy and then a supervisor: the kept HTML of another user's page is this
    page's own."""
    from cases.templatetags import considered

    considered._BLANK_FORMS.clear()
    considered._SEARCHED_FORMS.clear()
    refused = "?hearing_from=2026-05-02&hearing_to=2026-05-01&q=Smith"
    for user in ("alice", who):  # alice's pages fill the store first
        client.force_login(request.getfixturevalue(user))
        for query in ("", "?stage=open", "?q=PC+459&stage=open&page=2", refused):
            response = client.get(reverse("case_list") + query)
            form = response.context["form"]
            assert crispy_in_page(response, form) in response.content.decode()
        assert "The end date is before the start date." in response.content.decode()
        assert any(key[0] == response.wsgi_request.user.pk for key in considered._SEARCHED_FORMS)
        response = client.get(reverse("case_detail", args=[case.pk]))
        if "prior_form" in response.context and response.context["can_edit"]:
            form = response.context["prior_form"]
            assert crispy_in_page(response, form) in response.content.decode()
    assert considered._BLANK_FORMS  # the blank forms were kept, and reused for `who`


def test_the_worksheet_pages_kept_status_form_is_what_crispy_renders(client, alice, case):
    """The blank form to record a volunteered status, on a draft's page: kept once, then the
    same HTML as `{% crispy %}` in the page's own context."""
    from cases import actions
    from cases.templatetags import considered

    considered._BLANK_FORMS.clear()
    worksheet = actions.start_worksheet(case, by_user=alice)
    client.force_login(alice)
    for _visit in range(2):  # the first visit keeps the HTML, the second reads it
        response = client.get(reverse("worksheet_detail", args=[worksheet.pk]))
        assert response.context["can_record_status"]
        form = response.context["status_form"]
        assert crispy_in_page(response, form) in response.content.decode()
    assert any(key[0].__name__ == "StatusDisclosureForm" for key in considered._BLANK_FORMS)


def test_the_kept_status_form_shows_each_days_date():
    """Its date is today's by default: a form kept yesterday is not today's."""
    import time_machine

    from cases.forms import StatusDisclosureForm
    from cases.templatetags import considered

    considered._BLANK_FORMS.clear()
    with time_machine.travel("2026-03-02 20:00:00+00:00", tick=False):
        first = considered.crispy_form({}, StatusDisclosureForm())
    with time_machine.travel("2026-03-03 20:00:00+00:00", tick=False):
        second = considered.crispy_form({}, StatusDisclosureForm())
    assert 'value="2026-03-02"' in first
    assert 'value="2026-03-03"' in second
