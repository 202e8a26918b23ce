"""Benchmark the case list's name search over 400,000 cases on PostgreSQL (issue 15 item 2).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/considered_bench_search \\
        .venv/bin/python bench/bench_search.py [--repeat N] [--cases N]

Uses its own database (default considered_bench_search; created and migrated when missing) and
fills one office with 400,000 cases by COPY (seed_volume takes about 15 minutes for that many;
a name search needs cases, not their offers). Names are drawn from Spanish, Vietnamese, Filipino,
Armenian and other surnames and given names, most with their accents, so that a common surname
matches about one case in a hundred. The folded `search_name` column is filled with
`cases.search.fold`, as `Case.save` does. Then VACUUM ANALYZE, as autovacuum would.

As the office's administrator (who sees all 400,000 cases: the widest search), it times:

- the search's own statements (the exact-number lookup, the ids of the first matches, the count
  captured from the page and re-run on a raw cursor: the figure the target applies to
  (DESIGN.md: a name search over 400,000 cases ≤ 50 ms);
- the whole case list page through the Django test client (form, audit row, template);

for a common surname without its accent ("hernandez"), a misspelt one ("hernandes", found by
trigram similarity), two words of one person ("jose ramirez") and part of a name ("nguy").
Medians of repeated runs; figures merged into bench/results.json as
{"name": {"value", "unit", "target", "baseline"}}; a page's baseline is its bare SQL.
"""

import argparse
import csv
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/considered_bench_search"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)  # before bench_report sets its own default
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_report import ensure_database, median_ms, merge  # noqa: E402


def _words(text):
    return text.split()


GIVEN = _words(
    "José Luis María Juan Ana Jesús Sofía Tomás Inés Raúl Ramón Andrés Lucía Ángel Verónica "
    "Martín Joaquín Héctor Óscar Rubén Iván Adrián Marisol Nguyễn Thị Văn Minh Thành Đức Phương "
    "Anh Hùng Lan Mai Ngọc Tuấn Jun Mei Wei Li Hao Min Arturo Carmen Rosa Pedro Pablo Diego "
    "Jorge Miguel Francisco Antonio Manuel Alejandro Fernando Ricardo Eduardo Roberto Daniel "
    "Gabriel Rafael Sergio Javier Alberto Enrique Guadalupe Araceli Yolanda Beatriz Noemí Belén"
)
SURNAMES = _words(
    "Hernández García Martínez López González Rodríguez Pérez Sánchez Ramírez Torres Flores "
    "Rivera Gómez Díaz Cruz Morales Reyes Gutiérrez Ortiz Chávez Ruiz Álvarez Castillo Jiménez "
    "Vásquez Moreno Romero Herrera Medina Aguilar Vargas Castro Guzmán Fernández Muñoz Méndez "
    "Salazar Soto Delgado Peña Ríos Núñez Domínguez Mendoza Ibarra Cervantes Zúñiga Estrada "
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Santos Bautista "
    "Villanueva Dela-Cruz Mercado Aquino Garcés Tolentino Manalo Hakobyan Petrosyan Sargsyan "
    "Grigoryan Harutyunyan Kim Lee Park Choi Chen Wang Liu Zhang Huang Smith Johnson Williams "
    "Brown Jones Miller Davis Wilson Anderson Thomas Moore Jackson White Harris Martin Thompson "
    "Young Allen King Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner "
    "Phillips Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan "
    "Cooper Peterson Bailey Reed Kelly Howard Cox Ward Richardson Watson Brooks Wood James "
    "Bennett Gray Hughes Price Sanders Myers Long Ross Foster Powell Jenkins Perry Russell "
    "Sullivan Bell Coleman Butler Henderson Barnes Fisher Vasquez Simmons Graham Marshall Owens"
)
QUERIES = {
    "common_surname": "hernandez",
    "misspelt": "hernandes",
    "two_words": "jose ramirez",
    "part_of_a_name": "nguy",
}
OFFICE_SLUG = "search-bench"


def people(rng):
    given = rng.choice(GIVEN) + (f" {rng.choice(GIVEN)}" if rng.random() < 0.4 else "")
    surname = rng.choice(SURNAMES) + (f" {rng.choice(SURNAMES)}" if rng.random() < 0.5 else "")
    alias = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}" if rng.random() < 0.1 else ""
    return f"{given} {surname}", alias


def staff():
    """The benchmark office, its units, deputies and administrator (made once)."""
    from django.contrib.auth import get_user_model

    from cases.choices import Role
    from cases.models import Membership, Office, Unit
    from cases.roles import assign_role, sync_role_groups

    sync_role_groups()
    office, _ = Office.objects.get_or_create(
        slug=OFFICE_SLUG, defaults={"name": "Search Bench County DA", "county": "Search Bench"}
    )
    users = get_user_model().objects
    units, deputies = [], []
    for n in range(20):
        unit, _ = Unit.objects.get_or_create(office=office, name=f"Unit {n:02d}")
        units.append(unit)
        for d in range(10):
            user, made = users.get_or_create(username=f"search-{n:02d}-{d}")
            if made:
                Membership.objects.create(user=user, office=office, unit=unit, role=Role.DEPUTY)
                assign_role(user, Role.DEPUTY)
            deputies.append((unit, user))
    admin, made = users.get_or_create(username="search-admin")
    if made:
        Membership.objects.create(user=admin, office=office, role=Role.ADMIN)
        assign_role(admin, Role.ADMIN)
    return office, deputies, admin


def fill(office, deputies, target, rng):
    """COPY cases into the office until it holds `target`; the seconds it took, or None."""
    from django.db import connection
    from django.utils import timezone

    from cases.models import Case
    from cases.search import fold

    have = Case.objects.filter(office=office).count()
    if have >= target:
        return None, have
    started = time.perf_counter()
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    now = timezone.now()
    today = timezone.localdate()
    while have < target:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for n in range(have, min(target, have + 50_000)):
            unit, deputy = rng.choice(deputies)
            name, alias = people(rng)
            hearing = today + dt.timedelta(days=rng.randint(-200, 120))
            row = {
                "office_id": office.pk,
                "unit_id": unit.pk,
                "assigned_deputy_id": deputy.pk,
                "court_case_number": f"SB{n:08d}",
                "caption": f"People of the State of California v. {name}",
                "defendant_name": name,
                "aliases": alias,
                "search_name": fold(name, alias),
                "next_hearing": hearing.isoformat() if rng.random() < 0.7 else None,
                "stage": "arraignment",
                "single_scheme": "unknown",
                "routed_to_counsel": "f",
                "created_at": now.isoformat(),
                "updated_at": now.isoformat(),
                "lock_version": 1,
            }
            # A column added since (filed_on, …) is NULL where it may be, else empty.
            writer.writerow([_copy_value(row, field) for field in fields])
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY cases_case ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
            )
        have = Case.objects.filter(office=office).count()
        print(f"   {have:,} cases", flush=True)
    return time.perf_counter() - started, have


def _copy_value(row, field):
    value = row.get(field.attname, None if field.null else "")
    return "\\N" if value is None else value


def bench_query(client, query, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("case_list")
    params = {"q": query}
    response = client.get(url, params)  # warm: caches, connection, plans
    assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT")
        and ('"cases_case"' in q["sql"] or q["sql"].startswith("SELECT set_config"))
    ]
    # The exact-number lookup, the planner settings, the matches' ids, and the count and the
    # page (cases.search).
    assert len(statements) >= 3, statements

    def page():
        assert client.get(url, params).status_code == 200

    def bare():
        _replay(statements)

    bare()
    sql_ms, sql_samples = median_ms(bare, repeat)
    page_ms, page_samples = median_ms(page, repeat)
    plans = _replay(statements, explain=True)
    return sql_ms, page_ms, sql_samples, page_samples, response.context["found"], plans


def _replay(statements, *, explain=False):
    """Run the page's statements again on a raw cursor as the page ran them: the planner
    settings and the ids queries that follow them in one transaction (cases.search). With
    `explain`, EXPLAIN ANALYZE each and return, per statement, the scans it used."""
    from django.db import connection, transaction

    from cases.search import MATCH_LIMIT, RESEMBLING_LIMIT

    limits = (f"LIMIT {MATCH_LIMIT + 1}", f"LIMIT {RESEMBLING_LIMIT + 1}")
    plans = []

    def run(cursor, statement):
        if explain and not statement.startswith("SELECT set_config"):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
            lines = [line for (line,) in cursor.fetchall()]
            scans = sorted(
                {line.split("->")[-1].split("(")[0].strip() for line in lines if "Scan" in line}
            )
            # The top node's buffers include its children's: what the statement touched,
            # a figure the machine's load does not change.
            touched = next(
                (line.split("Buffers:")[1].strip() for line in lines if "Buffers:" in line), ""
            )
            plans.append((statement[:90], scans, f"{lines[-1].strip()}; {touched}"))
        else:
            cursor.execute(statement)
            cursor.fetchall()

    with connection.cursor() as cursor:
        index = 0
        while index < len(statements):
            if statements[index].startswith("SELECT set_config"):
                with transaction.atomic():
                    run(cursor, statements[index])
                    index += 1
                    while index < len(statements) and statements[index].endswith(limits):
                        run(cursor, statements[index])
                        index += 1
            else:
                run(cursor, statements[index])
                index += 1
    return plans


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per figure (median taken)")
    parser.add_argument("--cases", type=int, default=400_000)
    args = parser.parse_args()
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("bench_search measures PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    office, deputies, admin = staff()
    seed_seconds, total = fill(office, deputies, args.cases, random.Random(1016))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_case")
    client = Client()
    client.force_login(admin)
    print(f"{total:,} cases in the benchmark office")
    figures = {}
    label = f"{args.cases // 1000}k"
    for name, query in QUERIES.items():
        sql_ms, page_ms, sql_samples, page_samples, found, plans = bench_query(
            client, query, args.repeat
        )
        matches = f"more than {found.count - 1:,}" if found.more_than_limit else f"{found.count:,}"
        kind = "resembling" if found.resembling else "matching"
        print(
            f"{name} ({query!r}, {matches} {kind}): SQL {sql_ms:.1f} ms, page {page_ms:.1f} ms\n"
            f"   SQL samples  {[round(s, 1) for s in sql_samples]}\n"
            f"   page samples {[round(s, 1) for s in page_samples]}"
        )
        for statement, scans, total in plans:
            print(f"   {statement}…\n      {'; '.join(scans)} ({total})")
        figures[f"search.{name}_{label}_sql"] = {
            "value": round(sql_ms, 1),
            "unit": "ms",
            "target": 50,
            "baseline": None,
        }
        figures[f"search.{name}_{label}_page"] = {
            "value": round(page_ms, 1),
            "unit": "ms",
            "target": None,
            "baseline": round(sql_ms, 1),
        }
    # This machine's cores are shared: the load during the run says how far the figures are
    # from an idle server's.
    figures["search.load_average_1min"] = {
        "value": round(os.getloadavg()[0], 1),
        "unit": "runnable processes",
        "target": None,
        "baseline": os.cpu_count(),
    }
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if seed_seconds is not None:
        figures[f"search.copy_{label}_cases"] = {
            "value": round(seed_seconds, 1),
            "unit": "s",
            "target": None,
            "baseline": None,
        }
    merge(figures)


if __name__ == "__main__":
    main()
