"""The § 1016.3(b) worksheet: record the consideration, sign it, amend it.

A draft is edited in one form (offers considered, factors, parity, decision and reasons); the
Sign button submits the same form, so what was typed is saved before signing is tried and is
never lost. A signed worksheet is shown from its frozen content and never changes; amending
starts a new version linked to it. Immigration status is never asked for: a user allowed to
see status may record what the defense volunteered, and nothing on the page prompts for it.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from consequences.statuses import Verdict

from .. import actions, analysis, audit, defense_requests, reauth, security, sso, worksheet_layout
from ..access import (
    can_record_status,
    ensure_may_edit_worksheet,
    ensure_may_sign_worksheet,
    get_case_for_editing,
    get_worksheet_for_amending,
    get_worksheet_for_editing,
    get_worksheet_for_user,
    may,
)
from ..choices import AuditAction, CounselRouting, ReviewOutcome
from ..forms import AmendForm, OverrideForm, ReauthForm, StatusDisclosureForm, WorksheetForm
from ..integrity import ConflictError, ShownContentChanged
from ..models import CounselRequest, FlagOverride, Review
from ..policy import policy_for
from ..worksheets import content_for_display, shown_fingerprint

# The big fields of a worksheet that the page's list of versions never shows (issue 19).
VERSION_LIST_DEFERRED = ("engine_output", "signed_content", "factors", "reasons")


@require_POST
def worksheet_start(request, case_pk):
    """Open the case's worksheet (the current draft if there is one) with every offer ticked."""
    case = get_case_for_editing(request.user, case_pk)
    worksheet = actions.start_worksheet(case, by_user=request.user, request=request)
    return redirect(worksheet)


def worksheet_detail(request, pk):
    """Read a worksheet; on a draft, record the consideration and save it."""
    if request.method == "POST":
        worksheet = get_worksheet_for_user(request.user, pk)
        if worksheet.is_signed:
            return _signed_already(request, worksheet)
        ensure_may_edit_worksheet(request.user, worksheet)
        form = _worksheet_form(request, worksheet, request.POST)
        if form.is_valid():
            try:
                _save_draft(request, worksheet, form)
            except ConflictError as conflict:
                form.add_error(None, str(conflict))
            else:
                messages.success(request, "Worksheet saved as a draft.")
                return redirect(worksheet)
        return _page(request, worksheet, form=form, status=400)
    worksheet = get_worksheet_for_user(request.user, pk)
    audit.record(AuditAction.VIEW, worksheet, user=request.user, request=request)
    return _page(request, worksheet)


@require_POST
def worksheet_sign(request, pk):
    """Save what was typed, then sign: the engine output, catalog version and SHA-256 freeze."""
    worksheet = get_worksheet_for_user(request.user, pk)
    if worksheet.is_signed:
        return _signed_already(request, worksheet)
    ensure_may_sign_worksheet(request.user, worksheet)
    form = _worksheet_form(request, worksheet, request.POST)
    password = ReauthForm(request.POST, request=request, required=reauth.password_needed(request))
    if not form.is_valid():
        return _page(request, worksheet, form=form, reauth_form=password, status=400)
    try:
        worksheet = _save_draft(request, worksheet, form)
    except ConflictError as conflict:
        form.add_error(None, str(conflict))
        return _page(request, worksheet, form=form, reauth_form=password, status=409)
    if not password.is_valid():
        form = _saved_form(request, worksheet)
        form.add_error(None, "Your changes were saved as a draft; nothing was signed.")
        status = reauth.refusal_status(request)  # 429 once the password lockout applies
        return _page(request, worksheet, form=form, reauth_form=password, status=status)
    if password.required:
        reauth.refresh(request)
    try:
        worksheet = actions.sign_worksheet(
            worksheet,
            by_user=request.user,
            request=request,
            shown=request.POST.get("shown"),
        )
    except ShownContentChanged as changed:
        form = _saved_form(request, worksheet)
        form.add_error(None, str(changed))
        return _page(request, worksheet, form=form, status=409)
    except actions.IncompleteWorksheet as incomplete:
        form = _saved_form(request, worksheet)
        form.add_error(None, "Saved as a draft, not signed yet. " + str(incomplete))
        for field, missing in incomplete.missing:
            if field in form.fields:
                form.add_error(field, f"Needed before signing: {missing}.")
        return _page(request, worksheet, form=form, status=400)
    message = f"Worksheet v{worksheet.version} signed. SHA-256 {worksheet.content_hash}."
    if Review.objects.filter(worksheet=worksheet).exists():
        message += " Office policy sends it to your supervisor for review."
    messages.success(request, message)
    return redirect(worksheet)


def _signed_already(request, worksheet):
    """A post to a version that is signed (Back after signing, a stale tab, a second tab): say
    who signed it and when, with a link, as a conflict (409) rather than a bare refusal. Read
    once with the draft's own checks after it (`ensure_may_edit_worksheet`), not twice."""
    return render(
        request,
        "worksheets/already_signed.html",
        {"worksheet": worksheet, "case": worksheet.case},
        status=409,
    )


@require_POST
def worksheet_amend(request, pk):
    """Start a new version of a signed worksheet; the signed one stays readable as it was."""
    worksheet = get_worksheet_for_amending(request.user, pk)
    form = AmendForm(request.POST)
    if not form.is_valid():
        return _page(request, worksheet, amend_form=form, status=400)
    try:
        amendment = actions.amend_worksheet(
            worksheet, by_user=request.user, reason=form.cleaned_data["reason"], request=request
        )
    except ConflictError as conflict:
        messages.error(request, str(conflict))
        return redirect(worksheet)
    messages.success(
        request,
        f"Version {amendment.version} started from version {worksheet.version}, which stays "
        "signed and readable. Make the corrections, then sign again.",
    )
    return redirect(amendment)


@require_POST
def worksheet_override(request, pk):
    """Record the deputy's disagreement with one flag, with the reason (htmx or plain POST)."""
    worksheet = get_worksheet_for_editing(request.user, pk)
    form = OverrideForm(request.POST)
    flag = _flag_on_worksheet(worksheet, form) if form.is_valid() else None
    if flag is None:
        if form.is_valid():
            form.add_error(None, "That flag is not on this worksheet any more; reload the page.")
        return _override_response(request, worksheet, form=form, status=400)
    disposition, charge, engine_flag = flag
    try:
        override = actions.set_override(
            worksheet,
            by_user=request.user,
            disposition=disposition,
            charge=charge,
            ground=engine_flag["ground"],
            subcategory=engine_flag.get("subcategory") or "",
            engine_verdict=engine_flag["verdict"],
            deputy_verdict=form.cleaned_data["deputy_verdict"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ConflictError as conflict:
        form.add_error(None, str(conflict))
        return _override_response(request, worksheet, form=form, status=409)
    return _override_response(request, worksheet, form=form, override=override)


@require_POST
def worksheet_override_remove(request, pk, override_pk):
    worksheet = get_worksheet_for_editing(request.user, pk)
    override = get_object_or_404(FlagOverride, pk=override_pk, worksheet=worksheet)
    try:
        actions.remove_override(override, by_user=request.user, request=request)
    except ConflictError as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, "Override removed; the engine's verdict stands.")
    return redirect(worksheet.get_absolute_url() + "#analysis")


@require_POST
def worksheet_status(request, pk):
    """Record an immigration status the defense volunteered, with its source."""
    worksheet = get_worksheet_for_user(request.user, pk)
    if not can_record_status(request.user):
        raise PermissionDenied("Your role cannot record a status disclosure.")
    form = StatusDisclosureForm(request.POST)
    if not form.is_valid():
        return _page(request, worksheet, status_form=form, status=400)
    actions.record_status_disclosure(
        worksheet.case, by_user=request.user, request=request, **form.cleaned_data
    )
    messages.success(request, "The volunteered status was recorded with its source.")
    return redirect(worksheet.get_absolute_url() + "#status")


# --- Helpers ------------------------------------------------------------------------------------


def _show_status(request):
    """Only users allowed to see volunteered status see the section at all."""
    return security.can_see_status(request.user)


def _worksheet_form(request, worksheet, data=None, disclosures=None):
    case = worksheet.case
    if disclosures is None:
        disclosures = list(security.status_disclosures_for(request.user, case))
    return WorksheetForm(
        data,
        worksheet=worksheet,
        offers=case.dispositions.all(),
        show_status_choice=bool(disclosures),
    )


def _saved_form(request, worksheet):
    """The form as saved, for a refusal after the draft was saved: it re-shows what was typed
    with the new version number. Built only on those paths; a signature needs none (issue 19)."""
    form = _worksheet_form(request, worksheet, _with_version(request.POST, worksheet))
    form.is_valid()
    return form


def _with_version(data, worksheet):
    data = data.copy()
    data["version"] = str(worksheet.lock_version)
    return data


def _save_draft(request, worksheet, form):
    return actions.update_worksheet(
        worksheet,
        by_user=request.user,
        version=form.cleaned_data.get("version"),
        fields=form.worksheet_fields(),
        considered=form.cleaned_data["considered"],
        request=request,
    )


def _flag_on_worksheet(worksheet, form):
    """The (offer, count, flagged flag) the override names, looked up in the live analysis: the
    engine verdict recorded is the engine's, never one taken from the request."""
    data = form.cleaned_data
    disposition = worksheet.dispositions_considered.filter(pk=data["disposition"]).first()
    charge = worksheet.case.charges.filter(pk=data["charge"]).first()
    if disposition is None or charge is None:
        return None
    content = content_for_display(worksheet)
    offer = content["analysis"]["dispositions"].get(str(disposition.pk)) or {}
    count = (offer.get("counts") or {}).get(str(charge.pk)) or {}
    for flag in analysis.flagged(count.get("flags", [])):  # the page offers no other
        if flag["ground"] == data["ground"] and (flag.get("subcategory") or "") == (
            data.get("subcategory") or ""
        ):
            return disposition, charge, flag
    return None


def _override_response(request, worksheet, *, form, override=None, status=200):
    if not request.htmx:
        if override is not None:
            messages.success(request, "Override recorded with its reason.")
        else:
            messages.error(request, "The override was not recorded: " + _errors_text(form))
        return redirect(worksheet.get_absolute_url() + "#analysis")
    # htmx: answer with the flag's override block only, so the rest of the page (and anything
    # typed in the worksheet form) stays as it is.
    item = {
        "key": _flag_key(form.data),
        "override": {"record": override, "pk": override.pk} if override else None,
        "can_override": True,
        "flag": {
            "ground": form.data.get("ground", ""),
            "subcategory": form.data.get("subcategory", ""),
        },
    }
    context = {
        "item": item,
        "worksheet": worksheet,
        "override_form": form if override is None else None,
        "disposition_id": form.data.get("disposition", ""),
        "charge_id": form.data.get("charge", ""),
        "verdict_choices": Verdict.choices,
    }
    return render(request, "worksheets/_override.html", context, status=status)


def _flag_key(data):
    return "-".join(
        str(data.get(name, "")) for name in ("disposition", "charge", "ground", "subcategory")
    )


def _errors_text(form):
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _page(
    request,
    worksheet,
    *,
    form=None,
    reauth_form=None,
    amend_form=None,
    status_form=None,
    status=200,
):
    """The worksheet page: its content (frozen once signed), the form while it is a draft, the
    version history and the supervisor's review."""
    case = worksheet.case
    show_status = _show_status(request)
    disclosures = list(security.status_disclosures_for(request.user, case))
    editable = may(request.user, "cases.change_worksheet") and not worksheet.is_signed
    if editable and form is None:
        form = _worksheet_form(request, worksheet, disclosures=disclosures)
    policy_now = policy_for(case.office)
    content = security.redact_status(
        content_for_display(worksheet, policy=policy_now), request.user
    )
    overrides = list(worksheet.overrides.select_related("charge")) if editable else []
    # The history lists each version's number, signature and review: never its frozen content.
    versions = list(
        case.worksheets.order_by("version")
        .select_related("signed_by", "review__reviewer")
        .defer(*VERSION_LIST_DEFERRED)
    )
    reviews = {version.pk: _review_of(version) for version in versions}
    review = reviews.get(worksheet.pk)
    # An amendment shows why the version it amends was returned, if it was.
    amended_review = reviews.get(worksheet.amends_id) if worksheet.amends_id else None
    is_current = not any(version.amends_id == worksheet.pk for version in versions)
    counsel_request = (
        CounselRequest.objects.filter(worksheet=worksheet)
        .select_related("requested_by", "answered_by")
        .first()
    )
    laid_out = worksheet_layout.lay_out_offers(content)  # once for the three sections below
    context = {
        "worksheet": worksheet,
        "case": case,
        "content": content,
        "offers": _offers_view(laid_out, overrides, editable),
        "history": worksheet_layout.lay_out_history(content),
        "consideration_request": worksheet_layout.lay_out_defense_request(content, laid_out),
        "grid": worksheet_layout.worksheet_grid(content, laid_out),
        "reauth_seconds": reauth.seconds_left(request),
        "sso_reauth_url": _sso_reauth_url(request, worksheet),
        "factors_open": form is not None and _factors_touched(form),
        "form": form,
        "editable": editable,
        "reauth_form": reauth_form
        or ReauthForm(request=request, required=reauth.password_needed(request)),
        "amend_form": amend_form or AmendForm(),
        "can_amend": worksheet.is_signed
        and is_current
        and may(request.user, "cases.add_worksheet"),
        "can_sign": editable and may(request.user, "cases.sign_worksheet"),
        "versions": versions,
        "review": review,
        "amended_review": amended_review,
        "version_rows": [(version, reviews[version.pk]) for version in versions],
        "show_status": show_status,
        "disclosures": disclosures,
        "status_form": status_form or StatusDisclosureForm(),
        "can_record_status": show_status and can_record_status(request.user),
        "review_required_policy": policy_now.get_supervisor_approval_display(),
        "counsel_request": counsel_request,
        "can_request_counsel": counsel_request is None
        and worksheet.is_signed
        and policy_now.counsel_routing != CounselRouting.OFF
        and may(request.user, "cases.add_counselrequest"),
        "counsel_routing_off": policy_now.counsel_routing == CounselRouting.OFF,
        "later_requests": defense_requests.recorded_after_signing(worksheet, content),
        # What the draft page shows (counts, offers' terms, defense requests), checked again at
        # signing.
        "shown": shown_fingerprint(content) if editable else "",
        "verdict_choices": Verdict.choices,
        "ReviewOutcome": ReviewOutcome,
    }
    response = render(request, "worksheets/worksheet_detail.html", context, status=status)
    if editable:
        # Back after signing must fetch the page again and show the signed version, never the
        # draft form from the browser's cache (which would then be posted again).
        response["Cache-Control"] = "no-store"
    return response


def _factors_touched(form):
    """Open the factors on the page when any has a weight, a note or an error: they are
    optional, and closed they cost one Tab stop instead of twenty."""
    for _, weight_name, note_name in form.factor_rows:
        for name in (weight_name, note_name):
            if form[name].value() or form[name].errors:
                return True
    return False


def _review_of(worksheet):
    try:
        return worksheet.review
    except Review.DoesNotExist:
        return None


def _offers_view(laid_out, overrides, editable):
    """Each offer considered, count by count, with its flags and any override beside each flag.

    `laid_out` is `worksheet_layout.lay_out_offers` of the content dict, as the PDF's, so a signed
    worksheet shows exactly what was frozen and printed; this adds only the page's controls
    (the override form, or the remove button, which needs the override row's id on a draft).
    """
    ids = {
        worksheet_layout.override_key(
            override.disposition_id, override.charge.number, override.ground, override.subcategory
        ): override.pk
        for override in overrides
    }
    offers = []
    for offer in laid_out:
        rows = []
        for row in offer["rows"]:
            term = row["term"]
            flags = []
            for flag in term["flagged"]:
                override = flag["override"]
                key = worksheet_layout.override_key(
                    offer["id"], term["count"], flag["ground"], flag.get("subcategory")
                )
                flags.append(
                    {
                        "flag": flag,
                        "override": override and {"record": override, "pk": ids.get(key)},
                        "key": _flag_key(
                            {
                                "disposition": offer["id"],
                                "charge": term["count_id"],
                                "ground": flag["ground"],
                                "subcategory": flag.get("subcategory") or "",
                            }
                        ),
                        "flagged": True,
                        "can_override": editable,
                    }
                )
            rows.append(
                {
                    "count": row["count"],
                    "term": term,
                    "result": term["assessed"] or None,
                    "flags": flags,
                    "flagged_count": len(flags),
                    "others": term["not_flagged"],
                }
            )
        offers.append({"offer": offer, "analysis": offer["analysis"], "rows": rows})
    return offers


def _sso_reauth_url(request, worksheet):
    """Where a person who signs in with the county account confirms who they are before
    signing (the provider asks again; the session and the page's form stay): None when single
    sign-on is not set up."""
    if not sso.enabled():
        return None
    from urllib.parse import urlencode

    query = urlencode({"reauth": 1, "next": worksheet.get_absolute_url()})
    return f"{reverse('oidc_authentication_init')}?{query}"
