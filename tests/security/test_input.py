"""Input limits: NUL bytes, control characters and invalid UTF-8 are refused with a clear 400;
request size is capped; CSRF is enforced."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case
from cases.validation import MESSAGE, problem_in_urlencoded

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw", ["q=a%00b", "q=%ff%fe", "q=%1b[31m", "a%00=1", "q=%c0%af"])
def test_bad_text_is_found_in_urlencoded_data(raw):
    assert problem_in_urlencoded(raw) is not None


@pytest.mark.parametrize(
    "raw", ["q=caf%C3%A9", "q=line%0Aone%09two", "q=People+v.+Garc%C3%ADa", ""]
)
def test_good_text_passes(raw):
    assert problem_in_urlencoded(raw) is None


def test_a_nul_in_a_query_string_is_refused_with_a_message(client, alice):
    client.force_login(alice)
    response = client.get(reverse("home"), {"q": "ALPHA\x00"})
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()


def test_invalid_utf8_in_a_query_string_is_refused(client, alice):
    client.force_login(alice)
    response = client.get(reverse("home"), QUERY_STRING="q=%ff")
    assert response.status_code == 400


def test_a_nul_in_a_posted_form_is_refused(client, alice):
    response = client.post(reverse("login"), {"username": "alice\x00", "password": "x"})
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()


def test_invalid_utf8_in_a_posted_body_is_refused(client, db):
    response = client.post(
        reverse("login"),
        b"username=al%ffice&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400


def test_a_control_character_in_a_multipart_form_is_refused(client, db):
    response = client.post(
        reverse("login"), {"username": "al\x1bice", "password": "x"}, format="multipart"
    )
    assert response.status_code == 400


def test_accented_names_and_line_breaks_are_accepted_in_a_form(client, alice, unit):
    """The input check passes the text a deputy types (accents, CR LF, tabs) to the view,
    which stores it."""
    client.force_login(alice)
    data = {
        "court_case_number": "ALPHA-0200",
        "defendant_name": "José García-Núñez",
        "aliases": "Pepe García\r\nJosé\tNúñez",
        "unit": unit.pk,
        "assigned_deputy": alice.pk,
        "stage": "arraignment",
        "defense_type": "pd",
        "row": ["a1"],
        "count-a1-statute": "PC 273.5(a)",
        "count-a1-level": "wobbler",
    }
    response = client.post(reverse("case_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(court_case_number="ALPHA-0200")
    assert case.defendant_name == "José García-Núñez"
    assert "García" in case.aliases and "José\tNúñez" in case.aliases
    assert "José García-Núñez" in client.get(response.url).content.decode()


def test_accented_text_and_line_breaks_are_accepted_in_a_query_string(client, dave):
    client.force_login(dave)  # the administrator, who may read the audit log
    response = client.get(reverse("audit_log"), {"object_type": "García\r\nx"})
    assert response.status_code == 200
    assert "García" in response.content.decode()


def test_an_oversized_body_is_refused(client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = Client(raise_request_exception=False).post(
        reverse("login"), {"username": "a" * 5000, "password": "x"}
    )
    assert response.status_code == 400


def test_posts_without_a_csrf_token_are_refused(alice):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct-horse-battery"}
    )
    assert response.status_code == 403
    assert "expired" in response.content.decode()
    client.force_login(alice)
    assert client.post(reverse("logout")).status_code == 403


def test_posts_with_the_token_are_accepted(alice):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("login"),
        {"username": "alice", "csrfmiddlewaretoken": token, "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
