"""Immigration counsel's queue (issue 17.3): requests for counsel's written view on a signed
worksheet, and counsel's answers.

A deputy asks (`request_counsel`), or office policy asks when a signed worksheet flags the
ground the office routes (`route_by_policy`, called by `actions.sign_worksheet` in its
transaction). Either way the case is marked `routed_to_counsel`, which is what lets counsel
open it (`models.visible_q`). Counsel answers once (`answer_counsel`); the answer is attached to
the worksheet version like the review, so the signed version never changes, and it is shown on
the worksheet page and printed in its PDF. Every write is audited in the same transaction.
Tests: tests/test_counsel.py.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from . import audit
from .access import may
from .choices import AuditAction, CounselRouting
from .models import GROUND_BITS, Case, CounselRequest, Worksheet
from .policy import policy_for

ANSWER_PERMISSION = "cases.answer_counsel"
REQUEST_PERMISSION = "cases.add_counselrequest"


class CounselNotAvailable(PermissionDenied):
    pass


# --- Questions the pages ask ---------------------------------------------------------------------


def may_request(user, worksheet):
    """Can this user send this worksheet version to counsel now? (The button on the page.)"""
    return (
        worksheet.is_signed
        and may(user, REQUEST_PERMISSION)
        and policy_for(worksheet.case.office).counsel_routing != CounselRouting.OFF
        and not CounselRequest.objects.filter(worksheet=worksheet).exists()
    )


def counsel_queue_for(user):
    """The requests counsel may answer, unanswered first, oldest first within each."""
    return (
        CounselRequest.objects.filter(case__in=Case.objects.visible_to(user))
        .select_related("case", "case__unit", "worksheet", "requested_by", "answered_by")
        .order_by("answered_at", "requested_at", "pk")
    )


def counsel_answers_for(user, since=None):
    """Counsel's answers a deputy should see on "Needs my action": on the cases assigned to
    them or on worksheets they sent, newest first. For cases.inbox (the lead wires it in)."""
    from django.db.models import Q

    answers = CounselRequest.objects.filter(
        Q(case__assigned_deputy=user) | Q(requested_by=user),
        case__in=Case.objects.visible_to(user),
        answered_at__isnull=False,
    )
    if since is not None:
        answers = answers.filter(answered_at__gte=since)
    return answers.select_related("case", "worksheet", "answered_by").order_by("-answered_at")


# --- Actions ------------------------------------------------------------------------------------


@transaction.atomic
def request_counsel(worksheet, *, by_user, question="", request=None):
    """A deputy asks counsel's view on a signed worksheet version. A second request for the same
    version returns the first unchanged (a double submit, or policy got there first)."""
    if not may(by_user, REQUEST_PERMISSION):
        raise PermissionDenied("Your role cannot ask for immigration counsel's view.")
    worksheet = Worksheet.objects.select_for_update().select_related("case").get(pk=worksheet.pk)
    if not worksheet.is_signed:
        raise PermissionDenied("Sign the worksheet first: counsel reads the signed analysis.")
    if policy_for(worksheet.case.office).counsel_routing == CounselRouting.OFF:
        raise CounselNotAvailable("Office policy does not route worksheets to counsel.")
    existing = CounselRequest.objects.filter(worksheet=worksheet).first()
    if existing is not None:
        return existing
    return _route(worksheet, by_user=by_user, question=question.strip(), request=request)


def route_by_policy(worksheet, *, by_user, request=None, policy=None):
    """Office policy: a worksheet just signed that flags the routed ground goes to counsel.
    Called inside `actions.sign_worksheet`'s transaction; returns the request or None.
    `policy`: the office's version in force on the day it was signed, when already read."""
    version = policy or policy_for(worksheet.case.office, timezone.localdate(worksheet.signed_at))
    if version.counsel_routing != CounselRouting.GROUND or not version.counsel_ground:
        return None
    if not worksheet.flagged_grounds & GROUND_BITS[version.counsel_ground]:
        return None
    return _route(worksheet, by_user=by_user, by_policy=True, request=request)


def _route(worksheet, *, by_user, question="", by_policy=False, request=None):
    counsel_request = CounselRequest(
        worksheet=worksheet,
        case=worksheet.case,
        by_policy=by_policy,
        requested_by=None if by_policy else by_user,
        requested_at=timezone.now(),
        question=question,
    )
    counsel_request.save()
    Case.objects.filter(pk=worksheet.case_id).update(routed_to_counsel=True)
    audit.record(
        AuditAction.CREATE,
        counsel_request,
        user=by_user,
        request=request,
        summary=f"counsel asked on worksheet {worksheet.pk}" + (" by policy" if by_policy else ""),
        data={"worksheet": worksheet.pk, "by_policy": by_policy},
    )
    return counsel_request


@transaction.atomic
def answer_counsel(counsel_request, *, by_user, answer, request=None):
    """Counsel answers in writing, once. A second answer (a double submit, or a colleague
    first) returns the first unchanged."""
    if not may(by_user, ANSWER_PERMISSION):
        raise PermissionDenied("Only immigration counsel answers these requests.")
    locked = CounselRequest.objects.select_for_update().select_related("case")
    counsel_request = locked.get(pk=counsel_request.pk)
    if counsel_request.case.office_id != by_user.membership.office_id:
        raise PermissionDenied("This request belongs to another office.")
    if counsel_request.is_answered:
        return counsel_request
    if not answer.strip():
        raise ValueError("Write your answer before sending it.")
    counsel_request.answer = answer.strip()
    counsel_request.answered_by = by_user
    counsel_request.answered_at = timezone.now()
    counsel_request.save()
    audit.record(
        AuditAction.REVIEW,
        counsel_request,
        user=by_user,
        request=request,
        summary=f"counsel answered on worksheet {counsel_request.worksheet_id}",
        data={"worksheet": counsel_request.worksheet_id, "answered": True},
    )
    return counsel_request
