"""Rules shared by many catalog entries, applied evenly (issue 16 item 3).

Each shared rule is one function or one tag; these tests check it on the entries the issue names,
on every entry of the real catalog it reaches, and on a small catalog written here so that an
entry added later (by any branch) cannot escape it. Expected answers cite their source.
"""

import datetime
import textwrap

import pytest

from consequences import rules
from consequences.catalog import load_catalog
from consequences.engine import assess_count
from consequences.statuses import Ground, Level, Verdict


def worst(result, ground, subcategory=None):
    verdicts = [
        f.verdict
        for f in result.all_flags
        if f.ground == ground and (subcategory is None or f.subcategory == subcategory)
    ]
    return max(verdicts, key=lambda v: v.severity, default=Verdict.NO)


def test_the_catalog_version_is_bumped_for_these_corrections(real_catalog):
    """docs/catalog.md: bump the version on every change; 2026.12.1 recorded issue 16's pass,
    2026.12.2 adds PC 273ab."""
    assert real_catalog.version == "2026.12.2"
    assert real_catalog.effective >= datetime.date(2026, 12, 3)


class TestObstructionAfterPugin:
    """8 U.S.C. 1101(a)(43)(S); Pugin v. Garland, 599 U.S. 600 (2023)."""

    @pytest.mark.parametrize("code", ["VC 20001", "VC 20001(a)"])
    @pytest.mark.parametrize(("days", "flagged"), [(364, False), (365, True)])
    def test_hit_and_run_is_a_possible_obstruction_felony_at_a_year(
        self, assess, code, days, flagged
    ):
        """ILRC chart, VC 20001: keep the sentence under a year for the obstruction AF."""
        result = assess(code, level="felony", sentence_days=days)
        assert worst(result, Ground.AGGRAVATED_FELONY, "S").is_flagged is flagged
        if flagged:
            assert worst(result, Ground.AGGRAVATED_FELONY, "S") == Verdict.UNCLEAR

    @pytest.mark.parametrize("code", ["PC 32", "PC 69", "PC 136.1(b)(1)", "PC 148(b)"])
    def test_the_named_obstruction_offenses_at_a_year(self, assess, code):
        """legal-research.md 4.2 (S): PC 32, 136.1 and 148(b)-(d) with a year or more."""
        result = assess(code, level="felony", sentence_days=365)
        assert worst(result, Ground.AGGRAVATED_FELONY, "S").is_flagged

    def test_every_obstruction_entry_that_can_be_a_felony_carries_it(self, real_catalog):
        """One tag, every entry: a felony-capable obstruction offense is flagged at 365 days and
        not at 364 (PC 18.5 and 1101(a)(43)(S)); a misdemeanor-only one never reaches a year."""
        checked = 0
        for code, offense in real_catalog.offenses.items():
            if "obstruction" not in offense.tags:
                continue
            if Level.FELONY in offense.levels:
                year = assess_count(code, level="felony", sentence_days=365, catalog=real_catalog)
                assert worst(year, Ground.AGGRAVATED_FELONY, "S").is_flagged, code
                under = assess_count(code, level="felony", sentence_days=364, catalog=real_catalog)
                assert not worst(under, Ground.AGGRAVATED_FELONY, "S").is_flagged, code
                checked += 1
            else:
                result = assess_count(code, catalog=real_catalog)
                assert not worst(result, Ground.AGGRAVATED_FELONY, "S").is_flagged, code
        assert checked >= 15

    def test_misdemeanor_only_offenses_get_no_obstruction_rule(self):
        """PC 18.5: a misdemeanor is at most 364 days, never the year (S) needs."""
        assert rules.obstruction_after_pugin((Level.MISDEMEANOR,)) is None
        assert rules.obstruction_after_pugin((Level.FELONY, Level.MISDEMEANOR)) == (
            Verdict.ASSUME_YES
        )


class TestCrimeOfViolenceAndDomesticViolence:
    @pytest.mark.parametrize(("days", "flagged"), [(364, False), (365, True)])
    def test_voluntary_manslaughter_is_a_crime_of_violence_after_draper(
        self, assess, days, flagged
    ):
        """United States v. Draper, 84 F.4th 797 (9th Cir. 2023): at least extreme recklessness is
        force; 8 U.S.C. 1101(a)(43)(F) with a year."""
        result = assess("PC 192(a)", sentence_days=days)
        assert worst(result, Ground.AGGRAVATED_FELONY, "F").is_flagged is flagged
        if flagged:
            assert worst(result, Ground.AGGRAVATED_FELONY, "F") == Verdict.ASSUME_YES

    def test_voluntary_manslaughter_of_a_partner_is_domestic_violence(self, assess):
        """8 U.S.C. 1227(a)(2)(E)(i): a crime of violence against a protected person."""
        result = assess("PC 192(a)", facts={"domestic_relationship": True})
        assert worst(result, Ground.DOMESTIC_VIOLENCE, "domestic_violence") == Verdict.ASSUME_YES
        unknown = assess("PC 192(a)")
        assert worst(unknown, Ground.DOMESTIC_VIOLENCE, "domestic_violence").is_flagged

    def test_robbery_of_a_partner_is_domestic_violence(self, assess):
        """1227(a)(2)(E)(i) and 18 U.S.C. 16(a): robbery uses force against a person."""
        result = assess("PC 211", facts={"domestic_relationship": True})
        assert worst(result, Ground.DOMESTIC_VIOLENCE, "domestic_violence").is_flagged

    def test_arson_is_not_violence_against_a_person(self, assess):
        """1227(a)(2)(E)(i): "against a person"; arson's force is against property."""
        result = assess("PC 451", facts={"domestic_relationship": True})
        assert not worst(result, Ground.DOMESTIC_VIOLENCE, "domestic_violence").is_flagged

    def test_every_violent_entry_with_a_crime_of_violence_speaks_to_domestic_violence(
        self, real_catalog
    ):
        """One tag, every entry: a violent_force entry whose crime-of-violence answer is flagged
        always answers the domestic violence ground too (stated or by the shared rule)."""
        for code, offense in real_catalog.offenses.items():
            violence = [
                r
                for r in offense.flags
                if r.ground == Ground.AGGRAVATED_FELONY and r.subcategory == "F"
            ]
            if "violent_force" not in offense.tags or not any(
                r.verdict.is_flagged for r in violence
            ):
                continue
            result = assess_count(code, catalog=real_catalog)
            assert any(
                f.ground == Ground.DOMESTIC_VIOLENCE and f.subcategory == "domestic_violence"
                for f in result.all_flags
            ), code

    def test_unconscious_victim_rape_has_no_force_so_no_domestic_violence(self, assess):
        """PC 261(a)(4) has no force element: not a crime of violence (18 U.S.C. 16(a)), so not
        the DV ground even against a spouse; still rape under (A) (Matter of Keeley)."""
        result = assess("PC 261(a)(4)", facts={"domestic_relationship": True})
        assert result.code == "PC 261(a)(4)"
        assert not worst(result, Ground.DOMESTIC_VIOLENCE, "domestic_violence").is_flagged
        assert worst(result, Ground.AGGRAVATED_FELONY, "A") == Verdict.YES

    def test_an_unspecified_rape_subdivision_is_no_sure_domestic_violence(self, assess):
        """PC 261 covers (a)(2) (force) and (a)(4) (none): read at its worst, but not "yes"."""
        result = assess("PC 261", facts={"domestic_relationship": True})
        assert worst(result, Ground.DOMESTIC_VIOLENCE, "domestic_violence") == Verdict.ASSUME_YES


class TestSexualAbuseOfAMinorNeedsAnAgeElement:
    """Esquivel-Quintana v. Sessions, 581 U.S. 385 (2017); Mathis v. United States (2016)."""

    @pytest.mark.parametrize("code", ["PC 243.4", "PC 243.4(e)(1)"])
    def test_sexual_battery_with_an_unknown_age_is_not_sexual_abuse_of_a_minor(self, assess, code):
        assert not worst(assess(code), Ground.AGGRAVATED_FELONY, "A").is_flagged

    @pytest.mark.parametrize("code", ["PC 243.4", "PC 243.4(e)(1)"])
    def test_a_record_naming_a_minor_is_unclear_not_yes(self, assess, code):
        result = assess(code, facts={"victim_minor": True})
        assert worst(result, Ground.AGGRAVATED_FELONY, "A") == Verdict.UNCLEAR

    def test_a_silent_record_is_an_answer_for_this_condition(self):
        """The categorical approach: an unknown age never supplies a missing element."""
        count = rules.Count(None, (Level.FELONY,), None, None, {})
        assert rules.record_shows_minor(count) is False

    def test_only_statutes_with_an_age_element_read_the_age_as_unknown(self, real_catalog):
        """Every (A) flag that turns on the victim's age: either the statute has an age element
        somewhere (PC 220(a)(2), 266h(b), 266i(b), 236.1(c)) or it uses record_shows_minor."""
        with_age_element = {"PC 220", "PC 266h", "PC 266i", "PC 236.1"}
        for code, offense in real_catalog.offenses.items():
            for rule in offense.flags:
                if rule.ground == Ground.AGGRAVATED_FELONY and rule.when == "victim_minor":
                    assert code in with_age_element or code.startswith("PC 261.5"), code


class TestTheftAndFraud:
    """8 U.S.C. 1101(a)(43)(G) (theft, a year) and (M)(i) (fraud, a loss over $10,000): an offense
    that is both must answer both (Nijhawan v. Holder, 557 U.S. 29 (2009))."""

    def test_every_theft_and_fraud_entry_answers_both(self, real_catalog):
        for code, offense in real_catalog.offenses.items():
            if not {"theft", "fraud"} <= offense.tags:
                continue
            letters = {
                rule.subcategory
                for rule in offense.flags
                if rule.ground == Ground.AGGRAVATED_FELONY
            }
            assert {"G", "M"} <= letters, code

    @pytest.mark.parametrize("code", ["PC 504", "PC 506", "PC 508"])
    def test_embezzlement_with_a_year_is_a_possible_theft_felony(self, assess, code):
        """Cal. Penal Code § 514: embezzlement is punished as theft; (G) with a year."""
        result = assess(code, level="felony", sentence_days=365)
        assert worst(result, Ground.AGGRAVATED_FELONY, "G") == Verdict.UNCLEAR


SHARED_RULE_ENTRIES = """
[[offense]]
code = "PC 166"
title = "A felony-capable obstruction entry written without its (S) flag"
levels = ["felony", "misdemeanor"]
tags = ["obstruction"]
summary = "Test entry."
last_reviewed = 2000-01-01
sources = ["test"]

  [[offense.flag]]
  ground = "cimt"
  verdict = "no"
  when = "always"
  note = "Test."
  citations = ["test"]

[[offense]]
code = "PC 240"
title = "A violent entry written without its domestic violence flag"
levels = ["felony", "misdemeanor"]
tags = ["violent_force"]
summary = "Test entry."
last_reviewed = 2000-01-01
sources = ["test"]

  [[offense.flag]]
  ground = "aggravated_felony"
  subcategory = "F"
  verdict = "yes"
  when = "sentence_365"
  note = "Test."
  fix = "Test."
  citations = ["test"]
"""


def test_an_entry_added_later_cannot_forget_a_shared_rule(tmp_path):
    """Issue 16 item 3: a new entry tagged obstruction or violent_force gets the shared flags
    even when its author forgot them (Pugin; 1227(a)(2)(E)(i))."""
    (tmp_path / "offenses").mkdir()
    (tmp_path / "catalog.toml").write_text('version = "2000.1.1"\neffective = 2000-01-31\n')
    (tmp_path / "offenses" / "shared.toml").write_text(textwrap.dedent(SHARED_RULE_ENTRIES))
    catalog = load_catalog(tmp_path)
    obstruction = assess_count("PC 166", level="felony", sentence_days=365, catalog=catalog)
    (flag,) = [f for f in obstruction.flags if f.subcategory == "S"]
    assert flag.verdict == Verdict.ASSUME_YES and "Pugin v. Garland, 599 U.S. 600 (2023)" in (
        flag.citations
    )
    violent = assess_count("PC 240", facts={"domestic_relationship": True}, catalog=catalog)
    (flag,) = [f for f in violent.flags if f.ground == Ground.DOMESTIC_VIOLENCE]
    assert flag.verdict == Verdict.YES
