"""The administrator's policy editor: a new policy version from a date, each setting with what
it does (cases.policy.SETTINGS). The office area's read-only summary links here."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.utils import timezone

from .. import policy
from ..access import membership_of
from ..models import OfficePolicy


class PolicyForm(forms.ModelForm):
    class Meta:
        model = OfficePolicy
        fields = ["effective_from", *policy.FIELDS]
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "worksheet_scope": forms.RadioSelect,
            "supervisor_approval": forms.RadioSelect,
            "counsel_routing": forms.RadioSelect,
            "second_factor": forms.RadioSelect,
        }
        labels = {
            "effective_from": "In force from",
            "worksheet_scope": "Worksheet scope",
            "exclude_serious_violent": "Exclude serious and violent felonies",
            "supervisor_approval": "Supervisor approval",
            "defense_request_required": "A defense request is required before a worksheet",
            "counsel_routing": "Routing to immigration counsel",
            "counsel_ground": "Ground routed to counsel",
            "second_factor": "Second factor required for",
        }
        help_texts = {
            "effective_from": "Today or later. Reports for earlier days keep the policy then "
            "in force; a version already set for this date is replaced.",
            **policy.SETTINGS,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counsel_ground"].required = False

    def clean_effective_from(self):
        day = self.cleaned_data["effective_from"]
        if day < timezone.localdate():
            raise forms.ValidationError(
                "Choose today or a later date: earlier periods keep the policy then in force."
            )
        return day

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("counsel_routing") == "ground" and not cleaned.get("counsel_ground"):
            self.add_error("counsel_ground", "Choose the ground that sends a worksheet to counsel.")
        return cleaned

    def validate_unique(self):
        """A version for the same date is replaced by the action, not refused."""


@permission_required("cases.manage_office", raise_exception=True)
def policy_edit(request):
    """Set the office's policy from a date; the versions so far are listed below."""
    office = membership_of(request.user).office
    today = timezone.localdate()
    current = policy.policy_for(office)
    if request.method == "POST":
        form = PolicyForm(request.POST, instance=OfficePolicy(office=office))
        if form.is_valid():
            version = policy.set_office_policy(
                office,
                by_user=request.user,
                effective_from=form.cleaned_data["effective_from"],
                fields={name: form.cleaned_data[name] for name in policy.FIELDS},
                request=request,
            )
            messages.success(
                request, f"Policy saved: in force from {version.effective_from:%Y-%m-%d}."
            )
            return redirect("policy_edit")
    else:
        initial = {name: getattr(current, name) for name in policy.FIELDS}
        form = PolicyForm(initial={**initial, "effective_from": today})
    versions = OfficePolicy.objects.filter(office=office).select_related("set_by")
    context = {
        "form": form,
        "current": current,
        "versions": versions,
        "today": today,
        "epoch": policy.EPOCH,
    }
    return render(request, "policy/edit.html", context, status=400 if form.errors else 200)
