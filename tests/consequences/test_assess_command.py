"""``manage.py assess`` (issue 3 item 7). No test here requests the
database: pytest-django refuses any query, which proves the commands never touch it."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from consequences import engine
from consequences.management.commands.assess import parse_facts


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
