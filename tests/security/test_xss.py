"""Stored XSS: markup typed into any free-text field is shown as text, never run.

Every free-text field of every kind of record (worlds.fill_text) holds a payload; the walk renders
every page, export and PDF (urlwalk.routes), and the admin pages, as each role, and finds the
payloads only escaped. Pages that appear later are walked automatically.
"""

import pytest

from tests.security import urlwalk
from tests.security.worlds import make_world

pytestmark = pytest.mark.django_db

LONG = '<script>alert("xss")</script>'
MEDIUM = '"><img src=x onerror=alert(1)>'
SHORT = "<u>xss</u>"
RAW = (LONG, MEDIUM, SHORT, "<script>alert", "onerror=alert(1)>")


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


def test_admin_pages_render_stored_markup_inert(client, dave, world):
    client.force_login(dave)
    for url in urlwalk.admin_pages(world):
        _assert_inert(client.get(url), f"GET {url}")


def test_the_login_page_does_not_echo_markup(client, db):
    response = client.post("/login/", {"username": MEDIUM, "password": "x"})
    _assert_inert(response, "POST /login/")
