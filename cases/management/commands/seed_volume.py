import time
from concurrent.futures import ThreadPoolExecutor

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from tqdm import tqdm

from cases.devdata import bulk, volume
from cases.models import Case


class Command(BaseCommand):
    help = (
        "Generate synthetic volume for benchmarks and demos: N cases over three years, spread "
        "over K offices (Volume County 1..K), with counts, offers (2.5 per case on average), "
        "worksheets, overrides, flagged grounds and supervisor reviews, written with bulk "
        "inserts. Running it again adds N more cases to the same offices. Everything is "
        f"invented; the users' password is {volume.VOLUME_PASSWORD!r}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="How many cases in all.")
        parser.add_argument("--offices", type=int, default=1, help="Spread over K offices.")
        parser.add_argument("--deputies-per-unit", type=int, default=12)
        parser.add_argument("--chunk", type=int, default=2000, help="Cases per transaction.")
        parser.add_argument("--seed", type=int, default=1016, help="Random seed.")
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="Keep every index up to date row by row (by default, on PostgreSQL, the "
            "non-unique indexes are dropped and rebuilt around a load larger than what the "
            "tables hold).",
        )
        parser.add_argument(
            "--row-checks",
            action="store_true",
            help="Let PostgreSQL check foreign keys and run its triggers row by row (by "
            "default, into a new office and where the role may, the load skips them with "
            "session_replication_role = replica and proves the same with one query per "
            "constraint before each chunk commits).",
        )

    def handle(self, *args, cases, offices, deputies_per_unit, chunk, seed, **options):
        if cases < 1 or offices < 1 or chunk < 1:
            raise CommandError("--cases, --offices and --chunk must be at least 1.")
        started = time.perf_counter()
        password_hash = volume.password_hash()
        totals: dict[str, int] = {}
        seeded = []
        # Rebuilding an index costs about what the tables hold: worth it when the load is larger.
        rebuild = not options["keep_indexes"] and Case.objects.count() < cases
        skip_row_checks = not options["row_checks"] and bulk.can_skip_row_checks()
        # The rollups' GROUP BYs read whole tables and none of the indexes a rebuild restores:
        # on PostgreSQL, once the rows are committed, a second connection counts them while
        # this one builds the indexes and runs ANALYZE, each on its own core (in turn they
        # took about as long as each other, measured). Inside a transaction (the tests) a
        # second connection would not see the rows: one after the other.
        alongside = rebuild and connection.vendor == "postgresql" and not connection.in_atomic_block
        with ThreadPoolExecutor(max_workers=1) as background:
            rollups = None
            with (
                bulk.secondary_indexes_dropped(volume.MODELS_WRITTEN, when=rebuild),
                tqdm(total=cases, unit="case", disable=options["verbosity"] == 0) as progress,
            ):
                for number in range(1, offices + 1):
                    staff = volume.ensure_office(
                        number, deputies_per_unit=deputies_per_unit, password_hash=password_hash
                    )
                    share = cases // offices + (1 if number <= cases % offices else 0)
                    existing = Case.objects.filter(office=staff.office).count()
                    generator = volume.Generator(
                        staff,
                        seed=seed * 1000 + number + existing,
                        start_number=existing + 1,
                        # Only into an office with no cases yet: nothing else can point at them.
                        skip_row_checks=skip_row_checks and not existing,
                    )
                    sizes = [min(chunk, share - start) for start in range(0, share, chunk)]
                    generator.write(sizes, progress=progress.update)
                    for table, count in generator.written.items():
                        totals[table] = totals.get(table, 0) + count
                    seeded.append(staff.office.slug)
                if alongside:
                    rollups = background.submit(_rebuild_rollups, seeded, options["verbosity"])
            # Refresh the planner's statistics: right after a bulk load they describe empty
            # tables, and autovacuum may not get to them before the first queries (SQLite has
            # no ANALYZE worth running here).
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            if rollups is None:
                _rebuild_rollups(seeded, options["verbosity"], own_connection=False)
            else:
                rollups.result()  # its error, if any, raised here
        elapsed = time.perf_counter() - started
        written = ", ".join(f"{count:,} {table}" for table, count in totals.items())
        self.stdout.write(self.style.SUCCESS(f"Wrote {written} in {elapsed:.1f} s."))


def _rebuild_rollups(offices, verbosity, *, own_connection=True):
    """The bulk inserts bypass the actions, which mark the report's months stale: rebuild the
    rollups of the offices seeded (by name: `cases` never imports `compliance`)."""
    try:
        call_command("rebuild_rollups", office=offices, verbosity=verbosity)
    finally:
        if own_connection:
            connections.close_all()  # this thread's own (Django's are per thread)
