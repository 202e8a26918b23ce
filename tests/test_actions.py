"""The actions: each write is one transaction with its audit event, and the rules they enforce."""

import pytest
from django.db import IntegrityError

from cases import actions
from cases.choices import (
    ApprovalPolicy,
    AuditAction,
    ChargeLevel,
    Decision,
    DispositionLabel,
    DispositionStatus,
    ParityRule,
    PleaLevel,
    ReviewOutcome,
    TermAction,
)
from cases.integrity import ConflictError, WorksheetSigned
from cases.models import AuditEvent, Review, Worksheet
from cases.worksheets import content_hash
from tests import factories
from tests.factories import ready_worksheet, set_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(case):
    """A standard offer and a defense proposal on the two counts of `case`."""
    count1, count2 = case.charges.order_by("number")
    standard = factories.make_disposition(case, DispositionLabel.STANDARD, name="Standard")
    factories.make_term(standard, count1, "PC 273.5(a)", PleaLevel.FELONY, custody_days_imposed=365)
    factories.make_term(standard, count2, "HS 11351", PleaLevel.FELONY, custody_days_imposed=365)
    defense = factories.make_disposition(case, DispositionLabel.DEFENSE, name="Defense")
    factories.make_term(
        defense, count1, "PC 243(e)(1)", custody_days_imposed=364, offensive_touching_only=True
    )
    factories.make_term(defense, count2, "HS 11350(a)", custody_days_imposed=364)
    return standard, defense


def events(action):
    return AuditEvent.objects.filter(action=action)


def test_create_case_writes_the_case_its_counts_and_an_audit_event(office, unit, alice):
    case = actions.create_case(
        office=office,
        by_user=alice,
        unit=unit,
        assigned_deputy=alice,
        court_case_number="NEW-1",
        caption="People v. Doe",
        defendant_name="Doe",
        charges=[
            {"statute_as_entered": "PC 242", "code": "PC", "section": "242", "level": "felony"},
            {"statute_as_entered": "PC 459", "code": "PC", "section": "459", "level": "felony"},
        ],
    )
    assert [c.number for c in case.charges.order_by("number")] == [1, 2]
    assert events(AuditAction.CREATE).get().object_id == str(case.pk)


def test_update_case_refuses_a_stale_version(case, alice):
    stale = case.lock_version
    actions.update_case(case, by_user=alice, version=stale, fields={"department": "7"})
    with pytest.raises(ConflictError):
        actions.update_case(case, by_user=alice, version=stale, fields={"department": "9"})
    case.refresh_from_db()
    assert case.department == "7"


def test_update_case_replaces_counts_keeping_the_rows_it_keeps(case, alice, offers):
    first, second = case.charges.order_by("number")
    actions.update_case(
        case,
        by_user=alice,
        version=case.lock_version,
        fields={},
        charges=[
            {"pk": second.pk, "statute_as_entered": "HS 11351", "level": ChargeLevel.FELONY},
            {"statute_as_entered": "PC 242", "level": ChargeLevel.MISDEMEANOR},
        ],
    )
    numbers = list(case.charges.order_by("number").values_list("pk", "number"))
    assert numbers[0] == (second.pk, 1)
    assert len(numbers) == 2 and first.pk not in [pk for pk, _ in numbers]
    # The removed count's plea terms went with it; the kept one's stayed.
    standard, _ = offers
    assert list(standard.terms.values_list("charge_id", flat=True)) == [second.pk]


def test_conveying_without_a_signed_worksheet_is_allowed_and_recorded(offers, alice):
    standard, _ = offers
    conveyed = actions.convey_offer(standard, by_user=alice)
    assert conveyed.status == DispositionStatus.CONVEYED
    assert conveyed.conveyed_with_signed_worksheet is False
    assert events(AuditAction.CONVEY).get().summary == "without signed worksheet"


def test_conveying_after_signing_is_recorded_as_compliant(case, offers, alice):
    standard, _ = offers
    actions.sign_worksheet(ready_worksheet(case, alice, standard), by_user=alice)
    assert actions.convey_offer(standard, by_user=alice).conveyed_with_signed_worksheet is True


def test_a_second_convey_changes_nothing(offers, alice):
    standard, _ = offers
    first = actions.convey_offer(standard, by_user=alice)
    again = actions.convey_offer(standard, by_user=alice)
    assert again.conveyed_at == first.conveyed_at
    assert events(AuditAction.CONVEY).count() == 1


def test_signing_freezes_the_engine_output_catalog_version_and_hash(case, offers, alice):
    standard, defense = offers
    signed = actions.sign_worksheet(ready_worksheet(case, alice, standard), by_user=alice)
    signed.refresh_from_db()
    assert signed.is_signed and signed.signed_by == alice
    assert signed.catalog_version == signed.signed_content["catalog"]["version"]
    assert signed.content_hash == content_hash(signed.signed_content)
    assert len(signed.content_hash) == 64
    analysed = signed.engine_output["dispositions"]
    assert set(analysed) == {str(standard.pk), str(defense.pk)}
    # PC 273.5(a) on a domestic partner is a DV offense; PC 243(e)(1) is not (DESIGN.md story).
    assert "domestic_violence" in analysed[str(standard.pk)]["grounds_flagged"]
    assert events(AuditAction.SIGN).count() == 1


def test_signing_twice_yields_one_signature(case, offers, alice):
    standard, _ = offers
    worksheet = ready_worksheet(case, alice, standard)
    first = actions.sign_worksheet(worksheet, by_user=alice)
    second = actions.sign_worksheet(worksheet, by_user=alice)
    assert second.signed_at == first.signed_at and second.content_hash == first.content_hash
    assert events(AuditAction.SIGN).count() == 1


def test_signing_an_incomplete_worksheet_says_what_is_missing(case, offers, alice):
    worksheet = actions.start_worksheet(case, by_user=alice)
    with pytest.raises(actions.IncompleteWorksheet) as refused:
        actions.sign_worksheet(worksheet, by_user=alice)
    assert "the decision" in str(refused.value)
    assert "the citizen-parity answer" in str(refused.value)
    worksheet.refresh_from_db()
    assert not worksheet.is_signed


def test_parity_is_not_required_where_the_office_does_not_ask(case, offers, alice):
    case.office.parity_rule = ParityRule.NOT_ASKED
    case.office.save()
    worksheet = ready_worksheet(case, alice, offers[0])
    actions.update_worksheet(
        worksheet, by_user=alice, version=worksheet.lock_version, fields={"parity_answer": ""}
    )
    assert actions.sign_worksheet(worksheet, by_user=alice).is_signed


def test_a_signed_worksheet_cannot_be_updated(case, offers, alice):
    worksheet = actions.sign_worksheet(ready_worksheet(case, alice, offers[0]), by_user=alice)
    with pytest.raises(WorksheetSigned):
        actions.update_worksheet(
            worksheet, by_user=alice, version=worksheet.lock_version, fields={"reasons": "x"}
        )


def test_a_stale_worksheet_edit_is_a_conflict(case, offers, alice, bob):
    worksheet = actions.start_worksheet(case, by_user=alice)
    version = worksheet.lock_version
    actions.update_worksheet(worksheet, by_user=bob, version=version, fields={"reasons": "bob"})
    with pytest.raises(ConflictError):
        actions.update_worksheet(
            worksheet, by_user=alice, version=version, fields={"reasons": "alice"}
        )
    worksheet.refresh_from_db()
    assert worksheet.reasons == "bob"


def test_a_departure_goes_to_review_under_the_default_policy(case, offers, alice):
    _, defense = offers
    worksheet = ready_worksheet(case, alice, defense, Decision.DEFENSE_ALTERNATIVE)
    signed = actions.sign_worksheet(worksheet, by_user=alice)
    assert Review.objects.get(worksheet=signed).outcome == ReviewOutcome.PENDING


def test_keeping_the_standard_offer_needs_no_review_under_the_default_policy(case, offers, alice):
    signed = actions.sign_worksheet(ready_worksheet(case, alice, offers[0]), by_user=alice)
    assert not Review.objects.filter(worksheet=signed).exists()


def test_an_always_review_office_reviews_everything(case, offers, alice):
    set_policy(case.office, supervisor_approval=ApprovalPolicy.ALWAYS)
    signed = actions.sign_worksheet(ready_worksheet(case, alice, offers[0]), by_user=alice)
    assert Review.objects.filter(worksheet=signed).exists()


def test_a_never_review_office_reviews_nothing(case, offers, alice):
    set_policy(case.office, supervisor_approval=ApprovalPolicy.NEVER)
    worksheet = ready_worksheet(case, alice, offers[1], Decision.DEFENSE_ALTERNATIVE)
    signed = actions.sign_worksheet(worksheet, by_user=alice)
    assert not Review.objects.filter(worksheet=signed).exists()


def test_amending_makes_a_linked_new_version_and_keeps_the_signed_one(case, offers, alice):
    signed = actions.sign_worksheet(ready_worksheet(case, alice, offers[0]), by_user=alice)
    frozen_hash = signed.content_hash
    amendment = actions.amend_worksheet(signed, by_user=alice, reason="Typo in the reasons")
    assert amendment.version == 2 and amendment.amends == signed
    assert not amendment.is_signed
    assert amendment.reasons == signed.reasons
    assert set(amendment.dispositions_considered.all()) == set(signed.dispositions_considered.all())
    signed.refresh_from_db()
    assert signed.content_hash == frozen_hash
    assert list(Worksheet.objects.filter(case=case).current()) == [amendment]
    assert actions.amend_worksheet(signed, by_user=alice) == amendment  # a double submit


def test_only_a_signed_worksheet_can_be_amended(case, alice):
    with pytest.raises(ConflictError):
        actions.amend_worksheet(actions.start_worksheet(case, by_user=alice), by_user=alice)


def test_review_approves_or_returns_with_comments(case, offers, alice, carol):
    worksheet = ready_worksheet(case, alice, offers[1], Decision.DEFENSE_ALTERNATIVE)
    signed = actions.sign_worksheet(worksheet, by_user=alice)
    with pytest.raises(ValueError, match="Say what the deputy should change"):
        actions.review_worksheet(signed, by_user=carol, outcome=ReviewOutcome.RETURNED)
    review = actions.review_worksheet(
        signed, by_user=carol, outcome=ReviewOutcome.RETURNED, comments="Add the victim's view."
    )
    assert review.reviewer == carol and review.decided_at is not None
    again = actions.review_worksheet(signed, by_user=carol, outcome=ReviewOutcome.APPROVED)
    assert again.outcome == ReviewOutcome.RETURNED  # a decided review is not decided twice
    assert events(AuditAction.REVIEW).get().summary == ReviewOutcome.RETURNED


def test_an_override_needs_a_reason_and_is_refused_once_signed(case, offers, alice):
    standard, _ = offers
    worksheet = ready_worksheet(case, alice, standard)
    count = case.charges.get(number=1)
    with pytest.raises(IntegrityError):
        actions.set_override(
            worksheet, by_user=alice, disposition=standard, charge=count,
            ground="cimt", subcategory="", engine_verdict="yes", deputy_verdict="no", reason="",
        )  # fmt: skip
    actions.set_override(
        worksheet, by_user=alice, disposition=standard, charge=count, ground="cimt",
        subcategory="", engine_verdict="yes", deputy_verdict="arguably_not",
        reason="The record shows a cohabitant, not a spouse.",
    )  # fmt: skip
    signed = actions.sign_worksheet(worksheet, by_user=alice)
    assert signed.signed_content["overrides"][0]["deputy_verdict"] == "arguably_not"
    with pytest.raises(WorksheetSigned):
        actions.set_override(
            signed, by_user=alice, disposition=standard, charge=count, ground="cimt",
            subcategory="", engine_verdict="yes", deputy_verdict="no", reason="Changed my mind.",
        )  # fmt: skip


def test_status_disclosure_audit_never_holds_the_status(case, alice):
    disclosure = actions.record_status_disclosure(
        case, by_user=alice, status="lpr", source="defense_letter"
    )
    event = AuditEvent.objects.get(object_type="statusdisclosure", object_id=str(disclosure.pk))
    assert "lpr" not in event.summary.lower() and "permanent" not in event.summary.lower()


def test_status_appears_in_the_content_only_when_included(case, offers, alice):
    from cases.worksheets import build_content

    actions.record_status_disclosure(case, by_user=alice, status="lpr", source="defense_letter")
    worksheet = ready_worksheet(case, alice, offers[0])
    assert build_content(worksheet)["status_disclosure"] is None
    worksheet.include_status = True
    worksheet.save()
    assert build_content(worksheet)["status_disclosure"]["source"] == "Defense letter"


def test_a_dismissed_count_carries_no_flags(case, alice):
    count1, count2 = case.charges.order_by("number")
    offer = factories.make_disposition(case)
    factories.make_term(offer, count1, "PC 243(e)(1)", custody_days_imposed=30)
    factories.make_term(offer, count2, action=TermAction.DISMISS, statute="")
    from cases.analysis import assess_offer

    result = assess_offer(offer)
    assert result["terms"][count2.pk]["dismissed"] is True
    assert result["terms"][count2.pk]["flags"] == []


def test_an_unknown_statute_is_never_reported_as_safe(case):
    from cases.analysis import assess_offer

    count1, count2 = case.charges.order_by("number")
    offer = factories.make_disposition(case)
    factories.make_term(offer, count1, "PC 99999", custody_days_imposed=30)
    result = assess_offer(offer)
    assert result["known"] is False
    assert result["terms"][count1.pk]["offense"]["known"] is False
    assert "not in the catalog" in result["terms"][count1.pk]["message"]


def test_impossible_terms_are_reported_on_their_count(case):
    """PC 243(e)(1) is a misdemeanor only; a felony plea to it cannot be analysed."""
    from cases.analysis import assess_offer

    count1, count2 = case.charges.order_by("number")
    offer = factories.make_disposition(case)
    factories.make_term(offer, count1, "PC 243(e)(1)", PleaLevel.FELONY, custody_days_imposed=30)
    factories.make_term(offer, count2, "HS 11350(a)", custody_days_imposed=30)
    result = assess_offer(offer)
    assert result["known"] is False
    assert result["terms"][count1.pk]["message"].startswith("No analysis")
    assert result["terms"][count2.pk]["offense"]["known"] is True
