"""Pages of the cases app. Each view fetches through an access helper and reads like a sentence."""

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import render

from .. import audit
from ..access import get_case_for_user, membership_of
from ..choices import AuditAction
from ..models import Case, PleaTerm


def home(request):
    """The cases the user may open in their office, soonest hearing first."""
    membership_of(request.user)
    cases = (
        Case.objects.visible_to(request.user)
        .select_related("unit", "assigned_deputy")
        .annotate(count_total=Count("charges", distinct=True))
        .by_next_hearing()
    )
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    return render(request, "cases/home.html", {"page": page})


def case_detail(request, pk):
    """One case: its counts and the plea offers on the table."""
    case = get_case_for_user(request.user, pk)
    charges = list(case.charges.all())
    dispositions = list(
        case.dispositions.prefetch_related(
            Prefetch("terms", queryset=PleaTerm.objects.select_related("charge"))
        )
    )
    audit.record(AuditAction.VIEW, case, user=request.user, request=request)
    return render(
        request,
        "cases/case_detail.html",
        {"case": case, "charges": charges, "dispositions": dispositions},
    )
