"""Integrity: a signed worksheet cannot change (application guard everywhere, triggers on
PostgreSQL), stale edits are conflicts, and a double sign or convey does no harm."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from cases import actions, frozen
from cases.choices import AuditAction, Decision, DispositionStatus, ParityAnswer
from cases.integrity import ConflictError, OfferFrozen, WorksheetSigned, check_version
from cases.models import AuditEvent, FlagOverride, Worksheet
from tests import factories
from tests.security.worlds import make_world

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database triggers are PostgreSQL's"
)


@pytest.fixture
def world(office):
    return make_world(office, "ALPHA")


# --- Application guard (both databases) ---------------------------------------------------------


def test_a_signed_worksheet_cannot_be_saved(world):
    signed = world.signed_worksheet
    signed.reasons = "rewritten after signing"
    with pytest.raises(WorksheetSigned), transaction.atomic():
        signed.save()


def test_a_stale_copy_loaded_before_signing_cannot_overwrite_it(world):
    stale = Worksheet.objects.get(pk=world.worksheet.pk)
    from tests.security.worlds import sign_directly

    sign_directly(world.worksheet, world.user)
    stale.reasons = "overwrite"
    with pytest.raises(WorksheetSigned), transaction.atomic():
        stale.save()
    assert Worksheet.objects.get(pk=world.worksheet.pk).reasons == "ALPHA reasons"


@pytest.fixture
def without_the_safety_net():
    """cases.frozen's signal handlers disconnected, so that a test sees the actions' own guard
    (on PostgreSQL the triggers still stand behind it)."""
    from django.db.models.signals import m2m_changed, pre_delete, pre_save

    handlers = [
        (pre_save, Worksheet, "frozen_worksheet_save"),
        (pre_delete, Worksheet, "frozen_worksheet_delete"),
        (m2m_changed, Worksheet.dispositions_considered.through, "frozen_worksheet_m2m"),
        (pre_save, FlagOverride, "frozen_ovr_save"),
        (pre_delete, FlagOverride, "frozen_ovr_delete"),
    ]
    for signal, sender, uid in handlers:
        assert signal.disconnect(sender=sender, dispatch_uid=uid), uid
    yield
    frozen.connect()


def test_the_actions_refuse_a_stale_copy_of_a_signed_worksheet(world, without_the_safety_net):
    """The actions re-read the worksheet locked, so a copy loaded before signing (which says
    unsigned in memory) is refused before anything is written or audited."""
    stale = Worksheet.objects.get(pk=world.worksheet.pk)
    from tests.security.worlds import sign_directly

    sign_directly(world.worksheet, world.user)
    events = AuditEvent.objects.filter(action=AuditAction.CHANGE).count()
    with pytest.raises(WorksheetSigned):
        actions.update_worksheet(
            stale,
            by_user=world.user,
            version=Worksheet.objects.get(pk=stale.pk).lock_version,
            fields={"reasons": "overwrite"},
        )
    with pytest.raises(WorksheetSigned):
        actions.set_override(
            stale,
            by_user=world.user,
            disposition=world.disposition,
            charge=world.charge,
            ground="firearm",
            subcategory="",
            engine_verdict="yes",
            deputy_verdict="no",
            reason="late",
        )
    override = world.draft_override  # recorded before signing, so now part of what was signed
    with pytest.raises(WorksheetSigned):
        actions.remove_override(override, by_user=world.user)
    assert Worksheet.objects.get(pk=stale.pk).reasons == "ALPHA reasons"
    assert not FlagOverride.objects.filter(worksheet=stale, reason="late").exists()
    assert FlagOverride.objects.filter(pk=override.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE).count() == events


def test_a_signed_worksheet_cannot_be_deleted(world):
    with pytest.raises(WorksheetSigned), transaction.atomic():
        world.signed_worksheet.delete()
    # Nor swept away with its case (whose considered offer refuses first since issue 13).
    with pytest.raises((WorksheetSigned, OfferFrozen)), transaction.atomic():
        world.case.delete()
    assert Worksheet.objects.filter(pk=world.signed_worksheet.pk).exists()


def test_the_offers_considered_in_a_signed_worksheet_cannot_change(world):
    other = factories.make_disposition(world.case)
    with pytest.raises(WorksheetSigned), transaction.atomic():
        world.signed_worksheet.dispositions_considered.add(other)
    with pytest.raises(WorksheetSigned), transaction.atomic():
        world.signed_worksheet.dispositions_considered.clear()


def test_the_overrides_of_a_signed_worksheet_cannot_change(world):
    world.override.reason = "second thoughts"
    with pytest.raises(WorksheetSigned), transaction.atomic():
        world.override.save()
    with pytest.raises(WorksheetSigned), transaction.atomic():
        world.override.delete()
    with pytest.raises(WorksheetSigned), transaction.atomic():
        FlagOverride.objects.create(
            worksheet=world.signed_worksheet,
            disposition=world.disposition,
            charge=world.charge,
            ground="firearm",
            engine_verdict="yes",
            deputy_verdict="no",
            reason="late",
        )


def test_a_draft_worksheet_still_changes(world):
    """The guards refuse only what is signed: a draft is saved, its offers and overrides change,
    through the ORM and through the actions."""
    world.worksheet.reasons = "still drafting"
    world.worksheet.save()
    world.worksheet.dispositions_considered.clear()
    world.draft_override.reason = "changed my mind"
    world.draft_override.save()
    draft = Worksheet.objects.get(pk=world.worksheet.pk)
    assert draft.reasons == "still drafting"
    assert not draft.dispositions_considered.exists()
    assert FlagOverride.objects.get(pk=world.draft_override.pk).reason == "changed my mind"
    updated = actions.update_worksheet(
        draft,
        by_user=world.user,
        version=draft.lock_version,
        fields={"reasons": "drafted again"},
        considered=[world.disposition],
    )
    assert updated.lock_version == draft.lock_version + 1
    draft.refresh_from_db()
    assert draft.reasons == "drafted again"
    assert list(draft.dispositions_considered.all()) == [world.disposition]
    actions.remove_override(world.draft_override, by_user=world.user)
    assert not FlagOverride.objects.filter(pk=world.draft_override.pk).exists()


# --- Database triggers (PostgreSQL) -------------------------------------------------------------


@on_postgresql
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cases_worksheet SET reasons = 'raw rewrite' WHERE id = %(signed)s",
        "DELETE FROM cases_worksheet WHERE id = %(signed)s",
        "DELETE FROM cases_worksheet_dispositions_considered WHERE worksheet_id = %(signed)s",
        "UPDATE cases_flagoverride SET reason = 'raw' WHERE worksheet_id = %(signed)s",
        "DELETE FROM cases_flagoverride WHERE worksheet_id = %(signed)s",
        "UPDATE cases_worksheet_dispositions_considered SET worksheet_id = %(signed)s"
        " WHERE worksheet_id = %(draft)s",
    ],
)
def test_the_database_refuses_raw_changes_to_a_signed_worksheet(world, sql):
    ids = {"signed": world.signed_worksheet.pk, "draft": world.worksheet.pk}
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, ids)


@on_postgresql
def test_the_database_refuses_a_queryset_update_that_skips_the_guard(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Worksheet.objects.filter(pk=world.signed_worksheet.pk).update(reasons="bypass")


@on_postgresql
def test_the_database_lets_drafts_change_and_lets_signing_happen(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_worksheet SET reasons = 'ok' WHERE id = %s", [world.worksheet.pk]
        )
    from tests.security.worlds import sign_directly

    sign_directly(world.worksheet, world.user)
    assert Worksheet.objects.get(pk=world.worksheet.pk).is_signed


# --- Optimistic locking -------------------------------------------------------------------------


def test_a_stale_version_is_a_conflict(world):
    case = world.case
    check_version(case, case.lock_version)
    with pytest.raises(ConflictError):
        check_version(case, case.lock_version - 1)


def test_update_case_reports_a_conflict_instead_of_overwriting(world, alice):
    first = actions.update_case(world.case, by_user=alice, version=1, fields={"department": "7"})
    assert first.lock_version == 2
    with pytest.raises(ConflictError):
        actions.update_case(world.case, by_user=alice, version=1, fields={"department": "9"})
    world.case.refresh_from_db()
    assert world.case.department == "7"


# --- Double submit --------------------------------------------------------------------------------


def test_a_double_convey_conveys_once(world, alice):
    actions.convey_offer(world.disposition, by_user=alice)
    first = type(world.disposition).objects.get(pk=world.disposition.pk)
    actions.convey_offer(world.disposition, by_user=alice)
    again = type(world.disposition).objects.get(pk=world.disposition.pk)
    assert again.status == DispositionStatus.CONVEYED and again.conveyed_at == first.conveyed_at
    assert AuditEvent.objects.filter(action="convey").count() == 1


def _ready_to_sign(world):
    worksheet = world.worksheet
    worksheet.decision = Decision.STANDARD_KEPT
    worksheet.reasons = "Standard offer is proportionate."
    worksheet.parity_answer = ParityAnswer.SAME
    worksheet.chosen_disposition = world.disposition
    worksheet.save()
    return worksheet


def test_a_double_sign_signs_once(world, alice):
    worksheet = _ready_to_sign(world)
    first = actions.sign_worksheet(worksheet, by_user=alice)
    second = actions.sign_worksheet(worksheet, by_user=alice)
    assert second.signed_at == first.signed_at and second.content_hash == first.content_hash
    assert AuditEvent.objects.filter(action="sign", object_id=str(worksheet.pk)).count() == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sign_requests_yield_one_signature(office, unit, alice, bob):
    world = make_world(office, "RACE")
    worksheet = _ready_to_sign(world)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sign(user):
        try:
            barrier.wait(timeout=10)
            signed = actions.sign_worksheet(Worksheet.objects.get(pk=worksheet.pk), by_user=user)
            results.append((signed.signed_by_id, signed.signed_at))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(user,)) for user in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert len(results) == 2 and results[0] == results[1]
    assert AuditEvent.objects.filter(action="sign", object_id=str(worksheet.pk)).count() == 1
    stored = Worksheet.objects.get(pk=worksheet.pk)
    assert (stored.signed_by_id, stored.signed_at) == results[0]
