"""Copies of the installed catalog for the tests of loading a new version: one where the law
changed (petty theft's CIMT flag becomes "unclear") and one that fails validation."""

import re
import shutil

from consequences.catalog import CATALOG_ROOT

NEW_VERSION = "2027.1.1"
_PETTY_THEFT_CIMT = 'ground = "cimt"\n  verdict = "yes"\n  when = "always"\n  note = "Petty theft'


def changed_catalog(folder):
    """The installed catalog, versioned 2027.1.1, with PC 488's CIMT flag made "unclear"."""
    shutil.copytree(CATALOG_ROOT, folder)
    header = folder / "catalog.toml"
    text = header.read_text(encoding="utf-8")
    header.write_text(
        re.sub(r'(?m)^version = ".*"$', f'version = "{NEW_VERSION}"', text), encoding="utf-8"
    )
    offenses = folder / "offenses" / "property_fraud_justice.toml"
    text = offenses.read_text(encoding="utf-8")
    assert text.count(_PETTY_THEFT_CIMT) == 1
    offenses.write_text(
        text.replace(_PETTY_THEFT_CIMT, _PETTY_THEFT_CIMT.replace('"yes"', '"unclear"')),
        encoding="utf-8",
    )
    return folder


def broken_catalog(folder):
    """A new version whose PC 488 entry has a verdict the format does not know."""
    changed_catalog(folder)
    offenses = folder / "offenses" / "property_fraud_justice.toml"
    text = offenses.read_text(encoding="utf-8")
    offenses.write_text(text.replace('verdict = "unclear"', 'verdict = "probably"', 1))
    return folder
