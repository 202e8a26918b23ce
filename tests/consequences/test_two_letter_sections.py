"""Sections whose number ends in two letters, and PC 273ab, the one the catalog needed.

Until catalog 2026.12.2 the code reader could not read "PC 273ab" at all (issue 16, noticed), so
the catalog could not carry it. Expected answers are written from the statute and the cases the
entry cites: Cal. Penal Code § 273ab (a caregiver's assault on a child under eight, by force
likely to cause great bodily injury, resulting in death (a) or coma or permanent paralysis (b);
felony, life terms), whose elements include PC 245(a)(4)'s.
"""

import pytest

from consequences.codes import combined_form, parse, readings
from consequences.engine import assess_count
from consequences.statuses import Ground, Level, Verdict

from .conftest import worst


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("PC 273ab", "PC 273ab"),
        ("PC 273AB", "PC 273ab"),
        ("Pen. Code § 273ab", "PC 273ab"),
        ("273ab PC", "PC 273ab"),
        ("Penal Code section 273ab, subd. (a)", "PC 273ab(a)"),
        ("PC 273ab(b)", "PC 273ab(b)"),
    ],
)
def test_two_letters_after_a_whole_number_are_the_section(text, canonical):
    assert parse(text).canonical == canonical


def test_two_letters_have_no_second_reading_as_a_lesser_offense():
    """One glued letter has two readings ("PC 273a" or "PC 273(a)"); two letters have one: a
    "PC 273ab" must never be read as the far lesser PC 273a(b), misdemeanor endangerment."""
    assert [code.canonical for code in readings("PC 273ab")] == ["PC 273ab"]
    assert [code.canonical for code in readings("PC 273a")] == ["PC 273a", "PC 273(a)"]


def test_two_letters_after_a_decimal_are_not_read():
    """No California section is written "273.5ab": it is not guessed at."""
    assert readings("PC 273.5ab") == ()
    assert readings("PC 273abc") == ()


def test_the_attempt_forms_read_a_two_letter_target():
    form = combined_form("PC 664/273ab")
    assert (form.kind, form.target) == ("attempt", "273ab")
    assert combined_form("attempted PC 273ab").target == "PC 273ab"


class TestPC273ab:
    def test_it_is_known_and_each_subdivision_falls_back_to_it(self, assess):
        for text in ("PC 273ab", "PC 273ab(a)", "Pen. Code § 273ab(b)"):
            result = assess(text)
            assert result.code == "PC 273ab"
            assert result.possible_levels == (Level.FELONY,)

    def test_it_is_a_crime_of_child_abuse(self, assess):
        """8 U.S.C. 1227(a)(2)(E)(i); Matter of Velazquez-Herrera, 24 I&N Dec. 503 (BIA 2008):
        the child's age is an element, so the record cannot keep it out."""
        result = assess("PC 273ab", facts={"victim_minor": False})
        assert worst(result, Ground.DOMESTIC_VIOLENCE, "child_abuse") == Verdict.YES

    def test_it_is_a_cimt(self, assess):
        """Matter of Aguilar-Mendez, 28 I&N Dec. 262 (BIA 2021): PC 245(a)(4), one of its
        elements, is a CIMT."""
        assert worst(assess("PC 273ab"), Ground.CIMT) == Verdict.YES

    def test_it_is_a_crime_of_violence_aggravated_felony_with_its_term(self, assess):
        """8 U.S.C. 1101(a)(43)(F), 18 U.S.C. 16(a); United States v. Jimenez-Arzate, 781 F.3d
        1062 (9th Cir. 2015) (force likely to cause great bodily injury is violent force)."""
        result = assess("PC 273ab", level="felony", sentence_days=25 * 365)
        assert worst(result, Ground.AGGRAVATED_FELONY, "F") == Verdict.YES

    def test_a_protected_relationship_adds_domestic_violence(self, assess):
        """The shared violent_force rule (8 U.S.C. 1227(a)(2)(E)(i)) reaches the new entry."""
        result = assess("PC 273ab", facts={"domestic_relationship": True})
        assert worst(result, Ground.DOMESTIC_VIOLENCE, "domestic_violence") == Verdict.YES

    def test_the_charge_alone_can_mean_detention(self, assess):
        """8 U.S.C. 1226(c)(1)(E) (Laken Riley Act): a crime causing death or serious injury."""
        result = assess("PC 273ab")
        assert any(
            f.ground == Ground.MANDATORY_DETENTION and f.subcategory == "laken_riley"
            for f in result.flags
        )

    def test_a_misdemeanor_is_refused(self, real_catalog):
        from consequences.engine import InvalidInput

        with pytest.raises(InvalidInput, match="cannot be a misdemeanor"):
            assess_count("PC 273ab", level="misdemeanor", catalog=real_catalog)

    def test_its_sources_are_recorded(self, real_catalog):
        entry = real_catalog.get("PC 273ab")
        assert "Cal. Penal Code § 273ab(a), (b)" in entry.sources
        assert all(rule.citations for rule in entry.flags)
