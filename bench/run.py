"""Run every benchmark under bench/ and print the figures as a table.

Each bench_*.py script measures one area and merges its figures into bench/results.json as
{"name": {"value", "unit", "target", "baseline"}}. Timings are medians of repeated runs;
where a target is a ratio, its baseline is measured in the same run on the same machine.
Each figure a script adds or changes in this run is stamped with the machine's core count and
load average (`cores`, `load_average`), and the README's tables are regenerated from the results
(bench/readme_table.py), so the README never shows a figure results.json does not hold.
Usage: python bench/run.py [name ...]   (names such as engine, pdf, report, load, stress, cpu)
"""

import json
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


def stamp_machine(before):
    """Give each figure written since `before` the core count and load average it ran with."""
    results = _read()
    load_average = [round(x, 1) for x in os.getloadavg()]
    for name, figure in results.items():
        if before.get(name) != figure and isinstance(figure, dict):
            figure.setdefault("cores", os.cpu_count())
            figure.setdefault("load_average", load_average)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def main(argv):
    failures = []
    for script in scripts(argv):
        print(f"== {script.name}", flush=True)
        before = _read()
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        print(f"   ({time.perf_counter() - started:.1f} s)")
        stamp_machine(before)
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
