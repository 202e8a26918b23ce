"""The engine on a small fixture catalog: conditions, sentence boundaries, status narrowing,
alternatives, dispositions, the output shape. The law behind each expectation is in its docstring;
the real catalog's answers are checked in test_real_catalog.py."""

import json

import pytest

from consequences.engine import (
    DISCLAIMER,
    CountInput,
    InvalidInput,
    assess_count,
    assess_disposition,
    catalog_effective,
    catalog_version,
    suggest,
)
from consequences.statuses import Ground, Level, Status, Verdict


@pytest.fixture
def assess(fixture_catalog):
    def assess(code, **terms):
        return assess_count(code, catalog=fixture_catalog, **terms)

    return assess


def flags(result, ground, subcategory=None):
    return [
        f
        for f in result.flags
        if f.ground == ground and (subcategory is None or f.subcategory == subcategory)
    ]


def verdict(result, ground, subcategory=None):
    found = flags(result, ground, subcategory)
    assert len(found) == 1, [f.to_dict() for f in result.flags]
    return found[0].verdict


class TestSentenceBoundary:
    """8 U.S.C. 1101(a)(43)(F), (G), (S): "at least one year" — 364 days is not, 365 is."""

    @pytest.mark.parametrize(
        ("code", "subcategory"),
        [("PC 273.5(a)", "F"), ("PC 487(a)", "G"), ("PC 496(a)", "G"), ("PC 32", "S")],
    )
    @pytest.mark.parametrize(("days", "flagged"), [(364, False), (365, True)])
    def test_every_sentence_based_aggravated_felony(self, assess, code, subcategory, days, flagged):
        """8 U.S.C. 1101(a)(43)(F), (G), (S) with 1101(a)(48)(B): 365 days or more on the count."""
        result = assess(code, level="felony", sentence_days=days)
        assert verdict(result, Ground.AGGRAVATED_FELONY, subcategory).is_flagged is flagged

    @pytest.mark.parametrize(
        ("custody", "suspended", "flagged"), [(0, 364, False), (0, 365, True), (90, 275, True)]
    )
    def test_suspended_time_counts_toward_the_year(self, assess, custody, suspended, flagged):
        """8 U.S.C. 1101(a)(48)(B): a suspended term counts as the term imposed."""
        result = assess(
            "PC 487(a)", level="felony", sentence_days=custody, suspended_days=suspended
        )
        assert verdict(result, Ground.AGGRAVATED_FELONY, "G").is_flagged is flagged
        assert result.sentence_days == custody + suspended

    def test_an_unknown_sentence_keeps_the_verdict_with_the_condition(self, assess):
        """docs/catalog.md: an unknown fact keeps the verdict and states the condition."""
        flag = flags(assess("PC 487(a)"), Ground.AGGRAVATED_FELONY, "G")[0]
        assert flag.verdict == Verdict.YES
        assert (
            flag.condition
            == "if 365 days or more are imposed on this count, suspended time included"
        )

    def test_a_misdemeanor_is_never_a_sentence_based_aggravated_felony(self, assess):
        """PC 18.5: a misdemeanor is at most 364 days, so (F)/(G) cannot apply."""
        assert (
            verdict(assess("PC 487(a)", level="misdemeanor"), Ground.AGGRAVATED_FELONY, "G")
            == Verdict.NO
        )

    @pytest.mark.parametrize("days", [365, 400])
    def test_a_misdemeanor_above_364_days_is_invalid_input(self, assess, days):
        """PC 18.5: a 365-day misdemeanor is impossible; reported, never silently capped."""
        with pytest.raises(InvalidInput, match="PC 18.5"):
            assess("PC 487(a)", level="misdemeanor", sentence_days=days)

    def test_365_days_on_a_misdemeanor_only_offense_is_invalid(self, assess):
        """PC 18.5; PC 243(e)(1) is a misdemeanor only."""
        with pytest.raises(InvalidInput, match="PC 18.5"):
            assess("PC 243(e)(1)", sentence_days=365)

    def test_365_days_on_an_undecided_wobbler_makes_it_a_felony(self, assess):
        """PC 18.5: only a felony can carry 365 days, so the level is inferred."""
        result = assess("PC 487(a)", sentence_days=365)
        assert result.level == Level.FELONY
        assert verdict(result, Ground.DACA_BAR) == Verdict.YES

    def test_a_level_the_statute_does_not_allow_is_invalid(self, assess):
        """PC 243(e)(1) is a misdemeanor; it cannot be pleaded as a felony."""
        with pytest.raises(InvalidInput, match="cannot be a felony"):
            assess("PC 243(e)(1)", level="felony")

    @pytest.mark.parametrize(("custody", "verdict_"), [(90, Verdict.NO), (91, Verdict.YES)])
    def test_daca_90_day_boundary(self, assess, custody, verdict_):
        """8 C.F.R. 236.22(b)(6): more than 90 days in custody makes a misdemeanor significant."""
        result = assess("PC 415(1)", level="misdemeanor", sentence_days=custody)
        assert verdict(result, Ground.DACA_BAR) == verdict_

    @pytest.mark.parametrize(("custody", "present"), [(179, False), (180, True)])
    def test_good_moral_character_180_day_boundary(self, assess, custody, present):
        """8 U.S.C. 1101(f)(7): confined 180 days or more."""
        result = assess("PC 415(1)", level="misdemeanor", sentence_days=custody)
        assert bool(flags(result, Ground.GOOD_MORAL_CHARACTER, "confinement_180_days")) is present

    @pytest.mark.parametrize(("days", "petty"), [(180, "covers one"), (181, "does not apply")])
    def test_petty_offense_exception_180_day_boundary(self, assess, days, petty):
        """8 U.S.C. 1182(a)(2)(A)(ii)(II): no more than six months imposed."""
        flag = flags(assess("PC 487(a)", level="misdemeanor", sentence_days=days), Ground.CIMT)[0]
        assert petty in flag.condition


class TestCimt:
    def test_a_felony_cimt_is_deportable_within_five_years_of_admission(self, assess):
        """8 U.S.C. 1227(a)(2)(A)(i): a possible sentence of a year, within 5 years of admission."""
        flag = flags(assess("PC 245(a)(1)", level="felony", sentence_days=30), Ground.CIMT)[0]
        assert flag.verdict == Verdict.YES
        assert "deportable if committed within 5 years of admission" in flag.condition

    def test_a_misdemeanor_cimt_alone_is_not_deportable(self, assess):
        """PC 18.5 with 8 U.S.C. 1227(a)(2)(A)(i): a 364-day maximum is under a year."""
        flag = flags(assess("PC 245(a)(1)", level="misdemeanor", sentence_days=30), Ground.CIMT)[0]
        assert flag.verdict == Verdict.YES  # it is still a CIMT
        assert "not deportable" in flag.condition
        assert "petty-offense exception covers one" in flag.condition

    def test_a_wobbler_reduced_under_17b_changes_the_five_year_ground(self, assess):
        """PC 17(b): reduced at sentencing, the maximum is 364 days (PC 18.5)."""
        felony = flags(assess("PC 245(a)(1)", level="felony"), Ground.CIMT)[0]
        reduced = flags(assess("PC 245(a)(1)", level="misdemeanor"), Ground.CIMT)[0]
        assert "not deportable" not in felony.condition
        assert "not deportable" in reduced.condition


class TestRecordFacts:
    def test_substance_not_named_is_not_yes(self, assess):
        """Mellouli v. Lynch, 575 U.S. 798 (2015): the record must show a federal substance."""
        assert (
            verdict(
                assess("HS 11350(a)", facts={"substance_named": False}), Ground.CONTROLLED_SUBSTANCE
            )
            == Verdict.ARGUABLY_NOT
        )
        assert (
            verdict(
                assess("HS 11350(a)", facts={"substance_named": True}), Ground.CONTROLLED_SUBSTANCE
            )
            == Verdict.YES
        )

    def test_a_loss_stipulation_gives_arguably_not(self, assess):
        """Nijhawan v. Holder, 557 U.S. 29 (2009): loss is circumstance-specific; restitution
        proves it.
        """
        result = assess("PC 532(a)", facts={"loss_over_10000": False})
        flag = flags(result, Ground.AGGRAVATED_FELONY, "M")[0]
        assert flag.verdict == Verdict.ARGUABLY_NOT
        assert "restitution" in flag.condition
        assert (
            verdict(
                assess("PC 532(a)", facts={"loss_over_10000": True}), Ground.AGGRAVATED_FELONY, "M"
            )
            == Verdict.YES
        )

    @pytest.mark.parametrize(("grams", "expected"), [(30, Verdict.ARGUABLY_NOT), (31, Verdict.YES)])
    def test_thirty_grams_of_marijuana(self, assess, grams, expected):
        """8 U.S.C. 1227(a)(2)(B)(i) and Matter of Davey (BIA 2012): 30 g or less for own use."""
        assert (
            verdict(assess("HS 11357(a)", facts={"grams": grams}), Ground.CONTROLLED_SUBSTANCE)
            == expected
        )

    def test_victim_minor(self, assess):
        """Matter of Velazquez-Herrera (BIA 2008): child abuse needs a child victim on record."""
        assert (
            verdict(assess("PC 261.5(d)", facts={"victim_minor": False}), Ground.DOMESTIC_VIOLENCE)
            == Verdict.NO
        )
        assert (
            verdict(assess("PC 261.5(d)", facts={"victim_minor": True}), Ground.DOMESTIC_VIOLENCE)
            == Verdict.ASSUME_YES
        )

    def test_domestic_relationship_for_the_cimt(self, assess):
        """Matter of H. Estrada (BIA 2016): the relationship is circumstance-specific, so at best
        arguably not.
        """
        assert (
            verdict(assess("PC 273.5(a)", facts={"domestic_relationship": False}), Ground.CIMT)
            == Verdict.ARGUABLY_NOT
        )

    def test_temporary_taking(self, assess):
        """Matter of Diaz-Lizarraga (BIA 2016): a temporary taking is not a theft CIMT."""
        assert (
            verdict(assess("VC 10851(a)", facts={"temporary_taking": True}), Ground.CIMT)
            == Verdict.NO
        )
        assert (
            verdict(assess("VC 10851(a)", facts={"temporary_taking": False}), Ground.CIMT)
            == Verdict.ASSUME_YES
        )

    def test_offensive_touching(self, assess):
        """Johnson v. United States (2010); Ortega-Mendez (9th Cir. 2006): offensive touching is
        not violent force.
        """
        assert (
            verdict(
                assess("PC 243(e)(1)", facts={"offensive_touching_only": True}),
                Ground.DOMESTIC_VIOLENCE,
            )
            == Verdict.NO
        )

    def test_firearm_in_record(self, assess):
        """8 U.S.C. 1227(a)(2)(C): a firearm offense only if the record shows a firearm."""
        assert (
            verdict(assess("PC 245(a)(1)", facts={"firearm_in_record": False}), Ground.FIREARM)
            == Verdict.NO
        )
        assert (
            verdict(assess("PC 245(a)(1)", facts={"firearm_in_record": True}), Ground.FIREARM)
            == Verdict.YES
        )

    def test_an_unknown_fact_name_is_invalid(self, assess):
        """docs/catalog.md lists the facts; anything else is a typo, not silently ignored."""
        with pytest.raises(InvalidInput, match="unknown fact"):
            assess("PC 487(a)", facts={"loss": True})


class TestDerivedGrounds:
    def test_laken_riley_flags_the_charge_itself(self, assess):
        """Laken Riley Act (2025), 8 U.S.C. 1226(c)(1)(E): theft charge, detention without bond."""
        flag = flags(
            assess("PC 487(a)", level="misdemeanor"), Ground.MANDATORY_DETENTION, "laken_riley"
        )[0]
        assert flag.verdict == Verdict.YES
        assert Status.UNDOCUMENTED_EWI in flag.statuses

    def test_aggravated_felony_is_an_asylum_bar_and_a_permanent_gmc_bar(self, assess):
        """8 U.S.C. 1158(b)(2)(B)(i); 1101(f)(8)."""
        result = assess("PC 487(a)", level="felony", sentence_days=365)
        assert verdict(result, Ground.ASYLUM_BAR) == Verdict.YES
        assert verdict(result, Ground.GOOD_MORAL_CHARACTER, "aggravated_felony") == Verdict.YES
        assert verdict(result, Ground.MANDATORY_DETENTION, "conviction") == Verdict.YES

    def test_a_dui_misdemeanor_is_a_daca_significant_misdemeanor(self, assess):
        """8 C.F.R. 236.22(b)(6): DUI is a significant misdemeanor."""
        assert verdict(assess("VC 23152(a)", level="misdemeanor"), Ground.DACA_BAR) == Verdict.YES

    def test_the_entrys_own_word_on_a_derived_ground_stands_unless_the_engine_is_more_serious(
        self, assess
    ):
        """ILRC VC 23103.5 entry: a wet reckless has not been treated as a DUI significant
        misdemeanor for DACA; but more than 90 days in custody makes any misdemeanor significant
        (8 C.F.R. 236.22(b)(6)), and on that same subcategory the engine's more serious answer
        stands."""
        short = assess("VC 23103.5", sentence_days=10)
        entry = flags(short, Ground.DACA_BAR, "significant_misdemeanor")
        assert [(f.verdict, f.note) for f in entry] == [
            (Verdict.ARGUABLY_NOT, "A wet reckless has not been treated as a DUI for DACA.")
        ]
        # The engine's other subcategory is kept: it still counts toward the three misdemeanors.
        assert verdict(short, Ground.DACA_BAR, "misdemeanor") == Verdict.NO
        long = flags(assess("VC 23103.5", sentence_days=120), Ground.DACA_BAR)
        assert [(f.subcategory, f.verdict, f.condition) for f in long] == [
            ("significant_misdemeanor", Verdict.YES, "more than 90 days in custody to serve")
        ]

    def test_an_entry_flag_on_a_derived_ground_keeps_the_engines_other_subcategories(self, assess):
        """8 U.S.C. 1101(f)(7): 180 days confined bars good moral character whatever else the
        entry says; Matter of Castillo-Perez, 27 I&N Dec. 664 (A.G. 2019): the DUI's own note on
        the ground is kept beside it, not lost once custody reaches 180 days."""
        result = assess("VC 23152(a)", level="misdemeanor", sentence_days=180)
        found = {f.subcategory: f for f in flags(result, Ground.GOOD_MORAL_CHARACTER)}
        assert set(found) == {None, "confinement_180_days"}
        assert "Castillo-Perez" in found[None].note
        assert found["confinement_180_days"].verdict == Verdict.ASSUME_YES
        short = assess("VC 23152(a)", level="misdemeanor", sentence_days=179)
        assert [f.subcategory for f in flags(short, Ground.GOOD_MORAL_CHARACTER)] == [None]

    def test_an_entry_flag_replaces_only_its_own_subcategory(self, assess):
        """Laken Riley Act, 8 U.S.C. 1226(c)(1)(E): the entry's own word on detention on the
        charge replaces the engine's at equal seriousness; detention on conviction of an
        aggravated felony or CIMT (1226(c)(1)(A)-(C)) is a separate subcategory and is kept."""
        result = assess("PC 487(a)", level="felony", sentence_days=365)
        found = flags(result, Ground.MANDATORY_DETENTION)
        assert [f.subcategory for f in found] == ["conviction", "laken_riley"]
        assert found[1].note == "Theft is named in the Laken Riley Act."
        assert found[1].verdict == Verdict.YES
        assert Status.UNDOCUMENTED_EWI in found[1].statuses
        assert found[0].verdict == Verdict.YES
        # One flag per (ground, subcategory): overrides are recorded by that key.
        keys = [(f.ground, f.subcategory) for f in result.all_flags]
        assert len(keys) == len(set(keys))

    def test_a_violent_felony_is_an_unclear_asylum_bar(self, assess):
        """Matter of N-A-M- (BIA 2007): particularly serious crime, case by case."""
        assert (
            verdict(assess("PC 245(a)(1)", level="felony", sentence_days=30), Ground.ASYLUM_BAR)
            == Verdict.UNCLEAR
        )


class TestStatus:
    def test_a_citizen_gets_no_flags_and_says_why(self, assess):
        """8 U.S.C. 1101(a)(22): no immigration consequence for a U.S. citizen or national."""
        for status in (Status.US_CITIZEN, "us_national"):
            result = assess("PC 273.5(a)", status=status)
            assert result.known and result.flags == ()
            assert "U.S. citizen" in result.message

    def test_a_known_status_narrows_the_flags(self, assess):
        """8 U.S.C. 1227(a)(2)(E) is deportability only: it does not show for DACA; DACA's bar
        does.
        """
        daca = assess("PC 273.5(a)", status="daca")
        assert not flags(daca, Ground.DOMESTIC_VIOLENCE)
        assert flags(daca, Ground.DACA_BAR)
        lpr = assess("PC 273.5(a)", status="lpr")
        assert flags(lpr, Ground.DOMESTIC_VIOLENCE)
        assert not flags(lpr, Ground.DACA_BAR)

    def test_unknown_status_shows_every_ground_tagged_with_its_statuses(self, assess):
        """PC 1016.3(b), 1016.5(d): the analysis works without status — the worst case, tagged."""
        result = assess("PC 273.5(a)")
        assert {f.ground for f in result.flags} >= {
            Ground.DOMESTIC_VIOLENCE,
            Ground.DACA_BAR,
            Ground.TPS_BAR,
        }
        assert all(f.statuses for f in result.flags)
        assert result.flags == result.all_flags

    def test_possible_derivative_citizen_sees_everything_with_a_note(self, assess):
        """8 U.S.C. 1431, 1433: derivative citizenship is uncertain until confirmed."""
        result = assess("PC 273.5(a)", status="possible_derivative_citizen")
        assert result.flags == result.all_flags and "citizen" in result.message

    def test_a_status_for_which_nothing_matters_says_so(self, assess):
        """8 U.S.C. 1227(a)(2)(E)(i) is a deportability ground, which does not reach a parolee (not
        admitted, 8 U.S.C. 1101(a)(13)(B)); the empty answer says why instead of looking safe."""
        empty = assess("PC 261.5(d)", level="misdemeanor", status="parolee")
        assert empty.flags == () and "matters for status 'Parolee'" in empty.message
        assert assess("PC 261.5(d)", level="misdemeanor", status="lpr").flags

    def test_an_unknown_status_value_is_invalid(self, assess):
        """statuses.Status is the fixed list."""
        with pytest.raises(InvalidInput, match="unknown status"):
            assess("PC 273.5(a)", status="green card")


class TestUnknownOffense:
    @pytest.mark.parametrize("text", ["PC 99999", "PC 273.6", "gibberish", "", "VC 1"])
    def test_an_unknown_offense_is_never_safe_looking(self, assess, text):
        """DESIGN.md: an unknown offense says so plainly and is never silently treated as safe."""
        result = assess(text)
        data = result.to_dict()
        assert data["offense"]["known"] is False
        assert "no analysis" in data["message"]
        assert data["flags"] == [] and data["alternatives"] == []

    def test_an_ambiguous_bare_section_lists_the_choices(self, fixture_catalog):
        """A section with several subdivision entries has no single answer: name one."""
        result = assess_count("PC 273.5", catalog=fixture_catalog)
        assert result.known  # one subdivision only: PC 273.5(a)
        result = assess_count("PC 243", catalog=fixture_catalog)
        assert result.known  # PC 243(e)(1) only in the fixture

    def test_a_fallback_says_which_entry_it_used(self, assess):
        """The lookup falls back to a less specific subdivision and says so."""
        result = assess("Pen. Code § 273.5(a)(1)")
        assert result.code == "PC 273.5(a)"
        assert result.to_dict()["match"] == "No entry for PC 273.5(a)(1); using PC 273.5(a)."


class TestAlternatives:
    def test_each_alternative_is_assessed_by_the_same_engine(self, assess):
        """ILRC PC 243(e)(1) entry: offensive touching is not a crime of violence or a DV crime."""
        result = assess("PC 273.5(a)", level="felony", sentence_days=365)
        alternative = {a.code: a for a in result.alternatives}["PC 243(e)(1)"]
        assert alternative.conditions == "Offensive touching only, 364 days."
        assert verdict(alternative.assessment, Ground.DOMESTIC_VIOLENCE) == Verdict.NO
        assert alternative.assessment.sentence_days == 364

    def test_an_alternative_at_364_days_is_not_a_sentence_aggravated_felony(self, assess):
        """Pugin v. Garland (2023): PC 32 with a year is an obstruction AF; with 364 days it is
        not.
        """
        alternative = {a.code: a for a in assess("PC 273.5(a)").alternatives}["PC 32"]
        assert verdict(alternative.assessment, Ground.AGGRAVATED_FELONY, "S") == Verdict.NO

    def test_an_alternative_carries_over_the_record_facts(self, assess):
        """Mellouli: the substance named for the count is named for its alternative too."""
        result = assess("HS 11352(a)", facts={"substance_named": True})
        alternative = result.alternatives[0].assessment
        assert verdict(alternative, Ground.CONTROLLED_SUBSTANCE) == Verdict.YES

    def test_alternatives_are_memoised(self, assess):
        """The same alternative at the same terms is assessed once per catalog."""
        first = assess("PC 487(a)", sentence_days=400).alternatives[0].assessment
        second = assess("PC 487(a)", sentence_days=400).alternatives[0].assessment
        assert first is second


class TestDisposition:
    def test_two_cimts_in_one_disposition(self, fixture_catalog):
        """8 U.S.C. 1227(a)(2)(A)(ii): two CIMTs not from a single scheme, any sentence."""
        result = assess_disposition(
            [
                {"offense": "PC 487(a)", "level": "misdemeanor"},
                CountInput("PC 245(a)(1)", "misdemeanor"),
            ],
            catalog=fixture_catalog,
        )
        flag = [f for f in result.flags if f.subcategory == "two_cimts"][0]
        assert flag.verdict == Verdict.YES and "single scheme" in flag.condition

    def test_one_cimt_and_a_non_cimt_is_not_two(self, fixture_catalog):
        """8 U.S.C. 1227(a)(2)(A)(ii) needs two."""
        result = assess_disposition(
            [{"offense": "PC 487(a)"}, {"offense": "PC 496(a)"}], catalog=fixture_catalog
        )
        assert not [f for f in result.flags if f.subcategory == "two_cimts"]

    def test_aggregate_five_years(self, fixture_catalog):
        """8 U.S.C. 1182(a)(2)(B): two convictions, aggregate sentence 5 years or more."""
        counts = [
            {"offense": "PC 32", "sentence_days": 913},
            {"offense": "PC 459", "sentence_days": 912},
        ]
        result = assess_disposition(counts, catalog=fixture_catalog)
        assert [
            f.subcategory for f in result.flags if f.ground == Ground.OTHER_INADMISSIBILITY
        ] == ["multiple_convictions"]
        counts[1]["sentence_days"] = 911
        result = assess_disposition(counts, catalog=fixture_catalog)
        assert not [f for f in result.flags if f.ground == Ground.OTHER_INADMISSIBILITY]

    def test_misdemeanor_counts_for_daca_and_tps(self, fixture_catalog):
        """8 C.F.R. 236.22(b)(6) (three); 8 U.S.C. 1254a(c)(2)(B)(i) (two); infractions do not
        count.
        """
        two = [{"offense": "PC 415(1)", "level": "misdemeanor"}] * 2
        result = assess_disposition(two, status="tps", catalog=fixture_catalog)
        assert [f.subcategory for f in result.flags] == ["two_misdemeanors"]
        three = two + [{"offense": "PC 415(1)", "level": "infraction"}]
        assert not [
            f
            for f in assess_disposition(three, catalog=fixture_catalog).flags
            if f.ground == Ground.DACA_BAR
        ]
        three = two + [{"offense": "PC 415(1)", "level": "misdemeanor"}]
        assert [
            f
            for f in assess_disposition(three, catalog=fixture_catalog).flags
            if f.ground == Ground.DACA_BAR
        ]

    def test_second_dui(self, fixture_catalog):
        """Matter of Castillo-Perez (A.G. 2019): two DUIs, presumption against good moral
        character.
        """
        counts = [{"offense": "VC 23152(a)", "level": "misdemeanor"}] * 2
        result = assess_disposition(counts, catalog=fixture_catalog)
        assert [f.subcategory for f in result.flags if f.ground == Ground.GOOD_MORAL_CHARACTER] == [
            "two_dui"
        ]

    def test_an_unknown_count_makes_the_disposition_say_so(self, fixture_catalog):
        """DESIGN.md: never silently safe; the whole is incomplete without every count."""
        result = assess_disposition(
            [{"offense": "PC 487(a)"}, {"offense": "PC 99999"}], catalog=fixture_catalog
        )
        assert result.known is False
        assert "not in the catalog" in result.message and "PC 99999" in result.message
        assert result.to_dict()["known"] is False

    def test_a_bad_count_names_its_number(self, fixture_catalog):
        """Input errors say which count."""
        with pytest.raises(InvalidInput, match="count 2"):
            assess_disposition(
                [{"offense": "PC 487(a)"}, {"code": "PC 32"}], catalog=fixture_catalog
            )

    def test_a_citizen_disposition_has_no_flags(self, fixture_catalog):
        """8 U.S.C. 1101(a)(22)."""
        counts = [{"offense": "PC 487(a)"}, {"offense": "PC 245(a)(1)"}]
        result = assess_disposition(counts, status="us_citizen", catalog=fixture_catalog)
        assert result.flags == () and all(count.flags == () for count in result.counts)


class TestOutput:
    def test_the_json_shape_of_issue_3(self, assess):
        """Issue 3 item 7: input, offense {code, title, known}, catalog_version, flags,
        alternatives.
        """
        data = json.loads(json.dumps(assess("PC 273.5(a)", sentence_days=365).to_dict()))
        assert {
            "input",
            "offense",
            "catalog_version",
            "flags",
            "alternatives",
            "message",
            "disclaimer",
        } <= set(data)
        assert set(data["offense"]) == {"code", "title", "known"}
        assert data["catalog_version"] == "2000.1.1"
        for flag in data["flags"]:
            assert {
                "ground",
                "subcategory",
                "verdict",
                "condition",
                "statuses",
                "fix",
                "citations",
            } <= set(flag)
            assert flag["verdict"] in {"yes", "assume_yes", "unclear", "arguably_not", "no"}
        for alternative in data["alternatives"]:
            assert {"code", "title", "conditions", "flags"} <= set(alternative)
        assert data["disclaimer"] == DISCLAIMER and "not legal advice" in DISCLAIMER

    def test_a_disposition_serialises(self, fixture_catalog):
        """The disposition's to_dict is JSON with each count's own answer."""
        data = json.loads(
            json.dumps(
                assess_disposition([{"offense": "PC 487(a)"}], catalog=fixture_catalog).to_dict()
            )
        )
        assert data["counts"][0]["offense"]["code"] == "PC 487(a)"
        assert "not legal advice" in data["disclaimer"]

    def test_catalog_version_and_date(self, fixture_catalog):
        """docs/catalog.md: the version is frozen into each signed worksheet."""
        assert catalog_version(fixture_catalog) == "2000.1.1"
        assert str(catalog_effective(fixture_catalog)) == "2000-01-31"


class TestSuggest:
    @pytest.mark.parametrize(
        ("prefix", "first"),
        [
            ("PC 273", "PC 273.5(a)"),
            ("pen. code 243", "PC 243(e)(1)"),
            ("h&s 1135", "HS 11350(a)"),
            ("273.5", "PC 273.5(a)"),
            ("grand", "PC 487(a)"),
            ("batt spou", "PC 243(e)(1)"),
            ("vc 23103", "VC 23103.5"),
        ],
    )
    def test_by_code_and_by_title_words(self, fixture_catalog, prefix, first):
        """Autocomplete understands the same spellings as the parser (DESIGN.md)."""
        assert suggest(prefix, catalog=fixture_catalog)[0].code == first

    def test_limit_and_nonsense(self, fixture_catalog):
        """At most ``limit``; nothing for nothing."""
        assert len(suggest("PC", limit=3, catalog=fixture_catalog)) == 3
        assert suggest("", catalog=fixture_catalog) == []
        assert suggest("zzzz", catalog=fixture_catalog) == []
