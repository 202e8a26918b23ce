"""The supervisor's review queue: signed worksheets awaiting review in the supervisor's units.

A supervisor approves a worksheet or returns it with comments; the deputy sees the outcome and
the comments on the worksheet page (templates/review/_outcome.html) and amends. The action
records who decided and when (Review.decided_at against requested_at is the turnaround the
compliance report shows) and writes the audit event. Nobody reviews a worksheet they signed.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from .. import actions, audit, defense_requests, security, worksheet_layout
from ..access import get_review_for_editing, get_review_for_user, membership_of
from ..choices import AuditAction, ReviewOutcome
from ..models import GROUND_BITS, Case, Review
from ..templatetags.considered import ground_label, verdict_label
from ..worksheets import content_for_display

PAGE_SIZE = 50


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Your decision",
        choices=[
            (ReviewOutcome.APPROVED.value, "Approve"),
            (ReviewOutcome.RETURNED.value, "Return to the deputy with comments"),
        ],
        widget=forms.RadioSelect,
    )
    comments = forms.CharField(
        label="Comments for the deputy",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Required when you return the worksheet: say what the deputy should change.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Field("outcome"), Field("comments"))

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        if (
            cleaned.get("outcome") == ReviewOutcome.RETURNED
            and not cleaned.get("comments", "").strip()
        ):
            self.add_error("comments", "Say what the deputy should change before returning it.")
        return cleaned


def pending_reviews_for(user):
    """Reviews awaiting a decision on the cases this supervisor may open, oldest first."""
    return (
        Review.objects.filter(
            outcome=ReviewOutcome.PENDING, worksheet__case__in=Case.objects.visible_to(user)
        )
        .select_related(
            "worksheet",
            "worksheet__case",
            "worksheet__case__unit",
            "worksheet__signed_by",
            "worksheet__chosen_disposition",
        )
        .order_by("requested_at", "pk")
    )


@permission_required("cases.review_worksheet", raise_exception=True)
def review_queue(request):
    """Signed worksheets awaiting review in the supervisor's units, oldest request first."""
    membership = membership_of(request.user)
    page = Paginator(pending_reviews_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record(
        AuditAction.VIEW,
        None,
        user=request.user,
        office=membership.office,
        request=request,
        object_type="review_queue",
    )
    for review in page.object_list:
        review.top_risk = top_risk(review.worksheet)
    # The navigation's figure is this queue's length: counted once (cases.context_processors
    # leaves it out of the navigation's statement).
    request.reviews_waiting = page.paginator.count
    return render(
        request, "review/queue.html", {"page": page, "reviews_waiting": page.paginator.count}
    )


@permission_required("cases.review_worksheet", raise_exception=True)
def review_decide(request, pk):
    """Approve a signed worksheet, or return it to the deputy with comments."""
    posted = request.method == "POST"
    # Deciding is refused (403) to the worksheet's own signer before the form is read; the
    # page itself still opens for them, saying another supervisor reviews it.
    review = (get_review_for_editing if posted else get_review_for_user)(request.user, pk)
    worksheet = review.worksheet
    own = worksheet.signed_by_id == request.user.pk
    if posted:
        form = ReviewForm(request.POST)
        if form.is_valid():
            decided = actions.review_worksheet(
                worksheet,
                by_user=request.user,
                outcome=ReviewOutcome(form.cleaned_data["outcome"]),
                comments=form.cleaned_data["comments"].strip(),
                request=request,
            )
            messages.success(request, _decided_message(decided, request.user, worksheet))
            return redirect("review_queue")
    else:
        form = ReviewForm()
        audit.record(AuditAction.VIEW, worksheet, user=request.user, request=request)
    content = security.redact_status(content_for_display(worksheet), request.user) or {}
    # A worksheet recorded without its frozen content (imported, or from before signing kept
    # it) still opens for review, without the grid.
    laid_out = {"analysis", "dispositions", "counts", "decision", "overrides"} <= content.keys()
    offers = worksheet_layout.lay_out_offers(content) if laid_out else []
    grid = (
        worksheet_layout.worksheet_grid(content, offers)
        if laid_out
        else {"columns": [], "rows": [], "whole": None}
    )
    return render(
        request,
        "review/decide.html",
        {
            "review": review,
            "worksheet": worksheet,
            "form": form,
            "own": own,
            # The evidence above approve and return: what was weighed, not only what was decided.
            "content": content,
            "grid": grid,
            "departures": worksheet_layout.departure(grid),
            "overrides": _overrides(content, offers) if laid_out else [],
            # The requests as frozen at signing; those recorded since are listed apart.
            "consideration_request": worksheet_layout.lay_out_defense_request(content, offers),
            "later_requests": defense_requests.recorded_after_signing(worksheet, content),
        },
    )


def _overrides(content, offers):
    """The deputy's overrides with their reasons, named as the grid names offers and grounds."""
    names = {offer["id"]: f"{offer['letter']}: {offer['name']}" for offer in offers}
    rows = []
    for override in content["overrides"]:
        flag = {"ground": override["ground"], "subcategory": override["subcategory"]}
        rows.append(
            {
                **override,
                "offer": names.get(override["disposition"], "an offer no longer considered"),
                "ground_label": worksheet_layout.grid_label(flag),
                "engine_label": verdict_label(override["engine_verdict"]),
                "deputy_label": verdict_label(override["deputy_verdict"]),
            }
        )
    return rows


def top_risk(worksheet):
    """The most serious ground flagged on any offer the worksheet considered (the engine's
    order of grounds), from the bits set at signing: no analysis is loaded for the queue."""
    for ground, bit in GROUND_BITS.items():
        if worksheet.flagged_grounds and worksheet.flagged_grounds & bit:
            return ground_label(ground)
    return ""


def _decided_message(review, user, worksheet):
    """A second submit, or another supervisor first, finds the review decided: say so."""
    case_number = worksheet.case.court_case_number
    if review.reviewer_id != user.pk:
        return f"{case_number}: already decided by another supervisor; nothing was changed."
    if review.outcome == ReviewOutcome.RETURNED:
        return f"{case_number}: returned to the deputy with your comments."
    return f"{case_number}: approved."
