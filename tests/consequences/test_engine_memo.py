"""The memo of a count's flags (engine._memoised_count_flags) answers exactly as a fresh build.

The catalog keeps each count's flags once built, keyed by everything the flags depend on. A key
that left out a fact, the sentence, the level or the combined form would hand one count's flags
to another: each case below assesses terms that differ in one of those, on a warm catalog, and
compares with the same assessment on an empty memo.
"""

import pytest

from consequences import engine

# Pairs that differ in one input the flags read (a fact, the sentence, the level, the custody
# served of the same sentence); each pair's two answers differ.
CASES = [
    ("PC 487(a)", {"facts": {"loss_over_10000": True}}, {"facts": {"loss_over_10000": False}}),
    ("PC 273.5(a)", {"sentence_days": 365}, {"sentence_days": 90}),
    ("PC 273.5(a)", {"level": "felony"}, {"level": "misdemeanor"}),
    ("HS 11352", {"facts": {"substance_named": True}}, {"facts": {"substance_named": False}}),
    ("PC 211", {"sentence_days": 200}, {"sentence_days": 20, "suspended_days": 180}),
]


def fresh(catalog, code, terms):
    catalog.memo.clear()
    return engine.assess_count(code, catalog=catalog, **terms).all_flags


@pytest.mark.parametrize(("code", "first", "second"), CASES)
def test_a_warm_memo_answers_as_a_fresh_build(real_catalog, code, first, second):
    expected_first = fresh(real_catalog, code, first)
    expected_second = fresh(real_catalog, code, second)
    assert expected_first != expected_second  # the pair really differs in its flags

    real_catalog.memo.clear()
    for terms, expected in [(first, expected_first), (second, expected_second)] * 2:
        assert engine.assess_count(code, catalog=real_catalog, **terms).all_flags == expected


def test_an_attempt_does_not_take_its_targets_flags(real_catalog):
    real_catalog.memo.clear()
    target = engine.assess_count("PC 211", catalog=real_catalog, sentence_days=365)
    attempt = engine.assess_count("PC 664/211", catalog=real_catalog, sentence_days=365)
    assert attempt.all_flags != target.all_flags
    assert any("target offense" in (flag.note or "") for flag in attempt.all_flags)
