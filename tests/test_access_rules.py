"""Rules that hold whoever calls, and the editing access helpers.

The actions refuse a signature without `cases.sign_worksheet` and a review by the worksheet's
own signer, so the admin, an import or an API obey them as the views do. The helpers in
`cases.access` are tested as the owner (works), the outsider (404) and a read-only role (403).

alice is a deputy who owns the case; carol supervises her unit; dave administers the office
(reads every case, changes none); erin is immigration counsel; olivia is in another office.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cases import access, actions
from cases.choices import ApprovalPolicy, AuditAction, Decision, ReviewOutcome, Role
from cases.models import AuditEvent, Review
from cases.roles import group_name
from tests import factories

pytestmark = pytest.mark.django_db


def ready_worksheet(case, user):
    """A draft with everything signing needs, the office asking for every review."""
    factories.set_policy(case.office, supervisor_approval=ApprovalPolicy.ALWAYS)
    disposition = factories.make_disposition(case)
    for charge in case.charges.all():
        factories.make_term(disposition, charge)
    return factories.ready_worksheet(case, user, disposition, Decision.MODIFIED)


@pytest.fixture
def draft(case, alice):
    return ready_worksheet(case, alice)


@pytest.fixture
def signed(draft, alice):
    return actions.sign_worksheet(draft, by_user=alice)


@pytest.fixture
def other_supervisor(office, unit):
    return factories.make_user("grace", office, Role.SUPERVISOR, unit)


@pytest.fixture
def omega_supervisor(other_office, olivia):
    return factories.make_user("oscar", other_office, Role.SUPERVISOR, olivia.membership.unit)


def without_permission(role, codename):
    """Take one permission away from a role's group: access follows permissions, not names."""
    group = Group.objects.get(name=group_name(role))
    group.permissions.remove(Permission.objects.get(codename=codename))


def fresh(user):
    """The same account without Django's cached permissions."""
    return type(user).objects.get(pk=user.pk)


# --- The rules in the actions -------------------------------------------------------------------


def test_a_supervisor_cannot_review_a_worksheet_they_signed(case, carol, other_supervisor):
    signed = actions.sign_worksheet(ready_worksheet(case, carol), by_user=carol)
    with pytest.raises(PermissionDenied, match="You signed this worksheet"):
        actions.review_worksheet(signed, by_user=carol, outcome=ReviewOutcome.APPROVED)
    review = Review.objects.get(worksheet=signed)
    assert review.outcome == ReviewOutcome.PENDING and review.reviewer is None
    assert not AuditEvent.objects.filter(action=AuditAction.REVIEW).exists()
    # Another supervisor of the unit may.
    decided = actions.review_worksheet(
        signed, by_user=other_supervisor, outcome=ReviewOutcome.APPROVED
    )
    assert decided.outcome == ReviewOutcome.APPROVED and decided.reviewer == other_supervisor


def test_a_decided_review_still_refuses_its_signer(case, carol, other_supervisor):
    """The rule comes before the double-submit shortcut, so it cannot be slipped past."""
    signed = actions.sign_worksheet(ready_worksheet(case, carol), by_user=carol)
    actions.review_worksheet(signed, by_user=other_supervisor, outcome=ReviewOutcome.APPROVED)
    with pytest.raises(PermissionDenied):
        actions.review_worksheet(signed, by_user=carol, outcome=ReviewOutcome.APPROVED)


def test_a_role_without_the_review_permission_cannot_review(signed, alice, dave, bob):
    for user in (dave, bob):
        with pytest.raises(PermissionDenied, match="cannot review"):
            actions.review_worksheet(signed, by_user=user, outcome=ReviewOutcome.APPROVED)
    assert Review.objects.get(worksheet=signed).outcome == ReviewOutcome.PENDING


@pytest.mark.parametrize("who", ["dave", "erin"])
def test_a_user_without_the_sign_permission_cannot_sign(request, draft, who):
    user = request.getfixturevalue(who)
    assert not user.has_perm("cases.sign_worksheet")
    with pytest.raises(PermissionDenied, match="cannot sign"):
        actions.sign_worksheet(draft, by_user=user)
    draft.refresh_from_db()
    assert not draft.is_signed and draft.signed_by is None
    assert not AuditEvent.objects.filter(action=AuditAction.SIGN).exists()


def test_signing_follows_the_permission_not_the_role_name(draft, alice):
    without_permission(Role.DEPUTY, "sign_worksheet")
    with pytest.raises(PermissionDenied):
        actions.sign_worksheet(draft, by_user=fresh(alice))
    draft.refresh_from_db()
    assert not draft.is_signed


def test_missing_fields_come_back_with_the_field_they_belong_to(case, alice):
    worksheet = actions.start_worksheet(case, by_user=alice)
    missing = actions.missing_before_signing(worksheet)
    assert [field for field, _ in missing] == ["considered", "decision", "reasons", "parity_answer"]
    assert dict(missing)["decision"] == "the decision"
    with pytest.raises(actions.IncompleteWorksheet) as refused:
        actions.sign_worksheet(worksheet, by_user=alice)
    assert refused.value.missing == missing
    assert str(refused.value) == (
        "Before signing, complete: choose at least one offer considered; the decision; "
        "the reasons for the decision; the citizen-parity answer."
    )


# --- Access helpers: owner works, outsider 404, read-only role 403 ------------------------------


def test_disposition_for_editing(case, alice, olivia, dave):
    offer = factories.make_disposition(case)
    assert access.get_disposition_for_editing(alice, offer.pk) == offer
    with pytest.raises(Http404):
        access.get_disposition_for_editing(olivia, offer.pk)
    assert access.get_disposition_for_user(dave, offer.pk) == offer  # dave may read it
    with pytest.raises(PermissionDenied, match="can read offers but not change them"):
        access.get_disposition_for_editing(dave, offer.pk)


def test_disposition_editing_follows_the_permission(case, alice):
    offer = factories.make_disposition(case)
    without_permission(Role.DEPUTY, "change_disposition")
    with pytest.raises(PermissionDenied):
        access.get_disposition_for_editing(fresh(alice), offer.pk)


def test_worksheet_for_editing(draft, alice, olivia, dave):
    assert access.get_worksheet_for_editing(alice, draft.pk) == draft
    with pytest.raises(Http404):
        access.get_worksheet_for_editing(olivia, draft.pk)
    assert access.get_worksheet_for_user(dave, draft.pk) == draft
    with pytest.raises(PermissionDenied, match="can read worksheets but not change them"):
        access.get_worksheet_for_editing(dave, draft.pk)


def test_a_signed_worksheet_is_not_for_editing_but_for_amending(signed, alice, olivia, dave):
    with pytest.raises(PermissionDenied, match="signed and can no longer change"):
        access.get_worksheet_for_editing(alice, signed.pk)
    assert access.get_worksheet_for_amending(alice, signed.pk) == signed
    with pytest.raises(Http404):
        access.get_worksheet_for_amending(olivia, signed.pk)
    with pytest.raises(PermissionDenied, match="not amend them"):
        access.get_worksheet_for_amending(dave, signed.pk)


def test_worksheet_for_signing(draft, alice, olivia, dave):
    assert access.get_worksheet_for_signing(alice, draft.pk) == draft
    with pytest.raises(Http404):
        access.get_worksheet_for_signing(olivia, draft.pk)
    with pytest.raises(PermissionDenied):
        access.get_worksheet_for_signing(dave, draft.pk)
    without_permission(Role.DEPUTY, "sign_worksheet")
    with pytest.raises(PermissionDenied, match="cannot sign"):
        access.get_worksheet_for_signing(fresh(alice), draft.pk)


def test_review_for_editing(signed, carol, omega_supervisor, dave):
    review = Review.objects.get(worksheet=signed)
    assert access.get_review_for_editing(carol, signed.pk) == review
    with pytest.raises(Http404):
        access.get_review_for_editing(omega_supervisor, signed.pk)
    assert access.get_review_for_user(dave, signed.pk) == review  # the admin reads it
    with pytest.raises(PermissionDenied, match="cannot review"):
        access.get_review_for_editing(dave, signed.pk)


def test_review_for_editing_refuses_the_signer(case, carol):
    signed = actions.sign_worksheet(ready_worksheet(case, carol), by_user=carol)
    assert access.get_review_for_user(carol, signed.pk).worksheet == signed
    with pytest.raises(PermissionDenied, match="You signed this worksheet"):
        access.get_review_for_editing(carol, signed.pk)


def test_office_for_a_new_case(alice, dave, office, django_user_model):
    assert access.get_office_for_new_case(alice) == office
    with pytest.raises(PermissionDenied, match="not enter them"):
        access.get_office_for_new_case(dave)
    stranger = django_user_model.objects.create_user("stranger", password="x" * 12)
    with pytest.raises(PermissionDenied, match="not attached to an office"):
        access.get_office_for_new_case(stranger)


def test_the_office_of_a_user(alice, office, django_user_model):
    assert access.office_of(alice) == office
    assert access.office_of(None) is None
    assert access.office_of(django_user_model.objects.create_user("operator")) is None


def test_editing_cases_follows_the_permission(case, alice, dave):
    assert access.can_edit_cases(alice) and not access.can_edit_cases(dave)
    without_permission(Role.DEPUTY, "change_case")
    alice = fresh(alice)
    assert not access.can_edit_cases(alice)
    with pytest.raises(PermissionDenied):
        access.get_case_for_editing(alice, case.pk)
