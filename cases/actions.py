"""Every change that writes to the records: one function each, one transaction each, with the
acting user passed in and the audit event written inside the same transaction.

Views call these; so do seed_demo and the tests. Nothing here reads the request except to pass
its id and address to the audit log.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import alternatives, audit, backup_codes, binding, offers, pdf_jobs, policy, report_columns
from .access import ensure_may_manage_office, ensure_may_review, ensure_may_sign, office_of
from .choices import (
    AuditAction,
    Decision,
    DispositionLabel,
    DispositionStatus,
    ParityRule,
    ProposedBy,
    ReviewOutcome,
    Role,
    SchemeAnswer,
)
from .integrity import (
    CaseNumberTaken,
    ConflictError,
    CountsBound,
    OfferFrozen,
    ShownContentChanged,
    WorksheetSigned,
    check_version,
)
from .models import (
    Case,
    Charge,
    Disposition,
    FlagOverride,
    Membership,
    Office,
    PleaTerm,
    PriorConviction,
    Review,
    StatusDisclosure,
    Unit,
    Worksheet,
)
from .roles import assign_role


class IncompleteWorksheet(Exception):
    """Signing refused: the message lists, in plain words, what is still missing."""

    def __init__(self, missing):
        self.missing = missing  # (field, message) pairs, from missing_before_signing
        super().__init__(
            "Before signing, complete: " + "; ".join(message for _, message in missing) + "."
        )


# --- Office administration: offices, units, users, memberships ----------------------------------
# The Django admin (cases.admin) makes these changes only through the functions below, so each
# is audited with what changed. A change to who may do what (an account created, a role, a
# unit, an office, the active flag, a password, a second factor) is an audit event on the user
# concerned (object_type "user"): that is what the access-changes page lists
# (cases.views.access_changes). No password, name or e-mail address is ever written to the log.

# Office fields that are policy or identity, in the order a reader expects them.
OFFICE_FIELDS = (
    "name",
    "county",
    "slug",
    "parity_rule",
    "local_passwords_allowed",
    "deputies_see_unit_cases",
    "compliance_goal_percent",
    "inbox_hearing_days",
    "inbox_draft_days",
)
# User fields the admin may change through update_user; name fields are audited by name only.
USER_FLAGS = ("is_active", "is_superuser")
USER_PERSONAL_FIELDS = ("username", "first_name", "last_name", "email")


def _changes(before, after):
    """{field: {"before": old, "after": new}} for every field whose value differs."""
    return {
        name: {"before": before[name], "after": after[name]}
        for name in after
        if before.get(name) != after[name]
    }


def _describe(changes):
    """The changes for a reader of the log: "role deputy → supervisor; unit_id 3 → 5"."""
    return "; ".join(
        f"{name} {_word(change['before'])} → {_word(change['after'])}"
        for name, change in changes.items()
    )


def _word(value):
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _record_access_change(action, user, *, by_user, office, summary, data, request):
    """One access-change event on `user`, in `office` (None for an operator's own account)."""
    return audit.record(
        action,
        user,
        user=by_user,
        office=office,
        request=request,
        object_type="user",
        summary=summary,
        data=data,
    )


@transaction.atomic
def create_office(*, by_user, fields, request=None):
    """An operator opens a new office (a superuser only: offices are deployment-wide)."""
    if not getattr(by_user, "is_superuser", False):
        raise PermissionDenied("Only the deployment's operator can open an office.")
    office = Office.objects.create(**fields)
    values = {name: getattr(office, name) for name in OFFICE_FIELDS}
    audit.record(
        AuditAction.CREATE,
        office,
        user=by_user,
        office=office,
        request=request,
        summary="office opened",
        data={"after": values},
    )
    return office


@transaction.atomic
def update_office_policy(office, *, by_user, fields, request=None):
    """Change the office's policy settings (scope, exclusions, approval, parity, …).

    Audited with each changed setting before and after; nothing is written when nothing
    changed. The row is locked so that two administrators' edits are recorded one after the
    other, each with the "before" the other left.
    """
    ensure_may_manage_office(by_user, office)
    office = Office.objects.select_for_update().get(pk=office.pk)
    unknown = set(fields) - set(OFFICE_FIELDS)
    if unknown:
        raise ValueError(f"Not an office setting: {', '.join(sorted(unknown))}.")
    before = {name: getattr(office, name) for name in fields}
    for name, value in fields.items():
        setattr(office, name, value)
    changes = _changes(before, {name: getattr(office, name) for name in fields})
    if not changes:
        return office
    office.full_clean()
    office.save(update_fields=list(changes))
    audit.record(
        AuditAction.CHANGE,
        office,
        user=by_user,
        office=office,
        request=request,
        summary="policy: " + _describe(changes),
        data={"changes": changes},
    )
    return office


@transaction.atomic
def create_unit(office, *, by_user, name, request=None):
    ensure_may_manage_office(by_user, office)
    unit = Unit.objects.create(office=office, name=name)
    audit.record(
        AuditAction.CREATE,
        unit,
        user=by_user,
        request=request,
        summary="unit created",
        data={"unit_id": unit.pk},
    )
    return unit


@transaction.atomic
def rename_unit(unit, *, by_user, name, request=None):
    unit = Unit.objects.select_for_update().select_related("office").get(pk=unit.pk)
    ensure_may_manage_office(by_user, unit.office)
    if unit.name == name:
        return unit
    changes = {"name": {"before": unit.name, "after": name}}
    unit.name = name
    unit.save(update_fields=["name"])
    audit.record(
        AuditAction.CHANGE,
        unit,
        user=by_user,
        request=request,
        summary="unit renamed",
        data={"changes": changes},
    )
    return unit


@transaction.atomic
def create_user(
    *, by_user, office, username, password, role=Role.DEPUTY, unit=None, request=None, **fields
):
    """Open an account; with an office, it joins that office in `role` (a deputy by default).

    `password` None opens an account that cannot log in with a password until one is set.
    The audit event says that the account exists, its role and unit, and whether a password
    was set, so that an account an administrator could log in as is on the record.
    """
    if office is None:
        # An account outside every office is an operator's, made by an operator.
        if not getattr(by_user, "is_superuser", False):
            raise PermissionDenied(
                "Only the deployment's operator can open an account outside an office."
            )
    else:
        ensure_may_manage_office(by_user, office)
        _ensure_unit_in_office(unit, office)
    user = get_user_model().objects.create_user(username=username, password=password, **fields)
    after = {"office_id": None, "unit_id": None, "role": "", "is_active": user.is_active}
    if office is not None:
        Membership.objects.create(user=user, office=office, unit=unit, role=role)
        assign_role(user, role)
        after.update(office_id=office.pk, unit_id=unit.pk if unit else None, role=role)
    after["password"] = "set" if user.has_usable_password() else "unusable"
    _record_access_change(
        AuditAction.CREATE,
        user,
        by_user=by_user,
        office=office,
        summary="account created; "
        + "; ".join(f"{name} {_word(value)}" for name, value in after.items()),
        data={"change": "account", "after": after},
        request=request,
    )
    return user


@transaction.atomic
def update_user(user, *, by_user, fields, request=None):
    """Change an account's flags (active, superuser) or its name fields.

    The flags are audited before and after; name and e-mail changes by field name only, never
    their values (the audit log holds no names). Only an operator makes or unmakes an operator.
    """
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    office = _office_of_account(user)
    _ensure_may_manage_account(by_user, user, office)
    unknown = set(fields) - set(USER_FLAGS) - set(USER_PERSONAL_FIELDS)
    if unknown:
        raise ValueError(f"Not an account field the admin changes: {', '.join(sorted(unknown))}.")
    if "is_superuser" in fields and not getattr(by_user, "is_superuser", False):
        raise PermissionDenied("Only the deployment's operator can grant or remove superuser.")
    if fields.get("is_active") is False and user.is_active and office is not None:
        ensure_office_keeps_an_admin(office, losing=user)
    before = {name: getattr(user, name) for name in fields}
    for name, value in fields.items():
        setattr(user, name, value)
    after = {name: getattr(user, name) for name in fields}
    changes = _changes(before, after)
    if not changes:
        return user
    user.save(update_fields=list(changes))
    flags = {name: change for name, change in changes.items() if name in USER_FLAGS}
    personal = sorted(name for name in changes if name in USER_PERSONAL_FIELDS)
    parts = [_describe(flags)] if flags else []
    if personal:
        parts.append("changed " + ", ".join(personal))
    _record_access_change(
        AuditAction.CHANGE,
        user,
        by_user=by_user,
        office=office,
        summary="account: " + "; ".join(parts),
        data={"change": "account", "changes": flags, "fields_changed": personal},
        request=request,
    )
    return user


@transaction.atomic
def reset_password(user, *, by_user, password, request=None):
    """Set a new password for someone (None: log-in by password is turned off).

    Every session the user had ends with it (Django ties a session to the password hash); the
    audit event says that the password changed, never what to.
    """
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    office = _office_of_account(user)
    _ensure_may_manage_account(by_user, user, office)
    if password is None:
        user.set_unusable_password()
        summary, outcome = "password log-in turned off", "unusable"
    else:
        user.set_password(password)
        summary, outcome = "password reset", "set"
    user.save(update_fields=["password"])
    _record_access_change(
        AuditAction.CHANGE,
        user,
        by_user=by_user,
        office=office,
        summary=summary,
        data={"change": "password", "after": outcome},
        request=request,
    )
    return user


@transaction.atomic
def set_membership(user, *, by_user, office, unit, role, bar_number="", request=None):
    """Put a user in an office, a unit and a role (their permissions follow the role's group).

    Audited with the office, unit and role before and after. A move to another office is
    recorded in both offices, so that each office's list of access changes shows it.
    """
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    membership = Membership.objects.select_for_update().filter(user=user).first()
    old_office = membership.office if membership is not None else None
    ensure_may_manage_office(by_user, office)
    if old_office is not None and old_office != office:
        ensure_may_manage_office(by_user, old_office)
    _ensure_unit_in_office(unit, office)
    if (
        membership is not None
        and membership.role == Role.ADMIN
        and (role != Role.ADMIN or old_office != office)
    ):
        ensure_office_keeps_an_admin(old_office, losing=user)
    fields = {"office_id": office.pk, "unit_id": unit.pk if unit else None, "role": role}
    before = (
        {name: getattr(membership, name) for name in fields}
        if membership is not None
        else dict.fromkeys(fields)
    )
    if membership is None:
        membership = Membership(user=user)
    for name, value in fields.items():
        setattr(membership, name, value)
    bar_changed = membership.bar_number != bar_number
    membership.bar_number = bar_number
    changes = _changes(before, fields)
    if not changes and not bar_changed:
        return membership
    membership.save()
    assign_role(user, role)
    summary = _describe(changes) if changes else "bar number changed"
    data = {"change": "membership", "changes": changes}
    for where in {old_office, office} - {None}:
        _record_access_change(
            AuditAction.CHANGE,
            user,
            by_user=by_user,
            office=where,
            summary="membership: " + summary,
            data=data,
            request=request,
        )
    return membership


@transaction.atomic
def set_role_from_directory(membership, role, *, request=None):
    """Single sign-on: the county directory's groups give this role (cases.sso.role_for).

    The directory is the authority on roles once single sign-on is set up (OIDC_ROLE_MAP), so
    the role follows it at each sign-in; the change is an access change like an
    administrator's, recorded with no acting user and the directory named in the summary.
    """
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    before = membership.role
    if before == role:
        return membership
    membership.role = role
    membership.save(update_fields=["role"])
    assign_role(membership.user, role)
    changes = {"role": {"before": before, "after": role}}
    _record_access_change(
        AuditAction.CHANGE,
        membership.user,
        by_user=None,
        office=membership.office,
        summary="membership: " + _describe(changes) + " (from the county directory's groups)",
        data={"change": "membership", "changes": changes, "source": "single sign-on"},
        request=request,
    )
    return membership


def ensure_office_keeps_an_admin(office, *, losing):
    """Refuse a change that leaves `office` without an active administrator (issue 17: nobody
    could then manage its users). The office's administrator rows are locked first, so two
    administrators deactivating each other at once are decided one after the other."""
    admins = list(
        Membership.objects.select_for_update()
        .filter(office=office, role=Role.ADMIN)
        .select_related("user")
    )
    if not any(m.user_id == losing.pk and m.user.is_active for m in admins):
        return  # not an active administrator of this office: nothing to keep
    if not any(m.user_id != losing.pk and m.user.is_active for m in admins):
        raise ValidationError(
            "This is the office's last administrator. Make someone else an administrator first."
        )


def _office_of_account(user):
    membership = Membership.objects.filter(user=user).select_related("office").first()
    return membership.office if membership is not None else None


def _ensure_may_manage_account(by_user, user, office):
    """An office's administrator manages that office's accounts; an operator any account."""
    if office is None and not getattr(by_user, "is_superuser", False):
        raise PermissionDenied("Only the deployment's operator can change this account.")
    if office is not None:
        ensure_may_manage_office(by_user, office)
    if user.is_superuser and not getattr(by_user, "is_superuser", False):
        raise PermissionDenied("Only the deployment's operator can change an operator's account.")


def _ensure_unit_in_office(unit, office):
    if unit is not None and unit.office_id != office.pk:
        raise ValueError("This unit belongs to another office.")


# --- Cases and counts ---------------------------------------------------------------------------


@transaction.atomic
def create_case(*, office, by_user, charges=(), request=None, **fields):
    """Open a case in the user's office with its counts (dicts of Charge fields).

    Raises `CaseNumberTaken` when the office has a case with this number: the form checks first,
    but two people can pass that check at the same moment, and only the database's unique
    constraint sees the second insert."""
    case = Case(office=office, **fields)
    _save_case_number(case)
    for number, charge_fields in enumerate(charges, start=1):
        Charge.objects.create(case=case, number=number, **charge_fields)
    audit.record(AuditAction.CREATE, case, user=by_user, request=request)
    return case


@transaction.atomic
def update_case(case, *, by_user, version, fields, charges=None, request=None):
    """Change a case's fields and, when given, replace its counts with `charges`.

    `charges` is a list of dicts with an optional "pk": existing counts keep their rows (and so
    their plea terms); counts left out are removed with their terms; new ones are added.
    `version` is the lock_version the user's form was built from: an edit made meanwhile by
    someone else is reported as a conflict, never silently overwritten.

    A count whose terms are part of an offer that was conveyed or that a signed worksheet
    considered is neither removed nor renumbered (its term says "count 2"): the whole edit is
    refused with `CountsBound`, naming each such count and offer, before anything is written.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    check_version(case, version)
    if charges is not None:
        _ensure_bound_counts_stay(case, charges)
    scope_before = report_columns.scope_of(case)
    before = {name: getattr(case, name) for name in fields}
    for name, value in fields.items():
        setattr(case, name, value)
    case.lock_version += 1
    _save_case_number(case)
    scope_after = report_columns.scope_of(case)
    if scope_after != scope_before:
        report_columns.move_scope(case)
    if charges is not None:
        _replace_charges(case, charges)
    # Its counts (felony, offense groups, policy scope) and scope are the rollup's keys.
    report_columns.mark_case_months_stale(case)
    # Field names only (a case's fields hold names); the scope as ids, before and after.
    data = {
        "fields_changed": sorted(name for name in fields if getattr(case, name) != before[name]),
        "scope": _changes(scope_before, scope_after),
    }
    audit.record(AuditAction.CHANGE, case, user=by_user, request=request, data=data)
    return case


def _save_case_number(case):
    """Save a case; a clash on its office's court case number becomes `CaseNumberTaken`.

    The save runs in a savepoint, so the caller's transaction survives the failed insert (on
    PostgreSQL a failed statement aborts the whole transaction otherwise). Any other integrity
    error is not ours to explain and goes up as it came."""
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        taken = (
            Case.objects.filter(office_id=case.office_id, court_case_number=case.court_case_number)
            .exclude(pk=case.pk)
            .first()
        )
        if taken is None:
            raise
        raise CaseNumberTaken(case.court_case_number, taken) from None


def _ensure_bound_counts_stay(case, charges):
    """Refuse to remove or move a count that a frozen offer's terms name (cases.binding)."""
    numbers_after = {
        int(item["pk"]): number for number, item in enumerate(charges, start=1) if item.get("pk")
    }
    terms = list(
        PleaTerm.objects.filter(charge__case=case)
        .select_related("charge", "disposition")
        .order_by("charge__number", "disposition_id")
    )
    signed = binding.signed_versions_considering({term.disposition_id for term in terms})
    problems = {}
    for term in terms:
        count, offer = term.charge, term.disposition
        if count.pk in problems or numbers_after.get(count.pk) == count.number:
            continue
        why = binding.why_frozen(offer, signed)
        if not why:
            continue
        if count.pk in numbers_after:
            change = f"it cannot become count {numbers_after[count.pk]}"
        else:
            change = "it cannot be removed"
        problems[count.pk] = (
            f"Count {count.number} is part of offer {offer.pk} (“{offer}”), which {why}: "
            f"{change}. Keep it where it is and add a new count instead."
        )
    removed = set(case.charges.values_list("pk", flat=True)) - set(numbers_after) - set(problems)
    for charge_id, version in binding.signed_overrides_naming(removed).items():
        number = case.charges.get(pk=charge_id).number
        problems[charge_id] = (
            f"Count {number} carries the deputy's override of a flag in signed worksheet "
            f"version {version}: it stays with that signed record and cannot be removed."
        )
    if problems:
        raise CountsBound(problems)


def _replace_charges(case, charges):
    existing = {charge.pk: charge for charge in case.charges.all()}
    kept = {int(item["pk"]) for item in charges if item.get("pk")}
    for pk in set(existing) - kept:
        existing[pk].delete()
    # Renumber in two steps so the unique (case, number) constraint never sees a clash.
    for charge in case.charges.all():
        charge.number += 1000
        charge.save(update_fields=["number"])
    for number, item in enumerate(charges, start=1):
        values = {key: value for key, value in item.items() if key != "pk"}
        if item.get("pk") and int(item["pk"]) in existing:
            charge = existing[int(item["pk"])]
            for name, value in values.items():
                setattr(charge, name, value)
            charge.number = number
            charge.save()
        else:
            Charge.objects.create(case=case, number=number, **values)


# --- Plea offers --------------------------------------------------------------------------------


@transaction.atomic
def save_disposition(case, *, by_user, fields, terms, disposition=None, version=None, request=None):
    """Create or change an offer and its per-count terms (dicts keyed by Charge).

    Changing an offer needs the `lock_version` the form was built from (a colleague's edit made
    meanwhile is a conflict, not overwritten), and only a draft that no signed worksheet
    considered changes: a conveyed offer is what the defense heard, a considered one is what
    the deputy signed for (cases.binding). Those are revised as a new offer (`revise_offer`).
    """
    if disposition is None:
        disposition = Disposition.objects.create(case=case, created_by=by_user, **fields)
        action = AuditAction.CREATE
    else:
        disposition = Disposition.objects.select_for_update().get(pk=disposition.pk)
        why = binding.why_frozen(disposition)
        if why:
            raise OfferFrozen(
                f"This offer {why}, so its terms stay as they are. "
                "Use “Revise as a new offer” to change them."
            )
        check_version(disposition, version)
        for name, value in fields.items():
            setattr(disposition, name, value)
        disposition.lock_version += 1
        disposition.save()
        action = AuditAction.CHANGE
    current = {term.charge_id: term for term in disposition.terms.all()}
    for charge, values in terms.items():
        term = current.pop(charge.pk, None) or PleaTerm(disposition=disposition, charge=charge)
        for name, value in values.items():
            setattr(term, name, value)
        term.save()
    for stale in current.values():
        stale.delete()
    audit.record(AuditAction(action), disposition, user=by_user, request=request)
    return disposition


@transaction.atomic
def revise_offer(disposition, *, by_user, request=None):
    """A new draft offer with the terms of a frozen one, to change instead of it (copy-on-write).

    The frozen offer stays exactly as conveyed and as its signed worksheet shows it; the new one
    says "revised from offer N" and is an ordinary draft: its conveyance counts as compliant only
    once a signed worksheet (an amendment) has considered it. Why a new offer rather than an
    amendment that rewrites the old one: cases.binding.
    """
    source = Disposition.objects.get(pk=disposition.pk)
    revision = Disposition.objects.create(
        case_id=source.case_id,
        label=source.label,
        name=f"Revision of {source}"[:120],
        proposed_by=source.proposed_by,
        diversion=source.diversion,
        diversion_requires_plea=source.diversion_requires_plea,
        notes=source.notes,
        revised_from=source,
        created_by=by_user,
    )
    copied = [field.name for field in PleaTerm._meta.concrete_fields if field.name != "id"]
    PleaTerm.objects.bulk_create(
        PleaTerm(**{**{name: getattr(term, name) for name in copied}, "disposition": revision})
        for term in source.terms.all()
    )
    audit.record(
        AuditAction.CREATE,
        revision,
        user=by_user,
        request=request,
        summary=f"revised from {source.pk}",
        data={"revised_from": source.pk},
    )
    return revision


@transaction.atomic
def convey_offer(disposition, *, by_user, conveyed_on=None, version=None, request=None):
    """Record that an offer was conveyed to the defense on `conveyed_on` (default today), and
    whether a signed worksheet preceded it.

    Conveying without a signed worksheet is allowed: it is what the compliance report counts.
    Compliant means a worksheet signed before the conveyance considered these very terms: the
    hash of the terms conveyed is stored on the offer and compared with the hash the worksheet
    froze, so an offer changed after its worksheet was signed is not counted as considered.
    The conveyance time is the latest moment of the day the deputy gives
    (`offers.conveyance_moment`), the figure the report counts by; the moment it was recorded
    is kept apart, for the same-day withdrawal (`offers.withdraw_conveyance`).
    A date in the future or before the case was filed is refused (`offers.ConveyanceRefused`).
    An offer already conveyed changes nothing: a caller that gave a date (the confirmation
    form, perhaps in a second tab) is told so; one that did not gets the offer back unchanged.
    With `version` (the confirmation form's), an offer edited since the deputy read its terms
    is a conflict: they confirm the terms they saw.
    """
    disposition = (
        Disposition.objects.select_for_update().select_related("case").get(pk=disposition.pk)
    )
    if disposition.is_defense_proposal:
        raise PermissionDenied(
            "A defense proposal is the defense's, not an offer of the People: it is not conveyed. "
            "To offer the same terms, enter them as a new offer."
        )
    if disposition.status != DispositionStatus.DRAFT:
        if conveyed_on is not None:
            raise offers.ConveyanceRefused(offers.already_conveyed(disposition))
        return disposition
    if version is not None:
        check_version(disposition, version)
    now = timezone.now()
    day = conveyed_on or offers.today()
    problem = offers.conveyance_date_problem(disposition.case, day)
    if problem:
        raise offers.ConveyanceRefused(problem)
    conveyed_at = offers.conveyance_moment(day, now)
    terms_hash = binding.terms_hash_now(disposition)
    disposition.status = DispositionStatus.CONVEYED
    disposition.conveyed_terms_hash = terms_hash
    disposition.conveyance_recorded_at = now
    report_columns.mark_conveyed(
        disposition,
        conveyed_at,
        with_signed_worksheet=report_columns.signed_worksheet_froze(
            disposition, terms_hash, signed_by=conveyed_at
        ),
    )
    disposition.lock_version += 1
    disposition.save()
    report_columns.mark_case_months_stale(disposition.case)
    summary = (
        "with signed worksheet"
        if disposition.conveyed_with_signed_worksheet
        else ("without signed worksheet")
    )
    audit.record(
        AuditAction.CONVEY,
        disposition,
        user=by_user,
        request=request,
        summary=summary,
        data={
            "with_signed_worksheet": disposition.conveyed_with_signed_worksheet,
            "conveyed_on": day.isoformat(),
        },
    )
    return disposition


@transaction.atomic
def set_disposition_status(disposition, *, by_user, status, on=None, request=None):
    """Record the defense's answer (rejected, accepted) or the court's (entered), with its date.

    The ladder (`offers.answer_problem`): only a conveyed offer is answered; an accepted one can
    still be entered; rejected and entered are final. The date defaults to today, is never in
    the future and never before the conveyance (or the acceptance, for an entry).
    """
    disposition = Disposition.objects.select_for_update().get(pk=disposition.pk)
    status = DispositionStatus(status)
    day = on or offers.today()
    problem = offers.answer_problem(disposition, status, day)
    if problem:
        raise offers.ConveyanceRefused(problem)
    before = disposition.status
    disposition.status = status
    setattr(disposition, offers.ANSWER_DATE_FIELDS[status], day)
    disposition.save(update_fields=["status", offers.ANSWER_DATE_FIELDS[status], "updated_at"])
    audit.record(
        AuditAction.CHANGE,
        disposition,
        user=by_user,
        request=request,
        summary=f"{status.label.lower()} on {day.isoformat()}",
        # "status" as events before issue 15 hold it (migration 0012), with the step before.
        data={"status": str(status), "status_before": before, "on": day.isoformat()},
    )
    return disposition


@transaction.atomic
def adopt_alternative(case, *, by_user, charge, alternative, source=None, request=None):
    """Turn an engine-suggested alternative for one count into a new offer, in one step.

    The new offer copies `source` (an offer of this case) or, without one, pleads every count as
    charged, and changes `charge` only, at the terms the alternative requires (its
    `sentence_days_max`, its level, the misdemeanor cap of PC 18.5, its record facts). Its name
    says how its pleas differ from the case's reference offer and its notes what changed from
    the source (cases.alternatives). `alternative` is the engine's dict (analysis results).
    """
    charges = list(case.charges.order_by("number"))
    terms = alternatives.base_terms(charges, source)
    changes = alternatives.apply_alternative(terms[charge], alternative)
    standard = case.dispositions.filter(label=DispositionLabel.STANDARD).order_by("pk").first()
    reference = source if standard is None else standard
    reference_terms = (
        {term.charge_id: alternatives.term_values(term) for term in reference.terms.all()}
        if reference is not None
        else {}
    )
    based_on = f"“{source}” (offer {source.pk})" if source else "the counts as charged"
    fields = {
        "label": DispositionLabel.ALTERNATIVE,
        "name": alternatives.offer_name(terms, reference_terms),
        "proposed_by": ProposedBy.PROSECUTION,
        "notes": f"The catalog's alternative {alternative['code']} for count {charge.number}, "
        f"based on {based_on}. Changed on count {charge.number} only: "
        + ("; ".join(changes) or "nothing")
        + ". The other counts are as in "
        + ("that offer." if source else "the charges."),
    }
    created = save_disposition(case, by_user=by_user, fields=fields, terms=terms, request=request)
    return created


# --- Defense information ------------------------------------------------------------------------


@transaction.atomic
def record_status_disclosure(case, *, by_user, request=None, **fields):
    """Record a status the defense volunteered. The audit text never holds the status."""
    disclosure = StatusDisclosure.objects.create(case=case, recorded_by=by_user, **fields)
    audit.record(AuditAction.CREATE, disclosure, user=by_user, request=request)
    return disclosure


# --- Prior convictions and the single-scheme answer (issue 16 item 2) ----------------------------


@transaction.atomic
def add_prior(case, *, by_user, request=None, **fields):
    """Record a prior conviction of the defendant. The audit data holds the code, date and
    source (what changes the analysis), never a name."""
    prior = PriorConviction.objects.create(case=case, entered_by=by_user, **fields)
    audit.record(
        AuditAction.CREATE,
        prior,
        user=by_user,
        request=request,
        summary=f"prior {prior.code} for case {case.pk}",
        data=_prior_data(prior),
    )
    return prior


@transaction.atomic
def remove_prior(prior, *, by_user, request=None):
    """Remove a prior entered by mistake. A signed worksheet keeps the priors it froze."""
    prior = (
        PriorConviction.objects.select_for_update().select_related("case__office").get(pk=prior.pk)
    )
    audit.record(
        AuditAction.DELETE,
        prior,
        user=by_user,
        request=request,
        summary=f"prior {prior.code} for case {prior.case_id}",
        data=_prior_data(prior),
    )
    prior.delete()


def _prior_data(prior):
    return {
        "case": prior.case_id,
        "code": prior.code,
        "convicted_on": prior.convicted_on.isoformat(),
        "sentence_days": prior.sentence_days,
        "level": prior.level,
        "source": prior.source,
    }


@transaction.atomic
def set_single_scheme(case, *, by_user, answer, request=None):
    """Record the deputy's answer to "do these counts arise from a single scheme or act?".

    Only this field is written (update_fields), so a case edit open meanwhile loses nothing.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    answer = SchemeAnswer(answer)
    if case.single_scheme != answer:
        case.single_scheme = answer
        case.save(update_fields=["single_scheme", "updated_at"])
    audit.record(
        AuditAction.CHANGE,
        case,
        user=by_user,
        request=request,
        summary=f"single scheme: {answer}",
        data={"single_scheme": str(answer)},
    )
    return case


# --- Exports ------------------------------------------------------------------------------------


def record_export(obj, *, by_user, summary, data=None, request=None):
    """Record that a record left the application (a PDF download, a file a command wrote).

    `by_user` is None for a management command run from the shell. The summary and `data` must
    never hold a name or a status value (cases.worksheet_print writes "pdf tagged signed
    sha256 …" and the same facts as data, which the worksheet page reads).

    One INSERT, atomic by itself: no transaction around it, whose BEGIN and COMMIT were two more
    round trips to the database on every download. The caller hands the file over only after
    it returns, so a file never leaves without its record.
    """
    return audit.record(
        AuditAction.EXPORT, obj, user=by_user, request=request, summary=summary, data=data
    )


# --- Worksheets ---------------------------------------------------------------------------------


@transaction.atomic
def start_worksheet(case, *, by_user, request=None):
    """The case's current draft worksheet, created on first use with every offer considered."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    current = case.worksheets.current().order_by("-version").first()
    if current is not None:
        return current
    worksheet = Worksheet.objects.create(case=case, created_by=by_user)
    worksheet.dispositions_considered.set(case.dispositions.all())
    audit.record(AuditAction.CREATE, worksheet, user=by_user, request=request)
    return worksheet


@transaction.atomic
def update_worksheet(worksheet, *, by_user, version, fields, considered=None, request=None):
    """Save the deputy's record of consideration on an unsigned worksheet."""
    worksheet = Worksheet.objects.select_for_update().get(pk=worksheet.pk)
    if worksheet.is_signed:
        raise WorksheetSigned()
    check_version(worksheet, version)
    for name, value in fields.items():
        setattr(worksheet, name, value)
    worksheet.lock_version += 1
    worksheet.save()
    if considered is not None:
        worksheet.dispositions_considered.set(considered)
    audit.record(AuditAction.CHANGE, worksheet, user=by_user, request=request)
    return worksheet


@transaction.atomic
def set_override(
    worksheet,
    *,
    by_user,
    disposition,
    charge,
    ground,
    subcategory,
    engine_verdict,
    deputy_verdict,
    reason,
    request=None,
):
    """Record the deputy's disagreement with one flag, or replace an earlier one."""
    worksheet = Worksheet.objects.select_for_update().get(pk=worksheet.pk)
    if worksheet.is_signed:
        raise WorksheetSigned()
    override, _ = FlagOverride.objects.update_or_create(
        worksheet=worksheet,
        disposition=disposition,
        charge=charge,
        ground=ground,
        subcategory=subcategory or "",
        defaults={
            "engine_verdict": engine_verdict,
            "deputy_verdict": deputy_verdict,
            "reason": reason,
        },
    )
    audit.record(AuditAction.CHANGE, worksheet, user=by_user, request=request, summary="override")
    return override


@transaction.atomic
def remove_override(override, *, by_user, request=None):
    worksheet = Worksheet.objects.select_for_update().get(pk=override.worksheet_id)
    if worksheet.is_signed:
        raise WorksheetSigned()
    override.delete()
    audit.record(
        AuditAction.CHANGE, worksheet, user=by_user, request=request, summary="override removed"
    )


def missing_before_signing(worksheet):
    """What the deputy must still fill in: (worksheet form field, what is missing in their
    words) pairs, so that a screen can show each next to its field; empty when it can be signed."""
    missing = []
    if not worksheet.dispositions_considered.exists():
        missing.append(("considered", "choose at least one offer considered"))
    if not worksheet.decision:
        missing.append(("decision", "the decision"))
    if not worksheet.reasons.strip():
        missing.append(("reasons", "the reasons for the decision"))
    parity_rule = worksheet.case.office.parity_rule
    if parity_rule != ParityRule.NOT_ASKED and not worksheet.parity_answer:
        missing.append(("parity_answer", "the citizen-parity answer"))
    if parity_rule == ParityRule.EQUIVALENCE and not worksheet.parity_explanation.strip():
        missing.append(("parity_explanation", "the explanation of the equivalent concession"))
    return missing


def review_required(worksheet, office_policy=None):
    """Office policy: does this signed worksheet go to a supervisor? (cases.tests: test_actions)
    `office_policy`: the version in force today, when the caller has already read it."""
    return policy.review_required_by_policy(
        worksheet, departs_from_standard(worksheet), office_policy
    )


def departs_from_standard(worksheet):
    """A departure: any decision but keeping the standard offer, or choosing a non-standard one."""
    if worksheet.decision and worksheet.decision != Decision.STANDARD_KEPT:
        return True
    chosen = worksheet.chosen_disposition
    return chosen is not None and chosen.label != DispositionLabel.STANDARD


@transaction.atomic
def sign_worksheet(worksheet, *, by_user, request=None, shown=None):
    """Sign: freeze the engine output, the catalog version and a SHA-256 of the whole content.

    The row is locked first, so two simultaneous sign requests produce one signature: the second
    finds it signed and returns it unchanged. Where office policy asks for it, the signed
    worksheet enters the supervisor's review queue, and immigration counsel's queue
    (`counsel.route_by_policy`), in the same transaction.

    `shown` is the fingerprint of what the signer's page showed (`worksheets.shown_fingerprint`:
    the counts, the considered offers' terms, the defense's requests): if any changed since
    (another tab, a colleague), nothing is signed (`ShownContentChanged`): the content would
    freeze, as considered, what the signer never read. Checked on the content being frozen, inside
    the lock, so nothing slips in between the check and the signature's read.
    """
    from . import counsel
    from .worksheets import build_content, changed_since_shown, content_hash

    # Whoever calls (a view, the admin, an import), only a role that may sign signs.
    ensure_may_sign(by_user)
    # The case, its office and unit and the offer chosen are read with the row (the content and
    # the policy need them); only the worksheet's row is locked, as before.
    worksheet = (
        Worksheet.objects.select_for_update(of=("self",))
        .select_related("case__office", "case__unit", "chosen_disposition")
        .get(pk=worksheet.pk)
    )
    if worksheet.is_signed:
        return worksheet
    missing = missing_before_signing(worksheet)
    if missing:
        raise IncompleteWorksheet(missing)
    now = timezone.now()
    # The office's policy in force on the day of signing, read once for the content, the review
    # and counsel rules (issue 19).
    office_policy = policy.policy_for(worksheet.case.office, timezone.localdate(now))
    content = build_content(worksheet, signer=by_user, signed_at=now, policy=office_policy)
    if shown:
        changed = changed_since_shown(content, shown)
        if changed:
            raise ShownContentChanged(changed)
    worksheet.engine_output = content["analysis"]
    worksheet.catalog_version = content["catalog"]["version"]
    worksheet.signed_content = content
    worksheet.content_hash = content_hash(content)
    worksheet.signed_by = by_user
    worksheet.signed_at = now
    worksheet.flagged_grounds = report_columns.flagged_grounds(worksheet)
    # The overrides the signed content froze: read for it above, not asked for again.
    worksheet.overridden_grounds = report_columns.override_bits(
        override["ground"] for override in content["overrides"]
    )
    worksheet.save()
    report_columns.record_late_signatures(worksheet)
    if review_required(worksheet, office_policy):
        scope = report_columns.scope_of(worksheet)
        Review.objects.create(worksheet=worksheet, requested_at=now, **scope)
    # Its month, the late offers' months and, for an amendment, the replaced version's month.
    report_columns.mark_case_months_stale(worksheet.case)
    audit.record(AuditAction.SIGN, worksheet, user=by_user, request=request)
    counsel.route_by_policy(worksheet, by_user=by_user, request=request, policy=office_policy)
    pdf_jobs.enqueue_after_commit(worksheet)  # its PDF, rendered by the worker
    return worksheet


@transaction.atomic
def amend_worksheet(worksheet, *, by_user, reason="", request=None):
    """Start a new version of a signed worksheet; the signed one stays as it was.

    A second submit returns the amendment already made.
    """
    # The case and the offer chosen, copied below, come with the row; only the row is locked.
    worksheet = (
        Worksheet.objects.select_for_update(of=("self",))
        .select_related("case", "chosen_disposition")
        .get(pk=worksheet.pk)
    )
    if not worksheet.is_signed:
        raise ConflictError("Only a signed worksheet can be amended; this one is still a draft.")
    existing = Worksheet.objects.filter(amends=worksheet).first()
    if existing is not None:
        return existing
    amendment = Worksheet.objects.create(
        case=worksheet.case,
        version=worksheet.version + 1,
        amends=worksheet,
        chosen_disposition=worksheet.chosen_disposition,
        factors=worksheet.factors,
        parity_answer=worksheet.parity_answer,
        parity_explanation=worksheet.parity_explanation,
        decision=worksheet.decision,
        reasons=worksheet.reasons,
        include_status=worksheet.include_status,
        amendment_reason=reason,
        created_by=by_user,
    )
    amendment.dispositions_considered.set(worksheet.dispositions_considered.all())
    for override in worksheet.overrides.all():
        FlagOverride.objects.create(
            worksheet=amendment,
            disposition_id=override.disposition_id,
            charge_id=override.charge_id,
            ground=override.ground,
            subcategory=override.subcategory,
            engine_verdict=override.engine_verdict,
            deputy_verdict=override.deputy_verdict,
            reason=override.reason,
        )
    audit.record(AuditAction.AMEND, amendment, user=by_user, request=request)
    return amendment


@transaction.atomic
def review_worksheet(worksheet, *, by_user, outcome, comments="", request=None):
    """A supervisor approves a signed worksheet or returns it with comments for amendment.

    Refused (PermissionDenied) to a role without `cases.review_worksheet` and to the worksheet's
    own signer, whoever calls: `access.ensure_may_review`.
    """
    ensure_may_review(by_user, worksheet)
    review = Review.objects.select_for_update().get(worksheet=worksheet)
    if review.outcome != ReviewOutcome.PENDING:
        return review
    if outcome == ReviewOutcome.RETURNED and not comments.strip():
        raise ValueError("Say what the deputy should change when returning a worksheet.")
    review.outcome = outcome
    review.comments = comments
    review.reviewer = by_user
    review.decided_at = timezone.now()
    review.save()
    report_columns.mark_case_months_stale(worksheet.case)
    audit.record(
        AuditAction.REVIEW,
        worksheet,
        user=by_user,
        request=request,
        summary=outcome,
        data={"outcome": str(outcome)},
    )
    pdf_jobs.enqueue_after_commit(worksheet)  # the copy with the review
    return review


# --- Second factor ------------------------------------------------------------------------------


@transaction.atomic
def enrol_second_factor(device, *, by_user, request=None):
    """Confirm a TOTP device and issue the first backup codes with it; return the codes.

    Together, so that nobody ends up with an authenticator app and no way back in without it.
    Any earlier app of the user's is removed: enrolling again is how a lost phone is replaced.
    """
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = backup_codes.issue(device.user)
    audit.record(
        AuditAction.CHANGE,
        device.user,
        user=by_user,
        office=office_of(device.user),
        request=request,
        object_type="user",
        summary=f"second factor enrolled; {len(codes)} backup codes issued",
    )
    return codes


@transaction.atomic
def issue_backup_codes(user, *, by_user, request=None):
    """New backup codes for the user, voiding any left; returned once, to be shown once."""
    codes = backup_codes.issue(user)
    audit.record(
        AuditAction.CHANGE,
        user,
        user=by_user,
        office=office_of(user),
        request=request,
        object_type="user",
        summary=f"{len(codes)} new backup codes issued; earlier codes void",
    )
    return codes
