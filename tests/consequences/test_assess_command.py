"""``manage.py assess`` (issue 3 item 7). No test here requests the
database: pytest-django refuses any query, which proves the commands never touch it."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from consequences import engine
from consequences.management.commands.assess import Command, parse_facts


@pytest.fixture(autouse=True)
def fixture_engine(monkeypatch, fixture_catalog):
    """Run the commands against the small fixture catalog."""
    monkeypatch.setattr(engine, "get_catalog", lambda: fixture_catalog)


def run(*args):
    out = StringIO()
    call_command("assess", *args, stdout=out)
    return out.getvalue()


def test_json_for_one_count():
    """Issue 3 item 7: one JSON object with the documented keys; 8 U.S.C. 1101(a)(43)(G) at 365
    days.
    """
    data = json.loads(
        run("PC 487(a)", "--sentence-days", "365", "--level", "felony", "--status", "lpr", "--json")
    )
    assert data["offense"] == {"code": "PC 487(a)", "title": "Grand theft", "known": True}
    assert data["input"]["status"] == "lpr"
    assert {"ground": "aggravated_felony", "subcategory": "G", "verdict": "yes"}.items() <= data[
        "flags"
    ][0].items()
    assert data["catalog_version"] == "2000.1.1"


def test_facts_on_the_command_line():
    """Mellouli v. Lynch (2015): with no federal substance named, not "yes"."""
    data = json.loads(run("HS 11350(a)", "--fact", "substance_named=false", "--json"))
    assert data["flags"][0]["verdict"] == "arguably_not"
    assert data["input"]["facts"] == {"substance_named": False}


def test_readable_table():
    """Issue 3 item 7: a readable table, labelled advisory."""
    text = run("Pen. Code § 273.5(a)", "--sentence-days", "365")
    assert text.startswith("PC 273.5(a) — Corporal injury")
    assert "domestic_violence" in text and "fix:" in text
    assert "Alternative PC 243(e)(1)" in text
    assert "not legal advice" in text


def test_unknown_code_is_plain():
    """DESIGN.md: an unknown offense says so plainly."""
    assert "not in the catalog — no analysis" in run("PC 99999")
    assert json.loads(run("PC 99999", "--json"))["offense"]["known"] is False


def test_invalid_input_is_a_command_error():
    """PC 18.5: a 400-day misdemeanor is impossible."""
    with pytest.raises(CommandError, match="PC 18.5"):
        run("PC 487(a)", "--level", "misdemeanor", "--sentence-days", "400")
    with pytest.raises(CommandError, match="NAME=VALUE"):
        run("PC 487(a)", "--fact", "loss")


def test_batch_one_object_per_line_in_order_with_errors_per_line(tmp_path):
    """Issue 3 item 7: JSON lines in, one JSON object per line out, same order; a bad line gives
    an error object for that line (PC 18.5 for the impossible misdemeanor)."""
    lines = [
        {
            "offense": "PC 487(a)",
            "sentence_days": 365,
            "level": "felony",
            "status": "lpr",
            "facts": {"loss_over_10000": False},
        },
        "not json",
        {"offense": "PC 487(a)", "level": "misdemeanor", "sentence_days": 400},
        {"offense": "PC 99999"},
        {"sentence_days": 3},
        {"offense": "HS 11350(a)", "facts": {"substance_named": True}},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n\n"
    )
    out = [json.loads(line) for line in run("--batch", str(path), "--json").splitlines()]
    assert len(out) == 6
    assert out[0]["offense"]["code"] == "PC 487(a)" and out[0]["flags"][0]["verdict"] == "yes"
    assert out[1]["line"] == 2 and "not JSON" in out[1]["error"]
    assert out[2]["line"] == 3 and "PC 18.5" in out[2]["error"]
    assert out[3]["offense"]["known"] is False
    assert out[4]["line"] == 5 and "offense" in out[4]["error"]
    assert out[5]["flags"][0]["verdict"] == "yes"


def test_batch_needs_json(tmp_path):
    """The batch format is JSON lines only."""
    with pytest.raises(CommandError, match="--json"):
        run("--batch", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="cannot read"):
        run("--batch", str(tmp_path / "missing.jsonl"), "--json")


def test_parse_facts_types():
    """docs/catalog.md: facts are booleans, and grams a number."""
    assert parse_facts(["grams=28.5", "victim_minor=yes", "temporary_taking=false"]) == {
        "grams": 28.5,
        "victim_minor": True,
        "temporary_taking": False,
    }


def flag_verdicts(data, ground):
    return {
        flag["subcategory"]: flag["verdict"] for flag in data["flags"] if flag["ground"] == ground
    }


def test_suspended_days_are_not_custody_to_serve():
    """8 C.F.R. 236.22(b)(6) ("more than 90 days" to serve, suspended time excluded) and 8 U.S.C.
    1101(f)(7) (180 days confined): 364 days mostly suspended is not 364 days served."""
    served = json.loads(
        run("PC 415(1)", "--level", "misdemeanor", "--sentence-days", "364", "--json")
    )
    assert flag_verdicts(served, "daca_bar") == {"significant_misdemeanor": "yes"}
    assert "confinement_180_days" in flag_verdicts(served, "good_moral_character")
    suspended = json.loads(
        run(
            "PC 415(1)",
            "--level",
            "misdemeanor",
            "--sentence-days",
            "30",
            "--suspended-days",
            "334",
            "--json",
        )
    )
    assert suspended["input"]["sentence_days"] == 30
    assert suspended["input"]["suspended_days"] == 334
    assert flag_verdicts(suspended, "daca_bar") == {"misdemeanor": "no"}
    assert "confinement_180_days" not in flag_verdicts(suspended, "good_moral_character")


def test_suspended_days_count_toward_the_year():
    """8 U.S.C. 1101(a)(48)(B): the term imposed includes suspended time, so 90 days served and
    275 suspended is a year for 8 U.S.C. 1101(a)(43)(G); the table says how it was read."""
    args = ("PC 487(a)", "--level", "felony", "--sentence-days", "90", "--suspended-days")
    assert flag_verdicts(json.loads(run(*args, "275", "--json")), "aggravated_felony") == {
        "G": "yes"
    }
    assert flag_verdicts(json.loads(run(*args, "274", "--json")), "aggravated_felony") == {
        "G": "no"
    }
    text = run(*args, "275")
    assert "Sentence: 365 days imposed (90 to serve, 275 suspended" in text
    assert "1101(a)(48)(B)" in text


def test_suspended_days_are_checked_like_the_sentence():
    """PC 18.5: the suspended term counts toward a misdemeanor's 364-day cap; days are never
    negative."""
    with pytest.raises(CommandError, match="PC 18.5"):
        run(
            "PC 415(1)",
            "--level",
            "misdemeanor",
            "--sentence-days",
            "30",
            "--suspended-days",
            "335",
        )
    with pytest.raises(CommandError, match="suspended_days"):
        run("PC 415(1)", "--suspended-days", "-1")


def test_the_help_says_what_each_sentence_option_means():
    """8 U.S.C. 1101(a)(48)(B): the help says which days are served and which suspended."""
    parser = Command().create_parser("manage.py", "assess")
    text = parser.format_help()
    assert "--suspended-days" in text
    assert "custody ordered to be served" in text
    assert "imposed but suspended" in text
    assert "1101(a)(48)(B)" in text


def test_batch_reads_suspended_days(tmp_path):
    """8 U.S.C. 1101(a)(48)(B) and 8 C.F.R. 236.22(b)(6): "suspended_days" in a batch line is read
    as suspended time, counted for the year but not as custody to serve; a bad value is that
    line's error."""
    lines = [
        {
            "offense": "PC 415(1)",
            "level": "misdemeanor",
            "sentence_days": 30,
            "suspended_days": 334,
        },
        {"offense": "PC 487(a)", "level": "felony", "sentence_days": 90, "suspended_days": 275},
        {"offense": "PC 415(1)", "sentence_days": 30, "suspended_days": "334"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    out = [json.loads(line) for line in run("--batch", str(path), "--json").splitlines()]
    assert out[0]["input"]["suspended_days"] == 334
    assert flag_verdicts(out[0], "daca_bar") == {"misdemeanor": "no"}
    assert "confinement_180_days" not in flag_verdicts(out[0], "good_moral_character")
    assert flag_verdicts(out[1], "aggravated_felony") == {"G": "yes"}
    assert out[2]["line"] == 3 and "suspended_days" in out[2]["error"]
