"""CSV injection (OWASP): one `csv_safe` for every CSV the app writes.

A cell a spreadsheet would read as a formula (=, +, -, @, tab, carriage return first) gets a
leading apostrophe; numbers stay numbers and an empty value stays empty.
"""

import pytest

from cases.security import csv_safe


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["People v. Doe", "PC 273.5(a)", "<5", "", "a=b", " =1"])
def test_plain_text_is_unchanged(text):
    assert csv_safe(text) == text


@pytest.mark.parametrize("value", [0, 7, -3, 12.5, None])
def test_numbers_and_empty_cells_pass_through(value):
    # A negative count or rate is a value, not a formula: writing it as "'-3" would turn a
    # number into text in the spreadsheet.
    assert csv_safe(value) is value
