"""The hearing calendar page, its private feed address and the feed itself (cases.calendar)."""

import datetime as dt

from django.contrib.auth.decorators import login_not_required, login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import audit, calendar
from ..access import membership_of
from ..choices import AuditAction


@login_required
def hearing_calendar(request):
    membership_of(request.user)
    scopes = calendar.scopes_for(request.user)
    scope = request.GET.get("scope")
    if scope not in scopes:
        scope = scopes[0]
    today = timezone.localdate()
    start, problem = _start(request.GET.get("from"), today)
    found = calendar.hearings(request.user, scope, start, today=today)
    return render(
        request,
        "cases/calendar.html",
        {
            "days": calendar.by_day_and_department(found),
            "scope": scope,
            "scopes": [(key, calendar.SCOPES[key]) for key in scopes],
            "start": start,
            "end": start + dt.timedelta(days=calendar.DAYS_SHOWN - 1),
            "earlier": start - dt.timedelta(days=calendar.DAYS_SHOWN),
            "later": start + dt.timedelta(days=calendar.DAYS_SHOWN),
            "today": today,
            "problem": problem,
            "attention": sum(1 for hearing in found if hearing.needs_attention),
            "soon_days": calendar.SOON_DAYS,
            "feed_url": request.session.pop("calendar_feed_url", None),
            "has_feed": hasattr(request.user, "calendar_feed"),
        },
    )


def _start(text, today):
    if not text:
        return today, ""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return today, f"“{text}” is not a date written YYYY-MM-DD: showing from today."
    if not dt.date(2000, 1, 1) <= day <= dt.date(2999, 12, 31):  # 9999-12-31 + 14 days overflows
        return today, f"{text} is outside the years 2000 to 2999: showing from today."
    return day, ""


@login_required
@require_POST
def calendar_feed_manage(request):
    """Make a new feed address (shown once, replacing any earlier one) or revoke it."""
    membership = membership_of(request.user)
    if request.POST.get("action") == "revoke":
        if calendar.revoke_feed(request.user):
            audit.record(
                AuditAction.DELETE,
                user=request.user,
                office=membership.office,
                request=request,
                object_type="calendarfeed",
                summary="calendar feed address revoked",
            )
        return redirect("hearing_calendar")
    token = calendar.new_feed_token(request.user)
    audit.record(
        AuditAction.CREATE,
        user=request.user,
        office=membership.office,
        request=request,
        object_type="calendarfeed",
        summary="calendar feed address made (any earlier one revoked)",
    )
    # Shown once, on the next page, never stored in clear.
    request.session["calendar_feed_url"] = request.build_absolute_uri(f"/calendar/feed/{token}.ics")
    return redirect("hearing_calendar")


@login_not_required
def calendar_feed(request, token):
    """The feed, for a calendar program: the token is the credential. An unknown or revoked
    token gets 404, as a page that does not exist."""
    user = calendar.user_for_token(token)
    if user is None:
        raise Http404
    scope = calendar.scopes_for(user)[0]
    today = timezone.localdate()
    found = calendar.hearings(user, scope, today, days=calendar.FEED_DAYS, today=today)
    body = calendar.ics(user, found, site_url=f"{request.scheme}://{request.get_host()}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="hearings.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
