"""Loading and validating the catalog (docs/catalog.md): a broken entry is reported precisely."""

import datetime
import shutil
from pathlib import Path

import pytest

from consequences import catalog as catalog_module
from consequences.catalog import CatalogError, check_catalog, get_catalog, load_catalog
from consequences.codes import parse
from consequences.statuses import Ground, Level, Status, Verdict

from .conftest import FIXTURES

BROKEN = sorted((FIXTURES / "broken").glob("*.toml"))


def expectations(path):
    return [
        line.removeprefix("# expect:").strip()
        for line in path.read_text().splitlines()
        if line.startswith("# expect:")
    ]


@pytest.fixture
def catalog_dir(tmp_path):
    """A writable copy of the valid fixture catalog."""
    target = tmp_path / "catalog"
    shutil.copytree(FIXTURES / "valid", target)
    return target


def test_the_fixture_catalog_loads(fixture_catalog):
    """docs/catalog.md: a well-formed catalog loads with its version and effective date."""
    assert fixture_catalog.version == "2000.1.1"
    assert fixture_catalog.effective == datetime.date(2000, 1, 31)
    offense = fixture_catalog.get("PC 273.5(a)")
    assert offense.levels == (Level.FELONY, Level.MISDEMEANOR)
    assert offense.tags == frozenset({"dv", "violent_force", "laken_riley"})
    assert offense.flags[0].ground == Ground.DOMESTIC_VIOLENCE
    assert offense.flags[1].otherwise == Verdict.NO  # the documented default
    assert offense.file == "offenses/persons.toml"


def test_flags_carry_the_statuses_their_ground_matters_for(fixture_catalog):
    """8 U.S.C. 1227(a)(2)(E): domestic violence is a deportability ground, so not for DACA."""
    flag = fixture_catalog.get("PC 273.5(a)").flags[0]
    assert Status.LPR in flag.statuses
    assert Status.DACA not in flag.statuses


@pytest.mark.parametrize("path", BROKEN, ids=[path.stem for path in BROKEN])
def test_a_broken_entry_is_reported_with_file_entry_and_field(catalog_dir, path):
    """docs/catalog.md, "An entry": a malformed field fails the load with file, entry and field."""
    shutil.copy(path, catalog_dir / "offenses" / "zz_broken.toml")
    with pytest.raises(CatalogError) as raised:
        load_catalog(catalog_dir)
    message = str(raised.value)
    assert message.startswith("offenses/zz_broken.toml")
    for expected in expectations(path):
        assert expected in message


def test_every_broken_fixture_states_what_it_expects():
    """A fixture without an expectation would be a test that cannot fail."""
    assert len(BROKEN) >= 25
    for path in BROKEN:
        assert expectations(path), path.name


def test_check_catalog_lists_every_problem_not_just_the_first(catalog_dir):
    """docs/catalog.md: reviewers fix a whole file at once, so every problem is listed."""
    text = "\n".join(
        (FIXTURES / "broken" / name).read_text().replace("PC 9001", code)
        for name, code in (("unknown_ground.toml", "PC 9001"), ("unknown_when.toml", "PC 9002"))
    )
    (catalog_dir / "offenses" / "zz_broken.toml").write_text(text)
    problems = check_catalog(catalog_dir)
    assert [problem.entry for problem in problems] == ["PC 9001", "PC 9002"]
    assert [problem.field for problem in problems] == ["flag[1].ground", "flag[1].when"]


def test_check_catalog_is_empty_for_a_valid_catalog():
    """docs/catalog.md: the valid fixture catalog has no problem."""
    assert check_catalog(FIXTURES / "valid") == []


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("effective = 2000-01-31\n", "version"),
        ('version = "one"\neffective = 2000-01-31\n', "version"),
        ('version = "2000.1.1"\n', "effective"),
        ('version = "2000.1.1"\neffective = "2000-01-31"\n', "effective"),
        ('version = "2000.1.1"\neffective = 2000-01-31\nauthor = "x"\n', "author"),
    ],
)
def test_a_broken_header_is_reported(catalog_dir, header, field):
    """docs/catalog.md, "Files": catalog.toml needs a version and an effective date."""
    (catalog_dir / "catalog.toml").write_text(header)
    with pytest.raises(CatalogError) as raised:
        load_catalog(catalog_dir)
    assert raised.value.file == "catalog.toml"
    assert raised.value.field == field


def test_a_missing_header_is_reported(catalog_dir):
    """docs/catalog.md, "Files": catalog.toml is required."""
    (catalog_dir / "catalog.toml").unlink()
    with pytest.raises(CatalogError, match="catalog.toml: file not found"):
        load_catalog(catalog_dir)


def test_the_catalog_is_loaded_once_per_process(monkeypatch):
    """DESIGN.md: loaded and validated once per process (until a reload replaces it)."""
    monkeypatch.setattr(catalog_module, "CATALOG_ROOT", FIXTURES / "valid")
    catalog_module.forget_catalog()
    loads = []
    real_load = catalog_module.load_catalog
    monkeypatch.setattr(
        catalog_module, "load_catalog", lambda root: loads.append(root) or real_load(root)
    )
    try:
        assert get_catalog() is get_catalog()
        assert len(loads) == 1
    finally:
        catalog_module.forget_catalog()


def test_lookup_falls_back_to_a_less_specific_subdivision(fixture_catalog):
    """PC 273.5(a)(1) is not an entry, PC 273.5(a) is: the lookup says which it used."""
    match = fixture_catalog.lookup(parse("PC 273.5(a)(1)"))
    assert match.offense.code == "PC 273.5(a)"
    assert not match.exact
    assert "using PC 273.5(a)" in match.note


def test_lookup_never_falls_back_to_another_section(fixture_catalog):
    """PC 273.6 is not PC 273.5: a different section is a different offense."""
    assert fixture_catalog.lookup(parse("PC 273.6")) is None
    assert fixture_catalog.lookup(parse("PC 27")) is None


def test_a_bare_section_with_one_subdivision_entry_finds_it(fixture_catalog):
    """Practitioners write "HS 11350" for HS 11350(a); with one entry in the section it is clear."""
    match = fixture_catalog.lookup(parse("HS 11350"))
    assert match.offense.code == "HS 11350(a)"
    assert "only subdivision" in match.note


def test_an_exact_match_is_exact(fixture_catalog):
    """The entry itself: no note."""
    match = fixture_catalog.lookup(parse("pc 243(e)(1)"))
    assert match.exact and match.note is None


def test_resolve_tries_the_other_reading_of_a_glued_letter(fixture_catalog):
    """ "PC 647b1"-style: no section 647b, so it is read as PC 647(b)(1)."""
    parsed, match = fixture_catalog.resolve("PC 487a")
    assert parsed.canonical == "PC 487(a)"
    assert match.offense.code == "PC 487(a)"
    assert "Read 'PC 487a' as PC 487(a)" in match.note


def test_catalog_root_is_the_package_directory():
    """The catalog lives in consequences/catalog/ (docs/catalog.md, "Files")."""
    assert Path(catalog_module.__file__).parent / "catalog" == catalog_module.CATALOG_ROOT
