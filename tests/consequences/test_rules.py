"""The legal rules as plain functions (consequences/rules.py); no catalog, no database."""

import pytest

from consequences import rules
from consequences.rules import Count
from consequences.statuses import Ground, Level, Status, Verdict

F, M, INF = Level.FELONY, Level.MISDEMEANOR, Level.INFRACTION
WOBBLER = (F, M)


def count(level=None, possible=WOBBLER, sentence=None, custody=None, tags=(), **facts):
    return Count(level, possible, sentence, custody, facts, frozenset(tags))


class TestSentence:
    def test_suspended_time_counts(self):
        """8 U.S.C. 1101(a)(48)(B): the term ordered counts regardless of any suspension."""
        assert rules.immigration_sentence(90, 275) == 365
        assert rules.immigration_sentence(None, 365) == 365
        assert rules.immigration_sentence(None, 0) is None
        assert rules.immigration_sentence(30) == 30

    @pytest.mark.parametrize("days", [365, 366, 730])
    def test_a_misdemeanor_above_364_days_is_invalid_input(self, days):
        """PC 18.5(a): a misdemeanor is punishable by at most 364 days; never silently capped."""
        assert "PC 18.5" in rules.sentence_problem(M, days)

    def test_364_days_is_a_possible_misdemeanor(self):
        """PC 18.5(a): 364 days is the misdemeanor maximum."""
        assert rules.sentence_problem(M, 364) is None

    def test_an_infraction_has_no_custody(self):
        """PC 19.6: an infraction is not punishable by imprisonment."""
        assert rules.sentence_problem(INF, 1)
        assert rules.sentence_problem(INF, 0) is None

    def test_negative_days_are_invalid(self):
        """Days of custody are never negative."""
        assert rules.sentence_problem(F, -1)
        assert rules.sentence_problem(None, 10, custody_days=-1)

    def test_the_level_is_inferred_only_where_the_law_leaves_one_answer(self):
        """PC 18.5: above 364 days only a felony is possible; a one-level statute has that level."""
        assert rules.level_at_plea(None, (M,), None) == M
        assert rules.level_at_plea(None, WOBBLER, 365) == F
        assert rules.level_at_plea(None, WOBBLER, 364) is None
        assert rules.level_at_plea(M, WOBBLER, 30) == M


class TestPotentialSentence:
    def test_by_level(self):
        """PC 18.5 (misdemeanor ≤ 364 days), PC 17(b) (a reduced wobbler is a misdemeanor): the
        possible sentence of 8 U.S.C. 1227(a)(2)(A)(i)(II)."""
        assert rules.max_sentence_one_year_or_more(F, WOBBLER) is True
        assert rules.max_sentence_one_year_or_more(M, WOBBLER) is False
        assert rules.max_sentence_one_year_or_more(INF, (M, INF)) is False
        assert rules.max_sentence_one_year_or_more(None, WOBBLER) is None
        assert rules.max_sentence_one_year_or_more(None, (M, INF)) is False


class TestConditions:
    @pytest.mark.parametrize(
        ("days", "expected"), [(None, None), (364, False), (365, True), (0, False)]
    )
    def test_sentence_365(self, days, expected):
        """8 U.S.C. 1101(a)(43)(F), (G): "term of imprisonment at least one year" = 365 days."""
        assert rules.sentence_365(count(level=F, sentence=days)) is expected

    def test_sentence_365_never_for_a_misdemeanor(self):
        """PC 18.5: a misdemeanor cannot reach 365 days, so a sentence-based AF is impossible."""
        assert rules.sentence_365(count(level=M)) is False
        assert rules.sentence_365(count(level=INF)) is False

    def test_felony(self):
        """PC 17(b): a wobbler reduced at sentencing is a misdemeanor for all purposes."""
        assert rules.felony(count(level=F)) is True
        assert rules.felony(count(level=M)) is False
        assert rules.felony(count()) is None
        assert rules.felony(count(possible=(M,))) is False

    @pytest.mark.parametrize(
        ("condition", "fact", "value", "expected"),
        [
            ("loss_over_10000", "loss_over_10000", True, True),
            ("loss_over_10000", "loss_over_10000", False, False),
            ("federal_substance_named", "substance_named", True, True),
            ("federal_substance_named", "substance_named", False, False),
            ("victim_minor", "victim_minor", True, True),
            ("domestic_relationship", "domestic_relationship", False, False),
            ("permanent_taking", "temporary_taking", True, False),
            ("permanent_taking", "temporary_taking", False, True),
            ("firearm_in_record", "firearm_in_record", True, True),
            ("force_beyond_touching", "offensive_touching_only", True, False),
            ("force_beyond_touching", "offensive_touching_only", False, True),
            ("marijuana_over_30g", "grams", 30, False),
            ("marijuana_over_30g", "grams", 30.5, True),
        ],
    )
    def test_record_facts(self, condition, fact, value, expected):
        """docs/catalog.md "Conditions": each fact decides its condition (Nijhawan; Mellouli;
        Esquivel-Quintana; 1227(a)(2)(E); Diaz-Lizarraga; 1227(a)(2)(C); Johnson 2010;
        1227(a)(2)(B))."""
        assert rules.CONDITIONS[condition](count(**{fact: value})) is expected

    @pytest.mark.parametrize(
        "condition",
        # record_shows_minor: a silent record is an answer there (categorical approach),
        # tests/consequences/test_catalog_rules.py.
        sorted(set(rules.CONDITIONS) - {"always", "felony", "sentence_365", "record_shows_minor"}),
    )
    def test_an_unknown_fact_leaves_the_condition_open(self, condition):
        """docs/catalog.md: when the fact is unknown the flag keeps its verdict, with the
        condition.
        """
        assert rules.CONDITIONS[condition](count()) is None
        assert rules.CONDITION_TEXT[condition][0]

    def test_always(self):
        """docs/catalog.md: `always` holds whatever the facts."""
        assert rules.always(count()) is True

    def test_every_condition_has_its_words(self):
        """docs/catalog.md: every `when` is one function with the condition in words."""
        assert set(rules.CONDITIONS) == set(rules.CONDITION_TEXT)

    @pytest.mark.parametrize("when", sorted(rules.CIRCUMSTANCE_SPECIFIC_CONDITIONS))
    def test_circumstance_specific_facts_never_give_a_plain_no(self, when):
        """Nijhawan v. Holder (2009); Matter of Davey (BIA 2012); Matter of H. Estrada (BIA 2016):
        these facts may be proved outside the record, so a stipulation gives at best arguably
        not."""
        assert rules.verdict_when_condition_fails(when, Verdict.NO) == Verdict.ARGUABLY_NOT
        assert rules.verdict_when_condition_fails(when, Verdict.UNCLEAR) == Verdict.UNCLEAR

    def test_other_conditions_use_otherwise(self):
        """docs/catalog.md: `otherwise` applies when the condition is known not to hold."""
        assert rules.verdict_when_condition_fails("sentence_365", Verdict.NO) == Verdict.NO


class TestMarijuana:
    @pytest.mark.parametrize(
        ("grams", "excepted"), [(0, True), (28.5, True), (30, True), (30.01, False), (31, False)]
    )
    def test_thirty_gram_exception(self, grams, excepted):
        """8 U.S.C. 1227(a)(2)(B)(i): one offense of possessing 30 grams or less for own use."""
        assert rules.marijuana_exception(grams) is excepted


class TestCimt:
    def test_one_cimt_needs_a_possible_year(self):
        """8 U.S.C. 1227(a)(2)(A)(i): within 5 years of admission, a sentence of a year may be
        imposed.
        """
        deportable, text = rules.one_cimt_deportable(True)
        assert deportable is True and "within 5 years of admission" in text
        assert rules.one_cimt_deportable(False)[0] is False
        assert "PC 18.5" in rules.one_cimt_deportable(False)[1]
        assert rules.one_cimt_deportable(None)[0] is None

    @pytest.mark.parametrize(
        ("max_year", "days", "expected"),
        [
            (False, 180, True),
            (False, 181, False),
            (False, 0, True),
            (True, 30, False),
            (None, 30, None),
            (False, None, None),
            (None, 200, False),
        ],
    )
    def test_petty_offense_exception(self, max_year, days, expected):
        """8 U.S.C. 1182(a)(2)(A)(ii)(II): maximum ≤ 1 year and ≤ 6 months imposed (only CIMT)."""
        assert rules.petty_offense_exception(max_year, days) is expected

    def test_petty_offense_words_say_only_cimt(self):
        """8 U.S.C. 1182(a)(2)(A)(ii)(II): the exception covers only the person's one CIMT."""
        assert "only CIMT" in rules.petty_offense_text(True)
        assert "does not apply" in rules.petty_offense_text(False)
        assert "unless" in rules.petty_offense_text(None)

    def test_two_cimts_deportable_unless_single_scheme(self):
        """8 U.S.C. 1227(a)(2)(A)(ii): two CIMTs after admission, not a single scheme, any
        sentence.
        """
        finding = rules.two_cimts([Verdict.YES, Verdict.ASSUME_YES, Verdict.NO])
        assert finding.verdict == Verdict.ASSUME_YES  # as sure as the second-surest
        assert "single scheme" in finding.condition
        assert rules.two_cimts([Verdict.YES, Verdict.ARGUABLY_NOT]) is None
        assert rules.two_cimts([Verdict.YES]) is None


class TestStatuses:
    def test_deportability_grounds_are_for_admitted_people(self):
        """8 U.S.C. 1227(a)(2)(C), (E): deportability reaches admitted people, not the undocumented
        EWI.
        """
        for ground in (Ground.FIREARM, Ground.DOMESTIC_VIOLENCE, Ground.OTHER_DEPORTABILITY):
            statuses = rules.statuses_for(ground)
            assert {Status.LPR, Status.REFUGEE, Status.ASYLEE, Status.NONIMMIGRANT_VISA} <= set(
                statuses
            )
            assert Status.UNDOCUMENTED_EWI not in statuses
            assert Status.PAROLEE not in statuses
            assert Status.DACA not in statuses

    def test_inadmissibility_grounds_reach_the_undocumented_and_travelling_lprs(self):
        """8 U.S.C. 1182(a)(2); 1101(a)(13)(C)(v): LPRs who travel face inadmissibility."""
        statuses = rules.statuses_for(Ground.PROSTITUTION)
        assert {
            Status.UNDOCUMENTED_EWI,
            Status.DACA,
            Status.TPS,
            Status.PAROLEE,
            Status.LPR,
        } <= set(statuses)

    def test_bars_are_for_their_own_programmes(self):
        """8 C.F.R. 236.22 (DACA); 8 U.S.C. 1254a(c)(2)(B) (TPS); 1158(b)(2) (asylum)."""
        assert rules.statuses_for(Ground.DACA_BAR) == (Status.DACA,)
        assert rules.statuses_for(Ground.TPS_BAR) == (Status.TPS,)
        assert set(rules.statuses_for(Ground.ASYLUM_BAR)) == {
            Status.ASYLEE,
            Status.ASYLUM_APPLICANT,
            Status.REFUGEE,
        }

    @pytest.mark.parametrize("ground", list(Ground))
    def test_no_ground_is_tagged_for_citizens(self, ground):
        """8 U.S.C. 1101(a)(22): citizens and nationals are not removable."""
        statuses = rules.statuses_for(ground, "laken_riley")
        assert Status.US_CITIZEN not in statuses and Status.US_NATIONAL not in statuses

    def test_matters_for(self):
        """PC 1016.3(b) works without status: unknown sees every ground; a citizen sees none."""
        statuses = (Status.LPR,)
        assert rules.matters_for(Status.UNKNOWN, statuses)
        assert rules.matters_for(Status.POSSIBLE_DERIVATIVE_CITIZEN, ())
        assert not rules.matters_for(Status.US_CITIZEN, statuses)
        assert not rules.matters_for(Status.US_NATIONAL, statuses)
        assert rules.matters_for(Status.LPR, statuses)
        assert not rules.matters_for(Status.DACA, statuses)

    def test_laken_riley_reaches_those_without_admission(self):
        """8 U.S.C. 1226(c)(1)(E): inadmissible under 1182(a)(6)(A), (6)(C) or (7)."""
        statuses = rules.statuses_for(Ground.MANDATORY_DETENTION, "laken_riley")
        assert Status.UNDOCUMENTED_EWI in statuses and Status.LPR not in statuses


class TestDaca:
    def test_a_felony_bars(self):
        """8 C.F.R. 236.22(b)(6): a felony conviction bars DACA."""
        assert rules.daca_bar(count(level=F)).verdict == Verdict.YES

    @pytest.mark.parametrize("tag", sorted(rules.DACA_SIGNIFICANT_TAGS))
    def test_significant_misdemeanors_bar(self, tag):
        """8 C.F.R. 236.22(b)(6): DV, sexual abuse, burglary, firearm, drug distribution, DUI."""
        finding = rules.daca_bar(count(level=M, tags=[tag], custody=0))
        assert (finding.verdict, finding.subcategory) == (Verdict.YES, "significant_misdemeanor")

    @pytest.mark.parametrize(("custody", "verdict"), [(90, Verdict.NO), (91, Verdict.YES)])
    def test_more_than_90_days_in_custody_is_significant(self, custody, verdict):
        """8 C.F.R. 236.22(b)(6): a misdemeanor with more than 90 days to serve in custody."""
        assert rules.daca_bar(count(level=M, custody=custody, sentence=364)).verdict == verdict

    def test_suspended_time_does_not_count_for_the_90_days(self):
        """DACA guidance: the 90 days are custody to serve, not a suspended sentence."""
        assert rules.daca_bar(count(level=M, custody=30, sentence=364)).verdict == Verdict.NO

    def test_an_ordinary_misdemeanor_counts_toward_three(self):
        """8 C.F.R. 236.22(b)(6): three or more other misdemeanors bar."""
        finding = rules.daca_bar(count(level=M, custody=10))
        assert finding.verdict == Verdict.NO and "three-misdemeanor" in finding.condition

    def test_an_undecided_wobbler_is_flagged_with_the_felony_condition(self):
        """PC 17(b): until reduced, a wobbler may be a felony."""
        finding = rules.daca_bar(count())
        assert finding.verdict == Verdict.YES and "PC 17(b)" in finding.condition

    def test_an_infraction_is_not_a_misdemeanor(self):
        """8 C.F.R. 236.22(b)(6) counts misdemeanors; an infraction is not one (PC 19.6)."""
        assert (
            rules.daca_bar(count(level=INF, possible=(M, INF), tags=["dui"])).verdict == Verdict.NO
        )


class TestTps:
    def test_felony_bars_misdemeanor_counts_toward_two(self):
        """8 U.S.C. 1254a(c)(2)(B)(i): one felony or two misdemeanors."""
        assert rules.tps_bar(count(level=F)).verdict == Verdict.YES
        finding = rules.tps_bar(count(level=M))
        assert finding.verdict == Verdict.NO and "second misdemeanor" in finding.condition
        assert rules.tps_bar(count()).verdict == Verdict.YES
        assert rules.tps_bar(count(level=INF, possible=(M, INF))).verdict == Verdict.NO


class TestAsylum:
    def test_an_aggravated_felony_is_a_particularly_serious_crime(self):
        """8 U.S.C. 1158(b)(2)(B)(i): an aggravated felony is a particularly serious crime."""
        finding = rules.asylum_bar(Verdict.YES, "if 365 days", count(level=F))
        assert (finding.verdict, finding.condition) == (Verdict.YES, "if 365 days")

    def test_trafficking_and_violence_are_case_by_case(self):
        """Matter of N-A-M- (BIA 2007); Matter of Y-L- (A.G. 2002): decided case by case."""
        assert (
            rules.asylum_bar(None, None, count(level=F, tags=["violent_force"])).verdict
            == Verdict.UNCLEAR
        )
        assert (
            rules.asylum_bar(None, None, count(level=M, tags=["drug_distribution"])).verdict
            == Verdict.ARGUABLY_NOT
        )
        assert rules.asylum_bar(Verdict.NO, None, count(level=F)) is None


class TestDetention:
    def test_conviction_grounds(self):
        """8 U.S.C. 1226(c)(1)(A)-(C): AF, CS, firearm, CIMT convictions; the surest one decides."""
        finding = rules.mandatory_detention(
            [(Verdict.UNCLEAR, "a"), (Verdict.YES, "b"), (Verdict.NO, None)]
        )
        assert (finding.verdict, finding.condition) == (Verdict.YES, "b")
        assert rules.mandatory_detention([(Verdict.NO, None), (Verdict.ARGUABLY_NOT, None)]) is None

    def test_laken_riley_on_a_charge_alone(self):
        """Laken Riley Act (2025), 8 U.S.C. 1226(c)(1)(E): charged with theft, burglary, etc."""
        finding = rules.laken_riley_detention(frozenset({"laken_riley"}))
        assert finding.verdict == Verdict.YES and "charge or arrest alone" in finding.condition
        assert rules.laken_riley_detention(frozenset({"theft"})) is None


class TestGoodMoralCharacter:
    def test_each_bar(self):
        """8 U.S.C. 1101(f)(8) AF permanent; (f)(3) CIMT/CS; (f)(7) 180 days confined."""
        findings = rules.good_moral_character((Verdict.YES, None), (Verdict.UNCLEAR, None), 180)
        assert [f.subcategory for f in findings] == [
            "aggravated_felony",
            "cimt_or_controlled_substance",
            "confinement_180_days",
        ]
        assert rules.good_moral_character(None, None, 179) == []
        assert (
            rules.good_moral_character((Verdict.NO, None), (Verdict.ARGUABLY_NOT, None), None) == []
        )


class TestDisposition:
    @pytest.mark.parametrize(
        ("sentences", "bars"),
        [
            ([912, 912], False),
            ([912, 913], True),
            ([913, 912, None], True),
            ([1825], False),
            ([1825, 0], True),
        ],
    )
    def test_aggregate_sentence_of_five_years(self, sentences, bars):
        """8 U.S.C. 1182(a)(2)(B): two or more convictions, aggregate sentences of 5 years+."""
        assert (rules.aggregate_sentence(sentences) is not None) is bars

    def test_three_misdemeanors_for_daca_two_for_tps(self):
        """8 C.F.R. 236.22(b)(6) (three misdemeanors); 8 U.S.C. 1254a(c)(2)(B)(i) (two)."""
        assert rules.three_misdemeanors(2) is None
        assert rules.three_misdemeanors(3).verdict == Verdict.ASSUME_YES
        assert rules.two_misdemeanors(1) is None
        assert rules.two_misdemeanors(2).verdict == Verdict.YES

    def test_what_counts_as_a_misdemeanor_or_felony(self):
        """8 C.F.R. 244.1: infractions are not misdemeanors; an undecided level counts."""
        assert rules.conviction_counts_as_misdemeanor_or_felony(M, WOBBLER)
        assert not rules.conviction_counts_as_misdemeanor_or_felony(INF, (M, INF))
        assert rules.conviction_counts_as_misdemeanor_or_felony(None, ())
        assert not rules.conviction_counts_as_misdemeanor_or_felony(None, (INF,))

    def test_second_dui(self):
        """Matter of Castillo-Perez, 27 I&N Dec. 664 (A.G. 2019): two DUIs, presumption against
        GMC.
        """
        assert rules.second_dui(1) is None
        assert rules.second_dui(2).verdict == Verdict.ASSUME_YES
