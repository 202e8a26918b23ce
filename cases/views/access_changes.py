"""Access changes in a period: who changed whose account, role, unit, active state, password or
second factor, when and from where (issue 13.4).

Supervisors and administrators read it (`cases.view_membership`, which both roles hold). It
lists the audit events the office-administration actions write on a user (`actions.create_user`,
`set_membership`, `update_user`, `reset_password`) and the second-factor events of the log-in
screens; only the reader's own office's events are read. The CSV export is itself audited.
"""

import csv
import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import audit
from ..access import membership_of
from ..choices import AuditAction, Role
from ..models import AuditEvent, Office, Unit
from ..security import csv_safe

DEFAULT_DAYS = 30
# The earliest and latest dates the filter accepts: a year like 9999 would overflow the end of
# the period (the day after it) and is no period anyone means.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2999, 12, 31)
ACCESS_ACTIONS = (AuditAction.CREATE, AuditAction.CHANGE, AuditAction.DELETE)
CSV_COLUMNS = ["at_utc", "changed_by", "account", "change", "ip_address", "request_id"]


def access_changes(office):
    """The audit events of `office` that changed someone's access, newest first."""
    return AuditEvent.objects.for_office(office).filter(
        object_type="user", action__in=ACCESS_ACTIONS
    )


class PeriodForm(forms.Form):
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"

    def _clean_date(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                f"Enter a date between {EARLIEST:%-d %B %Y} and {LATEST:%-d %B %Y}."
            )
        return value

    def clean_date_from(self):
        return self._clean_date("date_from")

    def clean_date_to(self):
        return self._clean_date("date_to")

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def period(self):
        """(first day, last day); by default the last 30 days up to today."""
        today = timezone.localdate()
        end = self.cleaned_data.get("date_to") or today
        start = self.cleaned_data.get("date_from") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        return start, end


def _events(request):
    office = membership_of(request.user).office
    form = PeriodForm(request.GET or {})
    if not form.is_valid():
        return office, form, None, AuditEvent.objects.none()
    start, end = form.period()
    zone = timezone.get_current_timezone()
    events = access_changes(office).filter(
        at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )
    return office, form, (start, end), events.select_related("user")


@permission_required("cases.view_membership", raise_exception=True)
def access_change_list(request):
    """A supervisor or administrator lists the access changes in their office in a period."""
    office, form, period, events = _events(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    rows = _rows(office, page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/access_changes.html",
        {
            "form": form,
            "period": period,
            "page": page,
            "rows": rows,
            "query_string": query.urlencode(),
        },
    )


@permission_required("cases.view_membership", raise_exception=True)
def access_change_export(request):
    """The same list as CSV (times in UTC); the export is recorded in the audit log."""
    office, form, period, events = _events(request)
    audit.record(
        AuditAction.EXPORT,
        None,
        user=request.user,
        office=office,
        request=request,
        object_type="auditevent",
        summary="access changes export",
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="access-changes-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in _rows(office, events):
        writer.writerow(
            csv_safe(value)
            for value in (
                row["event"].at.astimezone(dt.UTC).isoformat(),
                row["by"],
                row["account"],
                row["change"],
                row["event"].ip_address or "",
                row["event"].request_id,
            )
        )
    return response


def _rows(office, events):
    """Each event with the names of who changed and whose account, and what changed in words.

    The audit log holds ids only; names are looked up here, in three queries for the page."""
    events = list(events)
    ids = {int(event.object_id) for event in events if event.object_id.isdigit()}
    usernames = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    units = dict(Unit.objects.filter(office=office).values_list("pk", "name"))
    offices = dict(Office.objects.values_list("pk", "name"))
    names = {"unit_id": units, "office_id": offices}
    return [
        {
            "event": event,
            "by": event.user.username if event.user_id else "",
            "account": usernames.get(int(event.object_id), "") if event.object_id.isdigit() else "",
            "change": describe(event, names),
        }
        for event in events
    ]


_LABELS = {
    "role": "role",
    "unit_id": "unit",
    "office_id": "office",
    "is_active": "active",
    "is_superuser": "operator (superuser)",
}


def describe(event, names):
    """What changed, in words, from the event's structured data; its summary when it has none
    (events written before AuditEvent.data, and the log-in screens' second-factor events)."""
    data = getattr(event, "data", None) or {}
    kind = data.get("change")
    if kind == "password":
        return "password turned off" if data.get("after") == "unusable" else "password reset"
    if kind in ("membership", "account") and ("changes" in data or "after" in data):
        parts = []
        if event.action == AuditAction.CREATE:
            parts.append("account opened")
            after = data.get("after", {})
            changes = {
                name: {"before": None, "after": after.get(name)}
                for name in ("role", "unit_id", "office_id")
                if after.get(name) not in (None, "")
            }
        else:
            changes = data.get("changes", {})
        for name, change in changes.items():
            before = _value(name, change.get("before"), names)
            after = _value(name, change.get("after"), names)
            label = _LABELS.get(name, name)
            parts.append(f"{label}: {after}" if before is None else f"{label}: {before} → {after}")
        if event.action == AuditAction.CREATE:
            opened_with = data.get("after", {}).get("password")
            parts.append("password set" if opened_with == "set" else "no password")
        if data.get("fields_changed"):
            parts.append("changed " + ", ".join(data["fields_changed"]))
        return "; ".join(parts) or event.summary
    return event.summary


def _value(name, value, names):
    if value is None or value == "":
        return None if name != "unit_id" else "no unit"
    if name == "role":
        return Role(value).label if value in Role.values else value
    if name in names:
        return names[name].get(value, f"#{value}")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
