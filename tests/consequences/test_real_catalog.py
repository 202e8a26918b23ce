"""The real catalog (consequences/catalog/) against answers written from the law.

Each expectation comes from the statute, the case or the practice advisory in its docstring
(/work/shared/domain/legal-research.md sections 4-6), not from the catalog's own text. Codes are
written the way a deputy types them, so the lookup also decides which entry answers.
"""

import datetime
import re
import tomllib

import pytest

from consequences.catalog import CATALOG_ROOT
from consequences.engine import assess_count, suggest
from consequences.statuses import Ground, Verdict
from tests.consequences.conftest import worst


def test_version_and_effective_date(real_catalog):
    """Issue 3; docs/catalog.md: the catalog has a version ("YYYY.MM.N", bumped on every change to
    an entry) and an effective date, read from catalog.toml and frozen into signed worksheets."""
    header = tomllib.loads((CATALOG_ROOT / "catalog.toml").read_text(encoding="utf-8"))
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", header["version"])
    assert real_catalog.version == header["version"]
    assert real_catalog.effective == header["effective"]
    assert isinstance(real_catalog.effective, datetime.date)


def test_coverage_of_at_least_200_offenses(real_catalog):
    """Issue 3 item 2: at least 200 California offenses."""
    assert len(real_catalog) >= 200


def test_every_entry_is_reviewed_and_sourced(real_catalog):
    """Issue 3 item 1: every entry has its sources and a last-reviewed date."""
    for offense in real_catalog.offenses.values():
        assert offense.sources and offense.last_reviewed <= real_catalog.effective


@pytest.mark.parametrize(
    "code",
    [
        "HS 11350",
        "HS 11351",
        "HS 11352",
        "HS 11357",
        "HS 11358",
        "HS 11364",
        "HS 11377",
        "HS 11378",
        "HS 11379",
        "HS 11550",
        "PC 484",
        "PC 487",
        "PC 459",
        "PC 496",
        "PC 470",
        "PC 530.5",
        "PC 532",
        "VC 10851",
        "PC 211",
        "PC 215",
        "PC 242",
        "PC 243(e)(1)",
        "PC 245(a)(1)",
        "PC 273.5",
        "PC 273a(a)",
        "PC 422",
        "PC 646.9",
        "PC 273.6",
        "PC 236",
        "PC 207",
        "PC 192(a)",
        "PC 187",
        "PC 203",
        "PC 261.5(c)",
        "PC 29800",
        "PC 25400",
        "VC 23152(a)",
        "VC 20001",
        "VC 2800.2",
        "VC 14601.1",
        "PC 594",
        "PC 602",
        "PC 415",
        "PC 148(a)(1)",
        "PC 647(f)",
        "PC 32",
        "PC 136.1",
        "PC 372.5",
        "VC 23103.5",
    ],
)
def test_the_daily_calendar_is_covered(real_catalog, code):
    """Issue 3 item 2: what a misdemeanor and felony calendar sees daily is in the catalog."""
    assert assess_count(code, catalog=real_catalog).known


def test_pc_273_5_is_a_domestic_violence_crime(assess):
    """8 U.S.C. 1227(a)(2)(E)(i); Banuelos-Ayon v. Holder, 611 F.3d 1080 (9th Cir. 2010):
    PC 273.5 is a crime of violence against a protected person, always."""
    result = assess("PC 273.5(a)")
    flag = [
        f
        for f in result.flags
        if f.ground == Ground.DOMESTIC_VIOLENCE and f.subcategory == "domestic_violence"
    ]
    assert flag and flag[0].verdict == Verdict.YES


@pytest.mark.parametrize(("days", "flagged"), [(364, False), (365, True)])
def test_pc_273_5_is_a_crime_of_violence_aggravated_felony_only_at_a_year(assess, days, flagged):
    """8 U.S.C. 1101(a)(43)(F): a crime of violence with a term of at least one year."""
    result = assess("PC 273.5(a)", level="felony", sentence_days=days)
    assert worst(result, Ground.AGGRAVATED_FELONY, "F").is_flagged is flagged


def test_pc_243_e_1_offensive_touching_is_not_domestic_violence(assess):
    """Ortega-Mendez v. Gonzales, 450 F.3d 1010 (9th Cir. 2006); ILRC PC 243(e)(1) entry:
    offensive touching is not violent force, so not a DV crime."""
    plain = assess("PC 243(e)(1)")
    assert worst(plain, Ground.DOMESTIC_VIOLENCE, "domestic_violence") != Verdict.YES
    touching = assess("PC 243(e)(1)", facts={"offensive_touching_only": True})
    assert not worst(touching, Ground.DOMESTIC_VIOLENCE, "domestic_violence").is_flagged
    assert not worst(touching, Ground.CIMT).is_flagged


def test_hs_11350_without_the_substance_is_not_a_sure_cs_conviction(assess):
    """Mellouli v. Lynch, 575 U.S. 798 (2015): California's schedules are broader than federal."""
    result = assess("HS 11350", facts={"substance_named": False})
    assert worst(result, Ground.CONTROLLED_SUBSTANCE) != Verdict.YES
    assert (
        worst(assess("HS 11350", facts={"substance_named": True}), Ground.CONTROLLED_SUBSTANCE)
        == Verdict.YES
    )


def test_simple_possession_is_not_drug_trafficking(assess):
    """Lopez v. Gonzales, 549 U.S. 47 (2006); Carachuri-Rosendo (2010): possession is not an (B)
    AF.
    """
    assert not worst(
        assess("HS 11350", facts={"substance_named": True}), Ground.AGGRAVATED_FELONY, "B"
    ).is_flagged


def test_possession_for_sale_is_drug_trafficking(assess):
    """8 U.S.C. 1101(a)(43)(B): possession for sale of a federal substance is trafficking at any
    sentence.
    """
    result = assess("HS 11351", level="felony", sentence_days=30, facts={"substance_named": True})
    assert worst(result, Ground.AGGRAVATED_FELONY, "B").is_flagged


@pytest.mark.parametrize(("days", "flagged"), [(364, False), (365, True)])
def test_grand_theft_is_a_theft_aggravated_felony_at_a_year(assess, days, flagged):
    """8 U.S.C. 1101(a)(43)(G): theft with a term of at least one year."""
    result = assess("PC 487(a)", level="felony", sentence_days=days)
    assert worst(result, Ground.AGGRAVATED_FELONY, "G").is_flagged is flagged


def test_theft_is_a_cimt(assess):
    """Matter of Diaz-Lizarraga, 26 I&N Dec. 847 (BIA 2016): PC 484 theft is a CIMT."""
    assert worst(assess("PC 484(a)"), Ground.CIMT).is_flagged


def test_receiving_stolen_property_is_not_a_cimt(assess):
    """Castillo-Cruz v. Holder, 581 F.3d 1154 (9th Cir. 2009); ILRC PC 496 entry: not a CIMT."""
    assert not worst(assess("PC 496(a)"), Ground.CIMT).is_flagged


def test_dui_is_not_a_cimt_but_bars_daca(assess):
    """Matter of Torres-Varela, 23 I&N Dec. 78 (BIA 2001): simple DUI is not a CIMT;
    8 C.F.R. 236.22(b)(6): DUI is a significant misdemeanor for DACA."""
    result = assess("VC 23152(a)", level="misdemeanor", sentence_days=2)
    assert not worst(result, Ground.CIMT).is_flagged
    assert worst(result, Ground.DACA_BAR) == Verdict.YES


def test_wet_reckless_is_not_a_daca_dui(assess):
    """ILRC VC 23103.5 entry: a wet reckless has not been treated as a DUI for DACA."""
    result = assess("VC 23103.5", sentence_days=2)
    assert not worst(result, Ground.DACA_BAR).is_flagged


def test_wet_reckless_with_more_than_90_days_is_still_a_significant_misdemeanor(assess):
    """8 C.F.R. 236.22(b)(6): a misdemeanor with more than 90 days in custody is significant,
    whatever the offense; the ILRC VC 23103.5 entry's "not a DUI" does not soften that."""
    result = assess("VC 23103.5", sentence_days=91)
    assert worst(result, Ground.DACA_BAR, "significant_misdemeanor") == Verdict.YES
    assert worst(assess("VC 23103.5", sentence_days=90), Ground.DACA_BAR) == Verdict.ARGUABLY_NOT


def gmc(result):
    """The good-moral-character flags by subcategory."""
    return {f.subcategory: f for f in result.flags if f.ground == Ground.GOOD_MORAL_CHARACTER}


def test_gross_vehicular_manslaughter_keeps_every_good_moral_character_bar(assess):
    """8 U.S.C. 1101(f)(7) (confined 180 days or more) and 1101(f)(3) (a CIMT within the period)
    are bars of their own: the entry's note on the discretionary weight of an alcohol-related
    killing (Matter of Castillo-Perez, 27 I&N Dec. 664 (A.G. 2019)) stands beside them, never in
    their place."""
    found = gmc(assess("PC 191.5(a)", level="felony", sentence_days=400))
    assert {None, "confinement_180_days", "cimt_or_controlled_substance"} <= set(found)
    assert found[None].verdict == Verdict.ASSUME_YES  # the entry's own word
    assert found["confinement_180_days"].verdict == Verdict.ASSUME_YES
    assert found["cimt_or_controlled_substance"].is_flagged


@pytest.mark.parametrize("code", ["VC 23152", "VC 23152(a)", "VC 23152(b)"])
def test_a_dui_keeps_its_castillo_perez_note_at_180_days(real_catalog, assess, code):
    """Matter of Castillo-Perez, 27 I&N Dec. 664 (A.G. 2019): the DUI's own note on good moral
    character is kept once custody reaches 180 days, beside the 8 U.S.C. 1101(f)(7) bar."""
    (own,) = [
        rule for rule in real_catalog.get(code).flags if rule.ground == Ground.GOOD_MORAL_CHARACTER
    ]
    found = gmc(assess(code, level="misdemeanor", sentence_days=180))
    assert found[None].note == own.note and "DUI" in own.note
    assert found["confinement_180_days"].verdict == Verdict.ASSUME_YES
    assert "confinement_180_days" not in gmc(assess(code, level="misdemeanor", sentence_days=179))


def test_an_entrys_word_on_laken_riley_does_not_drop_detention_on_conviction(assess):
    """8 U.S.C. 1226(c)(1)(A)-(C) (detention on conviction) and (E) (Laken Riley Act, on the
    charge) are separate: VC 2800.3's own Laken Riley flag leaves the conviction flag in place."""
    result = assess("VC 2800.3", level="felony")
    subcategories = [f.subcategory for f in result.flags if f.ground == Ground.MANDATORY_DETENTION]
    assert sorted(subcategories) == ["conviction", "laken_riley"]


@pytest.mark.parametrize(("custody", "suspended"), [(None, 0), (30, 0), (180, 0), (30, 334)])
def test_no_entry_takes_away_an_engine_bar_or_repeats_a_flag(real_catalog, custody, suspended):
    """8 U.S.C. 1101(f)(7): 180 days confined bars good moral character for every offense, and an
    entry's own flags on a derived ground never remove it; 8 U.S.C. 1101(a)(48)(B): suspended time
    is not confinement. Each (ground, subcategory) appears once, as overrides are keyed by it."""
    for code, offense in real_catalog.offenses.items():
        level = next((lv for lv in ("felony", "misdemeanor") if lv in offense.levels), None)
        if level is None:
            continue  # an infraction carries no custody (PC 19.6)
        result = assess_count(
            code,
            level=level,
            sentence_days=custody,
            suspended_days=suspended,
            catalog=real_catalog,
        )
        keys = [(f.ground, f.subcategory) for f in result.all_flags]
        assert len(keys) == len(set(keys)), code
        confined = any(
            f.ground == Ground.GOOD_MORAL_CHARACTER and f.subcategory == "confinement_180_days"
            for f in result.all_flags
        )
        assert confined is (custody is not None and custody >= 180), code


def test_stalking_under_pc_646_9_is_not_the_stalking_ground(assess):
    """Matter of Sanchez-Lopez, 27 I&N Dec. 256 (BIA 2018): PC 646.9 is not categorically
    "stalking" under 8 U.S.C. 1227(a)(2)(E)(i)."""
    assert not worst(assess("PC 646.9"), Ground.DOMESTIC_VIOLENCE, "stalking").is_flagged


def test_felony_child_endangerment_is_child_abuse(assess):
    """Diaz-Rodriguez v. Garland, 55 F.4th 697 (9th Cir. 2022) (en banc): PC 273a(a) is child
    abuse.
    """
    assert worst(assess("PC 273a(a)"), Ground.DOMESTIC_VIOLENCE, "child_abuse").is_flagged


def test_misdemeanor_child_endangerment_273a_b_is_not_child_abuse(assess):
    """Matter of Mendoza-Osorio, 26 I&N Dec. 703 (BIA 2016); ILRC PC 273a(b) entry."""
    assert not worst(assess("PC 273a(b)"), Ground.DOMESTIC_VIOLENCE, "child_abuse").is_flagged


def test_age_only_sex_with_a_17_year_old_is_not_sexual_abuse_of_a_minor(assess):
    """Esquivel-Quintana v. Sessions, 581 U.S. 385 (2017): PC 261.5(c) is not (A) sexual abuse of a
    minor.
    """
    assert not worst(assess("PC 261.5(c)"), Ground.AGGRAVATED_FELONY, "A").is_flagged


def test_burglary_is_never_a_burglary_aggravated_felony(assess):
    """Descamps v. United States, 570 U.S. 254 (2013): PC 459 is not generic burglary."""
    assert not worst(
        assess("PC 459", level="felony", sentence_days=365), Ground.AGGRAVATED_FELONY, "G"
    ).is_flagged


@pytest.mark.parametrize(("days", "flagged"), [(364, False), (365, True)])
def test_accessory_is_an_obstruction_aggravated_felony_at_a_year(assess, days, flagged):
    """Pugin v. Garland, 599 U.S. 600 (2023); 8 U.S.C. 1101(a)(43)(S): obstruction with a year."""
    result = assess("PC 32", level="felony", sentence_days=days)
    assert worst(result, Ground.AGGRAVATED_FELONY, "S").is_flagged is flagged


def test_resisting_under_148_a_can_never_be_an_obstruction_aggravated_felony(assess):
    """PC 148(a) is a misdemeanor: at most 364 days (PC 18.5), so never the year (S) needs."""
    assert not worst(assess("PC 148(a)(1)", sentence_days=364), Ground.AGGRAVATED_FELONY).is_flagged


def test_public_nuisance_is_not_a_controlled_substance_offense(assess):
    """ILRC PC 372.5 fact sheet (2023): no controlled-substance element, so not a CS conviction
    (a "reason to believe" trafficking flag may remain: 8 U.S.C. 1182(a)(2)(C) needs no
    conviction)."""
    result = assess("PC 372.5")
    conviction = [
        f.verdict
        for f in result.flags
        if f.ground == Ground.CONTROLLED_SUBSTANCE
        and f.subcategory != "trafficking_reason_to_believe"
    ]
    assert Verdict.NO in conviction


def test_felon_in_possession_uses_pc_16520_so_is_not_a_deportable_firearm_offense(assess):
    """ILRC PC 29800 entry: PC 16520 includes antique firearms: no categorical match (9th Cir.)."""
    assert not worst(assess("PC 29800"), Ground.FIREARM).is_flagged


def test_assault_with_a_deadly_weapon_is_a_cimt_even_at_364(assess):
    """Safaryan v. Barr, 975 F.3d 976 (9th Cir. 2020): PC 245(a)(1) is a CIMT whatever the
    sentence.
    """
    assert worst(
        assess("PC 245(a)(1)", level="misdemeanor", sentence_days=364), Ground.CIMT
    ).is_flagged


def test_temporary_vehicle_taking_is_not_a_cimt(assess):
    """Matter of Diaz-Lizarraga (BIA 2016): a temporary taking does not intend permanent
    deprivation.
    """
    assert not worst(
        assess("VC 10851(a)", facts={"temporary_taking": True}), Ground.CIMT
    ).is_flagged


def test_prostitution_is_the_prostitution_ground(assess):
    """8 U.S.C. 1182(a)(2)(D): engaging in prostitution."""
    assert worst(assess("PC 647(b)"), Ground.PROSTITUTION).is_flagged


@pytest.mark.parametrize(
    ("charged", "alternative"),
    [
        ("PC 273.5(a)", "PC 243(e)(1)"),
        ("HS 11351", "HS 11350"),
        ("HS 11358", "PC 459"),
        ("PC 487(a)", "PC 496(a)"),
    ],
)
def test_the_safer_alternatives_advisories_name(real_catalog, charged, alternative):
    """Issue 3 item 5; legal-research.md section 6 (patterns 1, 9, 11, 18): each is offered,
    and assessed by the same engine."""
    result = assess_count(charged, catalog=real_catalog)
    offered = [a.code for a in result.alternatives]
    assert any(code == alternative or code.startswith(alternative + "(") for code in offered), (
        offered
    )
    assert all(a.assessment.known for a in result.alternatives)


def test_an_infraction_alternative_is_assessed_without_the_counts_custody(assess):
    """PC 19.6: an infraction carries no custody, so HS 11360(b) (giving away 28.5 g or less, an
    infraction) offered against a sale count with 30 days is assessed with none, not refused."""
    result = assess("HS 11360", level="misdemeanor", sentence_days=30)
    (alternative,) = [a for a in result.alternatives if a.code == "HS 11360(b)"]
    assert alternative.assessment.level == "infraction"
    assert alternative.assessment.sentence_days is None
    assert not worst(alternative.assessment, Ground.DACA_BAR).is_flagged


def test_suggestions_cover_letter_suffixed_sections(real_catalog):
    """PC 653f, PC 273a(a), PC 496d: sections numbered with a letter, as the Penal Code numbers
    them, are offered by autocomplete in code order (DESIGN.md: offense codes as practitioners
    write them), and never break it."""
    assert [s.code for s in suggest("PC 653f", catalog=real_catalog)][:1] == ["PC 653f"]
    codes = [s.code for s in suggest("PC 273", limit=50, catalog=real_catalog)]
    assert codes.index("PC 273.5(a)") < codes.index("PC 273a(a)") < codes.index("PC 273d")
    assert suggest("496d", catalog=real_catalog)[0].code.startswith("PC 496d")
