"""The worksheet PDF: what it says, how it paginates, who may download it, and the command."""

import hashlib
import os
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions, audit, pdf
from cases.choices import AuditAction, DisclosureSource, ReviewOutcome
from cases.models import AuditEvent, Review
from cases.worksheet_print import CONFIDENTIAL, render_worksheet_pdf
from consequences.statuses import Status
from tests import factories
from tests.pdf_tools import embedded_files, metadata, page_count, pdf_text, pdf_to_pngs
from tests.worksheet_builder import build_worksheet


def make(office, unit, deputy, number="PDF-0001", **kwargs):
    case_kwargs = {
        "office": office,
        "unit": unit,
        "court_case_number": number,
        "da_file_number": f"DA-{number}",
        "court_name": "Superior Court of California, County of Alpha",
        "department": "7",
    }
    return build_worksheet(case_kwargs, deputy=deputy, **kwargs)


@pytest.fixture
def signed(office, unit, alice):
    return make(office, unit, alice, counts=2, offers=2)


@pytest.fixture
def draft(office, unit, alice):
    return make(office, unit, alice, number="PDF-0002", counts=2, offers=2, sign=False)


def test_signed_worksheet_holds_every_required_element(signed, carol):
    # A modified offer departs from the standard one: office policy sends it for review.
    assert Review.objects.filter(worksheet=signed).exists()
    actions.review_worksheet(
        signed, by_user=carol, outcome=ReviewOutcome.APPROVED, comments="Well reasoned."
    )
    signed.refresh_from_db()
    data = render_worksheet_pdf(signed)
    text = pdf_text(data)
    content = signed.signed_content
    case = content["case"]

    for required in [
        case["caption"],
        "Superior Court of California, County of Alpha, Department 7",
        "PDF-0001",
        "DA-PDF-0001",
        case["deputy"],
        case["unit"],
        "PC 273.5(a)",
        "HS 11351",
        "Wobbler",
        "Felony",
        "Offer A: Standard offer 1",
        "Offer B: Defense proposal 2",
        "Offers considered, side by side",
        "Every flag, count by count",
        "Ground Verdict Condition Matters for Authority",
        "Authorities cited in section 3",
        "Safer alternatives looked at",
        "Factors weighed",
        "Seriousness of the offense",
        "Family here.",
        "A similarly situated citizen would receive the same offer",
        "Modified offer",
        "Reasons weighed for this test worksheet.",
        "Attestation",
        content["attestation"]["statements"][0],
        content["attestation"]["signer"]["name"],
        signed.content_hash,
        "Supervisor's review",
        f"Offense catalog version {content['catalog']['version']}",
        "Approved",
        "Well reasoned.",
        CONFIDENTIAL,
    ]:
        assert required in text, required
    # Flags per count: ground, verdict, condition, statuses, citations.
    flag = next(
        flag
        for count in content["analysis"]["dispositions"].values()
        for assessed in count["counts"].values()
        for flag in assessed["flags"]
        if flag["verdict"] == "yes" and flag["citations"] and flag["condition"]
    )
    assert flag["citations"][0] in text
    assert " ".join(flag["condition"].split()) in text
    assert "every non-citizen status" in text or "LPR" in text
    pages = page_count(data)
    for page in range(1, pages + 1):
        page_text = pdf_text(data, first=page)
        assert f"Page {page} of {pages}" in page_text
        assert CONFIDENTIAL in page_text
        assert "DRAFT" not in page_text
    info = metadata(data)
    assert info.title.startswith("§ 1016.3(b) worksheet")
    assert "PDF-0001" in info.title
    assert info.author == content["attestation"]["signer"]["name"]
    assert "1016.3(b)" in info.subject


def test_review_decision_is_printed(signed, carol):
    actions.review_worksheet(
        signed, by_user=carol, outcome=ReviewOutcome.RETURNED, comments="Explain the parity."
    )
    signed.refresh_from_db()
    text = pdf_text(render_worksheet_pdf(signed))
    assert "Returned with comments" in text
    assert "Explain the parity." in text
    assert carol.get_full_name() in text


def test_draft_has_a_watermark_on_every_page_and_no_attestation(draft):
    data = render_worksheet_pdf(draft)
    pages = page_count(data)
    for page in range(1, pages + 1):
        assert "DRAFT" in pdf_text(data, first=page)
    text = pdf_text(data)
    assert "Not signed. A draft carries no attestation." in text
    assert "SHA-256 of the signed content" not in text


def test_same_signed_version_gives_byte_identical_pdfs(signed):
    for variant in pdf.VARIANTS:
        first = render_worksheet_pdf(signed, variant=variant)
        second = render_worksheet_pdf(signed, variant=variant)
        assert first == second, variant
    info = metadata(first)
    assert info["/CreationDate"].startswith("D:" + signed.signed_at.strftime("%Y%m%d"))


def test_signed_pdf_is_rendered_from_the_stored_content(signed):
    """Changing the case after signing changes nothing in the signed worksheet's PDF."""
    before = render_worksheet_pdf(signed)
    case = signed.case
    case.caption = "People v. Someone Else"
    case.save()
    signed.refresh_from_db()
    assert render_worksheet_pdf(signed) == before


def test_status_appears_only_when_disclosed_and_included(office, unit, alice):
    worksheet = make(office, unit, alice, counts=1, offers=1, sign=False)
    actions.record_status_disclosure(
        worksheet.case, by_user=alice, status=Status.LPR, source=DisclosureSource.VIA_COUNSEL
    )
    assert "Lawful permanent resident" not in pdf_text(render_worksheet_pdf(worksheet))

    actions.update_worksheet(
        worksheet, by_user=alice, version=worksheet.lock_version, fields={"include_status": True}
    )
    worksheet.refresh_from_db()
    text = pdf_text(render_worksheet_pdf(worksheet))
    assert "Lawful permanent resident (green card)" in text
    without = pdf_text(render_worksheet_pdf(worksheet, show_status=False))
    assert "Lawful permanent resident" not in without
    # Not hinted either: the copy reads as that of a worksheet without a status.
    assert "withheld" not in without and "Immigration status" not in without
    # Numbered as a worksheet without a status is (the attestation is on page 1, unnumbered).
    assert "6. Supervisor's review" in without and "7. Supervisor's review" in text


HOSTILE = [
    "<b>bold</b>",
    '<style>@import url("http://169.254.169.254/x.css");</style>',
    '<link rel="attachment" href="file:///etc/passwd">',
    '<div style="background:url(file:///etc/passwd)">x</div>',
    '<img src="http://169.254.169.254/latest/meta-data/">',
]


def test_hostile_user_text_appears_literally_and_fetches_nothing(office, unit, alice):
    reasons = "\n".join(HOSTILE)
    worksheet = make(
        office,
        unit,
        alice,
        counts=1,
        offers=1,
        defendant_name='<script>alert(1)</script> "Robert"',
        reasons=reasons,
    )
    fetcher = pdf.StaticOnlyFetcher()
    data = render_worksheet_pdf(worksheet, fetcher=fetcher)
    text = pdf_text(data)
    for hostile in HOSTILE:
        assert " ".join(hostile.split()) in text, hostile
    assert "<script>alert(1)</script>" in text
    assert fetcher.refused == []  # not even asked: the text was escaped…
    assert all(url.startswith("considered:") for url in fetcher.requested)  # …only ours
    assert embedded_files(data) == []


def test_long_worksheet_paginates_with_repeated_table_headers(office, unit, alice, tmp_path):
    worksheet = make(office, unit, alice, counts=20, offers=5, sign=False)
    data = render_worksheet_pdf(worksheet)
    pages = page_count(data)
    assert pages > 5
    texts = {page: pdf_text(data, first=page) for page in range(1, pages + 1)}
    flag_pages = [p for p, text in texts.items() if "Count 20 (" in text or "Count 1 (" in text]
    comparison_pages = [p for p, text in texts.items() if "20. " in text and "Offer E" in text]
    # The flags table spans pages, and its header row is printed again at the top of each.
    header = "Ground Verdict Condition Matters for Authority"
    spanned = list(range(min(flag_pages), max(flag_pages) + 1))
    assert len(spanned) > 2
    for page in spanned[1:]:
        # The running header and the watermark may interleave with the row in text order.
        text = " ".join(texts[page].replace("DRAFT — not signed", "").replace("DRAFT", "").split())
        assert header in text, page
    # The side-by-side table (landscape for five offers) repeats its offer headings too.
    assert comparison_pages, "count 20 not found in the comparison table"
    first_comparison = min(p for p, text in texts.items() if "side by side" in text)
    assert comparison_pages[0] > first_comparison  # count 20 is on a later page…
    assert "Offer A: Standard offer 1" in texts[comparison_pages[0]]  # …under the headings again
    assert "Offer E: Defense proposal 5" in texts[comparison_pages[0]]
    for page, text in texts.items():
        assert f"Page {page} of {pages}" in text
        assert "DRAFT" in text
    pngs = pdf_to_pngs(data, tmp_path, first=1, last=2)
    assert len(pngs) == 2
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 5000  # a page with content, not a blank one


# --- Download --------------------------------------------------------------------------------


def test_owner_downloads_the_pdf_and_the_download_is_audited(client, signed, alice):
    client.force_login(alice)
    response = client.get(reverse("worksheet_pdf", args=[signed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="worksheet-pdf-0001-v1.pdf"'
    assert response["Cache-Control"] == "no-store, private"
    data = response.content
    assert data.startswith(b"%PDF-")
    digest = hashlib.sha256(data).hexdigest()
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, object_id=str(signed.pk))
    assert event.user == alice
    assert event.summary == f"pdf tagged signed sha256 {digest}"
    assert alice.last_name not in event.summary


def test_a_download_whose_record_cannot_be_written_hands_over_no_file(
    client, signed, alice, monkeypatch
):
    """The export's record is written before the file is handed over: if the database refuses
    it, the download fails and nothing was recorded as issued."""

    def refused(*args, **kwargs):
        raise DatabaseError("audit table unavailable")

    client.force_login(alice)
    monkeypatch.setattr(audit, "record", refused)
    with pytest.raises(DatabaseError):  # a 500 for the browser, and no PDF in it
        client.get(reverse("worksheet_pdf", args=[signed.pk]))
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_archival_variant_download(client, signed, alice):
    client.force_login(alice)
    response = client.get(reverse("worksheet_pdf", args=[signed.pk]), {"variant": "archival"})
    assert response.status_code == 200
    assert 'filename="worksheet-pdf-0001-v1-archival.pdf"' in response["Content-Disposition"]
    assert "pdfaid" in response.content.decode("latin-1") or embedded_files(response.content) == []


def test_unknown_variant_is_a_bad_request(client, signed, alice):
    client.force_login(alice)
    response = client.get(reverse("worksheet_pdf", args=[signed.pk]), {"variant": "x"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_other_office_gets_404_and_nothing_is_recorded(client, signed, olivia):
    client.force_login(olivia)
    response = client.get(reverse("worksheet_pdf", args=[signed.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_anonymous_is_sent_to_log_in(client, signed):
    response = client.get(reverse("worksheet_pdf", args=[signed.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_reader_without_status_permission_is_not_told_a_status_exists(
    client, office, unit, alice, dave
):
    worksheet = make(office, unit, alice, counts=1, offers=1, sign=False)
    actions.record_status_disclosure(
        worksheet.case, by_user=alice, status=Status.LPR, source=DisclosureSource.VIA_COUNSEL
    )
    actions.update_worksheet(
        worksheet, by_user=alice, version=worksheet.lock_version, fields={"include_status": True}
    )
    assert not dave.has_perm("cases.view_status")
    client.force_login(dave)
    response = client.get(reverse("worksheet_pdf", args=[worksheet.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Lawful permanent resident" not in text
    assert "withheld" not in text and "status volunteered" not in text


def test_panel_lists_the_sha256_of_each_pdf_issued(client, signed, alice):
    html = render_to_string("worksheets/_pdf.html", {"worksheet": signed})
    assert reverse("worksheet_pdf", args=[signed.pk]) in html
    assert "?variant=archival" in html
    assert "once it has been downloaded" in html
    assert not re.search(r"[0-9a-f]{64}", html)  # the page shows the content hash elsewhere

    client.force_login(alice)
    tagged = client.get(reverse("worksheet_pdf", args=[signed.pk])).content
    client.get(reverse("worksheet_pdf", args=[signed.pk]))
    archival = client.get(reverse("worksheet_pdf", args=[signed.pk]), {"variant": "archival"})
    # The copies listed depend on the reader (a role without status sees only its own kind).
    request = RequestFactory().get("/")
    request.user = alice
    alice.has_perm("cases.view_status")  # the page has loaded the reader's permissions already
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("worksheets/_pdf.html", {"worksheet": signed, "request": request})
    assert len(queries) == 1
    assert hashlib.sha256(tagged).hexdigest() in html
    assert hashlib.sha256(archival.content).hexdigest() in html
    assert "2 downloads" in html


def test_panel_on_a_draft_shows_no_hash(draft):
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("worksheets/_pdf.html", {"worksheet": draft})
    assert len(queries) == 0
    assert "DRAFT watermark" in html
    assert not re.search(r"[0-9a-f]{64}", html)


# --- Command line ----------------------------------------------------------------------------


def test_command_writes_the_current_worksheet_of_a_case(signed, tmp_path):
    out = tmp_path / "case.pdf"
    call_command("export_worksheet", "--case", "PDF-0001", "--out", str(out))
    assert out.read_bytes() == render_worksheet_pdf(signed)
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.user is None
    assert event.summary.startswith("pdf tagged signed command sha256 ")


def test_command_asks_for_the_office_when_a_number_is_ambiguous(signed, other_office, tmp_path):
    other_unit = factories.make_unit(other_office, "Omega Unit")
    olivia = factories.make_user("olivia2", other_office, unit=other_unit)
    make(other_office, other_unit, olivia, number="PDF-0001", counts=1, offers=1, sign=False)
    out = tmp_path / "case.pdf"
    with pytest.raises(CommandError, match="several offices"):
        call_command("export_worksheet", "--case", "PDF-0001", "--out", str(out))
    call_command(
        "export_worksheet", "--case", "PDF-0001", "--office", other_office.slug, "--out", str(out)
    )
    assert "DRAFT" in pdf_text(out.read_bytes())


def test_command_refuses_a_case_without_a_worksheet(case, tmp_path):
    with pytest.raises(CommandError, match="no worksheet"):
        call_command("export_worksheet", "--case", case.court_case_number, "--out", "x.pdf")
    with pytest.raises(CommandError, match="No case"):
        call_command("export_worksheet", "--case", "NOPE", "--out", "x.pdf")


def test_command_writes_every_current_worksheet_of_an_office(signed, draft, office, tmp_path):
    amendment = actions.amend_worksheet(signed, by_user=signed.signed_by, reason="Typo.")
    call_command("export_worksheet", "--all", "--out-dir", str(tmp_path), "--office", office.slug)
    written = sorted(path.name for path in (tmp_path / office.slug).iterdir())
    assert written == ["worksheet-pdf-0001-v2-draft.pdf", "worksheet-pdf-0002-v1-draft.pdf"]
    assert amendment.version == 2
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 2


def test_worksheet_page_offers_the_download(client, signed, alice):
    client.force_login(alice)
    response = client.get(reverse("worksheet_detail", args=[signed.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "PDF for the case file" in html
    assert reverse("worksheet_pdf", args=[signed.pk]) in html


def test_each_flag_points_to_its_own_authorities(signed):
    from cases.worksheet_print import print_context

    context = print_context(signed)
    by_number = {entry["number"]: entry["citation"] for entry in context["authorities"]}
    assert sorted(by_number) == list(range(1, len(by_number) + 1))
    flags = [flag for plea in context["pleas"] for flag in plea["term"]["flagged"]]
    assert flags
    for flag in flags:
        assert [by_number[ref] for ref in flag["refs"]] == flag["citations"]


def test_page_1_of_demo_0001_holds_the_caption_grid_decision_and_attestation(db):
    """Issue 14, item 7: a reader decides from page 1; the details follow; at most 4 pages."""
    from cases.models import Worksheet

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    signed = Worksheet.objects.get(case__court_case_number="DEMO-0001", version=1)
    data = render_worksheet_pdf(signed)
    first = " ".join(pdf_text(data, first=1).split())
    for required in (
        signed.signed_content["case"]["caption"],
        "Offers considered, side by side",
        "Whole offer",
        "Decision and reasons",
        signed.signed_content["decision"]["label"],
        "Attestation",
        signed.content_hash,
    ):
        assert required in first, required
    assert "Every flag, count by count" not in first
    assert page_count(data) <= 4  # 8 before issue 14, then 5


def test_offers_that_plead_to_no_count_are_not_printed_as_no_offer_considered(office, unit, alice):
    """An offer considered with no plea entered yet for any count: section 1 shows each count
    as not addressed, and section 3 must not say that no offer was considered."""
    from cases.choices import DispositionLabel, ProposedBy

    worksheet = make(office, unit, alice, number="PDF-EMPTY", counts=2, offers=0, sign=False)
    offer = actions.save_disposition(
        worksheet.case,
        by_user=alice,
        fields={
            "label": DispositionLabel.STANDARD,
            "proposed_by": ProposedBy.PROSECUTION,
            "name": "Terms to follow",
        },
        terms={},
    )
    worksheet.refresh_from_db()
    actions.update_worksheet(
        worksheet,
        by_user=alice,
        version=worksheet.lock_version,
        fields={"chosen_disposition": offer},
        considered=[offer],
    )
    worksheet.refresh_from_db()
    signed = actions.sign_worksheet(worksheet, by_user=alice)

    text = " ".join(pdf_text(render_worksheet_pdf(signed)).split())
    assert "Offer A: Terms to follow (chosen)" in text
    assert "Not addressed" in text
    assert "No offer was selected as considered" not in text
    assert "The offers considered make no plea to any count" in text
