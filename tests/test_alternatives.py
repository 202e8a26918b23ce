"""Alternatives you can trust (issue 15, item 4): ranked by the grounds they clear, adopted on
one count only, at the alternative's own terms, and named after what changed."""

import pytest
from django.urls import reverse

from cases import actions, analysis
from cases.alternatives import apply_alternative, offer_name
from cases.choices import DispositionLabel
from cases.models import Disposition
from consequences import engine
from tests import factories

pytestmark = pytest.mark.django_db


def terms_of(offer):
    """{count number: (statute, level, imposed, suspended)} of an offer."""
    return {
        term.charge.number: (
            term.statute_pleaded,
            term.level_at_plea,
            term.custody_days_imposed,
            term.custody_days_suspended,
        )
        for term in offer.terms.select_related("charge")
    }


@pytest.fixture
def three_counts(case):
    """ALPHA-0001 with a third count, and a standard offer of felonies at 365 days."""
    factories.make_charge(case, 3, "HS 11351")
    standard = factories.make_disposition(case, name="Standard offer")
    for charge in case.charges.all():
        factories.make_term(
            standard, charge, charge.statute, level="felony", custody_days_imposed=365
        )
    return standard


def adopt(client, case, number, code, source):
    charge = case.charges.get(number=number)
    response = client.post(
        reverse("disposition_from_alternative", args=[case.pk]),
        {"charge": charge.pk, "code": code, "source": source.pk},
    )
    assert response.status_code == 302
    return Disposition.objects.latest("pk")


def test_chaining_two_alternatives_changes_one_count_and_the_name_says_both(
    client, alice, case, three_counts
):
    """The bug of issue 15: an offer named "Count 3 to HS 11350" that also changed count 1."""
    client.force_login(alice)
    first = adopt(client, case, 1, "PC 243(e)(1)", three_counts)
    assert first.name == "Count 1: PC 243(e)(1) instead of PC 273.5(a)"
    second = adopt(client, case, 3, "HS 11350", first)
    before, after = terms_of(first), terms_of(second)
    assert {n for n in after if after[n] != before[n]} == {3}  # one count changed: count 3
    # Its name says how it differs from the standard offer: two counts, not one.
    assert second.name == (
        "Count 1: PC 243(e)(1) instead of PC 273.5(a); count 3: HS 11350 instead of HS 11351"
    )
    assert f"based on “{first}” (offer {first.pk})" in second.notes
    assert "Changed on count 3 only: HS 11351 → HS 11350" in second.notes


def test_an_alternative_from_the_standard_offer_names_the_one_count(
    client, alice, case, three_counts
):
    client.force_login(alice)
    created = adopt(client, case, 3, "HS 11350", three_counts)
    assert created.name == "Count 3: HS 11350 instead of HS 11351"
    assert created.label == DispositionLabel.ALTERNATIVE
    before, after = terms_of(three_counts), terms_of(created)
    assert {n for n in after if after[n] != before[n]} == {3}
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Changed on count 3 only" in page  # the offer says what it changed


def test_sentence_days_max_caps_the_custody(client, alice, case, three_counts):
    """PC 32 for HS 11351 asks for 364 days or less: 365 becomes 364, still a felony."""
    client.force_login(alice)
    created = adopt(client, case, 2, "PC 32", three_counts)
    assert terms_of(created)[2] == ("PC 32", "felony", 364, 0)
    assert "custody imposed 365 → 364 days" in created.notes


def test_a_misdemeanor_only_alternative_sets_the_misdemeanor_level(
    client, alice, case, three_counts
):
    client.force_login(alice)
    created = adopt(client, case, 1, "PC 243(e)(1)", three_counts)
    assert terms_of(created)[1] == ("PC 243(e)(1)", "misdemeanor", 364, 0)
    assert "level felony → misdemeanor" in created.notes


def test_applying_an_alternative_follows_its_requirements_without_the_database():
    values = {"statute_pleaded": "PC 999", "level_at_plea": "felony"}
    values.update(custody_days_imposed=500, custody_days_suspended=450, action="plead")
    alternative = {
        "code": "PC 111",
        "requires": {"level": "misdemeanor", "sentence_days_max": 200},
        "assessed_at": {"level": None, "facts": {"substance_named": False}},
    }
    changes = apply_alternative(values, alternative)
    assert values["level_at_plea"] == "misdemeanor"
    assert values["custody_days_imposed"] == 200 and values["custody_days_suspended"] == 200
    assert values["substance_named"] is False
    assert changes[0] == "PC 999 → PC 111" and "level felony → misdemeanor" in changes


def test_the_engine_says_what_an_alternative_requires():
    result = engine.assess_count("HS 11351", level="felony", sentence_days=365).to_dict()
    by_code = {alternative["code"]: alternative for alternative in result["alternatives"]}
    assert by_code["PC 32"]["requires"]["sentence_days_max"] == 364
    # Simple possession as a misdemeanor, 364 days at most (catalog 2026.12.2: Prop 47, PC 18.5).
    assert by_code["HS 11350"]["requires"] == {"sentence_days_max": 364, "level": "misdemeanor"}
    result = engine.assess_count("PC 273.5(a)", level="felony", sentence_days=365).to_dict()
    by_code = {alternative["code"]: alternative for alternative in result["alternatives"]}
    assert by_code["PC 243(e)(1)"]["requires"]["level"] == "misdemeanor"


def flag(ground, verdict="yes"):
    return {"ground": ground, "verdict": verdict}


def test_alternatives_are_ranked_none_flagged_first_with_what_each_clears():
    count = {
        "flags": [flag("aggravated_felony"), flag("controlled_substance")],
        "alternatives": [
            {"code": "A", "flags": [flag("controlled_substance")]},
            {"code": "B", "flags": [flag("controlled_substance"), flag("cimt", "unclear")]},
            {"code": "C", "flags": [flag("controlled_substance", "no")]},
            {"code": "D", "flags": [flag("firearm", "arguably_not")]},
        ],
    }
    ranked = analysis.rank_alternatives(count)["alternatives"]
    assert [alternative["code"] for alternative in ranked] == ["C", "D", "A", "B"]
    assert ranked[0]["clears"] == ["aggravated_felony", "controlled_substance"]
    assert ranked[2]["keeps"] == ["controlled_substance"]
    assert ranked[3]["adds"] == ["cimt"]


def test_the_case_page_lists_the_safest_alternative_first(client, alice, case, three_counts):
    result = analysis.assess_offer(three_counts)["terms"][case.charges.get(number=2).pk]
    flagged = [len(a["keeps"]) + len(a["adds"]) for a in result["alternatives"]]
    assert flagged == sorted(flagged) and len(flagged) >= 2
    client.force_login(alice)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Clears: " in page


def test_the_name_lists_counts_in_order_and_dismissals(case):
    one, two = case.charges.order_by("number")
    reference = {
        one.pk: {"statute_pleaded": "PC 273.5(a)"},
        two.pk: {"statute_pleaded": "HS 11351"},
    }
    terms = {
        two: {"statute_pleaded": "", "action": "dismiss"},
        one: {"statute_pleaded": "PC 243(e)(1)", "action": "plead"},
    }
    assert offer_name(terms, reference) == (
        "Count 1: PC 243(e)(1) instead of PC 273.5(a); count 2 dismissed"
    )


def test_an_alternative_as_charged_is_named_against_the_charges(client, alice, case):
    client.force_login(alice)
    charge = case.charges.get(number=2)
    client.post(
        reverse("disposition_from_alternative", args=[case.pk]),
        {"charge": charge.pk, "code": "HS 11350"},
    )
    created = Disposition.objects.get()
    assert created.name == "Count 2: HS 11350 instead of HS 11351"
    assert "based on the counts as charged" in created.notes
    actions.convey_offer(created, by_user=alice)  # an ordinary offer from there on
