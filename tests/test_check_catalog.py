"""`make run` validates the catalog through check_catalog: it reports every problem precisely."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from consequences.catalog import CATALOG_ROOT


def test_check_catalog_reports_the_real_catalog(capsys):
    call_command("check_catalog")
    out = capsys.readouterr().out
    assert "Offense catalog" in out and "offenses." in out


def test_check_catalog_lists_every_problem_and_fails(tmp_path, capsys):
    shutil.copy(CATALOG_ROOT / "catalog.toml", tmp_path / "catalog.toml")
    (tmp_path / "offenses").mkdir()
    (tmp_path / "offenses" / "broken.toml").write_text(
        """
[[offense]]
code = "PC 242"
title = "Battery"
levels = ["misdemeanor"]
summary = "A test entry with a bad verdict."
last_reviewed = 2026-11-01
sources = ["Cal. Penal Code § 242"]
  [[offense.flag]]
  ground = "cimt"
  verdict = "maybe"
  when = "always"
  note = "x"
  citations = ["x"]

[[offense]]
code = "PC 415"
title = "Disturbing the peace"
levels = ["misdemeanor"]
summary = "A test entry with no sources."
last_reviewed = 2026-11-01
sources = []
  [[offense.flag]]
  ground = "cimt"
  verdict = "no"
  when = "always"
  note = "x"
  citations = ["x"]
""",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="problem"):
        call_command("check_catalog", root=str(tmp_path))
    err = capsys.readouterr().err
    assert "offenses/broken.toml, entry PC 242" in err and "verdict" in err
    assert "entry PC 415" in err and "sources" in err
