"""Benchmark `seed_volume` on PostgreSQL: cases per second into a fresh database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/considered_perf_seed \\
        .venv/bin/python bench/bench_seed.py [--cases N] [--baseline-seconds S]

Drops and re-creates its own database (default considered_perf_seed; never the project's own),
migrates it, then times `seed_volume --cases N` (one office, default 20,000 cases, about 50,000
offers). The seconds cover everything the command does (users, cases, worksheets, the index
rebuild, ANALYZE and the rollups' rebuild).
The figure is merged into bench/results.json with the target of issue 19 (≥ 5× faster than the
914 s for 408,001 cases measured before, i.e. ≥ 2,230 cases/s on that machine); --baseline-seconds
records a run of the previous code at the same size on the same machine, for the speed-up.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/considered_perf_seed"

os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_report import merge  # noqa: E402 - after sys.path


def recreate_database(url):
    """A fresh, empty database for a comparable run (refuses the project's own names)."""
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    if "bench" not in name and "seed" not in name:
        sys.exit(f"bench_seed drops its database: use a dedicated one, not {name!r}.")
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def backend_cpu_seconds():
    """CPU seconds the PostgreSQL backend serving this connection has used (Linux /proc; None
    where it cannot be read, e.g. a server on another machine). On a shared machine wall time
    mostly measures the queue for the cores; CPU time is the work done."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--baseline-seconds", type=float, default=None)
    parser.add_argument(
        "--baseline-cpu-seconds",
        type=float,
        default=None,
        help="the previous code's CPU seconds (this process + its PostgreSQL backend)",
    )
    args = parser.parse_args()
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("bench_seed measures PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    recreate_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    from cases.models import Disposition

    call_command("migrate", verbosity=0)
    load_before = [round(x, 1) for x in os.getloadavg()]
    backend_started = backend_cpu_seconds()
    started, cpu_started = time.perf_counter(), time.process_time()
    call_command("seed_volume", cases=args.cases, offices=1, verbosity=0)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started  # this process only, not PostgreSQL's
    backend_ended = backend_cpu_seconds()
    backend = (
        None
        if backend_started is None or backend_ended is None
        else backend_ended - backend_started
    )
    offers = Disposition.objects.count()
    print(f"seed_volume: {args.cases:,} cases ({offers:,} offers)")
    print(f"{seconds:.1f} s, this process's CPU {cpu:.1f} s, its PostgreSQL backend's {backend} s")
    figure = {
        "value": round(args.cases / seconds, 1),
        "unit": "cases/s",
        "target": "≥ 5× the cases/s before (914 s for 408,001 cases: 446/s)",
        "cases": args.cases,
        "offers": offers,
        "seconds": round(seconds, 1),
        "python_cpu_seconds": round(cpu, 1),
        # Parallel workers of CREATE INDEX or ANALYZE, if any, are not counted.
        "postgresql_backend_cpu_seconds": None if backend is None else round(backend, 1),
        "cores": os.cpu_count(),
        "load_average_before": load_before,
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    if args.baseline_seconds:
        figure["baseline"] = round(args.cases / args.baseline_seconds, 1)
        figure["speedup"] = round(args.baseline_seconds / seconds, 2)
    if args.baseline_cpu_seconds and backend is not None:
        figure["baseline_cpu_seconds"] = args.baseline_cpu_seconds
        figure["cpu_speedup"] = round(args.baseline_cpu_seconds / (cpu + backend), 2)
    # The default size keeps the historical key; other sizes get their own.
    key = "seed_volume_postgresql" + ("" if args.cases == 20_000 else f"_{args.cases}")
    merge({key: figure})


if __name__ == "__main__":
    main()
