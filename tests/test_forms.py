"""Forms: what each one accepts, what it refuses in plain words, and the dict it hands on."""

import pytest
from django.test import RequestFactory

from cases.choices import Factor, ParityRule, TermAction
from cases.forms import (
    AmendForm,
    CaseFilterForm,
    ChargeForm,
    PleaTermForm,
    ReauthForm,
    WorksheetForm,
    describe_statute,
    statute_fields,
)
from cases.models import Charge, PleaTerm
from tests import factories


def term_form(data, charge=None):
    charge = charge or Charge(pk=7, number=1, statute_as_entered="PC 273.5(a)", level="wobbler")
    base = {
        "term-7-action": "plead",
        "term-7-statute_pleaded": "PC 243(e)(1)",
        "term-7-level_at_plea": "misdemeanor",
        "term-7-plea_type": "no_contest",
        "term-7-reduction_17b": "none",
        "term-7-custody_days_imposed": "30",
        "term-7-custody_days_suspended": "0",
        "term-7-probation_months": "36",
    }
    base.update({f"term-7-{key}": value for key, value in data.items()})
    return PleaTermForm(base, instance=PleaTerm(charge=charge), charge=charge)


def test_statute_fields_split_what_practitioners_type():
    assert statute_fields("Pen. Code § 273.5(a)") == {
        "code": "PC",
        "section": "273.5",
        "subdivision": "(a)",
    }
    assert statute_fields("nonsense") == {"code": "", "section": "", "subdivision": ""}


def test_describe_statute_never_calls_an_unknown_statute_safe():
    known = describe_statute("273.5(a) PC")
    assert known["known"] and known["canonical"] == "PC 273.5(a)" and known["title"]
    unknown = describe_statute("PC 99999")
    assert not unknown["known"] and "not in the catalog" in unknown["message"]
    assert describe_statute("") == {
        "text": "",
        "canonical": "",
        "known": False,
        "title": "",
        "message": "",
    }


def test_a_plea_term_hands_on_its_values():
    form = term_form({"conditions": ["stay_away"], "offensive_touching_only": "false"})
    assert form.is_valid(), form.errors
    values = form.term_values()
    assert values["statute_pleaded"] == "PC 243(e)(1)"
    assert values["conditions"] == ["stay_away"]
    assert values["offensive_touching_only"] is False and values["substance_named"] is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"custody_days_imposed": "365"}, "custody_days_imposed", "PC 18.5"),
        (
            {
                "level_at_plea": "felony",
                "reduction_17b": "at_sentencing",
                "custody_days_imposed": "400",
            },
            "custody_days_imposed",
            "PC 18.5",
        ),
        ({"custody_days_suspended": "31"}, "custody_days_suspended", "cannot exceed"),
        ({"custody_days_imposed": "-1"}, "custody_days_imposed", "Enter 0 or more."),
        ({"statute_pleaded": " "}, "statute_pleaded", "Say which statute"),
        ({"level_at_plea": ""}, "level_at_plea", "Choose the level"),
    ],
)
def test_a_plea_term_refuses_impossible_terms_in_words(data, field, message):
    form = term_form(data)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_a_new_term_starts_as_the_count_was_charged():
    felony = Charge(pk=8, number=2, code="HS", section="11351", level="felony")
    form = PleaTermForm(instance=PleaTerm(charge=felony), charge=felony)
    assert form["statute_pleaded"].value() == "HS 11351"
    assert form["level_at_plea"].value() == "felony"
    wobbler = Charge(pk=9, number=1, code="PC", section="273.5", subdivision="(a)", level="wobbler")
    form = PleaTermForm(instance=PleaTerm(charge=wobbler), charge=wobbler)
    assert form["statute_pleaded"].value() == "PC 273.5(a)"
    assert not form["level_at_plea"].value()


def test_a_felony_may_exceed_364_days():
    assert term_form({"level_at_plea": "felony", "custody_days_imposed": "730"}).is_valid()


def test_a_dismissed_count_ignores_the_plea_fields():
    form = term_form({"action": "dismiss", "statute_pleaded": "", "level_at_plea": ""})
    assert form.is_valid(), form.errors
    assert form.term_values()["action"] == TermAction.DISMISS
    assert form.term_values()["custody_days_imposed"] == 0


def test_the_term_form_makes_no_query_per_constraint(db, django_assert_num_queries):
    form = term_form({})
    with django_assert_num_queries(0):
        assert form.is_valid()


def test_case_filter_refuses_a_backwards_range():
    form = CaseFilterForm({"hearing_from": "2026-12-10", "hearing_to": "2026-12-01"})
    assert not form.is_valid()
    assert form.errors["hearing_to"] == ["The end date is before the start date."]


def test_a_count_gets_its_title_from_the_catalog_unless_typed():
    form = ChargeForm(
        {"count-a1-statute": "PC 273.5(a)", "count-a1-level": "wobbler"}, row_key="a1"
    )
    assert form.is_valid()
    fields = form.charge_fields()
    assert fields["title"] and fields["code"] == "PC" and fields["section"] == "273.5"
    typed = ChargeForm(
        {"count-a1-statute": "PC 273.5(a)", "count-a1-level": "wobbler", "count-a1-title": "Mine"},
        row_key="a1",
    )
    assert typed.is_valid() and typed.charge_fields()["title"] == "Mine"


def test_an_unknown_count_is_accepted_without_a_title():
    form = ChargeForm({"count-a1-statute": "XYZ 1", "count-a1-level": "felony"}, row_key="a1")
    assert form.is_valid()
    assert form.charge_fields()["title"] == "" and form.charge_fields()["code"] == ""


def test_reauth_checks_the_password_only_when_required(db, office, unit):
    user = factories.make_user("rita", office, unit=unit, password="right-password-1")
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1")
    request.user = user
    assert ReauthForm({"password": ""}, request=request, required=False).is_valid()
    wrong = ReauthForm({"password": "nope"}, request=request, required=True)
    assert not wrong.is_valid() and "not your password" in wrong.errors["password"][0]
    right = ReauthForm({"password": "right-password-1"}, request=request, required=True)
    assert right.is_valid()


def test_amending_needs_a_reason():
    form = AmendForm({"reason": ""})
    assert not form.is_valid()
    assert form.errors["reason"] == ["Say why the signed worksheet needs an amendment."]


def test_worksheet_form_follows_office_parity_policy(db, case, alice):
    from cases import actions

    worksheet = actions.start_worksheet(case, by_user=alice)
    form = WorksheetForm(worksheet=worksheet, offers=[])
    assert "parity_answer" in form.fields and "include_status" not in form.fields
    assert len(form.factor_rows) == len(Factor)
    office = worksheet.case.office
    office.parity_rule = ParityRule.NOT_ASKED
    form = WorksheetForm(worksheet=worksheet, offers=[])
    assert "parity_answer" not in form.fields
    office.parity_rule = ParityRule.EQUIVALENCE
    form = WorksheetForm(worksheet=worksheet, offers=[], show_status_choice=True)
    assert "equivalent concession" in form.fields["parity_explanation"].help_text
    assert "include_status" in form.fields


def test_worksheet_form_keeps_only_factors_weighed_or_noted(db, case, alice):
    from cases import actions

    worksheet = actions.start_worksheet(case, by_user=alice)
    form = WorksheetForm(
        {"factor_injury_weight": "neutral", "factor_history_note": "None.", "decision": ""},
        worksheet=worksheet,
        offers=[],
    )
    assert form.is_valid(), form.errors
    assert form.worksheet_fields()["factors"] == {
        "injury": {"weight": "neutral", "note": ""},
        "history": {"weight": "", "note": "None."},
    }
