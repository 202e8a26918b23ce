"""Guidance and not-an-offense entries (docs/catalog.md, "Kinds"), federal codes, and the catalog's
breadth (issue 16 item 4).

A "guidance" entry (a federal section such as 18 U.S.C. 922(g), or a renumbered California
section) and a "not_an_offense" entry (PC 1203.4, PC 17(b), PC 1473.7 ...) are never analysed:
the engine answers them as unknown (``known`` false, no flags), so nothing downstream can read
them as safe, and it gives the entry's explanation instead of a bare "not in the catalog".
"""

import shutil

import pytest

from consequences.catalog import CatalogError, check_catalog, load_catalog
from consequences.codes import OffenseCode, parse
from consequences.engine import InvalidInput, assess_count, assess_disposition

from .conftest import FIXTURES

GUIDANCE = """
[[offense]]
code = "18 USC 922(g)"
kind = "guidance"
title = "Federal firearm possession by a prohibited person"
summary = "Analyse it under federal law."
last_reviewed = 2000-01-01
sources = ["18 U.S.C. § 922(g)"]
"""

NOT_AN_OFFENSE = """
[[offense]]
code = "PC 1203.4"
kind = "not_an_offense"
title = "Dismissal after probation"
summary = "Rehabilitative relief; the conviction still counts for immigration."
last_reviewed = 2000-01-01
sources = ["Cal. Penal Code § 1203.4"]
"""

A_FLAG = """
  [[offense.flag]]
  ground = "cimt"
  verdict = "no"
  when = "always"
  note = "Fixture."
  citations = ["Fixture"]
"""


@pytest.fixture
def catalog_dir(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(FIXTURES / "valid", target)
    return target


def write(catalog_dir, text):
    (catalog_dir / "offenses" / "zz_kinds.toml").write_text(text, encoding="utf-8")


# --- Federal codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("18 USC 922(g)", "18 USC 922(g)"),
        ("18 U.S.C. § 922(g)(1)", "18 USC 922(g)(1)"),
        ("18 u.s.c. 922 (g) (1)", "18 USC 922(g)(1)"),
        ("21 U.S.C. 841(a)(1)", "21 USC 841(a)(1)"),
        ("21 USCA § 841", "21 USC 841"),
        ("8 USC 1326", "8 USC 1326"),
        ("18 USC 1028a", "18 USC 1028A"),
    ],
)
def test_federal_sections_read_with_their_title(text, canonical):
    """Issue 16: "18 USC 922(g)" must be recognised; the title belongs to the code (18 U.S.C. and
    21 U.S.C. sections are different laws), and a section letter is written as the U.S. Code
    writes it."""
    parsed = parse(text)
    assert parsed is not None and parsed.canonical == canonical
    assert parse(parsed.canonical) == parsed


def test_a_federal_section_without_a_title_is_still_unreadable():
    """DESIGN.md: the parser never guesses; "USC 1227" names no title."""
    assert parse("USC 1227") is None
    assert parse("18 USC") is None


def test_a_federal_section_splits_into_code_section_and_subdivisions():
    assert parse("8 U.S.C. § 1324(a)(1)") == OffenseCode("8 USC", "1324", ("a", "1"))


# --- The engine: unknown, never safe, with the entry's explanation ---------------------------


@pytest.mark.parametrize(
    "text", ["18 USC 922(g)", "18 U.S.C. § 922(g)(1)", "21 USC 841(a)(1)", "8 U.S.C. 1326(a)"]
)
def test_a_federal_code_is_unknown_with_guidance_never_safe(real_catalog, text):
    """Issue 16 item 4: a federal-analogue form stays unknown (no analysis, never safe) but says
    what to check."""
    result = assess_count(text, level="felony", sentence_days=365, catalog=real_catalog)
    assert result.known is False and result.flags == () and result.flagged == ()
    assert result.kind == "guidance"
    assert "no analysis" in result.message and "federal law" in result.message
    assert "Do not treat it as safe" in result.message
    data = result.to_dict()
    assert data["offense"]["known"] is False and data["flags"] == []


def test_a_federal_firearm_count_names_the_firearm_ground(real_catalog):
    """8 U.S.C. 1227(a)(2)(C), 1101(a)(43)(E)(ii): the guidance says what the ground is."""
    message = assess_count("18 USC 922(g)(1)", catalog=real_catalog).message
    assert "firearm" in message and "aggravated felonies" in message


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("PC 1203.4", "PC 1203.4"),
        ("Pen. Code § 17(b)", "PC 17(b)"),
        ("PC 17", "PC 17(b)"),
        ("PC 1473.7(a)(1)", "PC 1473.7"),
        ("PC 1203.43", "PC 1203.43"),
        ("PC 1016.5", "PC 1016.5"),
    ],
)
def test_a_post_conviction_section_says_plainly_it_is_not_an_offense(real_catalog, text, code):
    """Issue 16 item 4: PC 1203.4, 17(b), 1473.7, 1203.43 and 1016.5 are "not an offense" with an
    explanation of what they do, instead of "unknown"; they still carry no analysis."""
    result = assess_count(text, catalog=real_catalog)
    assert result.code == code and result.kind == "not_an_offense"
    assert result.known is False and result.flags == ()
    assert "is not an offense" in result.message and "no analysis" in result.message
    assert real_catalog.get(code).summary in result.message


def test_an_expungement_says_the_conviction_still_counts(real_catalog):
    """Matter of Roldan, 22 I&N Dec. 512 (BIA 1999); Nunez-Reyes v. Holder (9th Cir. 2011) (en
    banc): a PC 1203.4 dismissal is rehabilitative and does not erase the conviction."""
    assert "still counts" in assess_count("PC 1203.4", catalog=real_catalog).message


def test_a_vacatur_for_legal_defect_is_explained_as_effective(real_catalog):
    """Matter of Pickering, 23 I&N Dec. 621 (BIA 2003): a vacatur for a legal defect, as under PC
    1473.7, removes the conviction for immigration; one for rehabilitation does not."""
    message = assess_count("PC 1473.7", catalog=real_catalog).message
    assert "legal or procedural defect" in message and "rehabilitation" in message


def test_a_disposition_with_a_guidance_count_is_incomplete(real_catalog):
    """Issue 3 item 6: a count without analysis makes the whole disposition say so."""
    result = assess_disposition(
        [{"offense": "PC 1203.4"}, {"offense": "18 USC 1326"}, {"offense": "PC 415(2)"}],
        catalog=real_catalog,
    )
    assert result.known is False
    assert "not in the catalog" in result.message
    assert [count.known for count in result.counts] == [False, False, True]


def test_impossible_terms_are_still_refused_for_a_guidance_entry(real_catalog):
    """PC 18.5: a 400-day misdemeanor is impossible whatever the code."""
    with pytest.raises(InvalidInput):
        assess_count("18 USC 922(g)", level="misdemeanor", sentence_days=400, catalog=real_catalog)


def test_a_guidance_entry_in_a_fixture_catalog(catalog_dir):
    write(catalog_dir, GUIDANCE + NOT_AN_OFFENSE)
    catalog = load_catalog(catalog_dir)
    assert catalog.get("18 USC 922(g)").kind == "guidance"
    result = assess_count("18 U.S.C. 922(g)(5)", catalog=catalog)
    assert (result.known, result.code, result.flags) == (False, "18 USC 922(g)", ())
    assert "Analyse it under federal law." in result.message
    assert result.match_note  # it fell back from (g)(5) to (g), and says so
    offense = assess_count("PC 273.5(a)", catalog=catalog)
    assert offense.known is True and offense.kind == "offense"


# --- Validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GUIDANCE + A_FLAG, "field 'flag': a guidance entry has no flag"),
        (NOT_AN_OFFENSE.replace("title =", 'levels = ["felony"]\ntitle ='), "field 'levels'"),
        (GUIDANCE.replace('kind = "guidance"\n', ""), "not a California code"),
        (GUIDANCE.replace('"guidance"', '"advice"'), "unknown value 'advice'"),
        (GUIDANCE.replace("summary = ", "#"), "field 'summary'"),
        (GUIDANCE.replace("sources = ", "#"), "field 'sources'"),
    ],
)
def test_a_malformed_kind_entry_is_refused_with_its_field(catalog_dir, text, expected):
    """docs/catalog.md, "Kinds": a guidance or not-an-offense entry has a summary and sources and
    no flags, levels or alternatives; a federal section can only be guidance."""
    write(catalog_dir, text)
    with pytest.raises(CatalogError) as raised:
        load_catalog(catalog_dir)
    assert str(raised.value).startswith("offenses/zz_kinds.toml")
    assert expected in str(raised.value)


def test_an_alternative_cannot_be_a_guidance_entry(catalog_dir):
    """A safer plea must be an offense the engine can assess, never a procedure or a federal
    section."""
    persons = catalog_dir / "offenses" / "persons.toml"
    persons.write_text(
        persons.read_text(encoding="utf-8")
        + '\n  [[offense.alternative]]\n  code = "PC 1203.4"\n  conditions = "Fixture."\n',
        encoding="utf-8",
    )
    write(catalog_dir, NOT_AN_OFFENSE)
    problems = [str(problem) for problem in check_catalog(catalog_dir)]
    assert any("PC 1203.4 is a not_an_offense entry" in problem for problem in problems), problems


# --- Breadth of the real catalog -------------------------------------------------------------

STATUTE_MARKERS = ("Cal. ", "U.S.C.", "C.F.R.")
ADVISORY_MARKERS = ("ILRC", "IDP", "Defending Immigrants")


def test_at_least_400_analysed_offenses(real_catalog):
    """Issue 16 item 4: at least 400 entries, counting only offenses the engine analyses."""
    offenses = [o for o in real_catalog.offenses.values() if o.kind == "offense"]
    assert len(offenses) >= 400


@pytest.mark.parametrize(
    "code",
    [
        # The federal forms the issue names, and the post-conviction sections it names.
        "18 USC 922(g)",
        "21 USC 841",
        "8 USC 1326",
        "PC 1203.4",
        "PC 17(b)",
        "PC 1473.7",
        "PC 1203.43",
        "PC 1016.5",
    ],
)
def test_the_forms_the_issue_names_are_catalogued(real_catalog, code):
    assert real_catalog.get(code) is not None and real_catalog.get(code).kind != "offense"


def test_every_entry_cites_a_statute_and_a_practice_advisory(real_catalog):
    """Issue 16 item 4: every entry is sourced with the statute and a public practice advisory
    (ILRC chart or notes, IDP) -- federal guidance with the federal statute."""
    missing = []
    for offense in real_catalog.offenses.values():
        if offense.kind == "not_an_offense":
            continue  # a procedure: its statute and the controlling cases are the sources
        sources = " ".join(offense.sources)
        if not any(m in sources for m in STATUTE_MARKERS) or not any(
            m in sources for m in ADVISORY_MARKERS
        ):
            missing.append(offense.code)
    assert missing == []


def test_a_federal_code_is_never_an_analysed_offense(real_catalog):
    """A federal section is analysed under federal law, never as a California entry."""
    for offense in real_catalog.offenses.values():
        if offense.parsed.code.endswith("USC"):
            assert offense.kind == "guidance" and offense.flags == (), offense.code


# --- A federal count entered on a case --------------------------------------------------------


@pytest.mark.django_db
def test_a_federal_count_is_stored_as_typed_and_answered_with_guidance():
    """Charge.code holds a California code (four characters): a federal section is kept as the
    deputy typed it, saves on PostgreSQL, and still reaches the engine as guidance."""
    from cases.forms import statute_fields
    from cases.models import Charge
    from tests.factories import make_case, make_office, make_unit

    office = make_office()
    case = make_case(office, make_unit(office))
    typed = "18 U.S.C. § 922(g)(1)"
    assert statute_fields(typed) == {"code": "", "section": "", "subdivision": ""}
    assert statute_fields("PC 273.5(a)")["code"] == "PC"
    charge = Charge.objects.create(
        case=case, number=1, statute_as_entered=typed, level="felony", **statute_fields(typed)
    )
    charge.refresh_from_db()
    assert charge.statute == typed
    result = assess_count(charge.statute)
    assert (result.known, result.kind, result.code) == (False, "guidance", "18 USC 922(g)")
