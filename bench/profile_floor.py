"""The fixed floor every signed-in page pays (issue 19): median thread-CPU milliseconds and the
query count of the smallest signed-in pages, with production settings.

    .venv/bin/python bench/profile_floor.py

The session, the user, the membership with its office and devices, the permissions, the office
policy, the navigation's figures and the audit row are paid by every page before its own work;
the review queue (a supervisor, usually empty) and the first page of the case list (a deputy)
are little else. Same database, settings and CPU measure as bench/bench_cpu.py (thread CPU
time, Django test client; PostgreSQL's own CPU is not included). Prints only; writes nothing.
Environment: LOAD_DATABASE (considered_cpu, as bench_cpu), FLOOR_ROUNDS (40).
"""

import os
import statistics
import sys
import time

import serving
from bench_cpu import DATABASE, database_exists, setup_django

ROUNDS = int(os.environ.get("FLOOR_ROUNDS", "40"))


def main():
    if not database_exists(DATABASE):
        print(f"{DATABASE} does not exist: run bench/bench_cpu.py once to seed it.")
        return 1
    setup_django(serving.production_env(DATABASE))
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from cases.models import Membership

    deputy = Membership.objects.filter(role="deputy").order_by("user__username").first()
    supervisor = Membership.objects.filter(role="supervisor", office=deputy.office).first()
    pages = {}
    for name, member, url in (
        ("review queue (supervisor)", supervisor, reverse("review_queue")),
        ("case list (deputy)", deputy, reverse("case_list")),
    ):
        client = Client()
        client.force_login(member.user)
        pages[name] = (client, url)
    print(f"{'page':<28} {'CPU ms':>7} {'queries':>7}")
    for name, (client, url) in pages.items():
        for _ in range(3):  # warm-up: templates, kept SQL, the catalog
            assert client.get(url).status_code == 200
        times = []
        for _ in range(ROUNDS):
            started = time.thread_time()
            client.get(url)
            times.append((time.thread_time() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        print(f"{name:<28} {statistics.median(times):>7.1f} {len(captured):>7}")
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
