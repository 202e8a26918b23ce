"""Forms of an offer's life (conveyance, answer, withdrawal) and of the office's offer templates.

The date rules are `cases.offers`'; the forms call them so that a bad date is a message next to
its field, and the actions call them again so that no other caller gets past them.
"""

from django import forms
from django.core.exceptions import ValidationError

from consequences.rules import MISDEMEANOR_MAX_DAYS

from . import offers
from .choices import Condition, DispositionStatus, PleaLevel, WithdrawalReason
from .forms import _helper, _row, describe_statute
from .models import OfferTemplate

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ConveyForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    conveyed_on = forms.DateField(
        label="Conveyed to the defense on",
        widget=_DATE,
        help_text="The day the offer was conveyed: today, or an earlier day since the case "
        "was filed.",
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["conveyed_on"].widget.attrs["max"] = offers.today().isoformat()
        filed = offers.filed_day(case)
        if filed:
            self.fields["conveyed_on"].widget.attrs["min"] = filed.isoformat()
        self.initial.setdefault("conveyed_on", offers.today())

    def clean_conveyed_on(self):
        day = self.cleaned_data["conveyed_on"]
        problem = offers.conveyance_date_problem(self.case, day)
        if problem:
            raise ValidationError(problem)
        return day


class AnswerForm(forms.Form):
    status = forms.TypedChoiceField(
        label="Record the offer as", coerce=DispositionStatus, widget=forms.RadioSelect
    )
    on = forms.DateField(label="Date", widget=_DATE)

    def __init__(self, *args, disposition, **kwargs):
        super().__init__(*args, **kwargs)
        self.disposition = disposition
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (status.value, status.label) for status in offers.next_statuses(disposition)
        ]
        self.fields["on"].widget.attrs["max"] = offers.today().isoformat()
        self.initial.setdefault("on", offers.today())

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        status, day = cleaned.get("status"), cleaned.get("on")
        if status and day:
            problem = offers.answer_problem(self.disposition, DispositionStatus(status), day)
            if problem:
                self.add_error("on", problem)
        return cleaned


class WithdrawForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is the conveyance withdrawn?",
        choices=WithdrawalReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the conveyance is withdrawn."},
    )


class OfferTemplateForm(forms.ModelForm):
    """One count's standard terms. Checked as an offer's count is: a misdemeanor is at most 364
    days (PC 18.5), the suspended part is within the days imposed, and the statute must be one
    the catalog knows, since every offer made from the template inherits it."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    conditions = forms.MultipleChoiceField(
        label="Conditions",
        choices=Condition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = OfferTemplate
        fields = [
            "name",
            "statute_pleaded",
            "level_at_plea",
            "plea_type",
            "sentence_form",
            "custody_days_imposed",
            "custody_days_suspended",
            "probation_months",
            "conditions",
            "notes",
            "active",
        ]
        help_texts = {
            "name": "How deputies will find it, e.g. “Standard DV misdemeanor”.",
            "custody_days_imposed": "Immigration law counts suspended time as imposed.",
        }

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        if not self.is_bound:
            self.initial["version"] = self.instance.lock_version
        self.helper = _helper(
            "version",
            _row(name=6, statute_pleaded=3, level_at_plea=3),
            _row(
                plea_type=2,
                sentence_form=4,
                custody_days_imposed=2,
                custody_days_suspended=2,
                probation_months=2,
            ),
            _row(conditions=6, notes=4, active=2),
        )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = OfferTemplate.objects.filter(office=self.office, name__iexact=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise ValidationError("The office already has a template with this name.")
        return name

    def clean_statute_pleaded(self):
        described = describe_statute(self.cleaned_data["statute_pleaded"])
        if not described["known"]:
            raise ValidationError(
                f"The catalog does not know “{described['text']}” (unknown offense). "
                "A template must name a statute the catalog can analyse."
            )
        return described["canonical"]

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        imposed = cleaned.get("custody_days_imposed")
        suspended = cleaned.get("custody_days_suspended")
        if imposed is not None and suspended is not None and suspended > imposed:
            self.add_error(
                "custody_days_suspended", "The suspended part cannot exceed the days imposed."
            )
        if (
            cleaned.get("level_at_plea") == PleaLevel.MISDEMEANOR
            and imposed is not None
            and imposed > MISDEMEANOR_MAX_DAYS
        ):
            self.add_error(
                "custody_days_imposed",
                f"A misdemeanor cannot exceed {MISDEMEANOR_MAX_DAYS} days (PC 18.5).",
            )
        return cleaned


class ApplyTemplateForm(forms.Form):
    """On a new offer's page: which template to apply to which count (a GET form)."""

    template = forms.ModelChoiceField(queryset=OfferTemplate.objects.none(), label="Template")
    count = forms.TypedChoiceField(label="to count", coerce=int)

    def __init__(self, *args, office, charges, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = offers.templates_for(office)  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
        self.fields["count"].choices = [  # type: ignore[attr-defined]
            (charge.pk, f"Count {charge.number}: {charge.statute}") for charge in charges
        ]
