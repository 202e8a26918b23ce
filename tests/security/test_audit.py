"""Audit: log-in events with office, request id and address; admins search and export their own
office's log; filters refuse injection; rows cannot be changed or deleted (ORM everywhere, the
database itself on PostgreSQL)."""

import csv
import io

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from cases.choices import AuditAction
from cases.models import AuditEvent
from tests.security.worlds import make_world

pytestmark = pytest.mark.django_db


def log_in(client, username, password="correct-horse-battery"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="192.0.2.7",
        HTTP_X_REQUEST_ID="req-login-000001",
    )


# --- Authentication events ----------------------------------------------------------------------


def test_log_in_and_log_out_are_audited(client, alice, office):
    log_in(client, "alice")
    client.post(reverse("logout"), REMOTE_ADDR="192.0.2.7")
    login, logout = (
        AuditEvent.objects.get(action=a) for a in (AuditAction.LOGIN, AuditAction.LOGOUT)
    )
    assert login.user == alice and login.office == office
    assert login.request_id == "req-login-000001" and login.ip_address == "192.0.2.7"
    assert login.object_type == "user" and login.object_id == str(alice.pk)
    assert logout.user == alice and logout.office == office


def test_a_failed_log_in_is_audited_without_the_name_typed(client, alice, office):
    log_in(client, "alice", password="wrong-password")
    log_in(client, "no-such-person", password="wrong-password")
    on_account, unknown = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("pk")
    assert on_account.office == office and on_account.object_id == str(alice.pk)
    assert on_account.user is None and on_account.ip_address == "192.0.2.7"
    assert unknown.office is None and unknown.object_id == ""
    for event in (on_account, unknown):
        assert "alice" not in event.summary and "no-such-person" not in event.summary


# --- The audit log screen -----------------------------------------------------------------------


@pytest.fixture
def events(office, other_office, alice):
    ours = make_world(office, "ALPHA").event
    theirs = make_world(other_office, "OMEGA").event
    return ours, theirs


def test_only_administrators_open_the_audit_log(client, alice, carol, erin, dave):
    for person in (alice, carol, erin):
        client.force_login(person)
        assert client.get(reverse("audit_log")).status_code == 403
        assert client.get(reverse("audit_log_export")).status_code == 403
    client.force_login(dave)
    response = client.get(reverse("audit_log"))
    assert response.status_code == 200
    assert "<td>dave</td>" in response.content.decode()  # the events, his log-in among them


def test_the_log_shows_only_the_admins_office(client, dave, events):
    client.force_login(dave)
    page = client.get(reverse("audit_log")).content.decode()
    assert "alpha-request-0001" in page
    assert "omega-request-0001" not in page


def test_search_by_request_id_and_action(client, dave, events):
    client.force_login(dave)
    page = client.get(
        reverse("audit_log"), {"request_id": "alpha-request-0001", "action": "view"}
    ).content.decode()
    assert "alpha-request-0001" in page
    page = client.get(reverse("audit_log"), {"action": "sign"}).content.decode()
    assert "alpha-request-0001" not in page


def test_another_offices_request_id_finds_nothing(client, dave, events):
    client.force_login(dave)
    page = client.get(reverse("audit_log"), {"request_id": "omega-request-0001"}).content.decode()
    assert "No events match" in page


@pytest.mark.parametrize(
    "injection",
    [
        "' OR '1'='1",
        "1; DROP TABLE cases_auditevent; --",
        "x' UNION SELECT password FROM auth_user--",
        "%' OR 1=1 --",
        "\\'; --",
    ],
)
@pytest.mark.parametrize("field", ["object_type", "object_id", "request_id"])
def test_injection_in_a_filter_is_a_validation_error(client, dave, events, field, injection):
    client.force_login(dave)
    response = client.get(reverse("audit_log"), {field: injection})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Use only letters, digits" in page and "No events match" in page
    assert AuditEvent.objects.count() >= 2  # nothing dropped


@pytest.mark.parametrize(
    "field,value",
    [("action", "view' OR 1=1--"), ("user", "1 OR 1=1"), ("date_from", "2026-01-01' OR '1'='1")],
)
def test_injection_in_a_closed_filter_is_a_validation_error(client, dave, events, field, value):
    client.force_login(dave)
    page = client.get(reverse("audit_log"), {field: value}).content.decode()
    assert "No events match" in page


def test_a_user_of_another_office_cannot_be_chosen(client, dave, events, olivia):
    client.force_login(dave)
    page = client.get(reverse("audit_log"), {"user": olivia.pk}).content.decode()
    assert "No events match" in page


def test_export_is_csv_of_the_office_and_is_itself_audited(client, dave, events):
    client.force_login(dave)
    response = client.get(reverse("audit_log_export"), {"action": "view"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "at_utc"
    assert [row[7] for row in rows[1:]] == ["alpha-request-0001"]
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert export.user == dave and export.office == dave.membership.office


def test_export_neutralises_spreadsheet_formulas(client, dave, office):
    AuditEvent.objects.create(
        office=office,
        action=AuditAction.VIEW,
        object_type="case",
        summary='=HYPERLINK("http://evil")',
    )
    client.force_login(dave)
    body = b"".join(client.get(reverse("audit_log_export")).streaming_content).decode()
    assert "'=HYPERLINK" in body


# --- Append-only ----------------------------------------------------------------------------------


def test_the_orm_refuses_to_change_or_delete_audit_rows(events):
    event = events[0]
    event.summary = "changed"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="changed")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_change_or_delete_audit_rows(events):
    event = events[0]
    for sql in (
        "UPDATE cases_auditevent SET summary = 'x' WHERE id = %s",
        "DELETE FROM cases_auditevent WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, summary="").exists()
