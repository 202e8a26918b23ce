"""Signed worksheets' PDFs rendered once by a real worker on a real queue, stored through the
storage API and served from there (issue 19 item 1)."""

import threading
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.base import ContentFile

from cases import actions, pdf_jobs, pdf_store, prepared, worksheet_print
from cases.choices import ApprovalPolicy, Decision, DisclosureSource, ReviewOutcome
from config.celery import app
from consequences.statuses import Status
from tests import factories
from tests.pdf_tools import pdf_text


def redis_url():
    """A Redis database of the suite's own: CI runs the SQLite and PostgreSQL suites side by
    side, and a worker of one must not take the other's jobs."""
    from django.db import connection

    return f"redis://127.0.0.1:6379/{15 if connection.vendor == 'sqlite' else 13}"


@pytest.fixture
def pdf_dir(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "worksheet_pdfs": {
            "BACKEND": "cases.pdf_store.AtomicFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "pdfs")},
        },
    }
    from django.core.files.storage import storages

    storages._storages.pop("worksheet_pdfs", None)
    yield tmp_path / "pdfs"
    storages._storages.pop("worksheet_pdfs", None)


@pytest.fixture
def renders(monkeypatch):
    """Count the real renders (the function still renders)."""
    calls = []
    real = worksheet_print.render_worksheet_pdf

    def counting(*args, **kwargs):
        calls.append(args[0].pk)
        return real(*args, **kwargs)

    monkeypatch.setattr(worksheet_print, "render_worksheet_pdf", counting)
    return calls


def sign(office, unit, alice, number=None, *, status=None):
    """A signed worksheet; with `status`, one that carries a volunteered status."""
    factories.set_policy(office, supervisor_approval=ApprovalPolicy.ALWAYS)
    case = factories.make_case(office, unit, alice, number=number or f"PDFQ-{office.pk}")
    charge = factories.make_charge(case, 1, "PC 273.5(a)")
    offer = factories.make_disposition(case, name="Standard")
    factories.make_term(offer, charge)
    fields = {}
    if status is not None:
        actions.record_status_disclosure(
            case, by_user=alice, status=status, source=DisclosureSource.VIA_COUNSEL
        )
        fields["include_status"] = True
    worksheet = factories.ready_worksheet(case, alice, offer, Decision.MODIFIED, **fields)
    return actions.sign_worksheet(worksheet, by_user=alice)


# Tables a stored download reads with the worksheet, never in a query of their own.
SEPARATE_READS = ('"cases_review"', '"cases_counselrequest"', '"cases_office"')


def stored_files(folder):
    return sorted(p for p in folder.rglob("*.pdf")) if folder.exists() else []


@pytest.mark.django_db(transaction=True)
def test_the_worker_stores_the_pdf_and_the_download_reads_it(
    settings, pdf_dir, renders, office, unit, alice
):
    settings.CELERY_BROKER_URL = redis_url()
    app.conf.broker_url = settings.CELERY_BROKER_URL
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30):
        worksheet = sign(office, unit, alice)
        deadline = time.monotonic() + 120
        while not stored_files(pdf_dir) and time.monotonic() < deadline:
            time.sleep(0.2)
    (stored,) = stored_files(pdf_dir)
    assert renders == [worksheet.pk]  # rendered once, by the worker
    data, digest = worksheet_print.issue_pdf(worksheet, by_user=alice)
    assert data == stored.read_bytes()
    assert renders == [worksheet.pk]  # the download rendered nothing
    # Deterministic: a fresh render is the same bytes as the stored file.
    assert worksheet_print.render_worksheet_pdf(worksheet) == data


@pytest.mark.django_db(transaction=True)
def test_every_signers_copy_is_rendered_before_the_copies_without_status(
    settings, pdf_dir, monkeypatch, office, unit, alice
):
    """Two worksheets with a status signed in a burst: both signers' copies (status shown)
    come before either copy for a reader without the status permission."""
    settings.CELERY_BROKER_URL = redis_url()
    app.conf.broker_url = settings.CELERY_BROKER_URL
    with app.connection_for_write() as connection:  # no job of an earlier run
        connection.default_channel.queue_purge(app.conf.task_default_queue)
    order = []
    real = worksheet_print.render_worksheet_pdf

    def recording(worksheet, **kwargs):
        order.append((worksheet.pk, kwargs["show_status"]))
        return real(worksheet, **kwargs)

    monkeypatch.setattr(worksheet_print, "render_worksheet_pdf", recording)
    first = sign(office, unit, alice, "PDFQ-A", status=Status.LPR)
    second = sign(office, unit, alice, "PDFQ-B", status=Status.LPR)
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30):
        deadline = time.monotonic() + 180
        while len(stored_files(pdf_dir)) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
    assert order == [(first.pk, True), (second.pk, True), (first.pk, False), (second.pk, False)]
    assert len(stored_files(pdf_dir)) == 4


def test_the_layout_version_covers_the_print_stylesheets():
    """A new print stylesheet is a new layout, so no PDF stored under the old one is served."""
    from django.conf import settings

    root = Path(settings.BASE_DIR)
    assert all((root / name).is_file() for name in pdf_store.LAYOUT_FILES)
    assert "static/print/worksheet.css" in pdf_store.LAYOUT_FILES
    assert "static/print/fonts.css" in pdf_store.LAYOUT_FILES


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_signing_succeeds_and_the_download_renders(
    settings, pdf_dir, renders, office, unit, alice
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    app.conf.broker_url = settings.CELERY_BROKER_URL
    worksheet = sign(office, unit, alice)
    assert worksheet.is_signed
    assert stored_files(pdf_dir) == []
    data, _ = worksheet_print.issue_pdf(worksheet, by_user=alice)
    assert len(stored_files(pdf_dir)) == 1 and renders == [worksheet.pk]
    again, _ = worksheet_print.issue_pdf(worksheet, by_user=alice)
    assert again == data and renders == [worksheet.pk]


@pytest.mark.django_db(transaction=True)
def test_a_review_makes_a_new_file(settings, pdf_dir, office, unit, alice, carol):
    settings.CELERY_BROKER_URL = ""
    worksheet = sign(office, unit, alice)
    first, _ = worksheet_print.issue_pdf(worksheet, by_user=alice)
    actions.review_worksheet(worksheet, by_user=carol, outcome=ReviewOutcome.APPROVED)
    worksheet.refresh_from_db()
    second, _ = worksheet_print.issue_pdf(worksheet, by_user=alice)
    assert first != second
    assert len(stored_files(pdf_dir)) == 2


def test_a_crash_mid_write_leaves_no_file(pdf_dir):
    store = pdf_store.AtomicFileSystemStorage(location=str(pdf_dir))

    class Breaking(ContentFile):
        def chunks(self, chunk_size=None):
            yield b"%PDF-1.7 half"
            raise OSError("worker killed")

    with pytest.raises(OSError):
        store.save("worksheets/1/abc.pdf", Breaking(b""))
    assert list(pdf_dir.rglob("*")) == [pdf_dir / "worksheets", pdf_dir / "worksheets" / "1"]


def test_two_writers_of_the_same_key_leave_one_file(pdf_dir):
    store = pdf_store.AtomicFileSystemStorage(location=str(pdf_dir))
    data = b"%PDF-1.7 " + b"x" * 2_000_000
    threads = [
        threading.Thread(target=store.save, args=("worksheets/1/k.pdf", ContentFile(data)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    files = list(pdf_dir.rglob("*.pdf")) + list(pdf_dir.rglob(".partial-*"))
    assert files == [pdf_dir / "worksheets" / "1" / "k.pdf"]
    assert files[0].read_bytes() == data


def test_a_draft_is_never_stored(pdf_dir, db, office, unit, alice):
    case = factories.make_case(office, unit, alice)
    factories.make_charge(case, 1)
    draft = actions.start_worksheet(case, by_user=alice)
    worksheet_print.issue_pdf(draft, by_user=alice)
    assert stored_files(pdf_dir) == []
    assert pdf_jobs.render_now(draft.pk) == []


@pytest.mark.django_db(transaction=True)
def test_a_stored_pdf_downloads_without_rendering_and_writes_only_its_audit_row(
    settings, client, pdf_dir, renders, office, unit, alice
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    settings.CELERY_BROKER_URL = ""
    worksheet = sign(office, unit, alice)
    pdf_jobs.render_now(worksheet.pk)  # what the worker does
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("worksheet_pdf", args=[worksheet.pk]))
    assert response.status_code == 200
    assert response.content == stored_files(pdf_dir)[0].read_bytes()
    assert renders == [worksheet.pk]  # the worker's render only
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert len(writes) == 1 and '"cases_auditevent"' in writes[0]
    # The worksheet, its office, review and counsel's request come in one query (issue 19).
    texts = [prepared.body_of(q["sql"]) for q in queries.captured_queries]
    selects = [sql for sql in texts if sql.upper().startswith("SELECT")]
    assert len(selects) <= 6
    assert not [sql for sql in selects if sql.split(" FROM ", 1)[1].startswith(SEPARATE_READS)]
    # Only what the file's key, name and audit row need: the whole row with its case, office and
    # people joined 12 tables, planned anew on every download.
    (read,) = [sql for sql in selects if sql.split(" FROM ", 1)[1].startswith('"cases_worksheet"')]
    assert read.count(" JOIN ") <= 6
    assert '"cases_worksheet"."factors"' not in read


@pytest.mark.django_db
def test_a_download_read_in_one_query_serves_the_same_file_as_a_fresh_read(
    settings, client, pdf_dir, office, unit, alice
):
    """The review and counsel's answer read with the worksheet (get_worksheet_for_download) key
    and print the same file as when each is read on its own."""
    from django.urls import reverse
    from django.utils import timezone

    from cases.models import CounselRequest, Worksheet

    settings.CELERY_BROKER_URL = ""
    worksheet = sign(office, unit, alice)
    CounselRequest.objects.create(
        case=worksheet.case,
        worksheet=worksheet,
        requested_by=alice,
        question="Removal risk?",
        answer="Counsel's answer here.",
        answered_by=alice,
        answered_at=timezone.now(),
    )
    fresh = Worksheet.objects.get(pk=worksheet.pk)
    client.force_login(alice)
    response = client.get(reverse("worksheet_pdf", args=[worksheet.pk]))
    assert response.status_code == 200
    assert [path.name for path in stored_files(pdf_dir)] == [
        pdf_store.key_for(fresh).rsplit("/", 1)[1]
    ]
    assert response.content == worksheet_print.render_worksheet_pdf(fresh)
    assert "Counsel's answer here." in pdf_text(response.content)
