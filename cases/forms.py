"""Forms of the deputy's screens: the case and its counts, plea offers, the worksheet, signing.

Forms check what the person typed and say what is wrong next to the field in plain words; they
never write. Each form hands the action a plain dict (`charge_fields()`, `term_values()`,
`worksheet_fields()`), and the action writes it in one transaction with its audit event.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Fieldset, Layout, Row
from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MinValueValidator
from django.db.models import Exists, OuterRef, Q
from django.forms.models import construct_instance
from django.urls import reverse
from django.utils import timezone

from consequences import engine
from consequences.codes import CODES, combined_form, parse, readings
from consequences.rules import MISDEMEANOR_MAX_DAYS
from consequences.statuses import Status, Verdict

from . import offer_entry, reauth, search
from .choices import (
    CaseStage,
    ChargeLevel,
    Condition,
    Decision,
    Factor,
    FactorWeight,
    ParityAnswer,
    ParityRule,
    PleaLevel,
    Reduction17b,
    Role,
    SchemeAnswer,
    TermAction,
)
from .durations import in_words
from .models import (
    RECORD_FACTS,
    YES_NO_FACTS,
    Case,
    Charge,
    Disposition,
    Membership,
    PleaTerm,
    PriorConviction,
    StatusDisclosure,
    Worksheet,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _row(**widths):
    """A layout row of fields, each its width in Bootstrap's 12 columns: _row(stage=3, notes=9)."""
    return Row(*[Column(name, css_class=f"col-md-{width}") for name, width in widths.items()])


def _helper(*layout):
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


# --- Statutes -----------------------------------------------------------------------------------


def describe_statute(text):
    """What the catalog knows of a statute as typed, for the entry page and its suggestions.

    Returns {"text", "canonical", "known", "title", "message"}. A statute the catalog does not
    hold is accepted but described as having no analysis: it is never shown as safe.
    """
    text = (text or "").strip()
    if not text:
        return {"text": "", "canonical": "", "known": False, "title": "", "message": ""}
    parsed = parse(text)
    result = engine.assess_count(text)
    return {
        "text": text,
        "canonical": result.code or (parsed.canonical if parsed else text),
        "known": result.known,
        "title": result.title or "",
        "message": result.match_note if result.known else result.message,
    }


def statute_input_attrs(key, help_id):
    """An input that asks the catalog for suggestions as the deputy types (htmx)."""
    return {
        "autocomplete": "off",
        "list": f"statutes-{key}",
        "class": "statute-input",
        "hx-get": f"{reverse('statute_suggest')}?key={key}",
        "hx-trigger": "input changed delay:300ms",
        "hx-target": f"#statute-help-{key}",
        "hx-sync": "this:replace",
        "aria-describedby": f"{help_id} statute-status-{key}",
    }


def statute_fields(text):
    """A statute as typed split into code, section and subdivision (blank when unreadable)."""
    parsed = parse(text)
    # A federal section ("18 USC 922(g)") is kept as typed: Charge.code holds a California code
    # only (four characters), and Charge.statute falls back to the text, which the engine reads.
    if parsed is None or parsed.code not in CODES:
        return {"code": "", "section": "", "subdivision": ""}
    return {"code": parsed.code, "section": parsed.section, "subdivision": parsed.subdivision}


# --- The case list ------------------------------------------------------------------------------


class WorksheetState:
    MISSING = "missing"
    UNSIGNED = "unsigned"
    SIGNED = "signed"
    CHOICES = [
        ("", "Any"),
        (MISSING, "No worksheet yet"),
        (UNSIGNED, "Worksheet not signed"),
        (SIGNED, "Worksheet signed"),
    ]


class CaseFilterForm(forms.Form):
    """Search and filters of the case list; every field optional, read from the query string."""

    renders_blank_alike = True  # fixed fields and choices (templatetags.considered.crispy_form)
    renders_bound_alike = True  # and its errors come from the query string alone

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="A name or alias (accents optional), a case number (opens the case) or a "
        "statute (e.g. PC 273.5).",
    )
    stage = forms.ChoiceField(
        label="Stage", required=False, choices=[("", "Any stage"), *CaseStage.choices]
    )
    worksheet = forms.ChoiceField(label="Worksheet", required=False, choices=WorksheetState.CHOICES)
    hearing_from = forms.DateField(label="Next hearing from", required=False, widget=DATE_INPUT)
    hearing_to = forms.DateField(label="Next hearing to", required=False, widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_row(q=4, stage=2, worksheet=2, hearing_from=2, hearing_to=2))

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        start, end = cleaned.get("hearing_from"), cleaned.get("hearing_to")
        if start and end and end < start:
            self.add_error("hearing_to", "The end date is before the start date.")
        return cleaned

    def search(self, cases):
        """Narrow a Case queryset by what was asked, as a `search.Found`; an invalid form
        narrows by its valid parts. A name is searched last, so that its limit on the matches
        read (search.MATCH_LIMIT) applies to the cases the filters leave."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        query = (data.get("q") or "").strip()
        cases = self._filter(cases, data)
        if search.is_name_query(query):
            return search.by_name(cases, query)
        if query:
            cases = cases.filter(_search(query))
        return search.Found(cases)

    def _filter(self, cases, data):
        """The filters other than the search text."""
        if data.get("stage"):
            cases = cases.filter(stage=data["stage"])
        current = Worksheet.objects.current().filter(case=OuterRef("pk"))
        state = data.get("worksheet")
        if state == WorksheetState.MISSING:
            cases = cases.exclude(Exists(Worksheet.objects.filter(case=OuterRef("pk"))))
        elif state == WorksheetState.UNSIGNED:
            cases = cases.filter(Exists(current.filter(signed_at__isnull=True)))
        elif state == WorksheetState.SIGNED:
            cases = cases.filter(Exists(current.filter(signed_at__isnull=False)))
        if data.get("hearing_from"):
            cases = cases.filter(next_hearing__gte=data["hearing_from"])
        if data.get("hearing_to"):
            cases = cases.filter(next_hearing__lte=data["hearing_to"])
        return cases


def _search(query):
    """The case number and the statute, however it is written (a name is searched by
    cases.search.by_name)."""
    charges = Charge.objects.filter(case=OuterRef("pk"))
    statute = Q(statute_as_entered__icontains=query)
    parsed = parse(query)
    if parsed is not None:
        statute |= Q(code=parsed.code, section=parsed.section)
    return Q(court_case_number__icontains=query) | Q(Exists(charges.filter(statute)))


# --- Case entry ---------------------------------------------------------------------------------


class CaseForm(forms.ModelForm):
    """The case itself; its counts are ChargeForms on the same page."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Case
        fields = [
            "court_case_number",
            "da_file_number",
            "defendant_name",
            "aliases",
            "caption",
            "unit",
            "assigned_deputy",
            "stage",
            "next_hearing",
            "filed_on",
            "court_name",
            "department",
            "judicial_officer",
            "defense_counsel",
            "defense_type",
            "interpreter_language",
        ]
        labels = {
            "court_case_number": "Court case number",
            "defendant_name": "Defendant's name",
            "aliases": "Aliases (AKA)",
            "next_hearing": "Next hearing",
            "court_name": "Court",
            "judicial_officer": "Judicial officer",
            "defense_type": "Defense",
            "interpreter_language": "Interpreter language",
        }
        help_texts = {
            # Words, not "<defendant>": crispy prints help text as HTML, where that was a tag
            # and the help read "People of the State of California v. ”.".
            "caption": "Leave blank to use “People of the State of California v.” and the "
            "defendant's name.",
        }
        widgets = {"next_hearing": DATE_INPUT, "filed_on": DATE_INPUT}

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        self.fields["caption"].required = False
        self.fields["unit"].queryset = office.units.all()  # type: ignore[attr-defined]
        self.fields["unit"].empty_label = None  # type: ignore[attr-defined]
        people = Membership.objects.filter(
            office=office, role__in=[Role.DEPUTY, Role.SUPERVISOR]
        ).values("user")
        self.fields["assigned_deputy"].queryset = (  # type: ignore[attr-defined]
            get_user_model().objects.filter(pk__in=people).order_by("last_name", "first_name")
        )
        self.fields["assigned_deputy"].label_from_instance = lambda user: (  # type: ignore[attr-defined]
            user.get_full_name() or user.username
        )
        self.fields["assigned_deputy"].label = "Assigned deputy"
        choices = self.fields["defense_type"].choices[1:]  # type: ignore[attr-defined]
        self.fields["defense_type"].choices = [("", "Not recorded"), *choices]  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["version"].initial = self.instance.lock_version
        self.helper = _helper(
            _row(court_case_number=3, da_file_number=3, defendant_name=3, aliases=3),
            _row(caption=12),
            _row(unit=3, assigned_deputy=3, stage=3, next_hearing=3),
            _row(court_name=4, department=2, judicial_officer=3, interpreter_language=3),
            _row(filed_on=3, defense_counsel=6, defense_type=3),
            "version",
        )

    def clean_court_case_number(self):
        number = self.cleaned_data["court_case_number"].strip()
        taken = Case.objects.for_office(self.office).filter(court_case_number__iexact=number)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("Your office already has a case with this number.")
        return number

    def clean_filed_on(self):
        filed = self.cleaned_data.get("filed_on")
        if filed and filed > timezone.localdate():
            raise forms.ValidationError("The filing date cannot be in the future.")
        return filed

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        if not cleaned.get("caption") and cleaned.get("defendant_name"):
            cleaned["caption"] = f"People of the State of California v. {cleaned['defendant_name']}"
        return cleaned

    def case_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ChargeForm(forms.Form):
    """One count. Its prefix is a row key, so rows can be added and removed in any order."""

    pk = forms.IntegerField(widget=forms.HiddenInput, required=False)
    statute = forms.CharField(
        label="Statute",
        max_length=60,
        help_text="As you write it: PC 273.5(a), H&S 11350, 23152(a) VC …",
    )
    level = forms.ChoiceField(label="Level", choices=[("", "Choose…"), *ChargeLevel.choices])
    title = forms.CharField(
        label="Offense",
        max_length=300,
        required=False,
        help_text="Filled from the catalog if blank.",
    )
    enhancements = forms.CharField(label="Enhancements", max_length=300, required=False)
    offense_date = forms.DateField(label="Offense date", required=False, widget=DATE_INPUT)

    def __init__(self, *args, row_key, **kwargs):
        super().__init__(*args, prefix=f"count-{row_key}", **kwargs)  # type: ignore[misc]
        self.row_key = row_key
        self.fields["statute"].widget.attrs.update(
            statute_input_attrs(row_key, f"id_{self.prefix}-statute_helptext")
        )

    def statute_description(self):
        """What the catalog says of the statute now in the field (for the first render)."""
        return describe_statute(self["statute"].value())

    @classmethod
    def initial_for(cls, charge):
        return {
            "pk": charge.pk,
            "statute": charge.statute_as_entered,
            "level": charge.level,
            "title": charge.title,
            "enhancements": charge.enhancements,
            "offense_date": charge.offense_date,
        }

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        statute = cleaned.get("statute")
        if statute:
            self.statute_info = describe_statute(statute)
            if not cleaned.get("title") and self.statute_info["known"]:
                cleaned["title"] = self.statute_info["title"]
        return cleaned

    def charge_fields(self):
        data = self.cleaned_data
        fields = {
            "statute_as_entered": data["statute"],
            "level": data["level"],
            "title": data.get("title") or "",
            "enhancements": data.get("enhancements") or "",
            "offense_date": data.get("offense_date"),
            **statute_fields(data["statute"]),
        }
        if data.get("pk"):
            fields["pk"] = data["pk"]
        return fields


# --- Plea offers --------------------------------------------------------------------------------


class DispositionForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Disposition
        fields = ["label", "name", "proposed_by", "diversion", "diversion_requires_plea", "notes"]
        labels = {
            "label": "Kind of offer",
            "name": "Name",
            "diversion_requires_plea": "Diversion requires a plea",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.lock_version
        self.helper = _helper(
            "version",
            _row(label=3, name=3, proposed_by=3, diversion=3),
            _row(diversion_requires_plea=3, notes=9),
        )


class RecordSilentSelect(forms.NullBooleanSelect):
    """Yes / No / not known: a silent record is different from a record that says no."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [
            ("unknown", "Record silent / not known"),
            ("true", "Yes"),
            ("false", "No"),
        ]


TERM_FIELDS = [
    "action",
    "statute_pleaded",
    "level_at_plea",
    "plea_type",
    "reduction_17b",
    "sentence_form",
    "custody_days_imposed",
    "custody_days_suspended",
    "probation_months",
    "conditions",
    "admitted_enhancements",
    "harvey_waiver",
    "factual_basis",
    "factual_basis_text",
    *RECORD_FACTS,
]


class PleaTermForm(forms.ModelForm):
    """What the offer does with one count, including the record-of-conviction facts."""

    conditions = forms.MultipleChoiceField(
        label="Conditions",
        choices=Condition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PleaTerm
        fields = TERM_FIELDS
        labels = {
            "action": "Plead or dismiss",
            "statute_pleaded": "Statute pleaded to",
            "level_at_plea": "Level at plea",
            "reduction_17b": "PC 17(b)",
            "custody_days_imposed": "Custody imposed (days, including suspended)",
            "custody_days_suspended": "of which suspended (days)",
            "probation_months": "Probation (months)",
            "harvey_waiver": "Harvey waiver",
            "factual_basis": "Factual basis",
            "factual_basis_text": "Factual basis as stated",
            "substance_named": "Record names a federally controlled substance",
            "grams": "Quantity (grams)",
            "victim_minor": "Record shows the victim was a minor",
            "domestic_relationship": "Record shows a domestic relationship",
            "offensive_touching_only": "Record limited to offensive touching",
            "temporary_taking": "Record limited to a temporary taking",
            "loss_amount": "Loss ($)",
            "firearm_in_record": "Record names a firearm",
        }
        help_texts = {
            "custody_days_imposed": "Immigration law counts suspended time as imposed.",
            "substance_named": "",
            "factual_basis_text": "Keep it to what the plea needs; vague is often safer.",
        }
        widgets = {
            "factual_basis_text": forms.Textarea(attrs={"rows": 2}),
            **dict.fromkeys(YES_NO_FACTS, RecordSilentSelect),
        }

    def __init__(self, *args, charge, **kwargs):
        kwargs.setdefault("prefix", f"term-{charge.pk}")
        super().__init__(*args, **kwargs)
        self.charge = charge
        # Each mirrors a CHECK constraint, so a negative number is a message next to its field
        # rather than an IntegrityError (a 500) when the offer is saved.
        for name in (
            "custody_days_imposed",
            "custody_days_suspended",
            "probation_months",
            "grams",
            "loss_amount",
        ):
            self.fields[name].validators.append(MinValueValidator(0, "Enter 0 or more."))
            self.fields[name].widget.attrs["min"] = 0
        self.fields["statute_pleaded"].required = False
        self.fields["statute_pleaded"].widget.attrs.update(
            statute_input_attrs(f"term-{charge.pk}", f"id_{self.prefix}-statute_pleaded_helptext")
        )
        self.fields["statute_pleaded"].help_text = "Suggestions from the catalog as you type."
        if not self.instance.pk and not self.is_bound:
            # A new term starts as the count was charged, at the level the catalog gives the
            # statute (a wobbler's: as charged, else left to choose).
            self.initial["statute_pleaded"] = self.initial.get("statute_pleaded") or charge.statute
            if not self.initial.get("level_at_plea"):
                self.initial["level_at_plea"] = offer_entry.level_hint(
                    self.initial["statute_pleaded"], charge.level
                )
                # Pre-filled, not chosen: the page's script may follow a new statute's level.
                self.fields["level_at_plea"].widget.attrs["data-prefilled"] = "1"
        # Only the record facts the statute's catalog entry reads are shown (issue 15 item 3);
        # the page's script shows and hides them as the statute changes, and clean() empties
        # the others, so a value left in a hidden field is never saved.
        self.facts_shown = offer_entry.record_fields_used(self.statute_as_typed())
        if not self.is_bound and self.instance.pk:
            # A stored value stays in sight (a frozen offer's record shows all it holds); if
            # the entry cannot use it, saving the offer again drops it.
            self.facts_shown = tuple(
                name
                for name in RECORD_FACTS
                if name in self.facts_shown or getattr(self.instance, name) is not None
            )
        self.helper = _helper(
            Row(
                Column("action", css_class="col-md-2"),
                Column(
                    "statute_pleaded",
                    HTML(
                        f'<div id="statute-help-term-{charge.pk}" class="statute-help" '
                        'aria-live="polite"></div>'
                    ),
                    css_class="col-md-3",
                ),
                Column("level_at_plea", css_class="col-md-2"),
                Column("plea_type", css_class="col-md-2"),
                Column("reduction_17b", css_class="col-md-3"),
            ),
            _row(
                sentence_form=3,
                custody_days_imposed=3,
                custody_days_suspended=3,
                probation_months=3,
            ),
            Row(
                Column(Field("conditions"), css_class="col-md-6 conditions"),
                Column("admitted_enhancements", "harvey_waiver", css_class="col-md-6"),
            ),
            Fieldset(
                "Record of conviction",
                _row(factual_basis=4, factual_basis_text=8),
                Row(*[self._fact_column(name) for name in RECORD_FACTS]),
                HTML(
                    '<p class="small text-body-secondary mb-0 facts-none"'
                    + ("" if not self.facts_shown and self.statute_as_typed() else " hidden")
                    + ">No other record fact changes this count's analysis in the catalog.</p>"
                ),
                css_class="record-facts",
            ),
        )

    def statute_as_typed(self):
        if self.is_bound:
            return self.data.get(self.add_prefix("statute_pleaded"), "")
        return self.initial.get("statute_pleaded") or self.instance.statute_pleaded or ""

    def preview(self):
        """This count's flags as typed, for the offer page (cases.offer_entry.preview)."""
        return offer_entry.preview(self)

    def _fact_column(self, name):
        """A record fact's column, hidden (by the HTML attribute) when the entry cannot use it."""
        attrs = {"data_fact": name}
        if name not in self.facts_shown:
            attrs["hidden"] = "hidden"
        return Column(name, css_class="col-md-3", **attrs)

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("action") == TermAction.DISMISS:
            return cleaned
        if not (cleaned.get("statute_pleaded") or "").strip():
            self.add_error("statute_pleaded", "Say which statute the plea is to.")
        if not cleaned.get("level_at_plea"):
            self.add_error("level_at_plea", "Choose the level of the plea.")
        imposed = cleaned.get("custody_days_imposed")
        suspended = cleaned.get("custody_days_suspended")
        if imposed is not None and suspended is not None and suspended > imposed:
            self.add_error(
                "custody_days_suspended", "The suspended part cannot exceed the days imposed."
            )
        misdemeanor = cleaned.get("level_at_plea") == PleaLevel.MISDEMEANOR or (
            cleaned.get("reduction_17b") == Reduction17b.AT_SENTENCING
        )
        if misdemeanor and imposed is not None and imposed > MISDEMEANOR_MAX_DAYS:
            self.add_error(
                "custody_days_imposed",
                f"A misdemeanor cannot exceed {MISDEMEANOR_MAX_DAYS} days (PC 18.5).",
            )
        # A fact the statute's entry does not read was hidden: whatever the request says (a
        # value left from another statute, or posted by hand), it is ignored, errors and all,
        # and not kept.
        shown = offer_entry.record_fields_used(cleaned.get("statute_pleaded"))
        for name in RECORD_FACTS:
            if name not in shown:
                cleaned[name] = None
                self.errors.pop(name, None)
        return cleaned

    def _post_clean(self):
        """ModelForm's, minus the model's check constraints: clean() checks those in plain
        words, where Django would run one query per constraint for every count."""
        try:
            self.instance = construct_instance(
                self, self.instance, self._meta.fields, self._meta.exclude
            )
            self.instance.full_clean(
                exclude=self._get_validation_exclusions(),  # type: ignore[attr-defined]
                validate_unique=False,
                validate_constraints=False,
            )
        except forms.ValidationError as error:
            self._update_errors(error)  # type: ignore[attr-defined]

    def term_values(self):
        data = self.cleaned_data
        if data["action"] == TermAction.DISMISS:
            return {
                "action": TermAction.DISMISS,
                "statute_pleaded": "",
                "level_at_plea": "",
                "sentence_form": "",
                "custody_days_imposed": 0,
                "custody_days_suspended": 0,
                "probation_months": 0,
                "conditions": [],
            }
        values = {name: data[name] for name in TERM_FIELDS}
        values["statute_pleaded"] = values["statute_pleaded"].strip()
        values["conditions"] = list(values["conditions"])
        return values


# --- The worksheet ------------------------------------------------------------------------------


def factor_field(factor, part):
    return f"factor_{factor.value}_{part}"


class WorksheetForm(forms.Form):
    """The deputy's record of consideration. Status is not here: it is never asked for."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    considered = forms.ModelMultipleChoiceField(
        label="Offers considered",
        queryset=Disposition.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    chosen_disposition = forms.ModelChoiceField(
        label="Offer chosen", queryset=Disposition.objects.none(), required=False
    )
    decision = forms.ChoiceField(
        label="Decision", choices=[("", "Not decided yet"), *Decision.choices], required=False
    )
    reasons = forms.CharField(
        label="Reasons for the decision",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    parity_answer = forms.ChoiceField(
        label="Would a similarly situated U.S. citizen receive the same offer?",
        choices=ParityAnswer.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    parity_explanation = forms.CharField(
        label="Explanation",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    include_status = forms.BooleanField(
        label="Show the volunteered status in this worksheet and its PDF", required=False
    )

    def __init__(self, *args, worksheet, offers, show_status_choice=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.worksheet = worksheet
        self.factor_rows = []
        for factor in Factor:
            weight, note = factor_field(factor, "weight"), factor_field(factor, "note")
            self.fields[weight] = forms.ChoiceField(
                label=f"{factor.label}: weight",
                choices=FactorWeight.choices,
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[note] = forms.CharField(
                label=f"{factor.label}: note",
                required=False,
                max_length=2000,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )
            self.factor_rows.append((factor, weight, note))
        offers = list(offers)
        self.fields["considered"].queryset = Disposition.objects.filter(  # type: ignore[attr-defined]
            pk__in=[offer.pk for offer in offers]
        )
        self.fields["considered"].choices = [(offer.pk, str(offer)) for offer in offers]  # type: ignore[attr-defined]
        self.fields["chosen_disposition"].queryset = self.fields["considered"].queryset  # type: ignore[attr-defined]
        self.fields["chosen_disposition"].choices = [  # type: ignore[attr-defined]
            ("", "None yet"),
            *[(offer.pk, str(offer)) for offer in offers],
        ]
        parity_rule = worksheet.case.office.parity_rule
        if parity_rule == ParityRule.NOT_ASKED:
            del self.fields["parity_answer"]
            del self.fields["parity_explanation"]
        elif parity_rule == ParityRule.EQUIVALENCE:
            self.fields[
                "parity_explanation"
            ].help_text = (
                "Office policy: an accommodation needs an equivalent concession; say what it is."
            )
        if not show_status_choice:
            del self.fields["include_status"]
        if not self.is_bound:
            self.initial.update(self.initial_from(worksheet))

    @staticmethod
    def initial_from(worksheet):
        initial = {
            "version": worksheet.lock_version,
            "considered": [d.pk for d in worksheet.dispositions_considered.all()],
            "chosen_disposition": worksheet.chosen_disposition_id,
            "decision": worksheet.decision,
            "reasons": worksheet.reasons,
            "parity_answer": worksheet.parity_answer,
            "parity_explanation": worksheet.parity_explanation,
            "include_status": worksheet.include_status,
        }
        for factor in Factor:
            entry = (worksheet.factors or {}).get(factor.value) or {}
            initial[factor_field(factor, "weight")] = entry.get("weight", "")
            initial[factor_field(factor, "note")] = entry.get("note", "")
        return initial

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        chosen, considered = cleaned.get("chosen_disposition"), cleaned.get("considered")
        if chosen is not None and considered is not None and chosen not in considered:
            self.add_error(
                "chosen_disposition", "The offer chosen must be one of the offers considered."
            )
        return cleaned

    def worksheet_fields(self):
        data = self.cleaned_data
        factors = {}
        for factor, weight, note in self.factor_rows:
            if data.get(weight) or data.get(note):
                factors[factor.value] = {"weight": data.get(weight, ""), "note": data.get(note, "")}
        fields = {
            "factors": factors,
            "chosen_disposition": data.get("chosen_disposition"),
            "decision": data.get("decision", ""),
            "reasons": data.get("reasons", ""),
        }
        if "parity_answer" in self.fields:
            fields["parity_answer"] = data.get("parity_answer", "")
            fields["parity_explanation"] = data.get("parity_explanation", "")
        if "include_status" in self.fields:
            fields["include_status"] = data.get("include_status", False)
        return fields


class ReauthForm(forms.Form):
    """The password again, when the login is older than the office allows for signing."""

    password = forms.CharField(
        label="Your password, to sign",
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request, required, **kwargs):
        super().__init__(*args, **kwargs)
        # Said from the window cases.reauth enforces, so the two never disagree.
        self.fields["password"].help_text = (
            f"Asked again because you logged in more than "
            f"{in_words(reauth.REAUTH_AFTER_SECONDS)} ago."
        )
        self.request = request
        self.required = required

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not self.required:
            return password
        if not password:
            raise forms.ValidationError("Enter your password to sign.")
        # Checked as a log-in is: counted toward the lockout and audited as a failed log-in.
        if not reauth.confirm_password(self.request, password):
            if reauth.locked_out(self.request):
                raise forms.ValidationError(reauth.locked_out_message())
            raise forms.ValidationError("That is not your password. Nothing was signed.")
        return password


class AmendForm(forms.Form):
    reason = forms.CharField(
        label="Why amend?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The signed version stays as it is; the amendment is a new version.",
        error_messages={"required": "Say why the signed worksheet needs an amendment."},
    )


class OverrideForm(forms.Form):
    """The deputy's disagreement with one engine flag; the flag itself stays on the record."""

    disposition = forms.IntegerField(widget=forms.HiddenInput)
    charge = forms.IntegerField(widget=forms.HiddenInput)
    ground = forms.CharField(widget=forms.HiddenInput, max_length=40)
    subcategory = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)
    deputy_verdict = forms.ChoiceField(label="Your reading", choices=Verdict.choices)
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Give the reason for the override."},
    )


class StatusDisclosureForm(forms.ModelForm):
    """Only what the defense volunteered, with where it came from. Nothing here is required
    of the defendant, and the page never asks for it (PC 1016.3(c), Gov. Code § 7284.6)."""

    # Fixed fields and choices. The one value that moves, the date (today by default), is put in
    # `initial`, which keys the kept HTML (templatetags.considered.crispy_form).
    renders_blank_alike = True

    class Meta:
        model = StatusDisclosure
        fields = ["status", "source", "disclosed_on", "admission_date", "notes"]
        labels = {
            "status": "Status as volunteered",
            "source": "Source",
            "disclosed_on": "Date volunteered",
            "admission_date": "Date of admission (if volunteered)",
        }
        help_texts = {"admission_date": ""}
        widgets = {
            "disclosed_on": DATE_INPUT,
            "admission_date": DATE_INPUT,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "Unknown / not disclosed" is the default of every case, not something to record.
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", "Choose…"),
            *[(value, label) for value, label in Status.choices if value != Status.UNKNOWN],
        ]
        if (
            not self.is_bound
        ):  # today's date, the field's default, where the kept HTML's key sees it
            self.initial.setdefault("disclosed_on", timezone.localdate())
        self.helper = _helper(
            _row(status=4, source=3, disclosed_on=2, admission_date=3),
            Div("notes"),
        )


# --- Prior convictions (issue 16 item 2) ----------------------------------------------------------


class PriorConvictionForm(forms.ModelForm):
    """One prior conviction as read on the rap sheet or given by the defense or the court.

    Each refusal names the field and says what to type; what was typed stays in the form.
    Priors are not immigration status: nothing here asks about status.
    """

    renders_blank_alike = True  # fixed fields and choices (templatetags.considered.crispy_form)

    sentence_days = forms.IntegerField(
        label="Sentence imposed (days)",
        required=False,
        min_value=0,
        help_text="The whole term imposed, suspended time included; blank if not known.",
        error_messages={
            "min_value": "The sentence imposed cannot be negative: enter 0 or more days, or "
            "leave it blank if not known.",
            "invalid": "Enter the sentence imposed as a whole number of days.",
        },
    )
    pleaded_and_proven = forms.NullBooleanField(
        label="Pleaded and proven in this case?",
        required=False,
        widget=forms.Select(choices=[("unknown", "Not known"), ("true", "Yes"), ("false", "No")]),
    )

    class Meta:
        model = PriorConviction
        fields = ["code", "convicted_on", "sentence_days", "level", "source", "pleaded_and_proven"]
        widgets = {"convicted_on": DATE_INPUT}
        error_messages = {
            "code": {"required": "Enter the offense code of the prior, e.g. PC 484."},
            "convicted_on": {
                "required": "Enter the date of conviction.",
                "invalid": "Enter the date of conviction as a date, e.g. 2021-03-04.",
            },
        }

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["level"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            ("", "Not known"),
            *PleaLevel.choices,
        ]
        self.helper = _helper(
            Row(
                Column("code", css_class="col-md-3"),
                Column("convicted_on", css_class="col-md-3"),
                Column("sentence_days", css_class="col-md-2"),
                Column("level", css_class="col-md-2"),
                Column("source", css_class="col-md-2"),
            ),
            Div("pleaded_and_proven"),
        )

    def clean_code(self):
        code = " ".join(self.cleaned_data["code"].split())
        # The engine's own test of a prior's code (consequences.priors.read_prior).
        if not (readings(code) or combined_form(code)):
            raise forms.ValidationError(
                f"“{code}” cannot be read as an offense code. Write it as on the rap sheet, "
                "e.g. PC 484, HS 11350(a), VC 23152(b) or PC 664/211."
            )
        return code

    def clean_convicted_on(self):
        convicted_on = self.cleaned_data["convicted_on"]
        today = self.today or timezone.localdate()
        if convicted_on > today:
            raise forms.ValidationError(
                f"The date of conviction ({convicted_on:%Y-%m-%d}) is in the future; enter the "
                "date the prior conviction was entered."
            )
        return convicted_on


class SingleSchemeForm(forms.Form):
    """The deputy's answer to "do these counts arise from a single scheme or act?"."""

    single_scheme = forms.ChoiceField(
        label="Do these counts arise from a single scheme or act?",
        choices=SchemeAnswer.choices,
        help_text="Unknown is read as “assume yes” wherever the answer would clear a ground.",
        error_messages={"invalid_choice": "Answer yes, no or unknown."},
    )
