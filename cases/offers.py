"""An offer's life after drafting (issue 15): conveyed on a date, withdrawn the same day when it
was a mistake, answered (rejected, accepted, entered); copies; the office's offer templates.

The rules about dates live here; `actions.convey_offer` and `actions.set_disposition_status`
call them, and the other writes of this area are the actions below, each in one transaction
with its audit event. Days are California days (settings.TIME_ZONE), whatever zone a request
activated. tests/test_offer_life.py and tests/test_offer_templates.py.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from . import audit, report_columns
from .choices import AuditAction, DispositionLabel, DispositionStatus, WithdrawalReason
from .integrity import ConflictError, check_version
from .models import Disposition, LateSignature, OfferTemplate, PleaTerm


class ConveyanceRefused(ConflictError):
    """A change to an offer's life refused: the message says why, in the deputy's words."""


def _zone():
    return timezone.get_default_timezone()


def today():
    return timezone.localdate(timezone=_zone())


def local_day(moment):
    return timezone.localtime(moment, _zone()).date() if moment else None


def day_label(day):
    return f"{day:%-d %b %Y}"


# --- Conveyance ---------------------------------------------------------------------------------


def conveyance_moment(day, now):
    """The time the report counts a conveyance at: the latest moment of the day the deputy
    gave, and never later than when they recorded it (a conveyance recorded at 10:00 today
    happened by 10:00). A worksheet signed that day before this moment counts as in place;
    the deputy gives a day, not an hour, so a same-day signature gets the benefit of the doubt
    only on a past day."""
    end_of_day = datetime.datetime.combine(day, datetime.time.max, tzinfo=_zone())
    return min(end_of_day, now)


def filed_day(case):
    """The day the case was filed, or (not recorded) the day it was entered in Considered."""
    return case.filed_on or local_day(case.created_at)


def conveyance_date_problem(case, day):
    """Why an offer cannot have been conveyed on `day`, or "" if it can."""
    if day > today():
        return f"The conveyance date {day_label(day)} is in the future. Enter the day it happened."
    filed = filed_day(case)
    if filed and day < filed:
        if case.filed_on:
            return (
                f"The conveyance date {day_label(day)} is before the case was filed "
                f"({day_label(filed)})."
            )
        return (
            f"The conveyance date {day_label(day)} is before the case was entered in "
            f"Considered ({day_label(filed)}). If the case was filed earlier, record its filing "
            "date on the case first."
        )
    return ""


def already_conveyed(disposition):
    return (
        f"“{disposition}” was already conveyed on {day_label(local_day(disposition.conveyed_at))}"
        "; nothing changed."
    )


# --- Withdrawing a conveyance entered by mistake ------------------------------------------------


def withdrawal_problem(disposition, late_signed=None):
    """Why this offer's conveyance can no longer be withdrawn, or "" if it can.

    Only the day it was recorded, and only while nothing rests on it: no answer recorded, and
    no worksheet signed afterwards that counted it as signed late (that record would lie).
    `late_signed` says whether it has a LateSignature row, when the caller knows (one query).
    """
    if disposition.status == DispositionStatus.DRAFT:
        return "This offer is not conveyed."
    if disposition.status != DispositionStatus.CONVEYED:
        return (
            f"The offer is recorded as {disposition.get_status_display().lower()}; a conveyance "
            "that was answered stays on the record."
        )
    recorded = disposition.conveyance_recorded_at or disposition.conveyed_at
    if local_day(recorded) != today():
        return (
            f"The conveyance was recorded on {day_label(local_day(recorded))}. It can be withdrawn "
            "only on the day it was recorded; after that it stays on the record."
        )
    if late_signed is None:
        late_signed = LateSignature.objects.filter(disposition_id=disposition.pk).exists()
    if late_signed or disposition.signed_late:
        return (
            "A worksheet signed after this conveyance already counts it as signed late; "
            "the conveyance stays on the record."
        )
    return ""


@transaction.atomic
def withdraw_conveyance(disposition, *, by_user, reason, request=None):
    """Undo a conveyance recorded by mistake, the same day, with a reason (WithdrawalReason):
    the offer is a draft again, and the report no longer counts it. The audit event keeps what
    was withdrawn; a wrong date is corrected by withdrawing and recording it again."""
    disposition = Disposition.objects.select_for_update().get(pk=disposition.pk)
    problem = withdrawal_problem(disposition)
    if not problem and reason not in WithdrawalReason.values:
        problem = "Choose why the conveyance is withdrawn."
    if problem:
        raise ConveyanceRefused(problem)
    withdrawn = {
        "conveyed_on": local_day(disposition.conveyed_at).isoformat(),
        "recorded_at": (disposition.conveyance_recorded_at or disposition.conveyed_at).isoformat(),
        "with_signed_worksheet": disposition.conveyed_with_signed_worksheet,
        "terms_hash": disposition.conveyed_terms_hash,
    }
    withdrawn_month = disposition.conveyed_month
    disposition.status = DispositionStatus.DRAFT
    disposition.conveyed_at = None
    disposition.conveyed_month = None
    disposition.conveyed_with_signed_worksheet = None
    disposition.conveyed_terms_hash = ""
    disposition.conveyance_recorded_at = None
    disposition.lock_version += 1
    disposition.save()
    report_columns.mark_case_months_stale(disposition.case, also=[withdrawn_month])
    audit.record(
        AuditAction.WITHDRAW,
        disposition,
        user=by_user,
        request=request,
        summary=f"conveyance withdrawn: {WithdrawalReason(reason).label.lower()}",
        data={"reason": str(reason), "withdrawn": withdrawn},
    )
    return disposition


# --- The defense's and the court's answer -------------------------------------------------------

ANSWER_DATE_FIELDS = {
    DispositionStatus.REJECTED: "rejected_on",
    DispositionStatus.ACCEPTED: "accepted_on",
    DispositionStatus.ENTERED: "entered_on",
}
# What may follow what: rejected and entered are final.
NEXT_STATUSES = {
    DispositionStatus.CONVEYED: (
        DispositionStatus.REJECTED,
        DispositionStatus.ACCEPTED,
        DispositionStatus.ENTERED,
    ),
    DispositionStatus.ACCEPTED: (DispositionStatus.ENTERED,),
}


def next_statuses(disposition):
    return NEXT_STATUSES.get(DispositionStatus(disposition.status), ())


def answer_problem(disposition, status, day):
    """Why `status` on `day` cannot be recorded for this offer, or "" if it can."""
    current = DispositionStatus(disposition.status)
    if status not in next_statuses(disposition):
        if current == DispositionStatus.DRAFT:
            return "Record the conveyance first: only a conveyed offer is answered."
        return (
            f"The offer is recorded as {current.label.lower()}; it cannot be recorded as "
            f"{status.label.lower()} now."
        )
    if day > today():
        return f"The date {day_label(day)} is in the future. Enter the day it happened."
    conveyed = local_day(disposition.conveyed_at)
    if conveyed and day < conveyed:
        return (
            f"The date {day_label(day)} is before the offer was conveyed ({day_label(conveyed)})."
        )
    if (
        status == DispositionStatus.ENTERED
        and disposition.accepted_on
        and day < disposition.accepted_on
    ):
        return (
            f"The date {day_label(day)} is before the offer was accepted "
            f"({day_label(disposition.accepted_on)})."
        )
    return ""


def life(disposition):
    """Where an offer stands, as (step, day) pairs in order, for the case page."""
    steps = []
    if disposition.conveyed_at:
        steps.append(("Conveyed", local_day(disposition.conveyed_at)))
    for status, field in ANSWER_DATE_FIELDS.items():
        day = getattr(disposition, field)
        if day:
            steps.append((status.label, day))
    return steps


# --- Copies -------------------------------------------------------------------------------------

_TERM_COPIED = [field.name for field in PleaTerm._meta.concrete_fields if field.name != "id"]


@transaction.atomic
def copy_offer(disposition, *, by_user, request=None):
    """A new draft offer with all the terms of this one, to start another offer from.

    Unlike a revision (`actions.revise_offer`), the copy does not replace its source: it is a
    second offer. A copy of the standard offer is an alternative (a case has one standard
    offer); a copy of a defense proposal stays one.
    """
    source = Disposition.objects.get(pk=disposition.pk)
    label = DispositionLabel.ALTERNATIVE if source.is_standard else source.label
    copy = Disposition.objects.create(
        case_id=source.case_id,
        label=label,
        name=f"Copy of {source}"[:120],
        proposed_by=source.proposed_by,
        diversion=source.diversion,
        diversion_requires_plea=source.diversion_requires_plea,
        notes=source.notes,
        created_by=by_user,
    )
    PleaTerm.objects.bulk_create(
        PleaTerm(**{**{name: getattr(term, name) for name in _TERM_COPIED}, "disposition": copy})
        for term in source.terms.all()
    )
    audit.record(
        AuditAction.CREATE,
        copy,
        user=by_user,
        request=request,
        summary=f"copied from {source.pk}",
        data={"copied_from": source.pk},
    )
    return copy


# --- The office's offer templates ---------------------------------------------------------------


def templates_for(office):
    """The templates a deputy of `office` may apply."""
    return OfferTemplate.objects.filter(office=office, active=True).order_by("name")


@transaction.atomic
def save_offer_template(office, *, by_user, fields, template=None, version=None, request=None):
    """Create or change one of the office's offer templates (a supervisor's or an operator's
    work: cases.access.get_offer_template_for_editing). A change needs the version the form was
    built from. Offers made from it earlier keep their own terms."""
    if template is None:
        template = OfferTemplate(office=office)
        before = {}
        action = AuditAction.CREATE
    else:
        template = OfferTemplate.objects.select_for_update().get(pk=template.pk, office=office)
        check_version(template, version)
        before = {name: _plain(getattr(template, name)) for name in fields}
        template.lock_version += 1
        action = AuditAction.CHANGE
    for name, value in fields.items():
        setattr(template, name, value)
    template.updated_by = by_user
    template.save()
    after = {name: _plain(getattr(template, name)) for name in fields}
    changes = {
        name: {"before": before.get(name), "after": value}
        for name, value in after.items()
        if before.get(name) != value
    }
    audit.record(
        AuditAction(action),
        template,
        user=by_user,
        request=request,
        office=office,
        summary=f"offer template “{template}”",
        data={"changes": changes},
    )
    return template


def _plain(value):
    return list(value) if isinstance(value, (list, tuple)) else value
