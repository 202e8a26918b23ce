"""cases.field_rendering writes each field of the worksheet page as crispy's `as_crispy_field`
does: the same markup, but for runs of whitespace between the template's lines, for every field
of the page's forms, unbound and bound, with errors, awkward values and choices in groups."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from cases import actions
from cases.choices import ParityRule
from cases.field_rendering import as_field
from cases.forms import (
    AmendForm,
    ReauthForm,
    SingleSchemeForm,
    StatusDisclosureForm,
    WorksheetForm,
)
from tests import factories

AWKWARD = 'Tom & "Jerry" <b>bold</b> it\'s'


def squeezed(html):
    """Runs of whitespace as one space: what the two writers may differ by."""
    return " ".join(str(html).split())


def assert_same(make_form):
    """Each field, through as_field and through crispy, of two copies of the form (crispy adds
    classes to the form's own widgets as it writes them)."""
    fast, crispy = make_form(), make_form()
    fast.is_bound and fast.is_valid()
    crispy.is_bound and crispy.is_valid()
    assert crispy.fields
    for name in crispy.fields:
        assert squeezed(as_field(fast[name])) == squeezed(as_crispy_field(crispy[name])), name


@pytest.fixture
def worksheet(case, alice):
    charge = case.charges.order_by("number").first()
    offer = factories.make_disposition(case, name=AWKWARD)
    factories.make_term(offer, charge, "PC 243(e)(1)")
    factories.make_disposition(case, name="Second offer")
    worksheet = actions.start_worksheet(case, by_user=alice)
    worksheet.reasons = AWKWARD
    worksheet.save()
    return worksheet


def worksheet_form(worksheet, data=None):
    return lambda: WorksheetForm(
        data,
        worksheet=worksheet,
        offers=worksheet.case.dispositions.all(),
        show_status_choice=True,
    )


@pytest.mark.parametrize("rule", [ParityRule.RECORD, ParityRule.EQUIVALENCE])
def test_the_worksheet_form_is_the_same(worksheet, rule):
    worksheet.case.office.parity_rule = rule
    worksheet.case.office.save()
    assert_same(worksheet_form(worksheet))
    assert "parity_answer" in worksheet_form(worksheet)().fields  # a group of radio buttons


def test_the_worksheet_form_with_errors_is_the_same(worksheet):
    offers = [str(pk) for pk in worksheet.case.dispositions.values_list("pk", flat=True)]
    data = {
        "version": "x",
        "considered": [offers[0]],
        "chosen_disposition": offers[1],  # not among those considered
        "decision": "not-a-decision",
        "reasons": AWKWARD * 500,  # too long
        "parity_answer": "<bad>",
        "include_status": "on",
    }
    make = worksheet_form(worksheet, data)
    errors = make().errors
    assert {"chosen_disposition", "decision", "reasons", "parity_answer"} <= set(errors)
    assert_same(make)


def test_the_other_forms_of_the_worksheet_page_are_the_same(db):
    request = RequestFactory().post("/")
    assert_same(lambda: ReauthForm(request=request, required=True))
    assert_same(lambda: ReauthForm({"password": AWKWARD}, request=request, required=False))
    assert_same(lambda: AmendForm())
    assert_same(lambda: AmendForm({"reason": ""}))
    assert_same(SingleSchemeForm)  # the case page's
    assert_same(lambda: SingleSchemeForm({"single_scheme": AWKWARD}))
    # A form with a crispy helper is crispy's to write.
    assert_same(lambda: StatusDisclosureForm())


class Awkward(forms.Form):
    """What the page's forms do not use yet but the templates allow."""

    grouped = forms.ChoiceField(
        choices=[("", "—"), ("Group <1>", [("a", "A & a"), ("b", mark_safe("<i>B</i>"))])],
        widget=forms.RadioSelect(attrs={"data-flag": True, "data-off": False, "title": AWKWARD}),
    )
    many = forms.MultipleChoiceField(
        choices=[(1234567, 1), (2, "two")], widget=forms.CheckboxSelectMultiple, help_text=AWKWARD
    )
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    agreed = forms.BooleanField(label=AWKWARD, help_text="<em>read it</em>")
    number = forms.IntegerField(initial=1234567, label="")
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "class": "dateinput x"}))
    upload = forms.FileField(required=False)
    both = forms.SplitDateTimeField(required=False)

    error_css_class = "has-error"
    required_css_class = "needed"


def test_groups_flags_checkboxes_and_what_crispy_keeps_are_the_same():
    assert_same(Awkward)
    assert_same(lambda: Awkward({"grouped": "b", "many": ["1", "x"], "hidden": AWKWARD}))


def test_the_plain_fields_skip_the_template_engine(worksheet, monkeypatch):
    """Else the tests above would pass with every field left to crispy."""
    from django.template import loader

    used = []
    get_template = loader.get_template

    def spy(name, *args, **kwargs):
        used.append(name)
        return get_template(name, *args, **kwargs)

    monkeypatch.setattr("crispy_forms.templatetags.crispy_forms_filters.get_template", spy)
    form = worksheet_form(worksheet)()
    for name in form.fields:
        as_field(form[name])
    assert not used
    as_field(Awkward()["upload"])  # a file input is crispy's
    assert used
