"""``manage.py assess`` for a whole disposition (issue 16 item 5), against the real catalog.

The one-count form is pinned, unchanged, by test_assess_command.py. No test here requests the
database: the command never touches it.
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from consequences.management.commands.assess import parse_count, parse_prior


def run(*args):
    out = StringIO()
    call_command("assess", *args, stdout=out)
    return out.getvalue()


def disposition_flags(data):
    return {(f["ground"], f["subcategory"]): f["verdict"] for f in data["flags"]}


def test_a_table_for_several_counts_and_priors():
    """Each count with its own terms, the priors, then the disposition-level grounds."""
    text = run(
        "--count",
        "PC 488 level=misdemeanor sentence=10 date=2026-05-01",
        "--count",
        "PC 664/211 level=felony sentence=365",
        "--prior",
        "PC 484(a) convicted=2022-01-10 sentence=30 level=misdemeanor source=court_record",
        "--prior",
        "PC 99999 convicted=2019-01-01 sentence=100",
    )
    assert "Disposition of 2 count(s)" in text
    assert "Count 1: PC 488" in text and "Count 2: PC 664/PC 211" in text
    assert "Prior PC 484(a) (convicted 2022-01-10, misdemeanor, 30 days, court record)" in text
    assert "Prior PC 99999" in text and "not in the catalog" in text
    assert "Disposition-level grounds:" in text and "two_cimts" in text
    assert "not legal advice" in text


def test_json_for_a_disposition_with_the_single_scheme_answer():
    """8 U.S.C. 1227(a)(2)(A)(ii): two CIMTs in one case; the deputy's answer decides the single
    scheme, while the petty-offense exception is lost either way (1182(a)(2)(A)(ii)(II))."""
    args = ["--count", "PC 488 level=misdemeanor", "--count", "PC 484(a) level=misdemeanor"]
    apart = json.loads(run(*args, "--single-scheme", "no", "--json"))
    assert disposition_flags(apart)[("cimt", "two_cimts")] == "yes"
    one = json.loads(run(*args, "--single-scheme", "yes", "--json"))
    assert disposition_flags(one)[("cimt", "two_cimts")] == "arguably_not"
    assert disposition_flags(one)[("cimt", "petty_offense_exception_lost")] == "yes"
    assert one["input"]["single_scheme"] is True
    assert [count["offense"]["code"] for count in one["counts"]] == ["PC 488", "PC 484(a)"]


def test_count_specs_carry_facts_sentence_and_date():
    assert parse_count(
        "HS 11350 level=misdemeanor sentence=30 suspended=60 date=2026-01-02 substance_named=true",
        1,
    ) == {
        "offense": "HS 11350",
        "facts": {"substance_named": True},
        "level": "misdemeanor",
        "sentence_days": 30,
        "suspended_days": 60,
        "offense_date": "2026-01-02",
    }
    assert parse_prior("HS 11350 convicted=2020-01-15 pleaded=no", 2) == {
        "code": "HS 11350",
        "convicted_on": "2020-01-15",
        "pleaded_and_proven": False,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "PC 488 colour=red"], "count 1: unknown option 'colour'"),
        (["--count", "sentence=10"], "count 1: give the offense code first"),
        (["--count", "PC 488 sentence=ten"], "count 1: sentence must be a whole number"),
        (["--count", "PC 488", "--prior", "PC 484"], "prior 1: convicted=YYYY-MM-DD"),
        (
            ["--count", "PC 488", "--prior", "PC 484 convicted=2999-01-01"],
            "prior 1: convicted_on 2999-01-01 is in the future",
        ),
        (
            ["--count", "PC 488", "--prior", "PC 484 convicted=2020-01-01 sentence=-4"],
            "prior 1: sentence_days must be a whole number",
        ),
        (["--count", "PC 488", "--sentence-days", "30"], "inside its SPEC"),
        (["PC 488", "--count", "PC 484"], "not both"),
        (["--prior", "PC 484 convicted=2020-01-01"], "at least one --count"),
    ],
)
def test_bad_disposition_input_is_a_clear_command_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_batch_mixes_one_count_lines_and_dispositions(tmp_path):
    """Issue 16 item 5: JSON Lines, one disposition per line; one-count lines as before; a bad
    line is that line's error."""
    lines = [
        {"offense": "PC 488"},
        {
            "counts": [
                {"offense": "HS 11350", "facts": {"substance_named": True}},
                {"offense": "PC 415(1)", "level": "misdemeanor"},
            ],
            "priors": [
                {"code": "HS 11350", "convicted_on": "2020-02-02", "pleaded_and_proven": True}
            ],
            "single_scheme": False,
            "status": "lpr",
        },
        {"counts": [{"offense": "PC 488"}], "priors": [{"code": "PC 484", "convicted_on": "x"}]},
        {"counts": []},
        {"counts": [{"offense": "PC 488"}], "colour": "red"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    out = [json.loads(line) for line in run("--batch", str(path), "--json").splitlines()]
    assert len(out) == 5
    assert out[0]["offense"]["code"] == "PC 488"
    assert out[1]["input"]["status"] == "lpr" and len(out[1]["counts"]) == 2
    assert disposition_flags(out[1])[("aggravated_felony", "B")] == "assume_yes"
    assert out[2]["line"] == 3 and "prior 1: convicted_on" in out[2]["error"]
    assert out[3]["line"] == 4 and "non-empty list" in out[3]["error"]
    assert out[4]["line"] == 5 and "colour" in out[4]["error"]
