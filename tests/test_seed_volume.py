"""seed_volume: synthetic offices and three years of cases that hang together the way the
compliance report reads them (and that the PostgreSQL freeze triggers accept)."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone

from cases import report_columns
from cases.choices import Decision, DispositionStatus, ReviewOutcome, Role
from cases.models import (
    Case,
    Charge,
    Disposition,
    FlagOverride,
    Membership,
    Office,
    Review,
    Worksheet,
    flagged_grounds_in,
    ground_mask,
)
from cases.report_columns import local_month
from compliance.filters import ReportFilterForm
from compliance.report import build_report

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def seeded():
    out = io.StringIO()
    call_command("seed_volume", cases=400, offices=2, chunk=150, verbosity=0, stdout=out)
    return out.getvalue()


def test_counts_and_offices(seeded):
    assert "Wrote 400 cases" in seeded
    assert Office.objects.filter(name__startswith="Volume County").count() == 2
    per_office = dict(Case.objects.values_list("office__slug").annotate(n=Count("pk")))
    assert per_office == {"volume-1": 200, "volume-2": 200}
    offers = Disposition.objects.count()
    assert 2.0 <= offers / 400 <= 3.0  # 2.5 offers per case on average
    assert 1.0 <= Charge.objects.count() / 400 <= 2.5
    assert Membership.objects.filter(role=Role.SUPERVISOR).count() == 8  # 4 units × 2 offices
    assert Membership.objects.filter(role=Role.ADMIN).count() == 2


def test_three_years_of_data(seeded):
    now = timezone.now()
    conveyed = Disposition.objects.exclude(conveyed_at=None)
    first = conveyed.order_by("conveyed_at").first().conveyed_at
    last = conveyed.order_by("-conveyed_at").first().conveyed_at
    assert first < now - dt.timedelta(days=365 * 2.5)
    assert now - dt.timedelta(days=120) < last <= now
    assert (
        not Disposition.objects.filter(status=DispositionStatus.DRAFT)
        .exclude(conveyed_at=None)
        .exists()
    )


def test_compliance_flag_agrees_with_the_worksheets(seeded):
    considered = Worksheet.dispositions_considered.through.objects.filter(
        disposition_id=OuterRef("pk"),
        worksheet__signed_at__isnull=False,
        worksheet__signed_at__lte=OuterRef("conveyed_at"),
    )
    conveyed = Disposition.objects.exclude(conveyed_at=None).annotate(before=Exists(considered))
    assert conveyed.filter(conveyed_with_signed_worksheet=True, before=False).count() == 0
    assert conveyed.filter(conveyed_with_signed_worksheet=False, before=True).count() == 0
    rate = conveyed.filter(conveyed_with_signed_worksheet=True).count() / conveyed.count()
    assert 0.6 < rate < 0.98


def test_worksheets_are_signed_complete_and_grounds_match(seeded):
    worksheets = Worksheet.objects.all()
    assert worksheets.exists()
    assert not worksheets.filter(signed_at=None).exists()
    for worksheet in worksheets.order_by("?")[:60]:
        expected = flagged_grounds_in(worksheet.engine_output)
        assert worksheet.flagged_grounds == ground_mask(expected)
        assert worksheet.overridden_grounds == report_columns.overridden_grounds(worksheet)
        assert set(worksheet.dispositions_considered.values_list("pk", flat=True)) == set(
            worksheet.case.dispositions.values_list("pk", flat=True)
        )
    assert worksheets.exclude(flagged_grounds=0).exists()
    overridden = set(worksheets.exclude(overridden_grounds=0).values_list("pk", flat=True))
    assert overridden  # the seed overrides some flags
    assert overridden == set(FlagOverride.objects.values_list("worksheet_id", flat=True))


def test_signed_late_agrees_with_the_late_signatures(seeded):
    late = Disposition.objects.filter(late_signature__isnull=False)
    assert late.exists()
    assert set(late.values_list("pk", flat=True)) == set(
        Disposition.objects.filter(signed_late=True).values_list("pk", flat=True)
    )
    # Late as sign_worksheet records it: conveyed without a worksheet, one signed afterwards.
    assert not late.exclude(conveyed_with_signed_worksheet=False).exists()
    assert not late.filter(late_signature__signed_at__lte=F("conveyed_at")).exists()


def test_each_offer_counts_in_the_local_month_it_was_conveyed_in(seeded):
    conveyed = Disposition.objects.exclude(conveyed_at=None)
    assert conveyed.exists()
    for conveyed_at, month in conveyed.values_list("conveyed_at", "conveyed_month"):
        assert month == local_month(conveyed_at)
    assert not Disposition.objects.filter(conveyed_at=None).exclude(conveyed_month=None).exists()


def test_offers_worksheets_and_reviews_carry_their_case_scope(seeded):
    for model, case in ((Disposition, "case"), (Worksheet, "case"), (Review, "worksheet__case")):
        rows = model.objects.all()
        assert rows.exists(), model
        assert not rows.exclude(
            office_id=F(f"{case}__office_id"),
            unit_id=F(f"{case}__unit_id"),
            assigned_deputy_id=F(f"{case}__assigned_deputy_id"),
        ).exists(), model


def test_reviews_carry_their_worksheets_signer(seeded):
    """The inbox finds a deputy's returned worksheets by the review's copy of the signer."""
    reviews = Review.objects.all()
    assert reviews.exists()
    assert not reviews.exclude(signed_by_id=F("worksheet__signed_by_id")).exists()
    assert not reviews.filter(signed_by=None).exists()


def test_reviews_follow_the_departures_policy(seeded):
    assert not Review.objects.filter(worksheet__decision=Decision.STANDARD_KEPT).exists()
    decided = Review.objects.exclude(outcome=ReviewOutcome.PENDING)
    assert decided.exists()
    assert not decided.filter(decided_at__lt=F("requested_at")).exists()
    assert not decided.filter(reviewer=None).exists()
    returned = Review.objects.filter(outcome=ReviewOutcome.RETURNED).values("worksheet")
    assert Worksheet.objects.filter(amends__in=returned, version=2).exists()


def test_the_report_adds_up_on_seeded_data(seeded):
    admin = Membership.objects.get(role=Role.ADMIN, office__slug="volume-1").user
    today = timezone.localdate()
    form = ReportFilterForm(
        {"date_from": (today - dt.timedelta(days=365 * 3)).isoformat(), "date_to": today},
        user=admin,
    )
    assert form.is_valid(), form.errors
    counts = build_report(form.report_filter(), admin, 90).counts
    assert (
        counts["offers_conveyed"]
        == Disposition.objects.filter(case__office=admin.membership.office)
        .exclude(conveyed_at=None)
        .count()
    )
    assert counts["offers_conveyed"] == (
        counts["offers_compliant"] + counts["offers_late"] + counts["offers_missing"]
    )
    assert counts["offers_late"] > 0 and counts["offers_missing"] > 0
    assert counts["worksheets_signed"] == sum(
        counts[f"decision_{decision.value}"] for decision in Decision
    )


def test_running_again_adds_cases():
    call_command("seed_volume", cases=30, offices=1, verbosity=0, stdout=io.StringIO())
    call_command("seed_volume", cases=20, offices=1, verbosity=0, stdout=io.StringIO())
    assert Case.objects.count() == 50
    assert Office.objects.count() == 1
    assert Membership.objects.filter(role=Role.ADMIN).count() == 1


def test_volume_users_can_log_in(client):
    from cases.devdata.volume import VOLUME_PASSWORD

    call_command("seed_volume", cases=5, offices=1, verbosity=0, stdout=io.StringIO())
    assert client.login(username="v1admin", password=VOLUME_PASSWORD)


def test_refuses_nonsense():
    with pytest.raises(CommandError):
        call_command("seed_volume", cases=0, verbosity=0, stdout=io.StringIO())


def test_seeded_worksheets_open_print_and_verify_like_signed_ones(seeded, client):
    """A seeded signed worksheet carries content of the real shape and its true SHA-256, so its
    page and PDF render and its hash checks out (the load test works on such cases)."""
    from cases.worksheets import content_hash

    # Every one: the seed writes the canonical JSON text from fragments (cases.devdata.content),
    # so a fragment out of key order would store content whose hash no longer verifies.
    for content, stored_hash, engine_output in Worksheet.objects.values_list(
        "signed_content", "content_hash", "engine_output"
    ):
        assert content_hash(content) == stored_hash
        assert engine_output == content["analysis"]
    worksheet = Worksheet.objects.signed().select_related("case").order_by("pk").first()
    supervisor = Membership.objects.get(
        office=worksheet.case.office, unit=worksheet.case.unit, role=Role.SUPERVISOR
    ).user
    client.force_login(supervisor)
    page = client.get(worksheet.get_absolute_url())
    assert page.status_code == 200
    assert worksheet.content_hash in page.content.decode()
    pdf = client.get(f"/worksheets/{worksheet.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_every_index_is_back_after_the_load():
    """On PostgreSQL the seed drops the non-unique indexes around a large load and builds them
    again from their catalog definitions (bulk.secondary_indexes_dropped); none may be lost."""
    from cases.devdata.volume import MODELS_WRITTEN

    def indexes():
        with connection.cursor() as cursor:
            return {
                model._meta.db_table: {
                    name: (spec["columns"], spec["unique"], spec["index"])
                    for name, spec in connection.introspection.get_constraints(
                        cursor, model._meta.db_table
                    ).items()
                }
                for model in MODELS_WRITTEN
            }

    before = indexes()
    call_command("seed_volume", cases=40, offices=1, verbosity=0, stdout=io.StringIO())
    assert Case.objects.count() == 40
    assert indexes() == before


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="session_replication_role is PostgreSQL's"
)


def _planting(monkeypatch, plant):
    """Make each chunk's load also write what `plant(generator, plans)` writes, in the load's
    own mode (replica on PostgreSQL when the checks are skipped)."""
    from cases.devdata.volume import Generator

    write = Generator._write

    def write_and_plant(self, plans):
        write(self, plans)
        plant(self, plans)

    monkeypatch.setattr(Generator, "_write", write_and_plant)


@postgresql_only
def test_a_load_without_row_checks_still_proves_them(monkeypatch):
    """Into a new office the load skips PostgreSQL's per-row checks, verifies the same with one
    query per constraint, and leaves the triggers on for what comes after."""
    from django.db import IntegrityError, transaction

    from cases.devdata.volume import Generator

    verified = []
    verify = Generator._verify
    monkeypatch.setattr(
        Generator, "_verify", lambda self, *a: verified.append(1) or verify(self, *a)
    )
    call_command("seed_volume", cases=60, offices=1, chunk=25, verbosity=0, stdout=io.StringIO())
    assert len(verified) == 3  # every chunk took the fast path, and was checked
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    signed = Worksheet.objects.first()
    offer = signed.case.dispositions.first()
    charge = signed.case.charges.first()
    # Straight to the database, past the application's guard (cases.frozen): the trigger.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_flagoverride (worksheet_id, disposition_id, charge_id, ground, "
            "subcategory, engine_verdict, deputy_verdict, reason) "
            "VALUES (%s, %s, %s, 'cimt', '', 'yes', 'no', 'after signing')",
            [signed.pk, offer.pk, charge.pk],
        )


@postgresql_only
def test_a_load_without_row_checks_refuses_a_row_that_points_nowhere(monkeypatch):
    from cases.devdata import bulk

    def orphan_charge(generator, plans):
        bulk.write(Charge, ["case_id", "number", "statute_as_entered"], [(10**9, 1, "PC 1")])

    _planting(monkeypatch, orphan_charge)
    with pytest.raises(RuntimeError, match="cases_charge.case_id"):
        call_command("seed_volume", cases=10, offices=1, verbosity=0, stdout=io.StringIO())
    assert not Case.objects.exists()  # the chunk was rolled back


@postgresql_only
def test_a_load_without_row_checks_refuses_a_part_of_a_worksheet_signed_before(monkeypatch):
    """What migration 0003's trigger refuses: an override added to a worksheet already signed
    (here one of another office, seeded with the row checks on)."""
    from cases.devdata import bulk
    from cases.models import FlagOverride

    call_command("seed_volume", cases=10, offices=1, verbosity=0, stdout=io.StringIO())
    signed = Worksheet.objects.first()
    offer, charge = signed.case.dispositions.first(), signed.case.charges.first()

    def late_part(generator, plans):
        if not generator.skip_row_checks:
            return  # office 1 again, with the row checks: its chunk is written as usual
        row = (signed.pk, offer.pk, charge.pk, "cimt", "yes", "no", "added after signing")
        bulk.write(FlagOverride, volume_override_columns(), [row])

    _planting(monkeypatch, late_part)
    with pytest.raises(RuntimeError, match="signed before"):
        call_command("seed_volume", cases=20, offices=2, verbosity=0, stdout=io.StringIO())
    assert not Case.objects.filter(office__slug="volume-2").exists()  # rolled back


def volume_override_columns():
    from cases.devdata.volume import OVERRIDE_COLUMNS

    return OVERRIDE_COLUMNS


def test_the_copy_stream_hands_over_every_line_once_in_order():
    from cases.devdata.bulk import _Stream

    lines = [f"{n}\tname {n}\n" for n in range(1000)]
    stream, blocks = _Stream(iter(lines)), []
    while block := stream.read(50):
        blocks.append(block)
    assert "".join(blocks) == "".join(lines)
    assert len(blocks) > 1


@postgresql_only
def test_the_fast_path_writes_the_same_rows_as_the_row_checked_one():
    """Same seed and moment into two like offices, one skipping the per-row checks (replica
    mode, streamed COPY, memoised ground bits), one with them: the same rows, ids and the
    office in names aside."""
    from cases.devdata import volume

    now = timezone.now()
    rows = []
    for number, skip in ((1, True), (2, False)):
        staff = volume.ensure_office(
            number, deputies_per_unit=3, password_hash=volume.password_hash()
        )
        generator = volume.Generator(staff, seed=7, now=now, skip_row_checks=skip)
        generator.chunk(40)
        generator.chunk(25)
        office = staff.office
        rows.append(
            (
                list(
                    Charge.objects.filter(case__office=office)
                    .order_by("id")
                    .values_list("number", "statute_as_entered", "level", "code", "section")
                ),
                list(
                    Disposition.objects.filter(case__office=office)
                    .order_by("id")
                    .values_list("label", "status", "conveyed_at", "conveyed_month", "signed_late")
                ),
                list(
                    Worksheet.objects.filter(case__office=office)
                    .order_by("id")
                    .values_list(
                        "version", "decision", "parity_answer", "signed_at", "flagged_grounds"
                    )
                ),
                list(
                    Review.objects.filter(worksheet__case__office=office)
                    .order_by("worksheet_id")
                    .values_list("outcome", "requested_at", "decided_at", "comments")
                ),
                list(
                    Case.objects.filter(office=office)
                    .order_by("id")
                    .values_list("defense_type", "stage")
                ),
            )
        )
    assert rows[0] == rows[1]
    assert all(rows[0])


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_rollups_are_counted_beside_the_index_rebuild(monkeypatch):
    """On a database it commits to, the seed counts the rollups on a second connection while
    this one rebuilds the indexes: they must be the rows a rebuild afterwards gives, which
    only holds if that connection saw every chunk committed."""
    import threading

    from cases.management.commands import seed_volume
    from compliance.models import MonthlyRollup

    threads = []
    rebuild = seed_volume._rebuild_rollups

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread())
        return rebuild(*args, **kwargs)

    monkeypatch.setattr(seed_volume, "_rebuild_rollups", recorded)
    call_command("seed_volume", cases=120, offices=1, chunk=50, verbosity=0, stdout=io.StringIO())
    assert threads and threads[0] is not threading.main_thread()

    def rollups():
        fields = [f.attname for f in MonthlyRollup._meta.concrete_fields if f.name != "id"]
        return sorted(MonthlyRollup.objects.values_list(*fields))

    seeded = rollups()
    assert len(seeded) > 12
    call_command("rebuild_rollups", verbosity=0)
    assert rollups() == seeded
