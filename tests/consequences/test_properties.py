"""Property tests (hypothesis): no input crashes the engine; an unknown offense is never safe."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from consequences.catalog import FACT_TYPES, load_catalog
from consequences.codes import parse
from consequences.engine import InvalidInput, assess_count, assess_disposition
from consequences.statuses import Level, Status

from .conftest import FIXTURES

CATALOG = load_catalog(FIXTURES / "valid")
CODES = sorted(CATALOG.offenses)

code_text = st.one_of(
    st.sampled_from(CODES),
    st.text(max_size=40),
    st.builds(
        lambda body, number, sub: f"{body} {number}{sub}",
        st.sampled_from(["PC", "HS", "VC", "BP", "WI", "Pen. Code §", "H&S", "xx"]),
        st.integers(min_value=0, max_value=99999),
        st.sampled_from(["", "(a)", "(a)(1)", "(e)(1)", "a", "(zz)"]),
    ),
)
fact_value = st.one_of(
    st.booleans(), st.integers(-5, 100), st.floats(allow_nan=True), st.none(), st.text(max_size=3)
)
facts = st.one_of(
    st.none(), st.dictionaries(st.sampled_from([*FACT_TYPES, "bogus"]), fact_value, max_size=4)
)
terms = st.fixed_dictionaries(
    {},
    optional={
        "level": st.one_of(st.none(), st.sampled_from([*Level.values, "wobbler"])),
        "sentence_days": st.one_of(
            st.none(), st.integers(-10, 4000), st.just(True), st.just("365")
        ),
        "suspended_days": st.integers(0, 800),
        "facts": facts,
        "status": st.sampled_from([*Status.values, "martian"]),
    },
)


@settings(max_examples=400, deadline=None)
@given(code_text, terms)
def test_no_input_crashes_the_engine(code, count_terms):
    """DESIGN.md: the engine answers or reports invalid input (InvalidInput); it never crashes,
    and every answer serialises to JSON."""
    try:
        result = assess_count(code, catalog=CATALOG, **count_terms)
    except InvalidInput:
        return
    json.dumps(result.to_dict())


@settings(max_examples=400, deadline=None)
@given(code_text, terms)
def test_an_unknown_offense_is_never_returned_as_safe(code, count_terms):
    """DESIGN.md, issue 3 item 6: an unknown code gives known false and a plain message, never an
    empty, safe-looking answer."""
    try:
        result = assess_count(code, catalog=CATALOG, **count_terms)
    except InvalidInput:
        return
    data = result.to_dict()
    if not data["offense"]["known"]:
        assert data["message"] and "no analysis" in data["message"]
        assert data["flags"] == []
    else:
        parsed = parse(code)
        assert parsed is not None
        assert data["offense"]["code"] in CATALOG.offenses


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(code_text, terms), max_size=4), st.sampled_from(Status.values))
def test_no_disposition_crashes_and_unknown_counts_are_reported(counts, status):
    """8 U.S.C. 1227(a)(2)(A)(ii), 1182(a)(2)(B): the whole disposition is assessed; a count the
    catalog lacks makes the disposition say it is incomplete."""
    inputs = [
        {"offense": code, **{k: v for k, v in t.items() if k != "status"}} for code, t in counts
    ]
    try:
        result = assess_disposition(inputs, status=status, catalog=CATALOG)
    except InvalidInput:
        return
    data = json.loads(json.dumps(result.to_dict()))
    if any(not count["offense"]["known"] for count in data["counts"]):
        assert data["known"] is False and "not in the catalog" in data["message"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_the_parser_never_crashes_and_is_idempotent(text):
    """DESIGN.md: any text either reads to a code whose canonical spelling reads back to itself, or
    to None.
    """
    parsed = parse(text)
    if parsed is not None:
        assert parse(parsed.canonical) == parsed


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_real_catalog_never_crashes_or_returns_an_unknown_offense_as_safe(real_catalog, data):
    """DESIGN.md: the same two properties over every entry of the real catalog and loose input."""
    code = data.draw(st.one_of(st.sampled_from(sorted(real_catalog.offenses)), code_text))
    count_terms = data.draw(terms)
    try:
        result = assess_count(code, catalog=real_catalog, **count_terms)
    except InvalidInput:
        return
    data_out = json.loads(json.dumps(result.to_dict()))
    if not data_out["offense"]["known"]:
        assert "no analysis" in data_out["message"] and data_out["flags"] == []
    else:
        assert data_out["flags"] or data_out["message"], "an empty answer always says why"
