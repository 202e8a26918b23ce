"""Entering a case with its counts on one page; counts added and removed without a reload.

Each count row carries a key (a form prefix), so rows can come and go in any order: the page
posts the keys of the rows still on it, in order, as `row`. The statute is typed as
practitioners write it, with suggestions from the catalog as they type.
"""

import re
import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_GET

from consequences import engine

from .. import actions, audit
from ..access import can_edit_cases, get_case_for_editing, get_office_for_new_case
from ..choices import AuditAction
from ..forms import CaseForm, ChargeForm, describe_statute
from ..integrity import CaseNumberTaken, ConflictError, CountsBound
from ..models import Case

MAX_COUNTS = 60
_ROW_KEY = re.compile(r"^[a-z0-9]{1,24}$")


def case_create(request):
    """Open a new case in the user's office, with its counts."""
    office = get_office_for_new_case(request.user)
    case = Case(office=office, unit=request.user.membership.unit, assigned_deputy=request.user)
    return _case_page(request, case)


def case_edit(request, pk):
    """Change a case and its counts; removing a count removes its terms from draft offers. A
    count that a conveyed or considered offer pleads stays (actions.update_case says which)."""
    return _case_page(request, get_case_for_editing(request.user, pk))


def _case_page(request, case):
    if request.method == "POST":
        form = CaseForm(request.POST, instance=case, office=case.office)
        rows = [ChargeForm(request.POST, row_key=key) for key in _posted_row_keys(request.POST)]
        rows_error = _rows_problem(rows)
        # Every row is validated (no short-circuit) so each shows its own errors at once.
        rows_valid = [row.is_valid() for row in rows]
        if form.is_valid() and not rows_error and all(rows_valid):
            charges = [row.charge_fields() for row in rows]
            try:
                case = _save(request, case, form, charges)
            except CountsBound as bound:
                # Each refused count's row says why; what was typed stays on the page.
                for row in rows:
                    if row.cleaned_data.get("pk") in bound.problems:
                        row.add_error(None, bound.problems[row.cleaned_data["pk"]])
                form.add_error(None, str(bound))
            except CaseNumberTaken as taken:
                # Someone saved the same number since the form checked it; what was typed
                # stays on the page.
                form.add_error("court_case_number", _number_taken(request.user, taken))
            except ConflictError as conflict:
                form.add_error(None, str(conflict))
            else:
                messages.success(request, f"Case {case.court_case_number} saved.")
                return redirect(case)
    else:
        if case.pk:  # opening a case to edit it is a view of the case
            audit.record(AuditAction.VIEW, case, user=request.user, request=request)
        form = CaseForm(instance=case, office=case.office)
        rows = [
            ChargeForm(row_key=f"c{charge.pk}", initial=ChargeForm.initial_for(charge))
            for charge in (case.charges.all() if case.pk else ())
        ] or [ChargeForm(row_key=new_row_key())]
        rows_error = ""
    return render(
        request,
        "cases/case_form.html",
        {"case": case, "form": form, "rows": rows, "rows_error": rows_error},
    )


def _save(request, case, form, charges):
    if case.pk:
        return actions.update_case(
            case,
            by_user=request.user,
            version=form.cleaned_data.get("version"),
            fields=form.case_fields(),
            charges=charges,
            request=request,
        )
    return actions.create_case(
        office=case.office,
        by_user=request.user,
        charges=charges,
        request=request,
        **form.case_fields(),
    )


def _number_taken(user, taken):
    """ "Case X already exists in this office", with a link to it when the user may open it."""
    if not Case.objects.visible_to(user).filter(pk=taken.case.pk).exists():
        return str(taken)
    return format_html(
        '{} <a href="{}">Open case {}</a>.',
        str(taken),
        taken.case.get_absolute_url(),
        taken.number,
    )


def _posted_row_keys(data):
    keys = []
    for key in data.getlist("row"):
        if _ROW_KEY.match(key) and key not in keys:
            keys.append(key)
    return keys


def _rows_problem(rows):
    """Why the counts cannot be saved as posted, or "". Every row posted stays on the page, so
    nothing typed is lost; rows beyond the limit used to be dropped without a word."""
    if not rows:
        return "Enter at least one count."
    if len(rows) > MAX_COUNTS:
        return (
            f"A case can have at most {MAX_COUNTS} counts; this one has {len(rows)}. "
            "Remove the extra rows, or enter the rest in a related case."
        )
    return ""


def new_row_key():
    return "n" + secrets.token_hex(4)


@require_GET
def count_row(request):
    """An empty count row, for htmx to append to the form."""
    if not can_edit_cases(request.user):
        raise PermissionDenied("Your role can read cases but not enter them.")
    return render(request, "cases/_count_row.html", {"row": ChargeForm(row_key=new_row_key())})


@require_GET
def statute_suggest(request):
    """Catalog entries matching what is typed, and whether the statute as typed is known.

    Reads the first parameter named like a statute field, so the inputs of both the case page
    and the offer page can call it with their own names.
    """
    text = request.GET.get("q", "")
    for name, value in request.GET.items():
        if name.endswith("-statute") or name.endswith("-statute_pleaded"):
            text = value
            break
    text = text.strip()[:60]
    key = request.GET.get("key", "")
    if not re.match(r"^[a-z0-9-]{1,40}$", key):
        key = "x"
    info = describe_statute(text)
    return render(
        request,
        "cases/_statute_help.html",
        {
            "key": key,
            "suggestions": engine.suggest(text, limit=8) if text else [],
            "info": info,
            # A code the catalog does not know: the closest codes it does ("PC 2735a").
            "did_you_mean": [] if info["known"] or not text else engine.did_you_mean(text),
        },
    )
