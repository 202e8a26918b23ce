"""Data migrations, run for real: migrate back, write rows with the historical models, migrate
forward and read what the migration wrote. On SQLite and on PostgreSQL (their backfills differ)."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases.models import AuditEvent, Disposition
from cases.report_columns import local_month

BEFORE = [("cases", "0010_report_indexes_lead_with_office")]
AFTER = [("cases", "0011_disposition_conveyed_month_for_reports")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_0011_backfills_the_local_month_each_offer_was_conveyed_in():
    # Local times at the edges: the last half hour of a month (already the next month in UTC),
    # the first minute of one, and the night the clocks go back.
    local = ["2026-11-30 23:30", "2026-12-01 00:00", "2026-11-01 01:30", "2026-03-31 23:59"]
    moments = [timezone.make_aware(dt.datetime.strptime(t, "%Y-%m-%d %H:%M")) for t in local]
    apps = migrate(BEFORE)
    try:
        office = apps.get_model("cases", "Office").objects.create(
            name="Migration County District Attorney", county="Migration", slug="migration"
        )
        unit = apps.get_model("cases", "Unit").objects.create(office=office, name="Felony")
        case = apps.get_model("cases", "Case").objects.create(
            office=office, unit=unit, court_case_number="MIG-1", caption="People v. M",
            defendant_name="M",
        )  # fmt: skip
        offers = apps.get_model("cases", "Disposition").objects
        draft = offers.create(case=case, office=office, unit=unit, label="standard")
        conveyed = [
            offers.create(
                case=case, office=office, unit=unit, label="alternative", status="conveyed",
                conveyed_at=moment,
            ).pk
            for moment in moments
        ]  # fmt: skip
        migrate(AFTER)
        months = dict(
            Disposition.objects.filter(case__court_case_number="MIG-1").values_list(
                "pk", "conveyed_month"
            )
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to the newest
    assert months[draft.pk] is None
    assert [months[pk] for pk in conveyed] == [
        dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2026, 11, 1), dt.date(2026, 3, 1),
    ]  # fmt: skip
    assert [months[pk] for pk in conveyed] == [local_month(moment) for moment in moments]


BEFORE_DATA = [("cases", "0011_disposition_conveyed_month_for_reports")]
AFTER_DATA = [("cases", "0012_auditevent_data")]
DIGEST = "0123456789abcdef" * 4


@pytest.mark.django_db(transaction=True)
def test_0012_backfills_audit_data_from_the_summaries_written_before_it():
    # What issue_pdf and the actions wrote before the column, and rows whose summary says nothing.
    summaries = {
        ("export", "worksheet", f"pdf tagged signed sha256 {DIGEST}"): {
            "document": "worksheet_pdf", "variant": "tagged", "signed": True,
            "status_withheld": False, "via": "web", "sha256": DIGEST,
        },
        ("export", "worksheet", f"pdf archival signed status-withheld command sha256 {DIGEST}"): {
            "document": "worksheet_pdf", "variant": "archival", "signed": True,
            "status_withheld": True, "via": "command", "sha256": DIGEST,
        },
        ("export", "worksheet", f"pdf tagged draft sha256 {DIGEST}"): {
            "document": "worksheet_pdf", "variant": "tagged", "signed": False,
            "status_withheld": False, "via": "web", "sha256": DIGEST,
        },
        ("convey", "disposition", "with signed worksheet"): {"with_signed_worksheet": True},
        ("convey", "disposition", "without signed worksheet"): {"with_signed_worksheet": False},
        ("change", "disposition", "status rejected"): {"status": "rejected"},
        ("review", "worksheet", "returned"): {"outcome": "returned"},
        ("export", "worksheet", "pdf tagged signed sha256 not-a-hash"): {},
        ("export", "auditevent", "audit log export"): {},
        ("view", "case", "compare"): {},
        ("change", "worksheet", "override"): {},
    }  # fmt: skip
    apps = migrate(BEFORE_DATA)
    try:
        events = apps.get_model("cases", "AuditEvent").objects
        pks = {
            events.create(action=action, object_type=kind, object_id="1", summary=summary).pk: facts
            for (action, kind, summary), facts in summaries.items()
        }
        migrate(AFTER_DATA)
        written = dict(AuditEvent.objects.filter(pk__in=pks).values_list("pk", "data"))
        if connection.vendor == "postgresql":
            # The append-only trigger was only set aside for the backfill.
            with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
                cur.execute("UPDATE cases_auditevent SET summary = 'x' WHERE id = %s", [min(pks)])
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to the newest
    assert written == pks


BEFORE_POLICY = [("cases", "0016_offer_terms_frozen")]
AFTER_POLICY = [("cases", "0017_office_policy")]


@pytest.mark.django_db(transaction=True)
def test_0017_moves_each_offices_settings_into_its_first_policy_version():
    """The old settings become a version in force since 1970, so no past report changes; the
    old "when the defense asks" scope becomes the defense-request setting."""
    apps = migrate(BEFORE_POLICY)
    try:
        offices = apps.get_model("cases", "Office").objects
        old = offices.create(
            name="Old Policy County District Attorney", county="Old", slug="old-policy",
            worksheet_scope="on_request", exclude_serious_violent=True,
            supervisor_approval="always", route_to_counsel=True, second_factor_required=True,
        )  # fmt: skip
        plain = offices.create(name="Plain County District Attorney", county="P", slug="plain")
        migrate(AFTER_POLICY)
        from cases.models import OfficePolicy

        versions = {
            v.office_id: v for v in OfficePolicy.objects.filter(office_id__in=[old.pk, plain.pk])
        }
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to the newest
    first = versions[old.pk]
    assert first.effective_from == dt.date(1970, 1, 1)
    assert (first.worksheet_scope, first.defense_request_required) == ("all_offers", True)
    assert first.exclude_serious_violent and first.supervisor_approval == "always"
    assert (first.counsel_routing, first.second_factor) == ("on_request", "admins")
    defaults = versions[plain.pk]
    assert (defaults.worksheet_scope, defaults.counsel_routing, defaults.second_factor) == (
        "all_offers", "off", "none",
    )  # fmt: skip


BEFORE_SIGNER = [("cases", "0029_inbox_scope_indexes")]
AFTER_SIGNER = [("cases", "0030_review_signer_for_returned")]


@pytest.mark.django_db(transaction=True)
def test_0030_gives_each_review_its_worksheets_signer():
    apps = migrate(BEFORE_SIGNER)
    try:
        user = apps.get_model("auth", "User").objects
        signer = user.create(username="mig-signer")
        other = user.create(username="mig-deputy")
        office = apps.get_model("cases", "Office").objects.create(
            name="Signer County District Attorney", county="Signer", slug="signer"
        )
        unit = apps.get_model("cases", "Unit").objects.create(office=office, name="Felony")
        case = apps.get_model("cases", "Case").objects.create(
            office=office, unit=unit, court_case_number="MIG-SIGNER", caption="People v. S",
            defendant_name="S", assigned_deputy=other,
        )  # fmt: skip
        worksheets = apps.get_model("cases", "Worksheet").objects
        reviews = apps.get_model("cases", "Review").objects
        scope = {"office": office, "unit": unit, "assigned_deputy": other}
        made = []
        for version, who in ((1, signer), (2, other)):
            worksheet = worksheets.create(
                case=case, version=version, signed_by=who, signed_at=timezone.now(),
                content_hash=DIGEST, engine_output={}, catalog_version="test", **scope,
            )  # fmt: skip
            made.append((reviews.create(worksheet=worksheet, **scope).pk, who.pk))
        migrate(AFTER_SIGNER)
        from cases.models import Review

        signers = dict(Review.objects.filter(pk__in=[pk for pk, _ in made]).values_list(
            "pk", "signed_by_id"
        ))  # fmt: skip
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to the newest
    assert signers == dict(made)
