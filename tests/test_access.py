"""Who sees which cases: office-scoped querysets, roles and office policy."""

import pytest

from cases.models import Case
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit_case(office, unit, bob):
    return factories.make_case(office, unit, bob, number="ALPHA-0002")


@pytest.fixture
def other_unit_case(office, other_unit, frank):
    return factories.make_case(office, other_unit, frank, number="ALPHA-0003")


def numbers(queryset):
    return sorted(queryset.values_list("court_case_number", flat=True))


def test_for_office_keeps_only_that_office(case, outsider_case, office, other_office):
    assert numbers(Case.objects.for_office(office)) == ["ALPHA-0001"]
    assert numbers(Case.objects.for_office(other_office)) == ["OMEGA-0001"]


def test_a_deputy_sees_own_and_unit_cases(alice, case, unit_case, other_unit_case, outsider_case):
    assert numbers(Case.objects.visible_to(alice)) == ["ALPHA-0001", "ALPHA-0002"]


def test_office_policy_can_limit_deputies_to_their_own_cases(
    alice, office, case, unit_case, other_unit_case
):
    office.deputies_see_unit_cases = False
    office.save()
    alice.membership.refresh_from_db()
    assert numbers(Case.objects.visible_to(alice)) == ["ALPHA-0001"]


def test_a_supervisor_sees_the_unit(carol, case, unit_case, other_unit_case, outsider_case):
    assert numbers(Case.objects.visible_to(carol)) == ["ALPHA-0001", "ALPHA-0002"]


def test_an_admin_sees_the_whole_office(dave, case, unit_case, other_unit_case, outsider_case):
    assert numbers(Case.objects.visible_to(dave)) == ["ALPHA-0001", "ALPHA-0002", "ALPHA-0003"]


def test_counsel_sees_only_routed_cases(erin, case, unit_case):
    unit_case.routed_to_counsel = True
    unit_case.save()
    assert numbers(Case.objects.visible_to(erin)) == ["ALPHA-0002"]


def test_a_user_without_an_office_sees_nothing(db, case, django_user_model):
    stray = django_user_model.objects.create_user("stray", password="x-very-long-password")
    assert numbers(Case.objects.visible_to(stray)) == []


def test_the_outsider_never_sees_another_office(olivia, case, unit_case, outsider_case):
    assert numbers(Case.objects.visible_to(olivia)) == ["OMEGA-0001"]


def test_cases_sort_by_next_hearing_with_unscheduled_last(office, unit, alice):
    import datetime as dt

    factories.make_case(office, unit, alice, number="C", next_hearing=None)
    factories.make_case(office, unit, alice, number="B", next_hearing=dt.date(2026, 12, 2))
    factories.make_case(office, unit, alice, number="A", next_hearing=dt.date(2026, 12, 9))
    ordered = Case.objects.visible_to(alice).by_next_hearing()
    assert list(ordered.values_list("court_case_number", flat=True)) == ["B", "A", "C"]


def test_role_groups_carry_the_declared_permissions(alice, carol, dave, erin):
    assert alice.has_perm("cases.sign_worksheet")
    assert not alice.has_perm("cases.review_worksheet")
    assert carol.has_perm("cases.review_worksheet")
    assert carol.has_perm("cases.view_compliance")
    assert dave.has_perm("cases.manage_office")
    assert not dave.has_perm("cases.sign_worksheet")
    assert erin.has_perm("cases.view_status")
    assert not erin.has_perm("cases.change_case")
    assert dave.is_staff and not alice.is_staff
