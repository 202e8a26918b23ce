"""Attempts, conspiracies and solicitations written with their target (issue 16 item 1).

The parser tests pin every practitioner spelling; the answers are written from the law named in
each docstring (8 U.S.C. 1101(a)(43)(U), 1182(a)(2)(A)(i), 1227(a)(2)(B)(i), PC 664, PC 182),
not from the catalog's text.
"""

import pytest

from consequences import codes, rules
from consequences.engine import InvalidInput, assess_count
from consequences.statuses import Ground, Level, Verdict
from tests.consequences.conftest import worst


class TestCombinedForms:
    """codes.combined_form: every spelling a deputy writes."""

    @pytest.mark.parametrize(
        ("text", "kind", "target"),
        [
            ("PC 664/211", codes.ATTEMPT, "211"),
            ("PC 211/664", codes.ATTEMPT, "PC 211"),
            ("664/211 PC", codes.ATTEMPT, "211 PC"),
            ("PC 664/PC 211", codes.ATTEMPT, "PC 211"),
            ("Pen. Code § 664/211", codes.ATTEMPT, "211"),
            ("PC 664(a)/211", codes.ATTEMPT, "211"),
            ("attempted PC 211", codes.ATTEMPT, "PC 211"),
            ("attempt PC 211", codes.ATTEMPT, "PC 211"),
            ("Attempt to commit PC 211", codes.ATTEMPT, "PC 211"),
            ("PC 664/187(a)", codes.ATTEMPT, "187(a)"),
            ("PC 182(a)(1)/HS 11352", codes.CONSPIRACY, "HS 11352"),
            ("PC 182(a)(1)/11352", codes.CONSPIRACY, "11352"),
            ("HS 11352/PC 182(a)(1)", codes.CONSPIRACY, "HS 11352"),
            ("HS 11352/182(a)(1)", codes.CONSPIRACY, "HS 11352"),
            ("conspiracy to commit HS 11352", codes.CONSPIRACY, "HS 11352"),
            ("conspiracy HS 11352", codes.CONSPIRACY, "HS 11352"),
            ("solicitation of PC 211", codes.SOLICITATION, "PC 211"),
            ("PC 653f/211", codes.SOLICITATION, "211"),
        ],
    )
    def test_reads_the_form_and_its_target(self, text, kind, target):
        form = codes.combined_form(text)
        assert form is not None
        assert (form.kind, form.target) == (kind, target)
        assert form.form_code == codes.FORM_CODES[kind]

    @pytest.mark.parametrize(
        "text", ["PC 664", "PC 182(a)(1)", "PC 653f", "PC 653f(d)", "PC 32", "PC 211", "664/211"]
    )
    def test_a_bare_form_or_plain_code_is_not_combined(self, text):
        assert codes.combined_form(text) is None

    def test_other_conspiracy_paragraphs_are_not_combined(self):
        """PC 182(a)(2)-(6) (false charges, cheating, obstruction) are offenses of their own."""
        assert codes.combined_form("PC 182(a)(5)/211") is None


class TestInchoateRules:
    """rules.inchoate_*: each ground's rule for an attempt, conspiracy or solicitation."""

    @pytest.mark.parametrize("kind", [rules.ATTEMPT, rules.CONSPIRACY])
    def test_attempt_and_conspiracy_to_commit_an_aggravated_felony_is_one(self, kind):
        """8 U.S.C. 1101(a)(43)(U)."""
        adjusted = rules.inchoate_flag(kind, Ground.AGGRAVATED_FELONY, Verdict.YES)
        assert adjusted.verdict == Verdict.YES
        assert "8 U.S.C. § 1101(a)(43)(U)" in adjusted.citations

    def test_solicitation_is_not_in_subparagraph_u_in_the_ninth_circuit(self):
        """Leyva-Licea v. INS, 187 F.3d 1147 (9th Cir. 1999): unsettled elsewhere, so unclear."""
        adjusted = rules.inchoate_flag(rules.SOLICITATION, Ground.AGGRAVATED_FELONY, Verdict.YES)
        assert adjusted.verdict == Verdict.UNCLEAR

    def test_solicitation_of_a_drug_offense_is_unclear(self):
        """Coronado-Durazo v. INS, 123 F.3d 1322 (9th Cir. 1997)."""
        adjusted = rules.inchoate_flag(rules.SOLICITATION, Ground.CONTROLLED_SUBSTANCE, Verdict.YES)
        assert adjusted.verdict == Verdict.UNCLEAR

    def test_a_conspiracy_keeps_the_targets_domestic_violence_only_as_unclear(self):
        """18 U.S.C. 16(a): a conspiracy has no force element; unsettled, so unclear, not no."""
        adjusted = rules.inchoate_flag(rules.CONSPIRACY, Ground.DOMESTIC_VIOLENCE, Verdict.YES)
        assert adjusted.verdict == Verdict.UNCLEAR
        kept = rules.inchoate_flag(rules.CONSPIRACY, Ground.DOMESTIC_VIOLENCE, Verdict.NO)
        assert kept.verdict == Verdict.NO

    def test_conspiracy_to_commit_a_misdemeanor_is_a_wobbler(self):
        """PC 182(a): county jail up to a year or 1170(h) for a conspiracy to commit a
        misdemeanor."""
        levels = rules.inchoate_levels(rules.CONSPIRACY, (Level.MISDEMEANOR,), ())
        assert set(levels) == {Level.FELONY, Level.MISDEMEANOR}
        assert rules.inchoate_levels(rules.ATTEMPT, (Level.FELONY,), ()) == (Level.FELONY,)

    def test_an_attempted_misdemeanor_is_at_most_182_days(self):
        """PC 664(b): half the target's term; a misdemeanor is at most 364 days (PC 18.5)."""
        assert rules.inchoate_sentence_problem(rules.ATTEMPT, Level.MISDEMEANOR, 182) is None
        assert "PC 664(b)" in rules.inchoate_sentence_problem(rules.ATTEMPT, Level.MISDEMEANOR, 183)
        assert rules.inchoate_sentence_problem(rules.CONSPIRACY, Level.MISDEMEANOR, 364) is None


class TestAttemptsInTheRealCatalog:
    """Answers from the law for the common attempt and conspiracy pleas."""

    @pytest.mark.parametrize("spelling", ["PC 664/211", "PC 211/664", "attempted PC 211"])
    @pytest.mark.parametrize(("days", "flagged"), [(364, False), (365, True)])
    def test_attempted_robbery_is_an_aggravated_felony_at_a_year(
        self, assess, spelling, days, flagged
    ):
        """8 U.S.C. 1101(a)(43)(U) with (G) theft: a year or more imposed on the attempt itself
        (PC 664 halves the term, and the sentence actually imposed is what counts)."""
        result = assess(spelling, level="felony", sentence_days=days)
        assert result.code == "PC 664/PC 211"
        assert worst(result, Ground.AGGRAVATED_FELONY, "G").is_flagged is flagged

    def test_attempted_robbery_is_a_cimt(self, assess):
        """8 U.S.C. 1182(a)(2)(A)(i)(I): an attempt to commit a CIMT; robbery is one."""
        assert worst(assess("attempt PC 211", level="felony", sentence_days=90), Ground.CIMT) == (
            Verdict.YES
        )

    def test_attempted_murder_is_an_aggravated_felony_at_any_sentence(self, assess):
        """8 U.S.C. 1101(a)(43)(A) and (U): murder needs no sentence, nor does its attempt."""
        result = assess("PC 664/187(a)", level="felony", sentence_days=30)
        assert worst(result, Ground.AGGRAVATED_FELONY, "A") == Verdict.YES

    def test_each_combined_flag_says_it_comes_from_the_target(self, assess):
        """Issue 16 item 1: each combined flag says it comes from the target offense."""
        result = assess("PC 664/211")
        stated = [f for f in result.flags if f.ground in (Ground.AGGRAVATED_FELONY, Ground.CIMT)]
        assert stated
        assert all("From the target offense PC 211" in f.note for f in stated)
        assert any("8 U.S.C. § 1101(a)(43)(U)" in f.citations for f in stated)

    def test_the_attempt_sentence_rule_is_stated(self, assess):
        """PC 664: the half term; the AF threshold reads the sentence imposed on the attempt."""
        result = assess("PC 664/211")
        (flag,) = [f for f in result.flags if f.subcategory == "G"]
        assert "PC 664" in flag.condition

    def test_an_attempted_misdemeanor_over_half_the_term_is_refused(self, real_catalog):
        """PC 664(b): a 200-day attempted petty theft is impossible and is said so, not capped."""
        with pytest.raises(InvalidInput, match="PC 664"):
            assess_count("PC 664/488", level="misdemeanor", sentence_days=200, catalog=real_catalog)

    def test_attempted_petty_theft_is_a_cimt_within_the_petty_offense_exception(self, assess):
        """8 U.S.C. 1182(a)(2)(A)(ii)(II); PC 664(b): a misdemeanor attempt, 30 days imposed."""
        result = assess("attempted PC 488", level="misdemeanor", sentence_days=30)
        (cimt,) = [f for f in result.flags if f.ground == Ground.CIMT]
        assert cimt.verdict == Verdict.YES
        assert "petty-offense exception covers" in cimt.condition

    def test_attempted_fraud_counts_the_intended_loss(self, assess):
        """Matter of Onyido, 22 I&N Dec. 552 (BIA 1999): attempted fraud with an intended loss
        over $10,000 is an aggravated felony under (M)(i) and (U)."""
        result = assess("PC 664/532", facts={"loss_over_10000": True})
        assert worst(result, Ground.AGGRAVATED_FELONY, "M") == Verdict.YES

    def test_attempted_possession_relates_to_a_controlled_substance(self, assess):
        """8 U.S.C. 1227(a)(2)(B)(i): 'or a conspiracy or attempt to violate' a drug law."""
        result = assess("PC 664/HS 11350", facts={"substance_named": True})
        assert worst(result, Ground.CONTROLLED_SUBSTANCE) == Verdict.YES

    def test_attempted_corporal_injury_stays_a_domestic_violence_risk(self, assess):
        """18 U.S.C. 16(a) 'attempted use' of force; ILRC warns attempt pleas do not avoid the DV
        ground; United States v. Taylor (2022) leaves an argument, so assume yes, never no."""
        result = assess("PC 664/273.5(a)")
        verdict = worst(result, Ground.DOMESTIC_VIOLENCE, "domestic_violence")
        assert verdict == Verdict.ASSUME_YES

    def test_an_attempt_offers_the_accessory_plea(self, assess):
        """ILRC California Quick Reference Chart, PC 32: the usual safer plea for an attempt."""
        result = assess("PC 664/211", level="felony", sentence_days=365)
        assert "PC 32" in [a.code for a in result.alternatives]


class TestConspiraciesInTheRealCatalog:
    @pytest.mark.parametrize(
        "spelling",
        ["PC 182(a)(1)/HS 11352", "PC 182(a)(1)/11352", "conspiracy to commit HS 11352"],
    )
    def test_conspiracy_to_sell_is_drug_trafficking_and_a_drug_offense(self, assess, spelling):
        """8 U.S.C. 1101(a)(43)(B) and (U); 1227(a)(2)(B)(i) names conspiracy."""
        result = assess(spelling, level="felony", facts={"substance_named": True})
        assert result.code == "PC 182(a)(1)/HS 11352"
        assert worst(result, Ground.CONTROLLED_SUBSTANCE, "conviction") == Verdict.YES
        assert worst(result, Ground.AGGRAVATED_FELONY, "B").is_flagged

    def test_a_bare_target_takes_the_code_the_catalog_knows(self, assess):
        """'PC 182(a)(1)/11352': there is no PC 11352, so the target is HS 11352, and it says so."""
        result = assess("PC 182(a)(1)/11352")
        assert "HS 11352" in result.match_note

    def test_without_a_federal_substance_the_conspiracy_is_no_sure_drug_offense(self, assess):
        """Mellouli v. Lynch, 575 U.S. 798 (2015), through the target's own condition."""
        result = assess("PC 182(a)(1)/HS 11352", facts={"substance_named": False})
        assert worst(result, Ground.CONTROLLED_SUBSTANCE, "conviction") != Verdict.YES

    def test_conspiracy_to_commit_petty_theft_may_be_a_felony(self, assess):
        """PC 182(a): a conspiracy to commit a misdemeanor is a wobbler, so TPS and DACA's felony
        bars apply unless it is a misdemeanor at plea."""
        result = assess("conspiracy to commit PC 488")
        assert set(result.possible_levels) == {Level.FELONY, Level.MISDEMEANOR}
        assert worst(result, Ground.TPS_BAR, "felony") == Verdict.YES


class TestSolicitationAndOwnEntries:
    def test_solicited_robbery_is_unclear_for_the_aggravated_felony(self, assess):
        """Leyva-Licea v. INS (9th Cir. 1999): solicitation is not in (U); unsettled elsewhere."""
        result = assess("solicitation of PC 211", level="felony", sentence_days=365)
        assert worst(result, Ground.AGGRAVATED_FELONY) == Verdict.UNCLEAR
        assert worst(result, Ground.CIMT) == Verdict.ASSUME_YES

    @pytest.mark.parametrize("code", ["PC 32", "PC 653f", "PC 664", "PC 182(a)(1)"])
    def test_bare_forms_and_accessory_keep_their_own_entries(self, assess, code):
        """Issue 16 item 1: PC 32 and PC 653f keep their own entries (safer-plea options)."""
        assert assess(code).code == code


class TestUnknownTargets:
    def test_an_attempt_of_an_unknown_target_is_unknown_never_safe(self, real_catalog):
        """DESIGN.md: an unknown offense says so plainly and is never treated as safe."""
        result = assess_count("PC 664/99999", catalog=real_catalog)
        assert not result.known and not result.flags
        assert "not in the catalog" in result.message
        assert "Do not treat it as safe" in result.message

    def test_an_unreadable_target_is_unknown_never_safe(self, real_catalog):
        result = assess_count("attempted theft of a bicycle", catalog=real_catalog)
        assert not result.known
        assert "Do not treat it as safe" in result.message
