"""What a report covers: the `ReportFilter` and the form a viewer chooses it with."""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.choices import Role
from cases.models import Unit
from cases.validation import validate_search_date

from .offense_groups import OFFENSE_GROUPS, Level

MAX_PERIOD_DAYS = 366 * 10


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers. `date_to` is inclusive; dates are the office's local calendar."""

    office_id: int
    date_from: dt.date
    date_to: dt.date
    unit_id: int | None = None
    deputy_id: int | None = None
    level: str = ""
    offense_group: str = ""

    @property
    def start(self):
        return _local_midnight(self.date_from)

    @property
    def end(self):
        return _local_midnight(self.date_to + dt.timedelta(days=1))

    def months(self):
        """The first day of every month the period touches, in order."""
        month = self.date_from.replace(day=1)
        while month <= self.date_to:
            yield month
            month = (month + dt.timedelta(days=32)).replace(day=1)

    def for_month(self, month):
        """The same filter narrowed to one month of the period (for the trend's drill-down)."""
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        return ReportFilter(
            office_id=self.office_id,
            date_from=max(self.date_from, month),
            date_to=min(self.date_to, next_month - dt.timedelta(days=1)),
            unit_id=self.unit_id,
            deputy_id=self.deputy_id,
            level=self.level,
            offense_group=self.offense_group,
        )

    def as_query(self):
        """The filter as GET parameters, for links from a figure to its drill-down."""
        params = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.unit_id:
            params["unit"] = str(self.unit_id)
        if self.deputy_id:
            params["deputy"] = str(self.deputy_id)
        if self.level:
            params["level"] = self.level
        if self.offense_group:
            params["offense_group"] = self.offense_group
        return params

    def audit_summary(self):
        """The filter for the audit log: ids and codes only, never names."""
        return " ".join(f"{key}={value}" for key, value in self.as_query().items())


def _local_midnight(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def default_period(today=None):
    """The last twelve months, this one included."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, today


class ReportFilterForm(forms.Form):
    """The filter as the viewer chooses it; units and deputies are limited to what they may see.

    Everything is a date or a choice from a fixed list, so nothing typed reaches SQL: an
    unknown unit, deputy or group is a validation error in plain words.
    """

    date_from = forms.DateField(
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_search_date],
    )
    date_to = forms.DateField(
        label="To (inclusive)",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_search_date],
    )
    unit = forms.ModelChoiceField(
        label="Unit", queryset=Unit.objects.none(), required=False, empty_label="All units"
    )
    deputy = forms.ModelChoiceField(
        label="Deputy",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="All deputies",
    )
    level = forms.ChoiceField(label="Felony or misdemeanor", choices=Level.CHOICES, required=False)
    offense_group = forms.ChoiceField(label="Offense group", required=False)

    def __init__(self, data=None, *, user, **kwargs):
        self.membership = user.membership
        if data is not None and not data.get("date_from") and not data.get("date_to"):
            data = data.copy()
            data["date_from"], data["date_to"] = (d.isoformat() for d in default_period())
        super().__init__(data, **kwargs)
        units = Unit.objects.filter(office_id=self.membership.office_id)
        deputies = get_user_model().objects.filter(
            membership__office_id=self.membership.office_id,
            membership__role__in=[Role.DEPUTY, Role.SUPERVISOR],
        )
        if self.membership.role != Role.ADMIN and self.membership.unit_id:
            units = units.filter(pk=self.membership.unit_id)
            deputies = deputies.filter(membership__unit_id=self.membership.unit_id)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["deputy"].queryset = deputies.order_by("last_name", "first_name", "username")  # type: ignore[attr-defined]
        self.fields["deputy"].label_from_instance = lambda u: u.get_full_name() or u.username  # type: ignore[attr-defined]
        self.fields["offense_group"].choices = [("", "All offense groups")] + [  # type: ignore[attr-defined]
            (group.key, group.label) for group in OFFENSE_GROUPS.values()
        ]

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                self.add_error("date_to", "The end date must be on or after the start date.")
            elif (date_to - date_from).days > MAX_PERIOD_DAYS:
                self.add_error("date_from", "Choose a period of ten years or less.")
        return cleaned

    def report_filter(self):
        data = self.cleaned_data
        return ReportFilter(
            office_id=self.membership.office_id,
            date_from=data["date_from"],
            date_to=data["date_to"],
            unit_id=data["unit"].pk if data.get("unit") else None,
            deputy_id=data["deputy"].pk if data.get("deputy") else None,
            level=data.get("level") or "",
            offense_group=data.get("offense_group") or "",
        )
