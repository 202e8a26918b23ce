"""Access helpers: the one place that decides whether a user may open or change a record.

Each kind of record has a pair, as healthchecks pairs `_get_check_for_user` with
`_get_rw_check_for_user`: `get_*_for_user` to read and `get_*_for_editing` to change.
"Not yours" looks exactly like "does not exist" (404), so nobody can probe another office's
case numbers; a user who may read but not change gets 403 on the editing variants.

Which records a user may open is office isolation (`Case.objects.visible_to`; for a record
under a case, the same condition on its joined case, `visible_q`, which leaves PostgreSQL one
relation fewer to plan than an IN over the visible cases); what they may do with them is a
Django permission, granted through the role's group (`cases.roles`). Nothing
here compares role names: there is one permission system.

The rules that must hold whoever calls (a view, the admin, an import, a future API) are the
`ensure_*` functions; the actions call them too (`actions.sign_worksheet`,
`actions.review_worksheet`), so the helpers only refuse earlier, before anything is saved.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from . import kept_reads
from .models import (
    Case,
    CounselRequest,
    DefenseAttachment,
    DefenseSubmission,
    Disposition,
    OfferTemplate,
    PriorConviction,
    Review,
    Unit,
    Worksheet,
    visibility,
    visibility_q,
    visible_q,
)


def membership_of(user):
    membership = getattr(user, "membership", None)
    if membership is None:
        raise PermissionDenied("Your account is not attached to an office.")
    return membership


def office_of(user):
    """The office the user works in, or None for an account without one (an operator)."""
    membership = getattr(user, "membership", None) if user is not None else None
    return membership.office if membership is not None else None


def may(user, permission):
    """Has this user the permission, through their role's group? An account without an office
    opens no record, whatever permissions it holds."""
    return getattr(user, "membership", None) is not None and user.has_perm(permission)


def _require(user, permission, message):
    if not may(user, permission):
        raise PermissionDenied(message)


def can_edit_cases(user):
    """May this user enter and change cases, counts and offers (the buttons on the pages)?"""
    return may(user, "cases.change_case")


def can_record_status(user):
    """Record a status the defense volunteered: only a user who may also see status."""
    return may(user, "cases.view_status") and may(user, "cases.add_statusdisclosure")


# --- Rules the actions enforce whoever calls them -----------------------------------------------


def ensure_may_sign(user):
    """Signing is the deputy's attestation: only a role granted `cases.sign_worksheet`."""
    if not user.has_perm("cases.sign_worksheet"):
        raise PermissionDenied("Your role cannot sign worksheets.")


def ensure_may_review(user, worksheet):
    """A review needs `cases.review_worksheet`, and nobody reviews a worksheet they signed:
    the point of the review is a second pair of eyes. (tests/test_access_rules.py)"""
    if not user.has_perm("cases.review_worksheet"):
        raise PermissionDenied("Your role cannot review worksheets.")
    if worksheet.signed_by_id is not None and worksheet.signed_by_id == user.pk:
        raise PermissionDenied("You signed this worksheet; another supervisor reviews it.")


def ensure_may_manage_office(user, office):
    """Users, units, roles and policy of an office change only by its administrator (a role
    with `cases.manage_office` in that office) or by a deployment's operator (a superuser),
    whoever calls: the admin today, an administration screen later (actions.create_user, …)."""
    if getattr(user, "is_superuser", False):
        return
    if office is None or office_of(user) != office or not may(user, "cases.manage_office"):
        raise PermissionDenied("Only this office's administrator can change its users and policy.")


# --- Cases --------------------------------------------------------------------------------------


def get_case_for_user(user, pk):
    return _kept_get(_CASE, user, pk)


# The case page, the comparison and the start of a worksheet read the case this way; the SQL is
# compiled once per shape of the user's visibility (`_kept_get`).
_CASE = kept_reads.KeptInstances(
    Case,
    lambda shape, pk, **ids: (
        Case.objects.filter(visibility_q(shape, ids), pk=pk)
        .select_related("office", "unit", "assigned_deputy")
        .order_by()
    ),
)


def _kept_get(read, user, pk):
    """`get_object_or_404` over the records `user` may open, through a read whose SQL is compiled
    once per process for each shape of visibility (cases.kept_reads): building and compiling
    these querysets, on nearly every page of a deputy, cost more CPU than running them
    (issue 19). The condition is `visible_q`'s, with the user's ids as parameters."""
    shape, ids = visibility(user)
    found = read.first(shape, pk=int(pk), **ids) if shape != "nothing" else None
    if found is None:
        raise Http404(f"No {read.model._meta.object_name} matches the given query.")
    return found


def get_case_for_editing(user, pk):
    case = get_case_for_user(user, pk)
    _require(user, "cases.change_case", "Your role can read this case but not change it.")
    return case


def get_prior_for_editing(user, pk):
    """A prior conviction of a case this user may change (404 for another office's)."""
    prior = get_object_or_404(
        PriorConviction.objects.filter(visible_q(user, "case__")).select_related("case"),
        pk=pk,
    )
    _require(user, "cases.change_case", "Your role can read this case but not change it.")
    return prior


def get_office_for_new_case(user):
    """The office a new case goes into: the user's own, if their role may enter cases."""
    office = membership_of(user).office
    _require(user, "cases.add_case", "Your role can read cases but not enter them.")
    return office


# --- Offers (dispositions) ----------------------------------------------------------------------


def get_disposition_for_user(user, pk):
    return get_object_or_404(
        Disposition.objects.filter(visible_q(user, "case__")).select_related("case"),
        pk=pk,
    )


def get_disposition_for_editing(user, pk):
    disposition = get_disposition_for_user(user, pk)
    _require(user, "cases.change_disposition", "Your role can read offers but not change them.")
    return disposition


# --- The defense's requests (issue 15 item 6) ---------------------------------------------------


def get_case_for_new_defense_request(user, pk):
    case = get_case_for_user(user, pk)
    _require(
        user, "cases.add_defensesubmission", "Your role can read requests but not record them."
    )
    return case


def get_defense_request_for_user(user, pk):
    return get_object_or_404(
        DefenseSubmission.objects.filter(visible_q(user, "case__")).select_related(
            "case", "case__office"
        ),
        pk=pk,
    )


def get_defense_request_for_editing(user, pk):
    submission = get_defense_request_for_user(user, pk)
    _require(
        user, "cases.change_defensesubmission", "Your role can read requests but not change them."
    )
    return submission


def get_attachment_for_user(user, pk):
    """An attachment of a request on a case this user may open (404 for another office's)."""
    return get_object_or_404(
        DefenseAttachment.objects.filter(visible_q(user, "submission__case__")).select_related(
            "submission__case__office"
        ),
        pk=pk,
    )


# --- Worksheets ---------------------------------------------------------------------------------


def get_worksheet_for_user(user, pk):
    return _kept_get(_WORKSHEET, user, pk)


_WORKSHEET = kept_reads.KeptInstances(
    Worksheet,
    lambda shape, pk, **ids: (
        Worksheet.objects.filter(visibility_q(shape, ids, "case__"), pk=pk)
        .select_related("case", "case__office", "case__unit", "signed_by")
        .order_by()
    ),
)


# What serving a stored PDF reads of a worksheet (worksheet_print.issue_pdf): the stored file's
# key (pdf_store.key_for: the content hash, whether the content carries a status, the review and
# counsel's request as they stand now), the file's name and the audit event's office. The whole
# row with its case, office and people is some 500 columns over 12 tables: 1.5 ms of compiling
# here and twice the planning in PostgreSQL, on every download (issue 19). Rendering, when no
# file is stored yet, reads the worksheet whole again (`worksheet_print.issue_pdf`).
STORED_PDF_FIELDS = (
    "office_id",
    "case_id",
    "version",
    "signed_at",
    "content_hash",
    "signed_content",
    "case__court_case_number",
    *(
        f"review__{name}"
        for name in ("outcome", "requested_at", "decided_at", "comments", "reviewer_id")
    ),
    *(f"review__reviewer__{name}" for name in ("username", "first_name", "last_name")),
    *(
        f"counsel_request__{name}"
        for name in ("requested_at", "question", "answered_at", "answer")
        + ("requested_by_id", "answered_by_id")
    ),
    *(
        f"counsel_request__{person}__{name}"
        for person in ("requested_by", "answered_by")
        for name in ("username", "first_name", "last_name")
    ),
)


def get_worksheet_for_download(user, pk):
    """`get_worksheet_for_user`, reading only what serving a stored PDF needs
    (`STORED_PDF_FIELDS`), in one query with the review, counsel's request and their people."""
    return _kept_get(_WORKSHEET_FOR_DOWNLOAD, user, pk)


_WORKSHEET_FOR_DOWNLOAD = kept_reads.KeptInstances(
    Worksheet,
    lambda shape, pk, **ids: (
        Worksheet.objects.filter(visibility_q(shape, ids, "case__"), pk=pk)
        .select_related(
            "case",
            "review__reviewer",
            "counsel_request__requested_by",
            "counsel_request__answered_by",
        )
        .only(*STORED_PDF_FIELDS)
        .order_by()
    ),
)


def get_worksheet_for_editing(user, pk):
    """A draft this user may change. A signed worksheet never changes: it is amended."""
    return ensure_may_edit_worksheet(user, get_worksheet_for_user(user, pk))


def ensure_may_edit_worksheet(user, worksheet):
    """`worksheet`, read by `get_worksheet_for_user`, if this user may change it."""
    _require(user, "cases.change_worksheet", "Your role can read worksheets but not change them.")
    if worksheet.is_signed:
        raise PermissionDenied("This worksheet is signed and can no longer change. Amend it.")
    return worksheet


def get_worksheet_for_signing(user, pk):
    """A draft this user may change and sign; refused before the draft is saved."""
    return ensure_may_sign_worksheet(user, get_worksheet_for_user(user, pk))


def ensure_may_sign_worksheet(user, worksheet):
    """`worksheet`, read by `get_worksheet_for_user`, if this user may change and sign it."""
    ensure_may_edit_worksheet(user, worksheet)
    ensure_may_sign(user)
    return worksheet


def get_worksheet_for_amending(user, pk):
    """A worksheet this user may start a new version of (the signed one stays as it was)."""
    worksheet = get_worksheet_for_user(user, pk)
    _require(user, "cases.add_worksheet", "Your role can read worksheets but not amend them.")
    return worksheet


# --- Reviews ------------------------------------------------------------------------------------


def get_review_for_user(user, worksheet_pk):
    """The review of a worksheet this user may open (404 otherwise)."""
    return get_object_or_404(
        Review.objects.filter(visible_q(user, "worksheet__case__")).select_related(
            "worksheet",
            "worksheet__case",
            "worksheet__case__unit",
            "worksheet__signed_by",
            "worksheet__chosen_disposition",
            "reviewer",
        ),
        worksheet_id=worksheet_pk,
    )


def get_review_for_editing(user, worksheet_pk):
    """The review of a worksheet this user may decide: a reviewer who did not sign it."""
    review = get_review_for_user(user, worksheet_pk)
    ensure_may_review(user, review.worksheet)
    return review


# --- The office area (users and units) ----------------------------------------------------------


def get_office_for_managing(user):
    """The office this user administers (403 for anyone else, an operator included: the
    operator's tool is the Django admin)."""
    office = membership_of(user).office
    _require(user, "cases.manage_office", "Only the office's administrator manages the office.")
    return office


def get_member_for_managing(user, pk):
    """An account of the administrator's office (404 for anyone else's)."""
    from django.contrib.auth import get_user_model

    office = get_office_for_managing(user)
    return get_object_or_404(
        get_user_model().objects.select_related("membership", "membership__unit"),
        pk=pk,
        membership__office=office,
    )


def get_unit_for_managing(user, pk):
    """A unit of the administrator's office (404 for another office's)."""
    office = get_office_for_managing(user)
    return get_object_or_404(Unit.objects.select_related("office"), pk=pk, office=office)


# --- Requests for immigration counsel's view ----------------------------------------------------


def get_counsel_request_for_user(user, pk):
    """A request on a case this user may open (404 otherwise; counsel opens routed cases)."""
    return get_object_or_404(
        CounselRequest.objects.filter(visible_q(user, "case__")).select_related(
            "case",
            "case__office",
            "case__unit",
            "worksheet",
            "worksheet__signed_by",
            "worksheet__chosen_disposition",
            "requested_by",
            "answered_by",
        ),
        pk=pk,
    )


def get_counsel_request_for_answering(user, pk):
    """A request this user may answer: immigration counsel of the case's office."""
    counsel_request = get_counsel_request_for_user(user, pk)
    _require(user, "cases.answer_counsel", "Only immigration counsel answers these requests.")
    return counsel_request


# --- Offer templates ----------------------------------------------------------------------------


def can_manage_offer_templates(user):
    """Supervisors keep the office's offer templates: they are plea terms (cases.roles)."""
    return may(user, "cases.change_offertemplate")


def get_offer_templates_for_user(user):
    """The office's templates, for anyone who may read them (deputies apply them)."""
    _require(user, "cases.view_offertemplate", "Your role cannot see the offer templates.")
    return OfferTemplate.objects.filter(office=membership_of(user).office)


def get_offer_template_for_editing(user, pk=None):
    """A template of the user's office they may change (404 for another office's), or, without
    `pk`, the office a new one goes into."""
    _require(user, "cases.change_offertemplate", "Only a supervisor changes the offer templates.")
    office = membership_of(user).office
    if pk is None:
        return office, None
    return office, get_object_or_404(OfferTemplate, office=office, pk=pk)
