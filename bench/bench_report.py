"""Benchmark the compliance dashboard on PostgreSQL with 1,000,000 offers (dispositions).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/considered_bench \\
        .venv/bin/python bench/bench_report.py [--repeat N] [--dispositions N]
    DATABASE_URL=... .venv/bin/python bench/bench_report.py --growth 250000,1000000

`--growth SMALL,LARGE` (issue 19 item 4) is the growth check of the monthly rollups: it fills
the database to SMALL offers, times the three-year dashboard, fills on to LARGE and times it
again. Targets: the page at LARGE ≤ 150 ms (at 1,000,000 offers), and LARGE/SMALL ≤ 1.2 (the
cost follows the months shown, not the offers stored). Each size also reports the bare SQL
the dashboard ran before the rollups (`build_report(..., use_rollups=False)`, its three
statements re-executed) and the EXPLAIN ANALYZE execution times of the statements of both
paths, which are less noisy on a shared machine than wall-clock times.

Uses its own database (default considered_bench; created and migrated when missing) and fills it
with `seed_volume` into one office until it holds the dispositions asked for (1,000,000 by
default; the first fill takes several minutes and is timed too). Then, as that office's
administrator, it times:

- the dashboard page through the Django test client (login, form, three aggregates, charts,
  template, audit row), median of repeated runs;
- the bare SQL the page needs: the same three aggregate statements the page ran, captured and
  re-executed on a raw cursor, median of repeated runs. They filter on the scope columns
  copied onto offers, worksheets and reviews (cases.models.CaseScope), with no join to the
  office's cases.

After seeding it runs VACUUM ANALYZE (what autovacuum does after a bulk load: statistics and the
visibility map the covering indexes need for index-only scans).

for the whole three years (every offer of the office: the worst case) and for the default last
twelve months. Targets (DESIGN.md): the page ≤ 500 ms and within 30 % of the bare SQL. Figures
are merged into bench/results.json (read-modify-write under a lock) as
{"name": {"value", "unit", "target", "baseline"}}; a page's baseline is its bare SQL time.
"""

import argparse
import fcntl
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/considered_bench"
# The report's own statements: its aggregates and the offers grouped by month
# (compliance.report.build_report).
REPORT_SQL = re.compile(r'^SELECT (COUNT|AVG|"cases_disposition"\."conveyed_month")', re.IGNORECASE)

os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))


def ensure_database(url):
    """Create the benchmark database when it does not exist (never the project's own)."""
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def fill(target):
    """Seed one office until it holds `target` dispositions; the seconds it took, or None."""
    from django.core.management import call_command

    from cases.models import Disposition

    have = start = Disposition.objects.count()
    if have >= target:
        return None, have
    started = time.perf_counter()
    while have < target:
        missing_cases = int((target - have) / 2.5 * 1.02) + 1
        call_command("seed_volume", cases=missing_cases, offices=1)
        have = Disposition.objects.count()
    seconds = time.perf_counter() - started
    # Only a fill from (nearly) empty says how long a million offers take to seed.
    return (seconds if start < target // 10 else None), have


def median_ms(function, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), samples


def captured_statements(function):
    """The SELECT statements `function` runs, as SQL text."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]


def explain_ms(statements):
    """Sum of EXPLAIN ANALYZE execution times (ms) of `statements`: the server's own time."""
    from django.db import connection

    total = 0.0
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement)
            total += cursor.fetchone()[0][0]["Execution Time"]
    return total


def bench_page(client, params, repeat):
    """The page (monthly rollups for whole months) against the bare SQL of the raw path."""
    from django.db import connection
    from django.urls import reverse

    from compliance.report import build_report

    url = reverse("report_dashboard")
    response = client.get(url, params)  # warm: caches, connection, plans; rebuilds stale months
    assert response.status_code == 200, response.status_code
    report_filter, viewer = response.context["report"].filter, response.wsgi_request.user
    statements = [
        sql
        for sql in captured_statements(
            lambda: build_report(report_filter, viewer, 90, use_rollups=False)
        )
        if REPORT_SQL.match(sql)
    ]
    assert len(statements) == 3, statements

    def page():
        assert client.get(url, params).status_code == 200

    def bare():
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                cursor.fetchall()

    bare()
    page_ms, page_samples = median_ms(page, repeat)
    sql_ms, sql_samples = median_ms(bare, repeat)
    return page_ms, sql_ms, page_samples, sql_samples, response.context["report"], statements


def bench_growth(client, sizes, scenario, repeat):
    """The three-year dashboard at each size (filling the database on): figures and ratio."""
    from django.db import connection

    from compliance.report import build_report

    figures, pages = {}, []
    for size in sizes:
        _, have = fill(size)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        page_ms, sql_ms, page_samples, _, report, bare = bench_page(client, scenario, repeat)
        viewer = report_viewer()
        rolled = captured_statements(
            lambda report=report, viewer=viewer: build_report(report.filter, viewer, 90)
        )
        rollup_explain, bare_explain = explain_ms(rolled), explain_ms(bare)
        pages.append(page_ms)
        label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}m"
        print(
            f"3y dashboard at {have:,} offers: page {page_ms:.0f} ms (samples "
            f"{[round(s) for s in page_samples]}), bare SQL {sql_ms:.0f} ms; EXPLAIN ANALYZE: "
            f"rollup path {rollup_explain:.1f} ms in {len(rolled)} statements, bare SQL "
            f"{bare_explain:.1f} ms; {report.counts['offers_conveyed']:,} offers conveyed"
        )
        figures[f"report.rollup_3y_page_{label}"] = {
            "value": round(page_ms, 1),
            "unit": "ms",
            "target": 150 if size >= 1_000_000 else None,
            "baseline": round(sql_ms, 1),
            "offers": have,
            "cores": os.cpu_count(),
        }
        figures[f"report.rollup_3y_explain_{label}"] = {
            "value": round(rollup_explain, 2),
            "unit": "ms (EXPLAIN ANALYZE, sum of statements)",
            "target": None,
            "baseline": round(bare_explain, 2),
            "offers": have,
            "cores": os.cpu_count(),
        }
    ratio = pages[-1] / pages[0]
    print(f"growth {sizes[0]:,} → {sizes[-1]:,} offers: ratio {ratio:.2f} (target ≤ 1.2)")
    figures["report.rollup_3y_growth_ratio"] = {
        "value": round(ratio, 3),
        "unit": "ratio",
        "target": 1.2,
        "baseline": None,
        "sizes": list(sizes),
        "cores": os.cpu_count(),
    }
    return figures


def report_viewer():
    from cases.models import Membership

    return Membership.objects.select_related("user").get(office__slug="volume-1", role="admin").user


def merge(figures):
    """Read-modify-write of results.json under an exclusive lock on the file itself."""
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
    parser.add_argument("--repeat", type=int, default=9, help="runs per figure (median taken)")
    parser.add_argument("--dispositions", type=int, default=1_000_000)
    parser.add_argument(
        "--growth", help="SMALL,LARGE offers: the rollups' growth check (e.g. 250000,1000000)"
    )
    args = parser.parse_args()
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("bench_report measures PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from cases.models import Membership
    from compliance.filters import default_period

    setup_test_environment()  # the test client then records each response's context
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    if args.growth:
        sizes = [int(size) for size in args.growth.split(",")]
        if Membership.objects.filter(office__slug="volume-1").count() == 0:
            fill(sizes[0])
        client = Client()
        client.force_login(report_viewer())
        today = timezone.localdate()
        three_years = {
            "date_from": today.replace(year=today.year - 3).isoformat(),
            "date_to": today.isoformat(),
        }
        merge(bench_growth(client, sizes, three_years, args.repeat))
        return
    seed_seconds, dispositions = fill(args.dispositions)
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load: statistics, and the visibility map that lets
        # the report's covering indexes answer without reading the tables (index-only scans).
        cursor.execute("VACUUM ANALYZE")

    admin = Membership.objects.select_related("user").get(office__slug="volume-1", role="admin")
    client = Client()
    client.force_login(admin.user)
    today = timezone.localdate()
    scenarios = {
        "3y": {
            "date_from": today.replace(year=today.year - 3).isoformat(),
            "date_to": today.isoformat(),
        },
        "12m": {"date_from": default_period()[0].isoformat(), "date_to": today.isoformat()},
    }
    figures = {}
    print(f"{dispositions:,} dispositions in the benchmark database")
    for name, params in scenarios.items():
        page_ms, sql_ms, page_samples, sql_samples, report, _ = bench_page(
            client, params, args.repeat
        )
        ratio = page_ms / sql_ms
        conveyed = report.counts["offers_conveyed"]
        print(
            f"dashboard {name}: page {page_ms:.0f} ms, bare SQL {sql_ms:.0f} ms, "
            f"ratio {ratio:.2f} ({conveyed:,} offers conveyed in the period)\n"
            f"   page samples {[round(s) for s in page_samples]}\n"
            f"   SQL samples  {[round(s) for s in sql_samples]}"
        )
        figures[f"report.dashboard_{name}_1m"] = {
            "value": round(page_ms, 1),
            "unit": "ms",
            "target": 500,
            "baseline": round(sql_ms, 1),
        }
        figures[f"report.dashboard_{name}_vs_sql"] = {
            "value": round(ratio, 3),
            "unit": "ratio",
            "target": 1.3,
            "baseline": 1.0,
        }
    if seed_seconds is not None:
        figures["report.seed_volume_1m_dispositions"] = {
            "value": round(seed_seconds, 1),
            "unit": "s",
            "target": None,
            "baseline": None,
        }
    merge(figures)


if __name__ == "__main__":
    main()
