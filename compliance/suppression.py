"""Small-cell suppression that cannot be undone by subtraction.

A count from 1 to 4 is hidden ("<5") in anything that leaves the office. Hiding it alone is not
enough: where counts add up to a printed total (a *partition*: offers conveyed = compliant +
late + missing = the months' offers), the reader subtracts the printed parts from the total and
gets the hidden one back. So more cells are hidden until no hidden count can be worked out.

What the reader is assumed to know, and what `suppress` protects against:

- every printed count;
- every partition (`partitions`: the parts add up to the total), and any sum that follows from
  several of them (a total of one partition can be a part of another);
- every inequality the report's structure implies (`inequalities`: a month's compliant offers
  are at most its offers; a ground is flagged on at most every signed worksheet);
- that a hidden count is a whole number of at least 1, because zeros are printed as 0 (a zero
  reveals nothing the structure does not: nobody is in that cell).

The rule (primary and secondary suppression, as statistical offices do it):

1. Hide every count from 1 to 4, totals included. Zeros stay.
2. Work out, from the printed cells alone, the smallest and largest value each hidden cell could
   have: bounds propagation over the sums and inequalities, repeated until nothing tightens.
   Where the two meet, the cell is given away — e.g. a lone hidden part of a printed total, a
   total whose parts are all printed, or two hidden 1s that must add up to 2.
3. Then hide the smallest non-zero printed count that shares a sum or an inequality with a cell
   given away (the "next smallest" cell, so as little as possible is lost), and go back to 2.

Bounds propagation never claims a cell is given away when it is not (every bound it derives
holds in every solution). `tests/test_suppression.py` checks the other direction with an exact
integer solver over random partitions and random reports: no hidden cell has a single possible
value.
"""

import math

SUPPRESSION_THRESHOLD = 5  # counts from 1 to 4 are shown as "<5" in anything exported
SUPPRESSED = "<5"

# Propagation rounds before giving up on tightening further. Bounds only ever shrink, so
# stopping early is safe for the bounds found; on the report's structure it settles in a few.
_ROUNDS = 50


def is_small(value):
    """A count from 1 to 4. Zero is not small: it is shown as 0 and never hidden."""
    return 0 < value < SUPPRESSION_THRESHOLD


def suppress(counts, partitions, inequalities=()):
    """`counts` as they may leave the office: hidden cells replaced by "<5".

    `partitions` are (total, parts) pairs whose parts add up to the total; `inequalities` are
    (smaller, larger) pairs of key lists with sum(smaller) <= sum(larger).
    """
    constraints = [
        (((total, 1), *((part, -1) for part in parts)), True) for total, parts in partitions
    ]
    constraints += [
        ((*((key, 1) for key in smaller), *((key, -1) for key in larger)), False)
        for smaller, larger in inequalities
    ]
    hidden = {key for key, value in counts.items() if is_small(value)}
    while given_away := _given_away(counts, hidden, constraints):
        candidates = {
            key
            for terms, _ in constraints
            if any(key in given_away for key, _ in terms)
            for key, _ in terms
            if key not in hidden and counts[key] > 0
        }
        if not candidates:
            # Every cell it shares a sum with is hidden already, so there is nothing left to
            # hide. Consistent counts never get here; counts that break a sum can (the report
            # counts offers, worksheets and reviews in separate queries, and a row written
            # between them can leave the bounds empty). Print what is hidden, never fail.
            break
        hidden.add(min(candidates, key=lambda key: (counts[key], key)))
    return {key: (SUPPRESSED if key in hidden else value) for key, value in counts.items()}


def _given_away(counts, hidden, constraints):
    """The hidden cells whose bounds, from the printed cells, allow one value only."""
    if not hidden:
        return set()
    low = dict.fromkeys(hidden, 1)
    high = dict.fromkeys(hidden, math.inf)
    relevant = [c for c in constraints if any(key in hidden for key, _ in c[0])]
    for _ in range(_ROUNDS):
        changed = False
        for terms, equal in relevant:
            changed |= _tighten(terms, equal, counts, low, high)
        if not changed:
            break
    return {key for key in hidden if low[key] >= high[key]}


def _tighten(terms, equal, counts, low, high):
    """One pass of bounds propagation over sum(coefficient × cell) = 0 (or <= 0).

    For each hidden cell, the other terms' sum lies between their smallest and largest
    values; the cell's coefficient times its value is minus that sum. Infinite bounds are
    counted apart, so that no infinity is subtracted from another.
    """

    def span(key, coefficient):
        lo, hi = (low[key], high[key]) if key in low else (counts[key], counts[key])
        return (lo, hi) if coefficient > 0 else (-hi, -lo)

    spans = [span(key, coefficient) for key, coefficient in terms]
    finite_low = sum(lo for lo, _ in spans if lo != -math.inf)
    finite_high = sum(hi for _, hi in spans if hi != math.inf)
    infinite_low = sum(lo == -math.inf for lo, _ in spans)
    infinite_high = sum(hi == math.inf for _, hi in spans)
    changed = False
    for (key, coefficient), (lo, hi) in zip(terms, spans, strict=True):
        if key not in low:
            continue
        # The others' sum: [rest_low, rest_high].
        if lo == -math.inf:
            rest_low = finite_low if infinite_low == 1 else -math.inf
        else:
            rest_low = finite_low - lo if infinite_low == 0 else -math.inf
        if hi == math.inf:
            rest_high = finite_high if infinite_high == 1 else math.inf
        else:
            rest_high = finite_high - hi if infinite_high == 0 else math.inf
        # coefficient × value = -others: in [-rest_high, -rest_low] (only <= -rest_low for <=).
        term_low = -rest_high if equal else -math.inf
        term_high = -rest_low
        new_low, new_high = (term_low, term_high) if coefficient > 0 else (-term_high, -term_low)
        if new_low > low[key]:
            low[key] = new_low
            changed = True
        if new_high < high[key]:
            high[key] = new_high
            changed = True
    return changed
