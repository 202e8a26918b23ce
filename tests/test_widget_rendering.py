"""The worksheet's forms, and the forms other pages show on every visit, render the same markup
through cases.widget_rendering as through Django's widget templates: every widget, unbound and
bound, with errors and awkward values. The fast renderer is every form's (FORM_RENDERER)."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from cases import actions
from cases.forms import (
    AmendForm,
    CaseFilterForm,
    CaseForm,
    DispositionForm,
    ReauthForm,
    StatusDisclosureForm,
    WorksheetForm,
)
from cases.widget_rendering import RENDERER, WidgetRenderer
from compliance.filters import ReportFilterForm
from tests import factories

DJANGO = DjangoTemplates()
AWKWARD = 'Tom & "Jerry" <b>bold</b> it\'s'


def widgets(make_form):
    """Each field's widget as the fast renderer and as Django's renderer write it."""
    fast, plain = make_form(RENDERER), make_form(DJANGO)
    fast.is_bound and fast.is_valid()
    plain.is_bound and plain.is_valid()
    return [(name, fast[name].as_widget(), plain[name].as_widget()) for name in plain.fields]


def assert_same(make_form):
    pairs = widgets(make_form)
    assert pairs
    for name, fast, plain in pairs:
        assert fast == plain, name


@pytest.fixture
def worksheet(case, alice):
    charge = case.charges.order_by("number").first()
    offer = factories.make_disposition(case, name=AWKWARD)
    factories.make_term(offer, charge, "PC 243(e)(1)")
    worksheet = actions.start_worksheet(case, by_user=alice)
    worksheet.factors = {"seriousness": {"weight": "neutral", "note": AWKWARD}}
    worksheet.reasons = AWKWARD
    worksheet.save()
    return worksheet


def worksheet_form(worksheet, data=None):
    def make(renderer):
        return WorksheetForm(
            data,
            worksheet=worksheet,
            offers=worksheet.case.dispositions.all(),
            show_status_choice=True,
            renderer=renderer,
        )

    return make


def test_the_unbound_worksheet_form_is_the_same(worksheet):
    assert_same(worksheet_form(worksheet))


def test_a_bound_worksheet_form_with_errors_is_the_same(worksheet):
    data = {
        "version": "x",
        "considered": ["999999"],
        "decision": "not-a-decision",
        "reasons": AWKWARD * 500,  # too long: an error on a textarea
        "factor_seriousness_weight": "<bad>",
        "factor_seriousness_note": AWKWARD,
        "include_status": "on",
    }
    make = worksheet_form(worksheet, data)
    assert make(DJANGO).errors  # the point: widgets carrying errors
    assert_same(make)


def test_the_other_forms_of_the_page_are_the_same(db):
    request = RequestFactory().post("/")
    assert_same(lambda renderer: ReauthForm(request=request, required=True, renderer=renderer))
    assert_same(
        lambda renderer: ReauthForm(
            {"password": AWKWARD}, request=request, required=False, renderer=renderer
        )
    )
    assert_same(lambda renderer: AmendForm(renderer=renderer))
    assert_same(lambda renderer: AmendForm({"reason": ""}, renderer=renderer))
    assert_same(lambda renderer: StatusDisclosureForm(renderer=renderer))
    assert_same(
        lambda renderer: StatusDisclosureForm(
            {"status": "lpr", "source": "nope", "disclosed_on": "31/31/2026"}, renderer=renderer
        )
    )


class Awkward(forms.Form):
    """What the worksheet's forms do not use yet but the templates allow."""

    grouped = forms.ChoiceField(
        choices=[("", "—"), ("Group <1>", [("a", "A & a"), ("b", mark_safe("<i>B</i>"))])],
        widget=forms.Select(attrs={"data-flag": True, "data-off": False, "title": AWKWARD}),
    )
    many = forms.MultipleChoiceField(choices=[(1, 1), (2, "two")])
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    safe = forms.CharField(initial=mark_safe("<em>safe</em>"))
    number = forms.IntegerField(initial=1234567)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    empty = forms.CharField(widget=forms.Textarea, required=False)


def test_choices_in_groups_flags_and_safe_values_are_the_same():
    assert_same(lambda renderer: Awkward(renderer=renderer))
    assert_same(
        lambda renderer: Awkward(
            {"grouped": "b", "many": ["1", "2"], "hidden": AWKWARD, "number": "x"},
            renderer=renderer,
        )
    )


def test_an_option_with_its_own_template_is_left_to_django():
    class Option(forms.Select):
        option_template_name = "django/forms/widgets/attrs.html"

    class Odd(forms.Form):
        choice = forms.ChoiceField(choices=[("a", "A")], widget=Option)

    assert_same(lambda renderer: Odd(renderer=renderer))


def test_the_plain_widgets_skip_the_template_engine(worksheet, monkeypatch):
    """Else the tests above would pass with every widget left to Django."""
    used = []

    def get_template(name):
        used.append(name)
        return DJANGO.get_template(name)

    monkeypatch.setattr(RENDERER, "get_template", get_template)
    form = worksheet_form(worksheet)(RENDERER)
    for name in form.fields:
        form[name].as_widget()
    assert used  # the checkboxes and radios still use their templates
    plain = ("/select.html", "/select_option.html", "/input.html", "/text.html", "/textarea.html")
    assert not [name for name in used if name.endswith(plain)]


def test_every_form_renders_through_the_fast_renderer_by_default(db):
    assert isinstance(AmendForm().renderer, WidgetRenderer)
    assert isinstance(CaseFilterForm().renderer, WidgetRenderer)


def report_filter(viewer, data=None):
    def make(renderer):
        return ReportFilterForm(data, user=viewer, renderer=renderer)

    return make


def test_the_report_filter_is_the_same(case, alice, carol, dave):
    """A select of every deputy the viewer may see (one named awkwardly), dates and choices,
    for an administrator (the office) and a supervisor (their unit)."""
    alice.first_name = AWKWARD
    alice.save()
    bad = {"date_from": "2026-13-01", "date_to": AWKWARD, "deputy": "999999", "unit": "x"}
    for viewer in (dave, carol):
        assert_same(report_filter(viewer))
        assert report_filter(viewer, bad)(DJANGO).errors
        assert_same(report_filter(viewer, bad))


def test_the_case_list_filter_and_the_case_and_offer_forms_are_the_same(case, office):
    assert_same(lambda renderer: CaseFilterForm(renderer=renderer))
    bad = {"q": AWKWARD, "stage": "nope", "hearing_from": "2026-02-30", "hearing_to": AWKWARD}
    assert_same(lambda renderer: CaseFilterForm(bad, renderer=renderer))
    assert_same(lambda renderer: CaseForm(instance=case, office=office, renderer=renderer))
    assert_same(lambda renderer: CaseForm({"caption": AWKWARD}, office=office, renderer=renderer))
    offer = factories.make_disposition(case, name=AWKWARD)
    assert_same(lambda renderer: DispositionForm(instance=offer, renderer=renderer))
    assert_same(lambda renderer: DispositionForm({"label": "?"}, renderer=renderer))
