"""Immigration counsel's queue: a deputy asks counsel's view on a signed worksheet; counsel reads
the frozen analysis, the record-of-conviction facts and the defense's request, and answers in
writing (cases.counsel). The answer shows on the worksheet page and in its PDF."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import audit, counsel, defense_requests, security, worksheet_layout
from ..access import (
    get_counsel_request_for_answering,
    get_counsel_request_for_user,
    get_worksheet_for_user,
    may,
    membership_of,
)
from ..choices import AuditAction
from ..models import PleaTerm
from ..worksheets import content_for_display

PAGE_SIZE = 50


class CounselQuestionForm(forms.Form):
    question = forms.CharField(
        label="Your question for immigration counsel (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CounselAnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your written view",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Attached to this worksheet version as it was signed; it does not change it.",
        error_messages={"required": "Write your answer before sending it."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Field("answer"))

    def clean_answer(self):
        answer = self.cleaned_data["answer"].strip()
        if not answer:
            raise forms.ValidationError("Write your answer before sending it.")
        return answer


@permission_required("cases.answer_counsel", raise_exception=True)
def counsel_queue(request):
    """Counsel's queue: worksheets sent for counsel's view, unanswered first."""
    membership = membership_of(request.user)
    page = Paginator(counsel.counsel_queue_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    audit.record(
        AuditAction.VIEW,
        None,
        user=request.user,
        office=membership.office,
        request=request,
        object_type="counsel_queue",
    )
    return render(request, "counsel/queue.html", {"page": page})


@require_POST
def counsel_request_create(request, pk):
    """A deputy sends a signed worksheet version to immigration counsel."""
    worksheet = get_worksheet_for_user(request.user, pk)
    form = CounselQuestionForm(request.POST)
    question = form.cleaned_data["question"] if form.is_valid() else ""
    counsel.request_counsel(worksheet, by_user=request.user, question=question, request=request)
    messages.success(request, "Sent to immigration counsel. Their answer will appear here.")
    return redirect(worksheet.get_absolute_url() + "#counsel")


def counsel_request_detail(request, pk):
    """What counsel reads: the frozen analysis, the record facts, the defense's request; and
    counsel's answer, or the form to write it."""
    posted = request.method == "POST"
    get = get_counsel_request_for_answering if posted else get_counsel_request_for_user
    counsel_request = get(request.user, pk)
    worksheet = counsel_request.worksheet
    form = CounselAnswerForm(request.POST if posted else None)
    if posted and form.is_valid():
        answered = counsel.answer_counsel(
            counsel_request,
            by_user=request.user,
            answer=form.cleaned_data["answer"],
            request=request,
        )
        if answered.answered_by_id != request.user.pk:
            messages.info(request, "Already answered by a colleague; nothing was changed.")
        else:
            messages.success(request, f"{worksheet.case.court_case_number}: answer sent.")
        return redirect("counsel_queue")
    if not posted:
        audit.record(AuditAction.VIEW, counsel_request, user=request.user, request=request)
    content = security.redact_status(content_for_display(worksheet), request.user) or {}
    laid_out = {"analysis", "dispositions", "counts", "decision", "overrides"} <= content.keys()
    offers = worksheet_layout.lay_out_offers(content) if laid_out else []
    grid = (
        worksheet_layout.worksheet_grid(content, offers)
        if laid_out
        else {"columns": [], "rows": [], "whole": None}
    )
    context = {
        "counsel_request": counsel_request,
        "worksheet": worksheet,
        "content": content,
        "grid": grid,
        "record_facts": record_fact_rows(offers),
        # The requests as frozen at signing; those recorded since are listed apart.
        "consideration_request": worksheet_layout.lay_out_defense_request(content, offers),
        "later_requests": defense_requests.recorded_after_signing(worksheet, content),
        "form": form,
        "may_answer": may(request.user, counsel.ANSWER_PERMISSION),
    }
    return render(request, "counsel/detail.html", context, status=400 if posted else 200)


def record_fact_rows(offers):
    """Each plea's record-of-conviction facts in words, offer by offer and count by count."""
    rows = []
    for offer in offers:
        for row in offer["rows"]:
            term = row["term"]
            if term.get("dismissed"):
                continue
            rows.append(
                {
                    "offer": f"{offer['letter']}: {offer['name']}",
                    "count": row["count"]["number"],
                    "statute": term.get("statute", ""),
                    "factual_basis": term.get("factual_basis", ""),
                    "facts": [_fact(name, value) for name, value in term["facts"].items()],
                }
            )
    return rows


def _fact(name, value):
    if name == "loss_over_10000":
        return f"loss over $10,000: {'yes' if value else 'no'}"
    if name == "grams":
        return f"grams: {value:g}"
    label = getattr(PleaTerm._meta.get_field(name), "verbose_name", name)
    return f"{label}: {'yes' if value else 'no'}"
