"""Smaller findings of the hostile review (issue 13, item 5), one regression test each.

People as in tests/conftest.py: alice (deputy, owns the case), carol (supervisor), dave
(administrator, may not see a volunteered status), olivia (another office). The report's
hand-built dataset comes from tests/test_reports.py.
"""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from cases import actions
from cases.choices import AuditAction, DisclosureSource
from cases.models import AuditEvent, Case, Disposition
from cases.worksheet_print import issued_copies, render_html
from consequences.statuses import Status
from tests.test_dispositions import offer_data
from tests.test_reports import PERIOD, data  # noqa: F401  (the report's dataset fixture)
from tests.worksheet_builder import build_worksheet

pytestmark = pytest.mark.django_db

# --- Unhandled 500s become clear messages ----------------------------------------------------


@pytest.mark.parametrize("metric", ["reviews_requested", "reviews_pending", "reviews_decided"])
def test_review_drilldowns_list_a_pending_review(client, data, dave, metric):  # noqa: F811
    # A pending review has no reviewer yet: the list said so by crashing (VariableDoesNotExist).
    client.force_login(dave)
    response = client.get(reverse("report_drilldown"), {**PERIOD, "metric": metric})
    assert response.status_code == 200
    assert response.context["page"].paginator.count >= 1


def test_a_case_without_an_assigned_deputy_is_listed(client, data, dave, alice):  # noqa: F811
    # Case.assigned_deputy is nullable; the case list and the offer drill-down crashed the same way.
    Case.objects.update(assigned_deputy=None)
    client.force_login(dave)
    response = client.get(reverse("report_drilldown"), {**PERIOD, "metric": "offers_conveyed"})
    assert response.status_code == 200 and "—" in response.content.decode()
    response = client.get(reverse("report_drilldown"), {**PERIOD, "metric": "worksheets_signed"})
    assert response.status_code == 200
    client.force_login(alice)
    assert client.get(reverse("case_list")).status_code == 200


OUT_OF_RANGE = [
    {"date_to": "9999-12-31"},
    {"date_from": "0001-01-01", "date_to": "0001-12-31"},
    {"date_from": "2025-01-01", "date_to": "2200-01-01"},
]


@pytest.mark.parametrize("dates", OUT_OF_RANGE)
@pytest.mark.parametrize(
    "url", ["report_dashboard", "report_drilldown", "report_export_csv", "report_pdf"]
)
def test_report_dates_out_of_range_are_a_form_error(client, data, dave, url, dates):  # noqa: F811
    client.force_login(dave)
    params = {**PERIOD, **dates, "metric": "offers_conveyed"}
    response = client.get(reverse(url), params)
    assert response.status_code == 400
    assert "Enter a date between 1900 and 2199." in response.content.decode()


@pytest.mark.parametrize("dates", OUT_OF_RANGE)
@pytest.mark.parametrize("url", ["audit_log", "audit_log_export"])
def test_audit_log_dates_out_of_range_are_a_form_error(client, dave, url, dates):
    client.force_login(dave)
    response = client.get(reverse(url), dates)
    assert response.status_code == 200
    if url == "audit_log":
        assert "Enter a date between 1900 and 2199." in response.content.decode()
        assert response.context["form"].errors
    else:  # the export of an invalid search is its header alone
        assert b"".join(response.streaming_content).decode().count("\n") == 1


@pytest.mark.parametrize(
    "statute, field, value",
    [
        ("HS 11357(b)", "grams", "-0.01"),
        ("PC 487(a)", "loss_amount", "-1"),
        ("HS 11357(b)", "grams", "-1000"),
    ],
)
def test_a_negative_quantity_or_loss_is_a_form_error(client, alice, case, statute, field, value):
    """On a count whose statute asks for that fact (a hidden one is ignored: test_offer_entry)."""
    client.force_login(alice)
    posted = offer_data(case, {1: {"statute_pleaded": statute, field: value}})
    response = client.post(reverse("disposition_create", args=[case.pk]), posted)
    assert response.status_code == 200
    first = response.context["term_forms"][0]
    assert first.errors[field] == ["Enter 0 or more."]
    assert f'value="{value}"' in response.content.decode()  # kept as typed
    assert not Disposition.objects.exists()  # and nothing half-saved


# --- More than 60 counts ------------------------------------------------------------------------


def _case_post(unit, deputy, rows):
    from tests.test_case_entry import case_data, with_rows

    return with_rows(case_data(unit, deputy), rows)


def test_more_than_60_counts_is_an_error_and_keeps_every_row(client, alice, unit):
    client.force_login(alice)
    rows = [(f"r{index}", "PC 242", "misdemeanor") for index in range(61)]
    response = client.post(reverse("case_create"), _case_post(unit, alice, rows))
    assert response.status_code == 200
    assert "at most 60 counts; this one has 61" in response.context["rows_error"]
    assert len(response.context["rows"]) == 61  # nothing typed is dropped
    assert not Case.objects.exists()


def test_60_counts_are_saved(client, alice, unit):
    client.force_login(alice)
    rows = [(f"r{index}", "PC 242", "misdemeanor") for index in range(60)]
    response = client.post(reverse("case_create"), _case_post(unit, alice, rows))
    assert response.status_code == 302
    assert Case.objects.get().charges.count() == 60


def test_editing_a_case_up_to_61_counts_changes_nothing(client, alice, case):
    client.force_login(alice)
    from tests.test_case_entry import case_data, with_rows

    rows = [(f"r{index}", "PC 242", "misdemeanor") for index in range(61)]
    posted = with_rows(case_data(case.unit, alice, court_case_number=case.court_case_number), rows)
    posted["version"] = case.lock_version
    response = client.post(reverse("case_edit", args=[case.pk]), posted)
    assert response.status_code == 200
    assert case.charges.count() == 2


# --- Cache-Control ------------------------------------------------------------------------------


@pytest.fixture
def signed(office, unit, alice):
    case = {"office": office, "unit": unit, "court_case_number": "NS-0001"}
    return build_worksheet(case, deputy=alice, counts=1, offers=1)


def test_every_signed_in_response_is_no_store(client, data, carol, alice, signed):  # noqa: F811
    client.force_login(alice)
    for url in (
        reverse("case_list"),
        reverse("case_detail", args=[signed.case_id]),
        reverse("worksheet_detail", args=[signed.pk]),
        reverse("worksheet_pdf", args=[signed.pk]),
        reverse("case_detail", args=[999999]),  # a 404 page too
    ):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
    client.force_login(carol)
    for name in ("report_dashboard", "report_drilldown", "report_export_csv", "report_pdf"):
        response = client.get(reverse(name), {**PERIOD, "metric": "offers_conveyed"})
        assert response.status_code == 200, name
        assert response["Cache-Control"] == "no-store", name


def test_the_audit_csv_is_no_store(client, dave):
    client.force_login(dave)
    assert client.get(reverse("audit_log_export"))["Cache-Control"] == "no-store"


# --- X-Request-ID -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent",
    [
        "abcdefgh\n",  # `$` matched before a final newline
        "<script>alert(1)</script>",
        "short",
        "x" * 41,
        "req id with spaces",
        "ünïcödé-request",
    ],
)
def test_a_malformed_request_id_is_replaced(client, alice, case, sent):
    client.force_login(alice)
    response = client.get(case.get_absolute_url(), headers={"X-Request-ID": sent})
    echoed = response["X-Request-ID"]
    assert echoed != sent and "\n" not in echoed
    uuid.UUID(echoed)  # one of ours
    event = AuditEvent.objects.get(object_type="case", action=AuditAction.VIEW)
    assert event.request_id == echoed


@pytest.mark.parametrize("sent", [str(uuid.uuid4()), "proxy.req_0001-abc"])
def test_a_well_formed_request_id_is_kept(client, alice, case, sent):
    client.force_login(alice)
    response = client.get(case.get_absolute_url(), headers={"X-Request-ID": sent})
    assert response["X-Request-ID"] == sent
    event = AuditEvent.objects.get(object_type="case", action=AuditAction.VIEW)
    assert event.request_id == sent


# --- Invalid UTF-8 in a form body ---------------------------------------------------------------


def _multipart(fields, boundary="BoUnDaRy"):
    parts = []
    for name, value in fields.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            raw = item if isinstance(item, bytes) else str(item).encode()
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + raw
                + b"\r\n"
            )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_invalid_utf8_is_refused_whatever_the_encoding(client, alice, unit, encoding):
    from urllib.parse import quote_from_bytes

    client.force_login(alice)
    fields = _case_post(unit, alice, [("a1", "PC 242", "misdemeanor")])
    fields["defendant_name"] = b"Rosa \xff\xfe Example"
    if encoding == "multipart":
        body = _multipart(fields)
        content_type = "multipart/form-data; boundary=BoUnDaRy"
    else:
        pairs = []
        for name, value in fields.items():
            for item in value if isinstance(value, list) else [value]:
                raw = item if isinstance(item, bytes) else str(item).encode()
                pairs.append(f"{name}={quote_from_bytes(raw)}")
        body = "&".join(pairs)
        content_type = "application/x-www-form-urlencoded"
    response = client.generic("POST", reverse("case_create"), body, content_type=content_type)
    assert response.status_code == 400
    assert "not valid UTF-8" in response.content.decode()
    assert not Case.objects.exists()


def test_valid_utf8_in_a_multipart_body_is_accepted(client, alice, unit):
    client.force_login(alice)
    fields = _case_post(unit, alice, [("a1", "PC 242", "misdemeanor")])
    fields["defendant_name"] = "José Hernández \ufffd"  # a replacement character typed as such
    body = _multipart(fields)
    response = client.generic(
        "POST", reverse("case_create"), body, content_type="multipart/form-data; boundary=BoUnDaRy"
    )
    assert response.status_code == 302
    assert Case.objects.get().defendant_name == "José Hernández \ufffd"


# --- A status is not hinted to a reader who may not see it --------------------------------------


@pytest.fixture
def with_status(office, unit, alice):
    """A draft worksheet whose case has a volunteered status the deputy chose to include."""
    case = {"office": office, "unit": unit, "court_case_number": "ST-0001"}
    worksheet = build_worksheet(case, deputy=alice, counts=1, offers=1, sign=False)
    before = render_html(worksheet, printed_at=PRINTED, show_status=False)
    actions.record_status_disclosure(
        worksheet.case, by_user=alice, status=Status.LPR, source=DisclosureSource.VIA_COUNSEL
    )
    actions.update_worksheet(
        worksheet, by_user=alice, version=worksheet.lock_version, fields={"include_status": True}
    )
    worksheet.refresh_from_db()
    return worksheet, before


PRINTED = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)


def test_the_copy_without_status_is_that_of_a_worksheet_without_one(with_status):
    worksheet, before = with_status
    assert "Lawful permanent resident" in render_html(worksheet, printed_at=PRINTED)
    after = render_html(worksheet, printed_at=PRINTED, show_status=False)
    assert after == before  # not blanked, not hinted: the very same document


def test_issued_copies_and_audit_do_not_hint_at_a_status(client, office, unit, alice, dave):
    case = {"office": office, "unit": unit, "court_case_number": "ST-0002"}
    worksheet = build_worksheet(case, deputy=alice, counts=1, offers=1, sign=False)
    actions.record_status_disclosure(
        worksheet.case, by_user=alice, status=Status.LPR, source=DisclosureSource.VIA_COUNSEL
    )
    actions.update_worksheet(
        worksheet, by_user=alice, version=worksheet.lock_version, fields={"include_status": True}
    )
    worksheet.refresh_from_db()
    actions.sign_worksheet(worksheet, by_user=alice)
    worksheet.refresh_from_db()
    client.force_login(alice)
    client.get(reverse("worksheet_pdf", args=[worksheet.pk]))  # a copy with the status
    client.force_login(dave)
    client.get(reverse("worksheet_pdf", args=[worksheet.pk]))  # a copy without
    # dave is listed only the copy he could have received, with no word about status.
    [mine] = issued_copies(worksheet, dave)
    assert mine["without_status"] is True
    assert len(issued_copies(worksheet, alice)) == 2
    page = client.get(reverse("worksheet_detail", args=[worksheet.pk])).content.decode()
    assert "withheld" not in page and "may not see status" not in page
    for event in AuditEvent.objects.filter(action=AuditAction.EXPORT):
        assert "withheld" not in event.summary and "status_withheld" not in event.data
    audit_page = client.get(reverse("audit_log"), {"action": "export"}).content.decode()
    assert "withheld" not in audit_page


def test_old_status_withheld_events_are_not_shown_to_a_reader_without_status(client, dave):
    AuditEvent.objects.create(
        office=dave.membership.office,
        action=AuditAction.EXPORT,
        object_type="worksheet",
        object_id="1",
        summary="pdf tagged signed status-withheld sha256 " + "a" * 64,
        data={"document": "worksheet_pdf", "status_withheld": True, "sha256": "a" * 64},
    )
    client.force_login(dave)
    page = client.get(reverse("audit_log"), {"action": "export"}).content.decode()
    export = client.get(reverse("audit_log_export"), {"action": "export"})
    csv_text = b"".join(export.streaming_content).decode()
    assert "a" * 64 in page and "a" * 64 in csv_text
    assert "withheld" not in page and "withheld" not in csv_text


# --- What is audited ----------------------------------------------------------------------------


def test_the_case_list_and_search_are_audited_without_the_search_text(client, alice, case):
    client.force_login(alice)
    client.get(reverse("case_list"), {"q": "Rosa Secret-Name", "stage": "arraignment"})
    client.get(reverse("case_list"))
    searched, listed = AuditEvent.objects.filter(object_type="case_list").order_by("pk")
    assert searched.action == AuditAction.VIEW and searched.user == alice
    assert searched.data["searched"] is True and searched.data["filters"] == {
        "stage": "arraignment"
    }
    assert "Secret" not in searched.summary and "Secret" not in str(searched.data)
    assert listed.data["cases"] == [case.pk] and listed.data["searched"] is False


def test_reading_the_audit_log_is_audited(client, dave):
    client.force_login(dave)
    response = client.get(reverse("audit_log"), {"action": "login"})
    event = AuditEvent.objects.get(object_type="auditevent", action=AuditAction.VIEW)
    assert event.user == dave and event.data["search"] == {"action": "login"}
    # The page was read before its own event was written: it does not list itself.
    assert event not in response.context["page"].object_list


def test_refused_attempts_are_security_events(client, alice, olivia, dave, case, outsider_case):
    client.force_login(olivia)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404
    client.force_login(alice)
    assert client.get(reverse("audit_log")).status_code == 403
    refused = AuditEvent.objects.filter(action=AuditAction.REFUSED).order_by("pk")
    cross_office, forbidden = refused
    assert cross_office.user == olivia and cross_office.office == olivia.membership.office
    assert cross_office.data == {
        "status": 404,
        "method": "GET",
        "path": reverse("case_detail", args=[case.pk]),
    }
    assert forbidden.user == alice and forbidden.data["status"] == 403
    # Alpha's administrator finds alice's refusal with the security filter, and only that.
    client.force_login(dave)
    page = client.get(reverse("audit_log"), {"kind": "security"})
    assert list(page.context["page"].object_list) == [forbidden]
    everything = client.get(reverse("audit_log"))
    assert len(everything.context["page"].object_list) > 1


def test_a_refused_write_changes_nothing_but_the_log(client, dave, case):
    client.force_login(dave)  # an administrator may read cases, not change them
    posted = _case_post(case.unit, dave, [("a1", "PC 242", "misdemeanor")])
    response = client.post(reverse("case_edit", args=[case.pk]), posted)
    assert response.status_code == 403
    assert case.charges.count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.REFUSED, user=dave).count() == 1
