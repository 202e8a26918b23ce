"""Benchmark the consequence engine: catalog load time and time per assessment.

    .venv/bin/python bench/bench_engine.py [--repeat N]

Prints a table and merges its figures into bench/results.json as
{"name": {"value", "unit", "target", "baseline"}}. Targets (DESIGN.md, "Targets"): catalog load
≤ 300 ms, one assessment ≤ 50 µs after the catalog is loaded. Each figure is the median of
repeated runs, in CPU time of this thread (`time.thread_time`): the engine is single-threaded
and does no I/O, so on an idle core its wall time is its CPU time, and on a shared machine (these
have 2 cores and often a load of 10 or more) wall time would time the other processes too. The
wall-clock medians are printed beside them. No Django settings are needed: the engine knows
nothing of the project.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consequences import engine  # noqa: E402
from consequences.catalog import CATALOG_ROOT, load_catalog  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.json"

# A realistic mix: exact codes, loose spellings, fallbacks, facts, statuses, one unknown code.
REQUESTS = [
    ("PC 273.5(a)", {"level": "felony", "sentence_days": 365}),
    ("Pen. Code § 273.5(a)", {"sentence_days": 364, "status": "lpr"}),
    ("HS 11350", {"facts": {"substance_named": False}}),
    ("H&S 11351", {"level": "felony", "sentence_days": 180, "status": "daca"}),
    ("PC 487(a)", {"level": "felony", "sentence_days": 365, "facts": {"loss_over_10000": False}}),
    ("PC 496(a)", {"level": "misdemeanor", "sentence_days": 30}),
    ("VC 23152(a)", {"level": "misdemeanor", "sentence_days": 4}),
    ("PC 243(e)(1)", {"facts": {"offensive_touching_only": True}}),
    ("PC 459", {}),
    ("PC 99999", {}),
]
# Attempts and conspiracies written with their target (issue 16), timed as a figure of their own.
COMBINED = [
    ("PC 664/211", {"level": "felony", "sentence_days": 365}),
    ("PC 182(a)(1)/11352", {"facts": {"substance_named": True}}),
    ("attempted PC 487(a)", {"sentence_days": 180}),
]
# Three priors off a rap sheet: a drug misdemeanor, a theft, and one the catalog does not know.
PRIORS = [
    {"code": "HS 11350", "convicted_on": "2020-01-15", "level": "misdemeanor", "sentence_days": 30},
    {"code": "PC 484(a)", "convicted_on": "2022-06-01", "sentence_days": 90},
    {"code": "PC 99999", "convicted_on": "2019-03-04", "sentence_days": 365},
]


WALL: dict[str, float] = {}


def median_seconds(function, repeat, number=1, name=""):
    """Median over ``repeat`` runs of the CPU time of one call, each run timing ``number`` calls
    (the wall-clock median goes to WALL[name], for the printout)."""
    samples, walls = [], []
    for _ in range(repeat):
        start, wall = time.thread_time(), time.perf_counter()
        for _ in range(number):
            function()
        samples.append((time.thread_time() - start) / number)
        walls.append((time.perf_counter() - wall) / number)
    WALL[name] = statistics.median(walls)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per figure (median taken)")
    args = parser.parse_args()

    load = median_seconds(lambda: load_catalog(CATALOG_ROOT), args.repeat, name="load")
    catalog = load_catalog(CATALOG_ROOT)
    requests = [(code, terms) for code, terms in REQUESTS if _assessable(catalog, code, terms)]

    def assess_all():
        for code, terms in requests:
            engine.assess_count(code, catalog=catalog, **terms)

    assess_all()  # warm: alternatives' assessments are memoised per catalog, as in a server
    per_assessment = median_seconds(assess_all, args.repeat, 200, "count") / len(requests)
    counts = [
        {"offense": code, **{k: v for k, v in terms.items() if k != "status"}}
        for code, terms in requests[:5]
    ]
    disposition = median_seconds(
        lambda: engine.assess_disposition(counts, catalog=catalog), args.repeat, number=100
    )

    with_priors = median_seconds(
        lambda: engine.assess_disposition(
            counts, priors=PRIORS, single_scheme=False, catalog=catalog
        ),
        args.repeat,
        number=100,
    )

    def assess_combined():
        for code, terms in COMBINED:
            engine.assess_count(code, catalog=catalog, **terms)

    assess_combined()
    per_combined = median_seconds(assess_combined, args.repeat, 200, "combined") / len(COMBINED)

    # The same mix with the catalog's memo emptied before each request: what an assessment
    # costs the first time a server meets that offense and those terms (no target: the target
    # is the warm figure, which is what a page that shows the same offers again pays).
    def assess_cold():
        for code, terms in requests:
            catalog.memo.clear()
            engine.assess_count(code, catalog=catalog, **terms)

    per_cold = median_seconds(assess_cold, args.repeat, 20, "cold") / len(requests)

    figures = {
        "engine.catalog_load": (load * 1000, "ms", 300),
        "engine.assess_count": (per_assessment * 1e6, "µs", 50),
        "engine.assess_count_attempt_or_conspiracy": (per_combined * 1e6, "µs", 50),
        "engine.assess_count_first_time": (per_cold * 1e6, "µs", None),
        "engine.assess_disposition_5_counts": (disposition * 1e6, "µs", None),
        "engine.assess_disposition_5_counts_3_priors": (with_priors * 1e6, "µs", None),
    }
    print(f"catalog {catalog.version}: {len(catalog)} entries; {len(requests)} requests in the mix")
    print(
        "wall-clock medians (the machine's load included): "
        f"catalog {WALL['load'] * 1000:.0f} ms, "
        f"one count {WALL['count'] / len(requests) * 1e6:.1f} µs, "
        f"attempt/conspiracy {WALL['combined'] / len(COMBINED) * 1e6:.1f} µs"
    )
    print(f"{'figure (CPU time)':<44} {'median':>10} {'unit':<4} {'target':>8}  ok")
    for name, (value, unit, target) in figures.items():
        ok = "—" if target is None else ("yes" if value <= target else "NO")
        target_text = "—" if target is None else f"≤ {target}"
        print(f"{name:<44} {value:>10.1f} {unit:<4} {target_text:>8}  {ok}")
    write_results(figures)


def write_results(figures):
    """Merge into bench/results.json, keeping other benchmarks' figures and each baseline."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name, (value, unit, target) in figures.items():
        previous = results.get(name, {})
        results[name] = {
            "value": round(value, 2),
            "unit": unit,
            "target": target,
            "baseline": previous.get("baseline", round(value, 2)),
        }
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def _assessable(catalog, code, terms):
    try:
        engine.assess_count(code, catalog=catalog, **terms)
    except engine.InvalidInput as error:
        print(f"skipping {code}: {error}", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    main()
