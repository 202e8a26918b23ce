"""Run every benchmark under bench/ and print the figures as a table.

Each bench_*.py script measures one area and merges its figures into bench/results.json as
{"name": {"value", "unit", "target", "baseline"}}. Timings are medians of repeated runs;
where a target is a ratio, its baseline is measured in the same run on the same machine.
Each figure a script adds or changes in this run is stamped with the machine's core count and
load average (`cores`, `load_average`), and the README's tables are regenerated from the results
(bench/readme_table.py), so the README never shows a figure results.json does not hold. The run
first times a fixed pure-Python loop (`machine.reference_loop`): these machines differ in speed
from one day to the next, and that figure says how fast the one behind the others was.
Usage: python bench/run.py [name ...]   (names such as engine, pdf, report, load, stress, cpu)
"""

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"


def scripts(selected):
    found = sorted(HERE.glob("bench_*.py"))
    if selected:
        found = [path for path in found if path.stem.removeprefix("bench_") in selected]
    return found


def table(results):
    rows = [("benchmark", "value", "unit", "target", "baseline")]
    for name, figure in sorted(results.items()):
        rows.append(
            (
                name,
                _fmt(figure.get("value")),
                str(figure.get("unit", "")),
                str(figure.get("target", "")),
                _fmt(figure.get("baseline")),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows)
    return "\n".join(lines)


def _fmt(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _read():
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def stamp_machine(before, reference=None):
    """Give each figure written since `before` the core count, load average and (when timed)
    the reference loop's seconds of the machine it ran on."""
    results = _read()
    load_average = [round(x, 1) for x in os.getloadavg()]
    for name, figure in results.items():
        if before.get(name) != figure and isinstance(figure, dict):
            figure.setdefault("cores", os.cpu_count())
            figure.setdefault("load_average", load_average)
            if reference is not None:
                figure.setdefault("reference_loop_s", reference)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


REFERENCE_ADDITIONS = 10_000_000


def reference_loop():
    """Best of three wall-clock timings of a fixed loop of additions, in seconds: a yardstick of
    one core's speed for comparing figures taken on different machines."""
    best = math.inf
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(REFERENCE_ADDITIONS):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def record_reference():
    """Time the reference loop, keep it as a figure of its own and return it."""
    results = _read()
    value = reference_loop()
    results["machine.reference_loop"] = {
        "value": value,
        "unit": "s for 10^7 Python additions (best of 3; lower is a faster core)",
        "target": None,
        "baseline": None,
        "cores": os.cpu_count(),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return value


def main(argv):
    failures = []
    reference = record_reference()
    for script in scripts(argv):
        print(f"== {script.name}", flush=True)
        before = _read()
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        print(f"   ({time.perf_counter() - started:.1f} s)")
        stamp_machine(before, reference)
        if result.returncode != 0:
            failures.append(script.name)
    if RESULTS.exists():
        subprocess.run([sys.executable, str(HERE / "readme_table.py")], check=False)
        print()
        print(table(_read()))
    if failures:
        print(f"\nFailed: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
