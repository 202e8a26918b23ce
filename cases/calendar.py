"""The hearing calendar (issue 18 item 3): hearings by day and department for my cases, my unit
or the office, each with where its § 1016.3(b) consideration stands, and the same hearings as a
private iCalendar feed.

A case's consideration state, from its current worksheet (the version nothing amends yet) and
its offers:
- "returned": the current worksheet was signed and the supervisor returned it;
- "signed": the current worksheet is signed (awaiting review, approved or needing none);
- "conveyed": an offer was conveyed and no signed worksheet stands behind the case now;
- "draft": a worksheet is started, not signed;
- "none": nothing yet.
A hearing within SOON_DAYS whose case has no signed worksheet is marked "needs attention".
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from itertools import groupby

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .choices import DispositionStatus, ReviewOutcome, Role
from .models import CalendarFeed, Case, Disposition, Worksheet

SOON_DAYS = 7
DAYS_SHOWN = 14
FEED_DAYS = 90

NONE, DRAFT, SIGNED, RETURNED, CONVEYED = "none", "draft", "signed", "returned", "conveyed"
STATE_LABELS = {
    NONE: "No worksheet",
    DRAFT: "Worksheet draft",
    SIGNED: "Signed",
    RETURNED: "Returned: action needed",
    CONVEYED: "Conveyed without a worksheet",
}
SCOPES = {"mine": "My cases", "unit": "My unit", "office": "The office"}


@dataclass
class Hearing:
    case: Case
    state: str
    soon: bool

    @property
    def state_label(self):
        return STATE_LABELS[self.state]

    @property
    def needs_attention(self):
        return self.soon and self.state not in (SIGNED,)


def scopes_for(user):
    """The scopes a user may choose: a deputy's own cases and unit; a supervisor's unit and,
    for one without a unit, the office; the administrator's office."""
    membership = user.membership
    if membership.role == Role.ADMIN:
        return ["office"]
    if membership.role == Role.SUPERVISOR:
        return ["unit", "office"] if membership.unit_id is None else ["unit"]
    if membership.role == Role.COUNSEL:
        return ["office"]
    return ["mine", "unit"] if membership.unit_id else ["mine"]


def cases_in_scope(user, scope):
    """The cases a user may see (Case.objects.visible_to), narrowed to the scope chosen."""
    cases = Case.objects.visible_to(user)
    if scope == "mine":
        return cases.filter(assigned_deputy=user)
    if scope == "unit":
        return cases.filter(unit_id=user.membership.unit_id)
    return cases


def hearings(user, scope, start, days=DAYS_SHOWN, today=None):
    """The hearings from `start` for `days` days, each with its case's consideration state:
    three queries, whatever the number of cases."""
    today = today or timezone.localdate()
    end = start + dt.timedelta(days=days)
    cases = list(
        cases_in_scope(user, scope)
        .filter(next_hearing__gte=start, next_hearing__lt=end)
        .select_related("assigned_deputy", "unit")
        .order_by("next_hearing", "department", "court_case_number")
    )
    states = consideration_states([case.pk for case in cases])
    soon_until = today + dt.timedelta(days=SOON_DAYS)
    return [
        Hearing(case, states[case.pk], today <= case.next_hearing <= soon_until) for case in cases
    ]


def by_day_and_department(found):
    """[(day, [(department, [Hearing, …]), …]), …] in date order."""
    days = []
    for day, of_day in groupby(found, key=lambda hearing: hearing.case.next_hearing):
        departments = [
            (department or "Department not given", list(items))
            for department, items in groupby(of_day, key=lambda hearing: hearing.case.department)
        ]
        days.append((day, departments))
    return days


def consideration_states(case_ids):
    """{case id: state} for the cases given, in two queries."""
    current = (
        Worksheet.objects.current()
        .filter(case_id__in=case_ids)
        .values_list("case_id", "signed_at", "review__outcome")
    )
    states = dict.fromkeys(case_ids, NONE)
    for case_id, signed_at, outcome in current:
        if signed_at is None:
            states[case_id] = DRAFT
        elif outcome == ReviewOutcome.RETURNED:
            states[case_id] = RETURNED
        else:
            states[case_id] = SIGNED
    unsigned = [pk for pk, state in states.items() if state in (NONE, DRAFT)]
    conveyed = (
        Disposition.objects.filter(case_id__in=unsigned)
        .filter(~Q(status=DispositionStatus.DRAFT), conveyed_at__isnull=False)
        .values_list("case_id", flat=True)
        .distinct()
    )
    for case_id in conveyed:
        states[case_id] = CONVEYED
    return states


# --- The private feed ---------------------------------------------------------------------------


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def new_feed_token(user):
    """A new feed address for `user`, replacing (so revoking) any earlier one. The token is
    returned once and stored only as its hash."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=user, defaults={"token_hash": _hash(token)})
    return token


def revoke_feed(user):
    return CalendarFeed.objects.filter(user=user).delete()[0] > 0


def user_for_token(token):
    """The active user whose feed this token opens, or None; records when it was last used."""
    feed = (
        CalendarFeed.objects.select_related("user__membership__office")
        .filter(token_hash=_hash(token or ""), user__is_active=True)
        .first()
    )
    if feed is None or getattr(feed.user, "membership", None) is None:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user


def ics(user, found, *, site_url):
    """The hearings as an iCalendar file. Each event names the case number, the hearing, the
    department and the consideration state, never the defendant: a feed is read by a calendar
    program outside the office's systems (docs/calendar.md)."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Considered//Hearing calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Hearings (Considered)")
    stamp = timezone.now()
    for hearing in found:
        case = hearing.case
        event = Event()
        event.add("uid", f"hearing-{case.pk}-{case.next_hearing:%Y%m%d}@considered")
        event.add("dtstamp", stamp)
        event.add("dtstart", case.next_hearing)
        event.add("dtend", case.next_hearing + dt.timedelta(days=1))
        kind = case.next_hearing_type or "Hearing"
        flag = " (needs attention)" if hearing.needs_attention else ""
        event.add("summary", f"{kind}: {case.court_case_number}: {hearing.state_label}{flag}")
        if case.department:
            event.add("location", case.department)
        event.add("url", f"{site_url}{case.get_absolute_url()}")
        event.add(
            "description",
            f"§ 1016.3(b) consideration: {hearing.state_label}. Open the case in Considered "
            "for the details.",
        )
        calendar.add_component(event)
    return calendar.to_ical()
