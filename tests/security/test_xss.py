"""Stored XSS: markup typed into any free-text field is shown as text, never run.

Every free-text field of every kind of record (worlds.fill_text) holds a payload; the walk renders
every page, export and PDF (urlwalk.routes), and the admin pages, as each role, and finds the
payloads only escaped. Pages that appear later are walked automatically.

Positive control (urlwalk.assert_control): each URL walked renders, for someone allowed to open
it, with a payload shown escaped (as text in a CSV or PDF), so "nothing unescaped" never comes
from a page that did not render or does not show the record.
"""

import pytest
from django.utils.html import escape

from tests.security import urlwalk
from tests.security.worlds import make_world

pytestmark = pytest.mark.django_db

LONG = '<script>alert("xss")</script>'
MEDIUM = '"><img src=x onerror=alert(1)>'
SHORT = "<u>xss</u>"
RAW = (LONG, MEDIUM, SHORT, "<script>alert", "onerror=alert(1)>")
ESCAPED = tuple(escape(text) for text in (LONG, MEDIUM, SHORT))


def payload(max_length):
    for text in (LONG + MEDIUM, LONG, MEDIUM, SHORT):
        if len(text) <= max_length:
            return text
    return None


@pytest.fixture
def world(office):
    return make_world(office, "ALPHA", text=payload)


@pytest.fixture
def people(alice, carol, dave, erin, world):
    return [alice, carol, dave, erin, world.user]


def _assert_inert(response, where):
    text = urlwalk.response_text(response)
    if response.get("Content-Type", "").startswith(("text/csv", "application/pdf")):
        return  # not HTML: a payload there is text by nature (CSV cells go through csv_safe)
    for raw in RAW:
        assert raw not in text, f"{where} renders {raw!r} unescaped"


def _shows_payload_as_text(response, text):
    if response.get("Content-Type", "").startswith(("text/csv", "application/pdf")):
        # Not HTML, so not checked above: the control asks only that it shows the record (the
        # audit export names the user and the case, whose number holds no payload).
        return any(data in text for data in ("xss", "alert(1)", "ALPHA-CANARY-1", "alpha-deputy"))
    return any(escaped in text for escaped in ESCAPED)


def test_the_payloads_are_stored(world):
    world.case.refresh_from_db()
    assert world.case.caption == LONG + MEDIUM


@pytest.mark.parametrize(
    "route", [r for r in urlwalk.routes() if r.name not in urlwalk.PUBLIC], ids=str
)
def test_every_page_renders_stored_markup_inert(client, people, world, route):
    for person in people:
        client.force_login(person)
        for variant in urlwalk.variants(route) if route.object_params else [None]:
            url = urlwalk.url_for(route, world, swap=variant)
            response = client.get(url)
            assert response.status_code < 500, url
            _assert_inert(response, f"GET {url} as {person.username}")
    for variant in urlwalk.variants(route) if route.object_params else [None]:
        # Last: a POST-only route's control changes the record.
        urlwalk.assert_control(
            client,
            route,
            urlwalk.url_for(route, world, swap=variant),
            urlwalk.people(world),
            _shows_payload_as_text,
            urlwalk.post_data(world),
            missing=urlwalk.url_for(route, world, swap=variant, missing_pk=True),
        )


def test_admin_pages_render_stored_markup_inert(client, dave, world):
    client.force_login(dave)
    pages = urlwalk.admin_pages_with_controls(world)
    for url, _, _ in pages:
        _assert_inert(client.get(url), f"GET {url}")
    for url, marker, model in pages:
        urlwalk.assert_admin_control(client, world, url, marker, model)


def test_the_login_page_does_not_echo_markup(client, db):
    response = client.post("/login/", {"username": MEDIUM, "password": "x"})
    _assert_inert(response, "POST /login/")
    assert escape(MEDIUM) in response.content.decode()  # the control: it is echoed, as text
