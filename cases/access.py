"""Access helpers: the one place that decides whether a user may open or change a record.

"Not yours" looks exactly like "does not exist" (404), so nobody can probe another office's
case numbers; a user who may read but not change gets 403 on the editing variants.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Case, Disposition, Worksheet
from .roles import EDITING_ROLES


def membership_of(user):
    membership = getattr(user, "membership", None)
    if membership is None:
        raise PermissionDenied("Your account is not attached to an office.")
    return membership


def can_edit_cases(user):
    membership = getattr(user, "membership", None)
    return membership is not None and membership.role in EDITING_ROLES


def get_case_for_user(user, pk):
    return get_object_or_404(
        Case.objects.visible_to(user).select_related("office", "unit", "assigned_deputy"), pk=pk
    )


def get_case_for_editing(user, pk):
    case = get_case_for_user(user, pk)
    if not can_edit_cases(user):
        raise PermissionDenied("Your role can read this case but not change it.")
    return case


def get_disposition_for_user(user, pk):
    return get_object_or_404(
        Disposition.objects.filter(case__in=Case.objects.visible_to(user)).select_related("case"),
        pk=pk,
    )


def get_worksheet_for_user(user, pk):
    return get_object_or_404(
        Worksheet.objects.filter(case__in=Case.objects.visible_to(user)).select_related(
            "case", "case__office", "case__unit", "signed_by"
        ),
        pk=pk,
    )
