"""An attacker for small-cell suppression: which hidden counts can be worked out exactly?

The attacker knows every printed count, every sum the report's structure implies (each
partition: its parts add up to its total), every inequality it implies (a month's compliant
offers are at most the month's offers; a ground is flagged on at most every signed worksheet),
and that a hidden count is a whole number of at least 1 (zeros are printed as 0). A hidden count
is *recovered* when every solution of that system gives it the same value.

This solves the integer program exactly (scipy's `milp`, HiGHS): for each hidden cell, is there
a solution in which it is smaller, or larger, than its true value? Two solves over the whole
system first (smallest and largest sum of the hidden cells) clear most cells at once; only the
rest get a solve of their own.

scipy is a test-only dependency (requirements-dev.txt): the application never solves anything.
"""

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from compliance.suppression import SUPPRESSED


def recovered(true, shown, partitions, inequalities=()):
    """The hidden cells whose value the printed figures pin down, as {key: value}.

    `true` and `shown` map every cell to its count and to what was printed ("<5" when hidden);
    `partitions` are (total, parts); `inequalities` are (smaller, larger) lists of keys, meaning
    sum(smaller) <= sum(larger).
    """
    hidden = sorted(key for key, value in shown.items() if value == SUPPRESSED)
    for key, value in shown.items():
        assert value == SUPPRESSED or value == true[key], (key, value, true[key])
    if not hidden:
        return {}
    index = {key: i for i, key in enumerate(hidden)}
    truth = np.array([true[key] for key in hidden], dtype=float)

    def linear(terms):
        """(coefficients over the hidden cells, the printed cells' part of the sum)."""
        row, constant = np.zeros(len(hidden)), 0
        for coefficient, key in terms:
            if key in index:
                row[index[key]] += coefficient
            else:
                constant += coefficient * shown[key]
        return row, constant

    rows, lower, upper = [], [], []
    for total, parts in partitions:
        row, constant = linear([(1, total), *((-1, part) for part in parts)])
        if row.any():
            rows.append(row)
            lower.append(-constant)
            upper.append(-constant)
        else:
            assert constant == 0, f"printed cells of {total} do not add up"
    for smaller, larger in inequalities:
        row, constant = linear([*((1, key) for key in smaller), *((-1, key) for key in larger)])
        if row.any():
            rows.append(row)
            lower.append(-np.inf)
            upper.append(-constant)
        else:
            assert constant <= 0, f"printed cells break {smaller} <= {larger}"

    # A cap keeps every problem bounded; far above any true count, so the true solution and
    # every other plausible one stay inside it (a cap only ever helps the attacker).
    cap = 10 * (sum(true.values()) + 10)
    constraints = [LinearConstraint(np.array(rows), lower, upper)] if rows else []
    bounds = Bounds(np.ones(len(hidden)), np.full(len(hidden), cap))
    integral = np.ones(len(hidden))

    def solve(objective):
        result = milp(objective, constraints=constraints, integrality=integral, bounds=bounds)
        assert result.status == 0, result.message  # the true counts are always a solution
        return np.round(result.x)

    if rows:
        assert all(
            lo - 1e-9 <= value <= hi + 1e-9
            for value, lo, hi in zip(np.array(rows) @ truth, lower, upper, strict=True)
        ), "the true counts must satisfy the attacker's system"
    undecided = set(range(len(hidden)))
    for objective in (np.ones(len(hidden)), -np.ones(len(hidden))):
        undecided -= set(np.flatnonzero(solve(objective) != truth))
    pinned = {}
    for i in sorted(undecided):
        unit = np.zeros(len(hidden))
        unit[i] = 1
        if solve(unit)[i] < truth[i] or solve(-unit)[i] > truth[i]:
            continue
        pinned[hidden[i]] = int(truth[i])
    return pinned
