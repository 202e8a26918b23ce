"""Forms of the office area (cases.views.office): one screen to invite a user, one to change
their role and unit, one to add or rename a unit. The rules they check again before saving
(a taken username or e-mail, a deputy's unit) are also the actions' (cases.accounts)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator

from .accounts import ROLES_NEEDING_A_UNIT, email_in_use
from .choices import Role
from .models import Unit

UNIT_NEEDED = "Choose the unit this deputy works in: a deputy's cases belong to a unit."


class _MemberFields(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(label="E-mail", max_length=254, required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.DEPUTY)
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        empty_label="No unit (office-wide)",
        help_text="Required for a deputy. A supervisor without a unit supervises the whole office.",
    )
    bar_number = forms.CharField(label="Bar number", max_length=20, required=False)

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        units = Unit.objects.filter(office=office)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if not units.exists():
            self.fields["unit"].help_text = "This office has no unit yet: add one under Units."

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("role") in ROLES_NEEDING_A_UNIT and cleaned.get("unit") is None:
            self.add_error("unit", UNIT_NEEDED)
        return cleaned


class InviteUserForm(_MemberFields):
    """Everything about a new user on one screen; the invitation sets their password."""

    username = forms.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="What they type to log in: letters, digits and @ . + - _ only.",
    )
    email = forms.EmailField(
        label="E-mail", max_length=254, help_text="The invitation to choose a password goes here."
    )
    field_order = ["username", "first_name", "last_name", "email", "role", "unit", "bar_number"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("This username is taken. Choose another.")
        return username

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email_in_use(email):
            # Never which office: the account may be in another one.
            raise forms.ValidationError(
                "An account with this e-mail address already exists. If this person moved "
                "from another office, ask the operator to move their account."
            )
        return email


class MemberForm(_MemberFields):
    """A user's name, e-mail, role, unit and bar number."""

    def __init__(self, *args, account, **kwargs):
        self.account = account
        membership = account.membership
        initial = {
            "first_name": account.first_name,
            "last_name": account.last_name,
            "email": account.email,
            "role": membership.role,
            "unit": membership.unit_id,
            "bar_number": membership.bar_number,
        }
        super().__init__(*args, initial=initial, office=membership.office, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email_in_use(email, exclude=self.account):
            raise forms.ValidationError("Another account already has this e-mail address.")
        return email


class UnitForm(forms.Form):
    name = forms.CharField(label="Unit name", max_length=120)

    def __init__(self, *args, office, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.office, self.unit = office, unit

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        taken = Unit.objects.filter(office=self.office, name__iexact=name)
        if self.unit is not None:
            taken = taken.exclude(pk=self.unit.pk)
        if taken.exists():
            raise forms.ValidationError("Your office already has a unit with this name.")
        return name
