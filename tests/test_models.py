"""The database itself refuses bad data: constraints and triggers, not only forms."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.choices import AuditAction, PleaLevel, ReviewOutcome
from cases.models import AuditEvent, Case, Disposition, Review, Worksheet
from tests import factories

pytestmark = pytest.mark.django_db


def refused(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_court_case_number_is_unique_within_an_office(case):
    refused(lambda: factories.make_case(case.office, case.unit, number=case.court_case_number))


def test_the_same_case_number_may_exist_in_another_office(case, other_office):
    unit = factories.make_unit(other_office)
    other = factories.make_case(other_office, unit, number=case.court_case_number)
    assert Case.objects.filter(court_case_number=case.court_case_number).count() == 2
    assert other.office != case.office


def test_count_numbers_are_unique_within_a_case(case):
    refused(lambda: factories.make_charge(case, 1, "PC 242"))


def test_count_number_zero_is_refused(case):
    refused(lambda: factories.make_charge(case, 0, "PC 242"))


def test_negative_custody_days_are_refused(case):
    offer = factories.make_disposition(case)
    charge = case.charges.get(number=1)
    refused(lambda: factories.make_term(offer, charge, custody_days_imposed=-1))


def test_negative_suspended_days_are_refused(case):
    offer = factories.make_disposition(case)
    charge = case.charges.get(number=1)
    refused(lambda: factories.make_term(offer, charge, custody_days_suspended=-5))


def test_suspended_days_cannot_exceed_the_term_imposed(case):
    offer = factories.make_disposition(case)
    charge = case.charges.get(number=1)
    refused(
        lambda: factories.make_term(
            offer, charge, custody_days_imposed=100, custody_days_suspended=101
        )
    )


def test_a_misdemeanor_term_cannot_exceed_364_days(case):
    """PC 18.5: no California misdemeanor is punishable by more than 364 days."""
    offer = factories.make_disposition(case)
    charge = case.charges.get(number=1)
    refused(
        lambda: factories.make_term(
            offer, charge, level=PleaLevel.MISDEMEANOR, custody_days_imposed=365
        )
    )
    term = factories.make_term(offer, charge, level=PleaLevel.MISDEMEANOR, custody_days_imposed=364)
    assert term.custody_days_imposed == 364


def test_a_felony_term_may_be_365_days_or_more(case):
    offer = factories.make_disposition(case)
    term = factories.make_term(
        offer, case.charges.get(number=1), level=PleaLevel.FELONY, custody_days_imposed=730
    )
    assert term.pk is not None


def test_negative_probation_is_refused(case):
    offer = factories.make_disposition(case)
    refused(lambda: factories.make_term(offer, case.charges.get(number=1), probation_months=-1))


def test_a_plea_term_cannot_point_at_a_count_of_another_case(case, office, unit):
    """A trigger on both databases keeps an offer's terms inside its own case."""
    other_case = factories.make_case(office, unit)
    foreign_count = factories.make_charge(other_case, 1, "PC 242")
    offer = factories.make_disposition(case)
    refused(lambda: factories.make_term(offer, foreign_count))


def test_moving_a_plea_term_to_another_case_count_is_refused(case, office, unit):
    other_case = factories.make_case(office, unit)
    foreign_count = factories.make_charge(other_case, 1, "PC 242")
    offer = factories.make_disposition(case)
    term = factories.make_term(offer, case.charges.get(number=1))
    term.charge = foreign_count
    refused(term.save)


def test_one_term_per_count_per_offer(case):
    offer = factories.make_disposition(case)
    charge = case.charges.get(number=1)
    factories.make_term(offer, charge)
    refused(lambda: factories.make_term(offer, charge))


def test_a_conveyed_offer_needs_its_conveyance_date(case):
    refused(lambda: factories.make_disposition(case, status="conveyed"))


def test_a_conveyance_time_without_its_month_is_refused(case):
    offer = factories.make_disposition(case)
    updated = Disposition.objects.filter(pk=offer.pk)
    refused(lambda: updated.update(status="conveyed", conveyed_at=timezone.now()))


def test_a_signed_worksheet_must_carry_its_hash_signer_and_frozen_output(case, alice):
    refused(lambda: Worksheet.objects.create(case=case, signed_at=timezone.now(), signed_by=alice))


def test_a_complete_signature_is_accepted(case, alice):
    worksheet = Worksheet.objects.create(
        case=case,
        signed_at=timezone.now(),
        signed_by=alice,
        content_hash="a" * 64,
        engine_output={"dispositions": []},
        catalog_version="2026.11.1",
    )
    assert worksheet.is_signed


def test_worksheet_versions_are_unique_per_case(case):
    Worksheet.objects.create(case=case, version=1)
    refused(lambda: Worksheet.objects.create(case=case, version=1))


def test_a_worksheet_version_can_be_amended_only_once(case):
    first = Worksheet.objects.create(case=case, version=1)
    Worksheet.objects.create(case=case, version=2, amends=first)
    refused(lambda: Worksheet.objects.create(case=case, version=3, amends=first))
    assert list(Worksheet.objects.filter(case=case).current()) == [
        Worksheet.objects.get(case=case, version=2)
    ]


def test_a_returned_review_must_say_why(case, carol):
    worksheet = Worksheet.objects.create(case=case)
    refused(
        lambda: Review.objects.create(
            worksheet=worksheet,
            outcome=ReviewOutcome.RETURNED,
            reviewer=carol,
            decided_at=timezone.now(),
            comments="",
        )
    )


def test_audit_events_cannot_be_changed_or_deleted(office, alice):
    event = AuditEvent.objects.create(
        office=office, user=alice, action=AuditAction.VIEW, object_type="case", object_id="1"
    )
    event.summary = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == ""


def test_charge_statute_reads_back_canonically(case):
    charge = factories.make_charge(case, 3, "Pen. Code § 243(e)(1)")
    assert (charge.code, charge.section, charge.subdivision) == ("PC", "243", "(e)(1)")
    assert charge.statute == "PC 243(e)(1)"


def test_an_unreadable_statute_is_kept_as_typed(case):
    charge = factories.make_charge(case, 3, "county ordinance 12-4")
    assert charge.code == ""
    assert charge.statute == "county ordinance 12-4"


def test_record_facts_leave_out_what_is_unknown(case):
    offer = factories.make_disposition(case)
    term = factories.make_term(
        offer, case.charges.get(number=1), victim_minor=False, loss_amount=12000
    )
    assert term.record_facts() == {"victim_minor": False, "loss_over_10000": True}


def test_every_record_fact_reaches_the_engine_the_form_and_an_adopted_alternative(case):
    # RECORD_FACTS is the one list of a plea term's record facts: every nullable yes/no field
    # of PleaTerm is in it, the engine knows each by the same name, and the offer form shows
    # each, so a fact added to the model is not silently left out of any of them.
    from django.db import models

    from cases.forms import PleaTermForm
    from cases.models import RECORD_FACTS, YES_NO_FACTS, PleaTerm
    from consequences.catalog import FACT_TYPES

    yes_no_fields = {
        field.name
        for field in PleaTerm._meta.get_fields()
        if isinstance(field, models.BooleanField) and field.null
    }
    assert set(YES_NO_FACTS) == yes_no_fields
    assert set(YES_NO_FACTS) | {"grams", "loss_over_10000"} == set(FACT_TYPES)
    charge = case.charges.get(number=1)
    form = PleaTermForm(charge=charge)
    assert set(RECORD_FACTS) <= set(form.fields)
    term = factories.make_term(
        factories.make_disposition(case),
        charge,
        grams=2,
        loss_amount=5,
        **dict.fromkeys(YES_NO_FACTS, True),
    )
    assert term.record_facts() == {
        **dict.fromkeys(YES_NO_FACTS, True),
        "grams": 2.0,
        "loss_over_10000": False,
    }
