"""Benchmark the case import on PostgreSQL: 10,000 cases with 25,000 counts (issue 18).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/considered_bench_import \\
        .venv/bin/python bench/bench_import.py [--cases N]

Uses its own database (default considered_bench_import: dropped, created and migrated each run,
so the first import always creates every case). Writes a CSV export of a fictional office to a
temporary file (one row per count, 2.5 counts per case on average, a realistic mix of statutes
the catalog knows and a few it does not), then times, as the office's administrator would run
them from the command line:

- the first import (every case created);
- the same file again (every case unchanged: the idempotent upsert);
- peak memory the import's Python allocations reached (tracemalloc) for the file and for a file
  twice as large, to show it is streamed: the peak does not grow with the file.

Targets (issue 18): first import ≤ 60 s, re-import ≤ 30 s. Figures are merged into
bench/results.json as {"name": {"value", "unit", "target", "baseline"}}.
"""

import argparse
import csv
import fcntl
import json
import os
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/considered_bench_import"

os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

STATUTES = [
    ("PC 273.5(a)", "wobbler"),
    ("PC 243(e)(1)", "misdemeanor"),
    ("HS 11351", "felony"),
    ("HS 11377(a)", "misdemeanor"),
    ("PC 459", "felony"),
    ("PC 484(a)", "misdemeanor"),
    ("VC 23152(a)", "misdemeanor"),
    ("PC 211", "felony"),
    ("PC 245(a)(1)", "wobbler"),
    ("PC 496(a)", "wobbler"),
    ("PC 664/211", "felony"),
    ("BP 4060", "misdemeanor"),
    ("PC 148(a)(1)", "misdemeanor"),
]
FIRST = ["José", "María", "Ana", "Luis", "Wei", "Fatima", "John", "Grace", "Nguyen", "Omar"]
LAST = ["Hernández", "García", "Smith", "Nguyen", "Okafor", "Ramírez", "Kim", "Patel", "Lopez"]


def reset_database(url):
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def write_file(path, cases, seed=18):
    """The export: `cases` cases with 1 to 4 counts each (2.5 on average). Returns the counts."""
    rng = random.Random(seed)
    counts = 0
    header = (
        "court_case_number,da_file_number,defendant_name,aliases,department,stage,next_hearing,"
        "next_hearing_type,assigned_deputy,unit,count_number,statute,level,offense_date"
    )
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header.split(","))
        for n in range(cases):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            hearing = f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            deputy = f"deputy{n % 40}"
            unit = "Felony Unit" if n % 3 else "Misdemeanor Unit"
            how_many = 1 + (n % 4)  # 1, 2, 3, 4: 2.5 on average
            for count in range(1, how_many + 1):
                statute, level = rng.choice(STATUTES)
                if rng.random() < 0.01:
                    statute = f"PC {rng.randint(20000, 29999)}"  # unknown to the catalog
                writer.writerow(
                    [
                        f"BENCH-{n:06d}",
                        f"DA-{n:06d}",
                        name,
                        "",
                        f"Dept. {n % 30}",
                        "arraignment",
                        hearing,
                        "Pretrial",
                        deputy,
                        unit,
                        count,
                        statute,
                        level,
                        "2026-10-01",
                    ]
                )
                counts += 1
    return counts


def timed_import(path, office, *, trace=False):
    from cases.imports import import_file

    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with open(path, "rb") as stream:
        report = import_file(stream, name=path.name, office=office, keep_all=False)
    seconds = time.perf_counter() - started
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return seconds, report, peak


def merge(figures):
    with open(RESULTS, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        text = handle.read()
        results = json.loads(text) if text.strip() else {}
        results.update(figures)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(results, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("The import benchmark runs on PostgreSQL: set DATABASE_URL.")
    reset_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from cases.choices import Role
    from cases.models import Charge, Membership, Office, Unit

    office = Office.objects.create(name="Bench County DA", county="Bench", slug="bench")
    for name in ("Felony Unit", "Misdemeanor Unit"):
        Unit.objects.create(office=office, name=name)
    User = get_user_model()
    for n in range(40):
        user = User.objects.create(username=f"deputy{n}")
        Membership.objects.create(user=user, office=office, role=Role.DEPUTY)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        counts = write_file(path, args.cases)
        size = path.stat().st_size
        first, report, peak = timed_import(path, office, trace=False)
        totals = report.totals
        assert totals["created"] == args.cases, totals
        assert Charge.objects.filter(case__office=office).count() == counts
        again, report, _ = timed_import(path, office)
        assert report.totals["unchanged"] == args.cases, report.totals
        # Memory: the re-import of this file and of a file twice its size (unchanged/created
        # mix), traced. Streaming means the peak stays flat as the file grows.
        _, _, peak = timed_import(path, office, trace=True)
        double = Path(folder) / "export-double.csv"
        write_file(double, args.cases * 2)
        _, _, peak_double = timed_import(double, office, trace=True)

    figures = {
        "import.first_10k_cases": {
            "value": round(first, 2),
            "unit": "s",
            "target": "≤ 60",
            "baseline": None,
        },
        "import.reimport_10k_cases": {
            "value": round(again, 2),
            "unit": "s",
            "target": "≤ 30",
            "baseline": None,
        },
        "import.peak_memory_mb": {
            "value": round(peak / 1e6, 1),
            "unit": "MB",
            "target": "flat as the file grows",
            "baseline": round(peak_double / 1e6, 1),
        },
    }
    merge(figures)
    print(
        f"{args.cases} cases, {counts} counts, {size / 1e6:.1f} MB CSV: first import {first:.1f} s"
        f" ({args.cases / first:.0f} cases/s), re-import {again:.1f} s; traced peak "
        f"{peak / 1e6:.1f} MB at {args.cases} cases, {peak_double / 1e6:.1f} MB at "
        f"{2 * args.cases} cases (os.cpu_count()={os.cpu_count()})"
    )


if __name__ == "__main__":
    main()
