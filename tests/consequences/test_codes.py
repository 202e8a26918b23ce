"""Reading offense codes as California practitioners write them (DESIGN.md; codes.py)."""

import pytest

from consequences.codes import OffenseCode, parse, readings

SPELLINGS = [
    # The list in DESIGN.md, "The consequence engine contract".
    ("PC 273.5", "PC 273.5"),
    ("PC 273.5(a)", "PC 273.5(a)"),
    ("Pen. Code § 273.5", "PC 273.5"),
    ("273.5 PC", "PC 273.5"),
    ("P.C. 273.5", "PC 273.5"),
    ("HS 11350", "HS 11350"),
    ("H&S 11350(a)", "HS 11350(a)"),
    ("Health & Saf. Code § 11350", "HS 11350"),
    ("VC 23152(a)", "VC 23152(a)"),
    ("Veh. Code 23152", "VC 23152"),
    ("BP 4060", "BP 4060"),
    ("WI 10980", "WI 10980"),
    # Case, spacing and the longer forms.
    ("pc 273.5(a)", "PC 273.5(a)"),
    ("  PC   273.5 (a)  ", "PC 273.5(a)"),
    ("Penal Code section 273.5(a)", "PC 273.5(a)"),
    ("Penal Code § 273.5(a)", "PC 273.5(a)"),
    ("Cal. Penal Code § 273.5(a)", "PC 273.5(a)"),
    ("Pen. Code, § 273.5, subd. (a)", "PC 273.5(a)"),
    ("PC273.5a", "PC 273.5(a)"),
    ("pc273.5A", "PC 273.5(a)"),
    ("11350 H&S", "HS 11350"),
    ("11350(a) HS", "HS 11350(a)"),
    ("H & S 11351", "HS 11351"),
    ("Health and Safety Code 11377(a)", "HS 11377(a)"),
    ("HSC 11377", "HS 11377"),
    ("B&P 4060", "BP 4060"),
    ("Bus. & Prof. Code § 4060", "BP 4060"),
    ("Business and Professions Code 4060", "BP 4060"),
    ("W&I 10980", "WI 10980"),
    ("Welf. & Inst. Code § 10980(c)(2)", "WI 10980(c)(2)"),
    ("Welfare and Institutions Code 10980", "WI 10980"),
    ("Vehicle Code 23152(f)", "VC 23152(f)"),
    ("V.C. 23103.5", "VC 23103.5"),
    ("CVC 23152(a)", "VC 23152(a)"),
    ("23152(a) VC", "VC 23152(a)"),
    ("PC 243(e)(1)", "PC 243(e)(1)"),
    ("pc243e1", "PC 243(e)(1)"),
    ("PC 1203.097", "PC 1203.097"),
    ("PC 0459", "PC 459"),
    # Sections whose number ends in a letter.
    ("PC 273a(a)", "PC 273a(a)"),
    ("Pen. Code § 273A(b)", "PC 273a(b)"),
    ("PC 496d", "PC 496d"),
    ("Penal Code section 273a, subd. (b)", "PC 273a(b)"),
    # Deeper levels keep California's case: (a)(1)(A)(i).
    ("Pen. Code § 273.5(a)(1)(a)(ii)", "PC 273.5(a)(1)(A)(ii)"),
]


@pytest.mark.parametrize(("text", "canonical"), SPELLINGS)
def test_every_spelling_reads_to_the_canonical_code(text, canonical):
    """DESIGN.md: offense codes are written the way practitioners write them, and all are
    understood.
    """
    assert parse(text).canonical == canonical


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "PC",
        "273.5",
        "PC 273.5(a",
        "PC 273.5 HS",
        "PC 273.5 and 243",
        "Ordinance 12",
        "USC 1227",
        "PC 27 3",
        "PC 273.5 (toolongsub)",
        None,
        273.5,
        "x" * 500,
    ],
)
def test_unreadable_input_is_none_not_a_guess(text):
    """DESIGN.md: an unknown offense says so plainly; the parser never guesses a code."""
    assert parse(text) is None


def test_the_parsed_code_splits_into_code_section_and_subdivision():
    """DESIGN.md, domain model: a charge's statute splits into code / section / subdivision."""
    parsed = parse("H&S 11352(a)")
    assert parsed == OffenseCode("HS", "11352", ("a",))
    assert (parsed.code, parsed.section, parsed.subdivision) == ("HS", "11352", "(a)")
    assert str(parsed) == "HS 11352(a)"


def test_fallbacks_go_from_most_specific_to_the_section_and_stop_there():
    """A subdivision falls back to its parent, never to another section."""
    assert [code.canonical for code in parse("PC 273.5(a)(1)").fallbacks()] == [
        "PC 273.5(a)(1)",
        "PC 273.5(a)",
        "PC 273.5",
    ]
    assert [code.canonical for code in parse("PC 459").fallbacks()] == ["PC 459"]


def test_a_glued_letter_has_two_readings_the_likeliest_first():
    """ "273a" is a section of its own (child endangerment); "273.5a" is a hurried 273.5(a)."""
    assert [code.canonical for code in readings("PC 273a")] == ["PC 273a", "PC 273(a)"]
    assert [code.canonical for code in readings("PC 647f")] == ["PC 647f", "PC 647(f)"]
    assert [code.canonical for code in readings("PC 273.5a")] == ["PC 273.5(a)", "PC 273.5a"]
    assert [code.canonical for code in readings("PC 273a(b)")] == ["PC 273a(b)"]
    assert readings("nonsense") == ()
