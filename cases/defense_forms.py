"""The form of the defense's request for consideration (cases.views.defense)."""

from crispy_forms.layout import Div, Field
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import attachments
from .defense_requests import FIELDS, proposals
from .forms import DATE_INPUT, _helper, _row
from .models import DefenseSubmission


class MultiplePdfInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePdfField(forms.FileField):
    """Several files in one field (Django's documented pattern); each is checked on its own by
    cases.attachments.check, so one bad file names itself."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiplePdfInput(attrs={"accept": "application/pdf,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        checked, errors = [], []
        for upload in files:
            try:
                checked.append(attachments.check(super().clean(upload, initial)))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(
                [*errors, "Nothing was saved. Choose the files again (a browser cannot keep them)."]
            )
        return checked


class DefenseRequestForm(forms.ModelForm):
    """What the defense asked, as it asked it. It never asks for an immigration status: a status
    the defense volunteers goes through "Record a volunteered status" on the worksheet."""

    attachments = MultiplePdfField(
        label="Attachments (PDF, at most 10 MB each)",
        required=False,
        help_text="The defense's letter, an expert's declaration … Several files can be chosen.",
    )

    class Meta:
        model = DefenseSubmission
        fields = list(FIELDS)
        labels = {
            "received_on": "Date received",
            "counsel": "Defense counsel",
            "proposed_disposition": "Proposed disposition",
            "claimed_consequences": "Consequences the defense claims",
            "equities": "Equities",
            "expert_consulted": "Immigration expert consulted (if any)",
        }
        help_texts = {
            "proposed_disposition": "An offer labelled “defense proposal”; enter a new one with "
            "“Enter the proposal as an offer” after saving.",
            "claimed_consequences": "As the defense states them, e.g. “an aggravated felony: "
            "deportation without relief”. Do not record an immigration status here.",
        }
        widgets = {
            "received_on": DATE_INPUT,
            "claimed_consequences": forms.Textarea(attrs={"rows": 3}),
            "equities": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, case, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["counsel"].required = True
        self.fields["counsel"].error_messages["required"] = "Enter who sent the request."
        if not self.instance.pk and not self.initial.get("counsel"):
            self.initial["counsel"] = case.defense_counsel
        proposal = self.fields["proposed_disposition"]
        proposal.queryset = proposals(case)  # type: ignore[attr-defined]
        proposal.empty_label = "None yet"  # type: ignore[attr-defined]
        self.helper = _helper(
            _row(received_on=3, counsel=5, expert_consulted=4),
            Div("proposed_disposition"),
            _row(claimed_consequences=6, equities=6),
            Field("attachments"),
        )

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > self.today:
            raise ValidationError(
                f"The date received ({received_on:%Y-%m-%d}) is in the future; enter the day "
                "the request came in."
            )
        return received_on

    def request_fields(self):
        return {name: self.cleaned_data[name] for name in FIELDS}
