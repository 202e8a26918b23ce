"""The defense's request for consideration (issue 15 item 6): recorded from the case page with
PDF attachments, its proposal entered as an offer the engine assesses, shown on the worksheet
and in its PDF, and frozen there at signing. As alice (deputy), carol (supervisor), dave
(administrator, read-only) and olivia (another office)."""

import datetime as dt
import hashlib
import os
import stat
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import actions, attachments, defense_requests
from cases.choices import (
    AuditAction,
    DispositionLabel,
    ProposedBy,
    ScanResult,
)
from cases.models import AuditEvent, DefenseAttachment, DefenseSubmission, Disposition
from cases.worksheet_print import render_worksheet_pdf
from cases.worksheets import content_for_display
from compliance import metrics
from tests import factories
from tests.factories import ready_worksheet
from tests.pdf_samples import one_page_pdf
from tests.pdf_tools import page_count, pdf_text, pdf_to_pngs
from tests.test_dispositions import offer_data

pytestmark = pytest.mark.django_db

LETTER = one_page_pdf("Letter from the Public Defender")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def pdf_upload(data=LETTER, name="letter.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def request_data(**overrides):
    data = {
        "received_on": timezone.localdate().isoformat(),
        "counsel": "Office of the Public Defender",
        "proposed_disposition": "",
        "claimed_consequences": "An aggravated felony: removal without relief.",
        "equities": "Twenty years here, three children, steady work.",
        "expert_consulted": "Immigrant Legal Resource Center",
    }
    data.update(overrides)
    return data


def stored_files(settings):
    root = settings.PRIVATE_MEDIA_ROOT
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


@pytest.fixture
def no_scanner(monkeypatch, tmp_path):
    """A PATH on which clamdscan cannot be found."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture
def fake_clamdscan(monkeypatch, tmp_path):
    """fake_clamdscan(exit_code, output) puts a clamdscan on PATH that reads the file from
    stdin, as the real one does with `-`, and answers with ClamAV's exit code."""

    def install(exit_code, output="stdin: OK"):
        folder = tmp_path / "fake-bin"
        folder.mkdir(exist_ok=True)
        script = folder / "clamdscan"
        log = folder / "stdin.bin"
        script.write_text(
            f"#!/bin/sh\ncat > '{log}'\necho '{output}'\n"
            f"[ {exit_code} -eq 2 ] && echo 'ERROR: Could not connect to clamd' >&2\n"
            f"exit {exit_code}\n"
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
        return log

    return install


# --- Recording a request ------------------------------------------------------------------------


def test_a_deputy_records_a_request_with_a_pdf(client, alice, case, settings, no_scanner):
    client.force_login(alice)
    data = request_data(attachments=[pdf_upload()])
    response = client.post(reverse("defense_request_create", args=[case.pk]), data)
    submission = DefenseSubmission.objects.get(case=case)
    assert response.status_code == 302
    assert response.url == f"{case.get_absolute_url()}#defense-request-{submission.pk}"
    assert submission.counsel == "Office of the Public Defender"
    assert submission.equities.startswith("Twenty years")
    assert submission.recorded_by == alice
    attachment = submission.attachments.get()
    assert attachment.original_name == "letter.pdf"
    assert attachment.sha256 == hashlib.sha256(LETTER).hexdigest()
    # No scanner on this PATH: said honestly, never "clean".
    assert attachment.scan == ScanResult.NOT_SCANNED
    # Stored through the storage API under a random name in the private root, not the upload's.
    assert stored_files(settings) == [attachment.file.path]
    assert "letter" not in attachment.file.name
    with attachment.file.open("rb") as handle:
        assert handle.read() == LETTER


def test_recording_is_audited_without_text_names_or_contents(client, alice, case, no_scanner):
    client.force_login(alice)
    client.post(
        reverse("defense_request_create", args=[case.pk]), request_data(attachments=[pdf_upload()])
    )
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="defensesubmission")
    attachment = DefenseAttachment.objects.get()
    assert event.user == alice and event.office == case.office
    assert event.data["attachments"] == [
        {
            "id": attachment.pk,
            "size": len(LETTER),
            "sha256": attachment.sha256,
            "scan": "not_scanned",
        }
    ]
    written = f"{event.summary} {event.data}"
    for secret in ("letter.pdf", "Twenty years", "aggravated", "Public Defender", "%PDF"):
        assert secret not in written


def test_the_case_page_shows_the_request_and_its_attachment(client, alice, case, no_scanner):
    client.force_login(alice)
    client.post(
        reverse("defense_request_create", args=[case.pk]), request_data(attachments=[pdf_upload()])
    )
    attachment = DefenseAttachment.objects.get()
    page = client.get(case.get_absolute_url()).content.decode()
    assert "The defense's request for consideration" in page
    assert "Twenty years here" in page and "An aggravated felony" in page
    assert reverse("defense_attachment_download", args=[attachment.pk]) in page
    assert "not scanned: no virus scanner on this server" in page


def test_a_supervisor_records_and_changes_a_request(client, carol, case, no_scanner):
    client.force_login(carol)
    client.post(reverse("defense_request_create", args=[case.pk]), request_data())
    submission = DefenseSubmission.objects.get(case=case)
    response = client.post(
        reverse("defense_request_edit", args=[submission.pk]),
        request_data(equities="Caregiver of a sick parent.", attachments=[pdf_upload()]),
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.equities == "Caregiver of a sick parent."
    assert submission.attachments.count() == 1
    change = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="defensesubmission")
    assert change.data["changed"] == ["equities"]


def test_the_administrator_reads_but_cannot_record_or_change(client, dave, case):
    submission = DefenseSubmission.objects.create(case=case, equities="Kept as it was.")
    client.force_login(dave)
    for url in (
        reverse("defense_request_create", args=[case.pk]),
        reverse("defense_request_edit", args=[submission.pk]),
        reverse("defense_request_proposal", args=[submission.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, request_data(equities="Changed")).status_code == 403
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Kept as it was." in page
    assert reverse("defense_request_create", args=[case.pk]) not in page
    assert DefenseSubmission.objects.get().equities == "Kept as it was."


def test_another_office_gets_404(client, olivia, case):
    submission = DefenseSubmission.objects.create(case=case)
    attachment = _attach(submission)
    client.force_login(olivia)
    for url in (
        reverse("defense_request_create", args=[case.pk]),
        reverse("defense_request_edit", args=[submission.pk]),
        reverse("defense_request_proposal", args=[submission.pk]),
        reverse("defense_attachment_download", args=[attachment.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, request_data()).status_code in (404, 405)
    assert DefenseSubmission.objects.count() == 1


def test_pages_need_a_login(client, case):
    response = client.get(reverse("defense_request_create", args=[case.pk]))
    assert response.status_code == 302 and "login" in response.url


# --- Bad input: a form error, what was typed kept, nothing stored --------------------------------


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf_upload(b"Just text, renamed.", name="letter.pdf"), "is not a PDF"),
        (pdf_upload(b"GIF89a" + LETTER, name="scan.pdf"), "is not a PDF"),
        (pdf_upload(b"%PDF-1.7\nnot really a pdf\n", name="broken.pdf"), "cannot be read"),
        (
            pdf_upload(LETTER + b"\n%" + b"x" * (10 * 1024 * 1024), name="huge.pdf"),
            "at most 10 MB",
        ),
    ],
    ids=["text-renamed", "other-magic", "damaged", "over-10-mb"],
)
def test_a_bad_file_is_refused_and_nothing_is_stored(
    client, alice, case, settings, no_scanner, upload, message
):
    client.force_login(alice)
    good = pdf_upload(name="good.pdf")
    response = client.post(
        reverse("defense_request_create", args=[case.pk]), request_data(attachments=[good, upload])
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page and upload.name in page
    assert "Choose the files again" in page
    assert "Twenty years here, three children" in page  # what was typed is kept
    assert not DefenseSubmission.objects.exists()
    assert not DefenseAttachment.objects.exists()
    assert stored_files(settings) == []


def test_a_date_received_in_the_future_is_refused(client, alice, case, no_scanner):
    client.force_login(alice)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        reverse("defense_request_create", args=[case.pk]),
        request_data(received_on=tomorrow.isoformat()),
    )
    assert response.status_code == 200
    assert "is in the future" in response.content.decode()
    assert not DefenseSubmission.objects.exists()


def test_counsel_is_required_and_prefilled_from_the_case(client, alice, case):
    case.defense_counsel = "Jane Counsel, Esq."
    case.save()
    client.force_login(alice)
    page = client.get(reverse("defense_request_create", args=[case.pk])).content.decode()
    assert 'value="Jane Counsel, Esq."' in page
    response = client.post(
        reverse("defense_request_create", args=[case.pk]), request_data(counsel="")
    )
    assert "Enter who sent the request." in response.content.decode()


def test_the_form_never_asks_for_an_immigration_status(client, alice, case):
    client.force_login(alice)
    page = client.get(reverse("defense_request_create", args=[case.pk])).content.decode().lower()
    form = page[page.index("<form") :]
    for asked in ('name="status"', "citizen", "visa", "green card", "undocumented"):
        assert asked not in form


# --- The virus scan, with a fake clamdscan that answers as ClamAV does --------------------------


def test_a_clean_scan_is_recorded(client, alice, case, fake_clamdscan):
    stdin = fake_clamdscan(0)
    client.force_login(alice)
    client.post(
        reverse("defense_request_create", args=[case.pk]), request_data(attachments=[pdf_upload()])
    )
    attachment = DefenseAttachment.objects.get()
    assert attachment.scan == ScanResult.CLEAN
    assert stdin.read_bytes() == LETTER  # the scanner saw the file itself


def test_a_virus_refuses_the_file_and_nothing_is_stored(
    client, alice, case, settings, fake_clamdscan
):
    fake_clamdscan(1, "stdin: Eicar-Test-Signature FOUND")
    client.force_login(alice)
    response = client.post(
        reverse("defense_request_create", args=[case.pk]), request_data(attachments=[pdf_upload()])
    )
    page = response.content.decode()
    assert "the virus scanner found Eicar-Test-Signature" in page
    assert not DefenseSubmission.objects.exists()
    assert stored_files(settings) == []


def test_a_scanner_error_stores_the_file_as_not_scanned(client, alice, case, fake_clamdscan):
    fake_clamdscan(2, "")
    client.force_login(alice)
    client.post(
        reverse("defense_request_create", args=[case.pk]), request_data(attachments=[pdf_upload()])
    )
    attachment = DefenseAttachment.objects.get()
    assert attachment.scan == ScanResult.SCAN_FAILED
    assert "exit 2" in attachment.scan_detail and "Could not connect" in attachment.scan_detail


# --- Downloads ----------------------------------------------------------------------------------


def _attach(submission):
    from tests.security.worlds import make_attachment

    return make_attachment(submission, "Letter from the Public Defender")


def test_an_attachment_downloads_as_a_file_and_is_audited(client, alice, dave, case):
    attachment = _attach(DefenseSubmission.objects.create(case=case))
    for reader in (alice, dave):
        client.force_login(reader)
        response = client.get(reverse("defense_attachment_download", args=[attachment.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="letter.pdf"'
        assert response["Cache-Control"] == "no-store, private"
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == attachment.sha256
    events = AuditEvent.objects.filter(object_type="defenseattachment", action=AuditAction.VIEW)
    assert {event.user for event in events} == {alice, dave}


def test_the_private_root_is_not_served(client, alice, case, settings):
    attachment = _attach(DefenseSubmission.objects.create(case=case))
    client.force_login(alice)
    assert client.get(attachment.file.url).status_code == 404
    assert str(settings.PRIVATE_MEDIA_ROOT) not in str(settings.STATIC_ROOT)


# --- The proposal: an offer labelled "defense proposal", assessed by the engine ------------------


def test_the_proposal_is_entered_on_the_offer_page_and_assessed(client, alice, case):
    submission = DefenseSubmission.objects.create(case=case)
    client.force_login(alice)
    url = reverse("defense_request_proposal", args=[submission.pk])
    page = client.get(url).content.decode()
    assert "Terms, count by count" in page  # the one offer page, not a copy of it
    data = offer_data(case, {1: {"statute_pleaded": "PC 243(e)(1)", "custody_days_imposed": "364"}})
    data.update(label="standard", proposed_by="prosecution", name="PD's proposal")  # ignored
    response = client.post(url, data)
    assert response.status_code == 302
    submission.refresh_from_db()
    proposal = submission.proposed_disposition
    assert proposal.label == DispositionLabel.DEFENSE
    assert proposal.proposed_by == ProposedBy.DEFENSE
    assert proposal.name == "PD's proposal"
    case_page = client.get(case.get_absolute_url()).content.decode()
    # The engine's grid has a column for it, like any offer.
    assert f'href="#flags-c1-o{proposal.pk}"' in case_page
    # Its card offers no "Mark conveyed": the People do not convey the defense's proposal.
    convey = reverse("disposition_convey", args=[proposal.pk])
    assert convey not in case_page
    # Saving again changes the same offer; the request keeps naming it.
    client.post(url, {**data, "version": str(proposal.lock_version)})
    assert Disposition.objects.filter(case=case).count() == 1


def test_a_defense_proposal_is_never_conveyed(client, alice, case):
    proposal = factories.make_disposition(
        case, DispositionLabel.DEFENSE, proposed_by=ProposedBy.DEFENSE
    )
    with pytest.raises(PermissionDenied):
        actions.convey_offer(proposal, by_user=alice)
    client.force_login(alice)
    assert client.post(reverse("disposition_convey", args=[proposal.pk])).status_code == 403
    proposal.refresh_from_db()
    assert proposal.conveyed_at is None


def test_a_conveyed_defense_proposal_is_not_counted_in_the_compliance_report(alice, case):
    """Data from before the rule: a defense proposal with a conveyance date."""
    now = timezone.now()
    month = timezone.localdate().replace(day=1)
    people = factories.make_disposition(case, conveyed_at=now, conveyed_month=month)
    factories.make_disposition(
        case, DispositionLabel.DEFENSE, conveyed_at=now, conveyed_month=month
    )

    counted = metrics.Disposition.objects.filter(
        pk__in=metrics.offers(_report_filter(alice, now), alice).values("pk")
    )
    assert list(counted) == [people]


def _report_filter(user, now):
    from compliance.filters import ReportFilterForm

    form = ReportFilterForm(
        {"date_from": (now - dt.timedelta(days=1)).date(), "date_to": now.date()}, user=user
    )
    assert form.is_valid(), form.errors
    return form.report_filter()


# --- The worksheet and its PDF ------------------------------------------------------------------


def _signed_with_request(case, alice):
    standard = factories.make_disposition(case, name="Standard offer")
    for charge in case.charges.all():
        factories.make_term(standard, charge, custody_days_imposed=90)
    proposal = factories.make_disposition(
        case, DispositionLabel.DEFENSE, name="PD proposal", proposed_by=ProposedBy.DEFENSE
    )
    for charge in case.charges.all():
        factories.make_term(proposal, charge, custody_days_imposed=30)
    submission = defense_requests.record_request(
        case,
        by_user=alice,
        fields={
            "received_on": timezone.localdate(),
            "counsel": "Office of the Public Defender",
            "proposed_disposition": proposal,
            "claimed_consequences": "Removal as an aggravated felony.",
            "equities": "Twenty years in the county.",
            "expert_consulted": "",
        },
        files=[attachments.check(pdf_upload())],
    )
    worksheet = ready_worksheet(case, alice, standard)
    worksheet.dispositions_considered.set([standard, proposal])
    return submission, actions.sign_worksheet(worksheet, by_user=alice)


def test_the_worksheet_shows_the_request_beside_the_analysis(client, alice, case):
    _, signed = _signed_with_request(case, alice)
    client.force_login(alice)
    page = client.get(signed.get_absolute_url()).content.decode()
    section = page[page.index('id="defense-request"') :]
    assert "Twenty years in the county." in section
    assert "Removal as an aggravated felony." in section
    assert "Offer B: PD proposal" in section
    assert "letter.pdf" in section
    # Beside the analysis: after the grid of the offers considered, before the consideration.
    assert page.index('id="grid-heading"') < page.index('id="defense-request"')


def test_a_signed_worksheet_keeps_the_request_as_it_stood(client, alice, case):
    submission, signed = _signed_with_request(case, alice)
    frozen_hash = signed.content_hash
    defense_requests.change_request(
        submission,
        by_user=alice,
        fields={"equities": "Rewritten after signing.", "proposed_disposition": None},
        files=[attachments.check(pdf_upload(name="later.pdf"))],
    )
    signed.refresh_from_db()
    content = content_for_display(signed)
    frozen = content["defense_request"]["requests"][0]
    assert frozen["equities"] == "Twenty years in the county."
    assert frozen["proposal"]["name"] == "PD proposal"
    assert [a["name"] for a in frozen["attachments"]] == ["letter.pdf"]
    assert signed.content_hash == frozen_hash
    client.force_login(alice)
    page = client.get(signed.get_absolute_url()).content.decode()
    assert "Twenty years in the county." in page and "Rewritten after signing." not in page


def test_the_pdf_shows_the_request(alice, case, tmp_path):
    _, signed = _signed_with_request(case, alice)
    data = render_worksheet_pdf(signed)
    text = pdf_text(data)
    assert "The defense's request for consideration" in text.replace("’", "'")
    assert "Twenty years in the county." in text
    assert "Offer B: PD proposal" in text
    assert "letter.pdf" in text
    # Page 1 still ends with the attestation; the request follows it (the rendered page is kept
    # in test-artifacts/ to be looked at).
    assert "Attestation" in pdf_text(data, first=1)
    page = next(n for n in range(1, page_count(data) + 1) if "Equities" in pdf_text(data, first=n))
    png = pdf_to_pngs(data, tmp_path, first=page, last=page, resolution=60)[0]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "defense-worksheet-pdf.png").write_bytes(png.read_bytes())
    assert png.stat().st_size > 10_000  # a page with text on it, not a blank one


@pytest.mark.parametrize("required_by_policy", [True, False])
def test_office_policy_makes_the_worksheet_say_whether_there_was_a_request(
    client, alice, case, required_by_policy
):
    factories.set_policy(case.office, defense_request_required=required_by_policy)
    worksheet = ready_worksheet(case, alice)
    client.force_login(alice)
    page = client.get(worksheet.get_absolute_url()).content.decode()
    required = "Office policy requires a request from the defense before consideration"
    if required_by_policy:
        assert required in page and "no request was recorded" in page
        DefenseSubmission.objects.create(case=case, received_on=dt.date(2026, 11, 2))
        page = client.get(worksheet.get_absolute_url()).content.decode()
        assert "a request was received on Nov 2, 2026" in page
    else:
        assert required not in page and 'id="defense-request"' not in page


def test_the_case_page_query_count_does_not_grow_with_requests(client, alice, case):
    client.force_login(alice)
    first = DefenseSubmission.objects.create(case=case)
    _attach(first)
    with CaptureQueriesContext(connection) as one:
        client.get(case.get_absolute_url())
    for _ in range(3):
        _attach(DefenseSubmission.objects.create(case=case))
    with CaptureQueriesContext(connection) as four:
        assert client.get(case.get_absolute_url()).status_code == 200
    assert len(four) == len(one)


def test_a_failed_save_leaves_no_file_behind(alice, case, settings, monkeypatch):
    """The file is written before the audit row; if the transaction fails, the file goes too."""

    def broken(*args, **kwargs):
        raise RuntimeError("audit database unavailable")

    monkeypatch.setattr(defense_requests.audit, "record", broken)
    with pytest.raises(RuntimeError):
        defense_requests.record_request(
            case,
            by_user=alice,
            fields={"received_on": timezone.localdate(), "counsel": "PD"},
            files=[attachments.check(pdf_upload())],
        )
    assert not DefenseSubmission.objects.exists()
    assert stored_files(settings) == []


def test_a_file_name_with_folders_or_control_characters_is_cleaned(client, alice, case):
    assert attachments._display_name("..\\..\\etc\\evil\r\nname.pdf") == "evilname.pdf"
    assert attachments._display_name("\x00\x1b") == "attachment.pdf"
    client.force_login(alice)
    upload = pdf_upload(name="../../etc/court-letter.pdf")
    client.post(
        reverse("defense_request_create", args=[case.pk]), request_data(attachments=[upload])
    )
    attachment = DefenseAttachment.objects.get()
    assert attachment.original_name == "court-letter.pdf"
    response = client.get(reverse("defense_attachment_download", args=[attachment.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="court-letter.pdf"'


def test_stored_files_are_readable_by_the_application_user_only(alice, case):
    attachment = _attach(DefenseSubmission.objects.create(case=case))
    assert stat.S_IMODE(os.stat(attachment.file.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(attachment.file.path)).st_mode) == 0o700
