"""Structured audit data: what an audit event says for code to read (AuditEvent.data).

The worksheet page lists the PDF copies issued from the data of their audit events, never from
the summary's words; offers conveyed, their later status and a supervisor's review carry their
facts as data too; the office's audit log shows the data and exports it as JSON.
"""

import csv
import hashlib
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases import actions, audit
from cases.choices import AuditAction, DispositionStatus, ReviewOutcome
from cases.models import AuditEvent
from cases.worksheet_print import issued_copies
from tests import factories
from tests.worksheet_builder import build_worksheet

pytestmark = pytest.mark.django_db

TRUE_HASH = "a" * 64
FALSE_HASH = "0" * 64


@pytest.fixture
def signed(office, unit, alice):
    # A defense alternative among the offers sends the worksheet for review (office policy).
    case = {"office": office, "unit": unit, "court_case_number": "AUD-0001"}
    return build_worksheet(case, deputy=alice, counts=1, offers=2)


def issued_event(worksheet, *, summary, data):
    return AuditEvent.objects.create(
        office=worksheet.case.office,
        action=AuditAction.EXPORT,
        object_type="worksheet",
        object_id=str(worksheet.pk),
        summary=summary,
        data=data,
    )


def pdf_facts(sha256, **changes):
    return {
        "document": "worksheet_pdf",
        "variant": "tagged",
        "signed": True,
        "status_shown": True,  # alice's role may see status; says nothing of the case
        "via": "web",
        "sha256": sha256,
        **changes,
    }


# --- Issued PDF copies ----------------------------------------------------------------------------


def test_a_download_records_its_variant_state_and_hash_as_data(client, signed, alice):
    client.force_login(alice)
    response = client.get(reverse("worksheet_pdf", args=[signed.pk]), {"variant": "archival"})
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, object_id=str(signed.pk))
    assert event.data == pdf_facts(hashlib.sha256(response.content).hexdigest(), variant="archival")


def test_the_command_records_that_it_issued_the_copy(signed, tmp_path):
    out = tmp_path / "case.pdf"
    call_command("export_worksheet", "--case", "AUD-0001", "--out", str(out))
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.data == pdf_facts(hashlib.sha256(out.read_bytes()).hexdigest(), via="command")


def test_issued_copies_are_read_from_the_data(client, signed, alice):
    client.force_login(alice)
    first = client.get(reverse("worksheet_pdf", args=[signed.pk])).content
    client.get(reverse("worksheet_pdf", args=[signed.pk]))
    [copy] = issued_copies(signed)
    assert copy["sha256"] == hashlib.sha256(first).hexdigest()
    assert copy["variant"] == "tagged" and copy["times"] == 2
    assert copy["without_status"] is False


def test_a_misleading_summary_does_not_change_the_hash_listed(signed):
    # The summary names one hash, the data another: the data is what was issued.
    issued_event(
        signed, summary=f"pdf tagged signed sha256 {FALSE_HASH}", data=pdf_facts(TRUE_HASH)
    )
    # A summary alone, however well formed, is not an issued copy.
    issued_event(signed, summary=f"pdf archival signed sha256 {FALSE_HASH}", data={})
    # Facts without a summary in the old words still are.
    issued_event(
        signed,
        summary="downloaded",
        data=pdf_facts("b" * 64, variant="archival", status_shown=False),
    )
    copies = issued_copies(signed)
    assert [copy["sha256"] for copy in copies] == ["b" * 64, TRUE_HASH]
    assert copies[0]["variant_label"] == "Archival PDF (PDF/A-2b)"
    assert copies[0]["without_status"] is True


def test_a_draft_printed_before_signing_is_not_a_signed_copy(signed):
    issued_event(signed, summary="", data=pdf_facts("c" * 64, signed=False))
    issued_event(signed, summary="", data=pdf_facts(TRUE_HASH))
    assert [copy["sha256"] for copy in issued_copies(signed)] == [TRUE_HASH]


# --- Other actions ----------------------------------------------------------------------------


def test_convey_and_the_offers_later_status_are_recorded_as_data(case, alice):
    offer = factories.make_disposition(case)
    actions.convey_offer(offer, by_user=alice)
    actions.set_disposition_status(offer, by_user=alice, status=DispositionStatus.ACCEPTED)
    today = timezone.localdate().isoformat()
    assert AuditEvent.objects.get(action=AuditAction.CONVEY).data == {
        "with_signed_worksheet": False,
        "conveyed_on": today,
    }
    change = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="disposition")
    assert change.data == {"status": "accepted", "status_before": "conveyed", "on": today}


def test_a_review_records_its_outcome_as_data(signed, carol):
    actions.review_worksheet(signed, by_user=carol, outcome=ReviewOutcome.APPROVED)
    assert AuditEvent.objects.get(action=AuditAction.REVIEW).data == {"outcome": "approved"}


def test_an_event_without_facts_has_empty_data_never_null(case, alice):
    event = audit.record(AuditAction.VIEW, case, user=alice)
    event.refresh_from_db()
    assert event.data == {}


def test_data_must_be_a_dict(case, alice):
    with pytest.raises(TypeError, match="dict"):
        audit.record(AuditAction.VIEW, case, user=alice, data=["not", "a", "dict"])
    assert not AuditEvent.objects.exists()


# --- The audit log shows it ---------------------------------------------------------------------


def test_the_audit_log_shows_and_exports_the_data(client, signed, dave):
    issued_event(signed, summary="pdf tagged signed sha256 …", data=pdf_facts(TRUE_HASH))
    client.force_login(dave)
    page = client.get(reverse("audit_log"), {"action": "export"}).content.decode()
    assert f"sha256={TRUE_HASH}" in page
    response = client.get(reverse("audit_log_export"), {"action": "export"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    [issued] = [row for row in rows if row["object_type"] == "worksheet"]
    assert issued["data"] == (
        '{"document":"worksheet_pdf","sha256":"' + TRUE_HASH + '","signed":true,'
        '"status_shown":true,"variant":"tagged","via":"web"}'
    )
    [export] = [row for row in rows if row["object_type"] == "auditevent"]
    assert export["data"] == ""
