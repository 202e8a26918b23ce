"""The office audit log: administrators search it and export it as CSV.

Only the user's own office's events are ever read. Every filter is validated (a closed list, a
date, or a short pattern of letters, digits and hyphens), so a filter either matches literally or
is refused with a message; nothing typed reaches SQL but as a bound parameter. The export is
itself audited.
"""

import csv
import datetime as dt
import json

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.core.validators import RegexValidator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import audit
from ..access import membership_of
from ..choices import AuditAction
from ..models import AuditEvent
from ..security import can_see_status, csv_safe
from ..validation import validate_search_date

_token = RegexValidator(r"^[A-Za-z0-9_-]+$", "Use only letters, digits, hyphens and underscores.")
CSV_COLUMNS = [
    "at_utc",
    "action",
    "object_type",
    "object_id",
    "user_id",
    "username",
    "summary",
    "request_id",
    "ip_address",
    "data",  # the event's structured facts as JSON, keys sorted (AuditEvent.data)
]


# What an administrator looks at first after an incident: refused pages and failed log-ins.
SECURITY_ACTIONS = (AuditAction.REFUSED, AuditAction.LOGIN_FAILED)


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Events",
        choices=[
            ("", "All events"),
            ("security", "Security events (refused access, failed log-ins)"),
        ],
        required=False,
    )
    action = forms.ChoiceField(choices=[("", "Any action"), *AuditAction.choices], required=False)
    object_type = forms.CharField(max_length=40, required=False, validators=[_token])
    object_id = forms.CharField(max_length=40, required=False, validators=[_token])
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="Anyone"
    )
    request_id = forms.CharField(max_length=40, required=False, validators=[_token])
    date_from = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_search_date],
    )
    date_to = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_search_date],
    )

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            get_user_model().objects.filter(membership__office=office).order_by("username")
        )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.fields["action"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["kind"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["user"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filter(self, events):
        data = self.cleaned_data
        if data.get("kind") == "security":
            events = events.filter(action__in=SECURITY_ACTIONS)
        for name in ("action", "object_type", "object_id", "request_id"):
            if data.get(name):
                events = events.filter(**{name: data[name]})
        if data.get("user"):
            events = events.filter(user=data["user"])
        zone = timezone.get_current_timezone()
        if data.get("date_from"):
            start = dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=zone)
            events = events.filter(at__gte=start)
        if data.get("date_to"):
            end = dt.datetime.combine(
                data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone
            )
            events = events.filter(at__lt=end)
        return events

    def as_audit_data(self):
        """The search as the audit log records it: closed lists, tokens, ids and dates only."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return {"valid": False}
        facts = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            if name == "user":
                value = value.pk
            elif isinstance(value, dt.date):
                value = value.isoformat()
            facts[name] = value
        return facts


def _events(request):
    office = membership_of(request.user).office
    form = AuditFilterForm(request.GET or None, office=office)
    events = AuditEvent.objects.for_office(office).select_related("user")
    if form.is_bound and form.is_valid():
        events = form.filter(events)
    elif form.is_bound:
        events = events.none()
    return office, form, events


@permission_required("cases.view_audit_log", raise_exception=True)
def audit_log(request):
    """An administrator searches their office's audit log, newest first."""
    office, form, events = _events(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    page.object_list = [
        _as_shown(event, request.user) for event in page.object_list
    ]  # read before this view's own event is written
    # Reading the log is itself recorded: who looked, for what (never a name).
    audit.record(
        AuditAction.VIEW,
        None,
        user=request.user,
        office=office,
        request=request,
        object_type="auditevent",
        summary="audit log search",
        data={"search": form.as_audit_data(), "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/audit_log.html",
        {"form": form, "page": page, "query_string": query.urlencode()},
    )


@permission_required("cases.view_audit_log", raise_exception=True)
def audit_log_export(request):
    """The same search as CSV (times in UTC). The export is recorded in the log itself."""
    office, form, events = _events(request)
    audit.record(
        AuditAction.EXPORT,
        None,
        user=request.user,
        office=office,
        request=request,
        object_type="auditevent",
        summary="audit log export",
    )
    rows = (_csv_row(event, request.user) for event in events.iterator(chunk_size=2000))
    writer = csv.writer(_Echo())
    stream = (writer.writerow(row) for row in _with_header(rows))
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


class _Echo:
    def write(self, value):
        return value


def _with_header(rows):
    yield CSV_COLUMNS
    yield from rows


def _csv_row(event, user):
    return [csv_safe(value) for value in _values(_as_shown(event, user))]


def _as_shown(event, user):
    """The event as this reader may see it. Events written before the second release said
    "status-withheld" when a PDF left without a volunteered status, which tells a reader who
    may not see status that one exists; for such a reader those words are left out. The
    stored row is not changed (the log is append-only); only the copy in memory is."""
    if can_see_status(user):
        return event
    if "status_withheld" in (event.data or {}):
        event.data = {k: v for k, v in event.data.items() if k != "status_withheld"}
    event.summary = event.summary.replace(" status-withheld", "")
    return event


def _values(event):
    return [
        event.at.astimezone(dt.UTC).isoformat(),
        event.action,
        event.object_type,
        event.object_id,
        event.user_id or "",
        event.user.username if event.user_id else "",
        event.summary,
        event.request_id,
        event.ip_address or "",
        json.dumps(event.data, sort_keys=True, separators=(",", ":")) if event.data else "",
    ]
