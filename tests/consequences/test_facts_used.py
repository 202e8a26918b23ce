"""Which record-of-conviction facts an entry uses, derived from its rules, and "did you mean"
for a code the catalog does not know (issue 15 item 3). No database."""

import pytest

from consequences import engine, rules
from consequences.catalog import FACT_TYPES


@pytest.mark.parametrize(
    ("when", "facts"),
    [
        ("always", set()),
        ("sentence_365", set()),
        ("felony", set()),
        ("loss_over_10000", {"loss_over_10000"}),
        ("federal_substance_named", {"substance_named"}),
        ("marijuana_over_30g", {"grams"}),
        ("victim_minor", {"victim_minor"}),
        ("record_shows_minor", {"victim_minor"}),
        ("domestic_relationship", {"domestic_relationship"}),
        ("permanent_taking", {"temporary_taking"}),
        ("firearm_in_record", {"firearm_in_record"}),
        ("force_beyond_touching", {"offensive_touching_only"}),
    ],
)
def test_each_condition_is_asked_which_facts_it_reads(when, facts):
    assert rules.facts_read_by(when) == facts


def test_every_condition_is_covered_and_reads_only_known_facts():
    for when in rules.CONDITIONS:
        assert rules.facts_read_by(when) <= set(FACT_TYPES), when


def test_a_new_condition_that_reads_a_fact_is_found_without_a_list(monkeypatch):
    def armed_and_felony(count):
        if count.level != "felony":
            return False
        return count.facts.get("firearm_in_record")

    monkeypatch.setitem(rules.CONDITIONS, "armed_and_felony", armed_and_felony)
    # Read only at the felony level: the derivation tries every level, so it is still found.
    assert rules.facts_read_by("armed_and_felony") == {"firearm_in_record"}


@pytest.mark.parametrize(
    ("offense", "facts"),
    [
        ("PC 273.5(a)", ()),  # a DV count: the relationship is an element, no fact decides
        ("PC 243(e)(1)", ("offensive_touching_only",)),
        ("HS 11350", ("substance_named",)),
        ("PC 487(a)", ("loss_over_10000",)),
        ("PC 245(a)(1)", ("victim_minor", "domestic_relationship")),
        # An attempt reads its target's; robbery's DV ground comes from a shared rule (tag).
        ("PC 664/211", ("domestic_relationship",)),
    ],
)
def test_an_entry_uses_the_facts_its_rules_read(offense, facts):
    assert engine.facts_used(offense) == facts


def test_the_facts_an_entry_uses_are_those_that_can_change_its_answer():
    """Cross-check of the derivation: a fact outside facts_used never changes the flags."""
    for offense in ("PC 273.5(a)", "PC 243(e)(1)", "HS 11350", "PC 487(a)", "PC 245(a)(1)"):
        used = engine.facts_used(offense)
        base = engine.assess_count(offense, sentence_days=30).all_flags
        for name, kind in FACT_TYPES.items():
            for value in (True, False) if kind is bool else (1.0, 500.0):
                flags = engine.assess_count(
                    offense, sentence_days=30, facts={name: value}
                ).all_flags
                if name not in used:
                    assert flags == base, (offense, name, value)


def test_an_unknown_statute_uses_no_declared_facts_and_says_none():
    assert engine.facts_used("PC 99999") is None
    assert engine.facts_used("nonsense") is None


def test_a_typo_gets_the_nearest_catalog_codes_and_stays_unknown():
    assert not engine.assess_count("PC 2735a").known
    suggestions = engine.did_you_mean("PC 2735a")
    assert suggestions[0].code == "PC 273.5(a)"
    assert "Corporal injury" in suggestions[0].title
    assert len(suggestions) <= 3
    assert engine.did_you_mean("VC 2315a")[0].code in ("VC 23152(a)", "VC 23153(a)")


def test_nothing_like_a_code_gets_no_suggestion():
    assert engine.did_you_mean("xyz") == []
    assert engine.did_you_mean("") == []
