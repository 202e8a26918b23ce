"""Prior convictions and the whole history in the engine (issue 16 item 2).

Each expected answer is written from the statute or case in its docstring. The rules are tested
as plain functions; the disposition tests use the real catalog, with codes as a deputy reads them
off a rap sheet.
"""

import datetime

import pytest

from consequences import rules
from consequences.engine import InvalidInput, PriorConviction, assess_disposition
from consequences.statuses import Ground, Level, Verdict

TODAY = datetime.date(2026, 12, 3)
M, F = Level.MISDEMEANOR, Level.FELONY


def flags(result, ground, subcategory=None):
    return [
        f
        for f in result.all_flags
        if f.ground == ground and (subcategory is None or f.subcategory == subcategory)
    ]


@pytest.fixture
def dispose(real_catalog):
    def dispose(counts, **options):
        return assess_disposition(counts, catalog=real_catalog, today=TODAY, **options)

    return dispose


def prior(code, convicted_on="2022-06-01", **fields):
    return {"code": code, "convicted_on": convicted_on, **fields}


class TestBadInput:
    """Issue 16, "Bad input": a clear error that names the field."""

    def test_a_prior_dated_in_the_future(self, dispose):
        with pytest.raises(
            InvalidInput, match=r"prior 1: convicted_on 2027-01-05 is in the future"
        ):
            dispose([{"offense": "PC 488"}], priors=[prior("PC 484", "2027-01-05")])

    def test_a_negative_sentence(self, dispose):
        with pytest.raises(InvalidInput, match=r"prior 2: sentence_days must be a whole number"):
            dispose(
                [{"offense": "PC 488"}],
                priors=[prior("PC 484"), prior("PC 484", sentence_days=-3)],
            )

    def test_an_unreadable_code(self, dispose):
        with pytest.raises(InvalidInput, match=r"prior 1: code 'shoplifting' cannot be read"):
            dispose([{"offense": "PC 488"}], priors=[prior("shoplifting")])

    def test_a_malformed_date(self, dispose):
        with pytest.raises(InvalidInput, match=r"prior 1: convicted_on '6/1/22' is not a date"):
            dispose([{"offense": "PC 488"}], priors=[prior("PC 484", "6/1/22")])

    def test_an_unknown_source_and_field(self, dispose):
        with pytest.raises(InvalidInput, match="prior 1: source 'rumour'"):
            dispose([{"offense": "PC 488"}], priors=[prior("PC 484", source="rumour")])
        with pytest.raises(InvalidInput, match="prior 1: unknown field"):
            dispose([{"offense": "PC 488"}], priors=[prior("PC 484", date="2020-01-01")])

    def test_an_impossible_prior_sentence_names_the_prior(self, dispose):
        """PC 18.5: a 400-day misdemeanor is impossible, for a prior too."""
        with pytest.raises(InvalidInput, match=r"prior 1 \(PC 488\)"):
            dispose(
                [{"offense": "PC 488"}],
                priors=[prior("PC 488", sentence_days=400, level="misdemeanor")],
            )

    def test_a_bad_single_scheme_answer(self, dispose):
        with pytest.raises(InvalidInput, match="single_scheme"):
            dispose([{"offense": "PC 488"}], single_scheme="maybe")

    def test_a_value_type_prior_is_accepted(self, dispose):
        value = PriorConviction("PC 484", datetime.date(2022, 6, 1), 30, "misdemeanor", "defense")
        result = dispose([{"offense": "PC 488"}], priors=[value])
        assert result.priors[0].prior == value and result.priors[0].known


class TestTwoCimts:
    def test_a_prior_cimt_makes_a_present_cimt_the_second(self, dispose):
        """8 U.S.C. 1227(a)(2)(A)(ii): two CIMTs after admission, any sentence; a prior conviction
        is not the same scheme as this offense (Matter of Adetiba, 20 I&N Dec. 506 (BIA 1992))."""
        result = dispose(
            [{"offense": "PC 488", "level": "misdemeanor"}], priors=[prior("PC 484(a)")]
        )
        (flag,) = flags(result, Ground.CIMT, "two_cimts")
        assert flag.verdict == Verdict.YES and "prior" in flag.condition

    def test_a_prior_that_is_not_a_cimt_adds_nothing(self, dispose):
        """Castillo-Cruz v. Holder (9th Cir. 2009): PC 496 is not a CIMT."""
        result = dispose([{"offense": "PC 488"}], priors=[prior("PC 496(a)")])
        assert not flags(result, Ground.CIMT)

    def test_two_old_cimts_are_not_this_pleas_consequence(self, dispose):
        """The plea adds no CIMT (PC 415 is not one), so nothing new to weigh."""
        result = dispose(
            [{"offense": "PC 415(1)", "level": "misdemeanor"}],
            priors=[prior("PC 484(a)"), prior("PC 488", "2021-01-01")],
        )
        assert not flags(result, Ground.CIMT, "two_cimts")

    def test_single_scheme_yes_clears_two_cimts_in_one_case(self, dispose):
        """1227(a)(2)(A)(ii) excepts a single scheme; the deputy's answer decides it."""
        counts = [{"offense": "PC 488"}, {"offense": "PC 484(a)"}]
        (flag,) = flags(dispose(counts, single_scheme=True), Ground.CIMT, "two_cimts")
        assert flag.verdict == Verdict.ARGUABLY_NOT
        (flag,) = flags(dispose(counts, single_scheme=False), Ground.CIMT, "two_cimts")
        assert flag.verdict.is_flagged and "as recorded" in flag.condition

    def test_unknown_single_scheme_keeps_the_condition(self, dispose):
        """Unknown stays as before: flagged, with "unless ... a single scheme" in words."""
        (flag,) = flags(
            dispose([{"offense": "PC 488"}, {"offense": "PC 484(a)"}]), Ground.CIMT, "two_cimts"
        )
        assert flag.verdict.is_flagged and "single scheme" in flag.condition

    def test_different_offense_dates_are_not_one_scheme(self, dispose):
        """Matter of Adetiba: distinct acts on different dates are not a single scheme."""
        counts = [
            {"offense": "PC 488", "offense_date": "2026-03-01"},
            {"offense": "PC 484(a)", "offense_date": "2026-04-01"},
        ]
        (flag,) = flags(dispose(counts), Ground.CIMT, "two_cimts")
        assert "different dates" in flag.condition

    def test_single_scheme_does_not_save_the_petty_offense_exception(self, dispose):
        """8 U.S.C. 1182(a)(2)(A)(ii)(II) covers "only one crime": no single-scheme exception."""
        counts = [{"offense": "PC 488"}, {"offense": "PC 484(a)"}]
        (flag,) = flags(
            dispose(counts, single_scheme=True), Ground.CIMT, "petty_offense_exception_lost"
        )
        assert flag.verdict.is_flagged

    def test_a_prior_cimt_ends_the_petty_offense_exception(self, dispose):
        """1182(a)(2)(A)(ii)(II): a first petty theft would fit; with a prior CIMT it does not."""
        alone = dispose([{"offense": "PC 488", "sentence_days": 10}])
        assert not flags(alone, Ground.CIMT, "petty_offense_exception_lost")
        result = dispose([{"offense": "PC 488", "sentence_days": 10}], priors=[prior("PC 484(a)")])
        (flag,) = flags(result, Ground.CIMT, "petty_offense_exception_lost")
        assert flag.verdict == Verdict.YES


class TestRecidivist:
    """Lopez v. Gonzales, 549 U.S. 47 (2006); Carachuri-Rosendo v. Holder, 560 U.S. 563 (2010)."""

    possession = {
        "offense": "HS 11350",
        "facts": {"substance_named": True},
        "offense_date": "2026-09-01",
    }

    def test_a_prior_not_pleaded_is_not_recidivist_possession(self, dispose):
        result = dispose([self.possession], priors=[prior("HS 11350", pleaded_and_proven=False)])
        (flag,) = flags(result, Ground.AGGRAVATED_FELONY, "B")
        assert flag.verdict == Verdict.NO

    def test_an_unknown_pleading_is_unclear(self, dispose):
        (flag,) = flags(
            dispose([self.possession], priors=[prior("HS 11350")]), Ground.AGGRAVATED_FELONY, "B"
        )
        assert flag.verdict == Verdict.UNCLEAR and "pleaded and proven" in flag.condition

    def test_a_final_prior_pleaded_and_proven_is_assumed(self, dispose):
        result = dispose([self.possession], priors=[prior("HS 11377", pleaded_and_proven=True)])
        (flag,) = flags(result, Ground.AGGRAVATED_FELONY, "B")
        assert flag.verdict == Verdict.ASSUME_YES

    def test_a_prior_not_yet_final_at_the_offense_is_not_recidivist(self, dispose):
        """Carachuri-Rosendo: the prior must be final when the second offense is committed."""
        result = dispose(
            [self.possession],
            priors=[prior("HS 11350", "2026-10-01", pleaded_and_proven=True)],
        )
        (flag,) = flags(result, Ground.AGGRAVATED_FELONY, "B")
        assert flag.verdict == Verdict.NO

    def test_no_drug_prior_no_recidivist_flag(self, dispose):
        assert not flags(
            dispose([self.possession], priors=[prior("PC 488")]), Ground.AGGRAVATED_FELONY, "B"
        )

    def test_the_rule_function(self):
        assert rules.recidivist_possession(Verdict.NO, True, True, True) is None
        assert rules.recidivist_possession(Verdict.YES, False, True, True) is None


class TestAggregate:
    def test_old_and_new_sentences_add_up_to_five_years(self, dispose):
        """8 U.S.C. 1182(a)(2)(B): two or more convictions, in one trial or not, aggregate
        sentences of five years or more (suspended time included, 1101(a)(48)(B))."""
        count = {"offense": "PC 459", "level": "felony", "sentence_days": 365}
        under = dispose([count], priors=[prior("PC 211", sentence_days=1459)])
        assert not flags(under, Ground.OTHER_INADMISSIBILITY)
        over = dispose([count], priors=[prior("PC 211", sentence_days=1460)])
        (flag,) = flags(over, Ground.OTHER_INADMISSIBILITY, "multiple_convictions")
        assert "1825 days" in flag.condition

    def test_a_prior_not_in_the_catalog_counts_for_the_total_and_is_listed(self, dispose):
        """Issue 16 item 2: an unknown prior counts where it can and is listed as unknown."""
        result = dispose(
            [{"offense": "PC 459", "level": "felony", "sentence_days": 365}],
            priors=[prior("PC 99999", sentence_days=1460)],
        )
        assert flags(result, Ground.OTHER_INADMISSIBILITY, "multiple_convictions")
        assert [p.prior.code for p in result.unknown_priors] == ["PC 99999"]
        assert "PC 99999" in result.message and "not in the catalog" in result.message


class TestMisdemeanorCounts:
    def test_two_felonies_are_not_two_misdemeanors_for_tps(self, dispose):
        """8 U.S.C. 1254a(c)(2)(B)(i): "two or more misdemeanors"; a felony is its own bar."""
        counts = [
            {"offense": "PC 459", "level": "felony"},
            {"offense": "PC 245(a)(1)", "level": "felony"},
        ]
        result = dispose(counts)
        assert not flags(result, Ground.TPS_BAR, "two_misdemeanors")
        assert not flags(result, Ground.DACA_BAR, "three_misdemeanors")

    def test_a_felony_and_a_misdemeanor_are_not_two_misdemeanors(self, dispose):
        counts = [
            {"offense": "PC 459", "level": "felony"},
            {"offense": "PC 415(1)", "level": "misdemeanor"},
        ]
        assert not flags(dispose(counts), Ground.TPS_BAR, "two_misdemeanors")

    def test_a_prior_misdemeanor_makes_the_second_for_tps(self, dispose):
        """8 C.F.R. 244.4(a): two misdemeanors, whenever committed."""
        result = dispose(
            [{"offense": "PC 415(1)", "level": "misdemeanor"}],
            priors=[prior("PC 602", level="misdemeanor")],
        )
        (flag,) = flags(result, Ground.TPS_BAR, "two_misdemeanors")
        assert flag.verdict == Verdict.YES

    def test_a_prior_felony_bars_tps_and_daca(self, dispose):
        """8 U.S.C. 1254a(c)(2)(B)(i); 8 C.F.R. 236.22(b)(6): one felony bars."""
        result = dispose(
            [{"offense": "PC 415(1)", "level": "misdemeanor"}],
            priors=[prior("PC 459", level="felony")],
        )
        assert flags(result, Ground.TPS_BAR, "prior_felony")[0].verdict == Verdict.YES
        assert flags(result, Ground.DACA_BAR, "prior_felony")[0].verdict == Verdict.YES

    def test_three_misdemeanors_on_one_date_are_not_daca_three(self, dispose):
        """8 C.F.R. 236.22(b)(6): not on the same date and not from the same act or scheme."""
        same_day = [
            {"offense": "PC 415(1)", "level": "misdemeanor", "offense_date": "2026-05-01"}
        ] * 3
        (flag,) = flags(dispose(same_day), Ground.DACA_BAR, "three_misdemeanors")
        assert flag.verdict == Verdict.NO

    def test_three_misdemeanors_on_separate_dates_are_daca_three(self, dispose):
        counts = [
            {"offense": "PC 415(1)", "level": "misdemeanor", "offense_date": f"2026-0{m}-01"}
            for m in (3, 4, 5)
        ]
        (flag,) = flags(dispose(counts, single_scheme=False), Ground.DACA_BAR, "three_misdemeanors")
        assert flag.verdict == Verdict.YES

    def test_one_act_today_plus_two_priors_is_three(self, dispose):
        """Each prior is its own occasion; the present counts of one act are one."""
        counts = [{"offense": "PC 415(1)", "level": "misdemeanor"}] * 2
        priors = [
            prior("PC 602", "2021-01-01", level="misdemeanor"),
            prior("PC 602", "2023-01-01", level="misdemeanor"),
        ]
        (flag,) = flags(
            dispose(counts, priors=priors, single_scheme=True),
            Ground.DACA_BAR,
            "three_misdemeanors",
        )
        assert flag.verdict == Verdict.YES

    def test_three_misdemeanors_of_one_act_are_not_daca_three(self, dispose):
        """8 C.F.R. 236.22(b)(6): the deputy records one act or scheme, so they count as one."""
        counts = [{"offense": "PC 415(1)", "level": "misdemeanor"}] * 3
        (flag,) = flags(dispose(counts, single_scheme=True), Ground.DACA_BAR, "three_misdemeanors")
        assert flag.verdict == Verdict.NO

    def test_unknown_single_scheme_stays_assume_yes(self, dispose):
        counts = [{"offense": "PC 415(1)", "level": "misdemeanor"}] * 3
        (flag,) = flags(dispose(counts), Ground.DACA_BAR, "three_misdemeanors")
        assert flag.verdict == Verdict.ASSUME_YES

    @pytest.mark.parametrize(
        ("level", "possible", "counts"),
        [(M, (F, M), True), (F, (F, M), False), (None, (F, M), True), (None, (F,), False)],
    )
    def test_what_counts_as_a_misdemeanor(self, level, possible, counts):
        """8 C.F.R. 244.1: only misdemeanors; an open wobbler is one or a felony that bars."""
        assert rules.counts_as_misdemeanor(level, possible) is counts


class TestDuiAndGoodMoralCharacter:
    def test_a_prior_dui_makes_a_second(self, dispose):
        """Matter of Castillo-Perez, 27 I&N Dec. 664 (A.G. 2019)."""
        result = dispose(
            [{"offense": "VC 23152(a)", "level": "misdemeanor"}], priors=[prior("VC 23152(b)")]
        )
        (flag,) = flags(result, Ground.GOOD_MORAL_CHARACTER, "two_dui")
        assert flag.verdict == Verdict.ASSUME_YES

    def test_a_wet_reckless_prior_is_not_a_dui(self, dispose):
        """ILRC VC 23103.5 entry: a wet reckless is not a DUI conviction."""
        result = dispose(
            [{"offense": "VC 23152(a)", "level": "misdemeanor"}], priors=[prior("VC 23103.5")]
        )
        assert not flags(result, Ground.GOOD_MORAL_CHARACTER, "two_dui")

    def test_a_prior_aggravated_felony_bars_good_moral_character_for_ever(self, dispose):
        """8 U.S.C. 1101(f)(8): permanent, whatever the date."""
        result = dispose(
            [{"offense": "PC 415(1)"}],
            priors=[prior("PC 211", "1999-01-01", level="felony", sentence_days=730)],
        )
        (flag,) = flags(result, Ground.GOOD_MORAL_CHARACTER, "prior_aggravated_felony")
        assert flag.verdict.is_flagged

    def test_a_recent_prior_cimt_bars_but_an_old_one_does_not(self, dispose):
        """8 U.S.C. 1101(f)(3), 1427(a): a CIMT within the five-year statutory period."""
        recent = dispose([{"offense": "PC 415(1)"}], priors=[prior("PC 488", "2024-01-01")])
        assert flags(recent, Ground.GOOD_MORAL_CHARACTER, "prior_cimt_or_controlled_substance")
        old = dispose([{"offense": "PC 415(1)"}], priors=[prior("PC 488", "2015-01-01")])
        assert not flags(old, Ground.GOOD_MORAL_CHARACTER, "prior_cimt_or_controlled_substance")


class TestOutput:
    def test_priors_are_echoed_and_frozen_in_the_output(self, dispose):
        result = dispose(
            [{"offense": "PC 488", "offense_date": "2026-05-01"}],
            priors=[prior("PC 484(a)", source="court_record")],
            single_scheme=False,
        )
        data = result.to_dict()
        assert data["input"]["priors"][0]["code"] == "PC 484(a)"
        assert data["input"]["single_scheme"] is False
        assert data["input"]["counts"][0]["offense_date"] == "2026-05-01"
        assert data["priors"][0]["offense"]["known"] is True
        assert {"ground": "cimt", "subcategory": None} in data["priors"][0]["flagged"]

    def test_no_priors_keeps_the_earlier_output(self, dispose):
        data = dispose([{"offense": "PC 488"}]).to_dict()
        assert "priors" not in data and "priors" not in data["input"]
