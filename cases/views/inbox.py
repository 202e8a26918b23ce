"""The "Needs my action" page, the home page of deputies and supervisors (cases.inbox)."""

from django.shortcuts import render

from .. import audit, inbox
from ..access import may, membership_of
from ..choices import AuditAction
from ..forms import AmendForm
from .cases import case_list


def home(request):
    """Where a signed-in user lands: "Needs my action" for a deputy or a supervisor, the case
    list for the other roles."""
    membership_of(request.user)
    if inbox.applies_to(request.user):
        return needs_my_action(request)
    return case_list(request)


def needs_my_action(request):
    """What waits for me: returned worksheets to amend (with the comments and the amend button
    together), offers conveyed without a signed worksheet, hearings soon without one, old
    drafts, and for a supervisor the worksheets waiting for review."""
    membership = membership_of(request.user)
    sections = inbox.sections_for(request.user)
    # The page names defendants (in captions), so reading it is a view of each case listed.
    audit.record(
        AuditAction.VIEW,
        None,
        user=request.user,
        office=membership.office,
        request=request,
        object_type="inbox",
        summary=f"needs my action, {sum(len(s.items) for s in sections)} items",
        data={section.key: [_case_id(item) for item in section.items] for section in sections},
    )
    return render(
        request,
        "cases/inbox.html",
        {
            "sections": sections,
            "total": sum(len(section.items) for section in sections),
            "can_amend": may(request.user, "cases.add_worksheet"),
            "amend_form": AmendForm(),
        },
    )


def _case_id(item):
    """The case an item is about: a case, or an offer's, worksheet's or review's case."""
    if hasattr(item, "court_case_number"):
        return item.pk
    if hasattr(item, "case_id"):
        return item.case_id
    return item.worksheet.case_id
