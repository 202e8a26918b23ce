"""Error pages reveal nothing; a database outage is a clean 503; logs hold no personal data."""

import logging

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from cases.logfilters import DropRequestData

pytestmark = pytest.mark.django_db

INTERNALS = (
    "Traceback",
    'File "',
    "django.",
    "cases/",
    "SELECT",
    "OperationalError",
    "settings",
    "DEBUG",
)


def _assert_reveals_nothing(response):
    text = response.content.decode()
    for leak in INTERNALS:
        assert leak not in text, leak


def test_404_reveals_nothing(client, alice):
    client.force_login(alice)
    response = client.get("/cases/999999/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    _assert_reveals_nothing(response)


def test_403_reveals_nothing(client, alice):
    client.force_login(alice)
    response = client.get(reverse("audit_log"))
    assert response.status_code == 403
    assert "You cannot do this" in response.content.decode()
    _assert_reveals_nothing(response)


def test_500_reveals_nothing(alice, monkeypatch):
    import cases.views.audit_log as screen

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals: People v. Garcia")

    monkeypatch.setattr(screen, "_events", boom)
    client = Client(raise_request_exception=False)
    from tests import factories

    admin = factories.make_user("admin2", alice.membership.office, "admin")
    client.force_login(admin)
    response = client.get(reverse("audit_log"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "Garcia" not in response.content.decode()
    _assert_reveals_nothing(response)


def test_a_database_outage_in_a_view_is_a_503(alice, monkeypatch):
    import cases.views.audit_log as screen

    def down(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(screen, "_events", down)
    from tests import factories

    admin = factories.make_user("admin3", alice.membership.office, "admin")
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    response = client.get(reverse("audit_log"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "temporarily unavailable" in response.content.decode()
    _assert_reveals_nothing(response)


def test_a_database_outage_in_middleware_is_a_503(alice, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    def down(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    client = Client(raise_request_exception=False)
    client.force_login(alice)
    monkeypatch.setattr(SessionStore, "load", down)
    response = client.get(reverse("home"))
    assert response.status_code == 503
    _assert_reveals_nothing(response)


def test_the_log_filter_drops_the_request_and_database_details():
    class FakeRequest:
        POST = {"defendant_name": "Maria Garcia"}

    try:
        raise OperationalError(
            "duplicate key\nDETAIL:  Key (defendant_name)=(Maria Garcia) already exists."
        )
    except OperationalError:
        import sys

        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/cases/1/",),
            sys.exc_info(),
        )
    record.request = FakeRequest()
    assert DropRequestData().filter(record)
    formatted = logging.Formatter().format(record)
    assert record.request is None
    assert "Maria Garcia" not in formatted
    assert "Internal Server Error: /cases/1/" in formatted


def test_every_configured_handler_filters_personal_data():
    import config.settings as project

    for name, handler in project.LOGGING["handlers"].items():
        assert "drop_request_data" in handler.get("filters", []), name
    assert project.LOGGING["loggers"]["django"]["handlers"] == []
