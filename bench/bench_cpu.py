"""The server's CPU per request on the load test's pages, in CPU time rather than wall time.

    .venv/bin/python bench/bench_cpu.py

Wall-clock timings on a machine shared with other work move with the load; the CPU a request
costs its own thread (`time.thread_time()`) hardly does. This replays the locust mix's requests
(bench/locustfile.py) in-process through Django's test client against a PostgreSQL database
seeded by seed_volume, with production settings (DEBUG off, cached templates), in a process
booted as a gunicorn worker is (config.wsgi), and records for each page the median CPU
milliseconds of CPU_ROUNDS runs and its query count. PostgreSQL's own CPU is not in these
figures (another process); the queries are counted instead.

The mix-weighted mean is the CPU an average request of the stress profile costs the app server,
so 1000 / mean is the most requests per second one core could serve with nothing else on it.
Environment: LOAD_DATABASE (considered_cpu; seeded with LOAD_CASES cases when it does not
exist yet, or when CPU_RESEED=1), CPU_ROUNDS (15).
"""

import os
import statistics
import subprocess
import sys
import time

import serving

DATABASE = os.environ.get("LOAD_DATABASE", "considered_cpu")
CASES = int(os.environ.get("LOAD_CASES", "20000"))
ROUNDS = int(os.environ.get("CPU_ROUNDS", "15"))
QUEUE = os.environ.get("CPU_BROKER_URL", "redis://127.0.0.1:6379/7")

# A signing conveys the offer it chose when that offer is still a draft (the case page links
# its conveyance): once per such offer, so mostly early in a run. 19 % of the seeded cases have
# a People's offer in draft; in a stress check (2,000 cases, 6 users, 150 s) 2 signings in 22
# conveyed. The share falls as a run goes on.
CONVEY_SHARE = 0.1

# How often each page comes up in the stress mix (bench/locustfile.py): deputies are 4 users in
# 5 and pick list (3), case + compare (3) or sign + convey + download (2); supervisors pick the
# reports (2) or the review queue (1). Every case has been signed once after a few rounds, so a
# signing amends first. A weight is users' share × the task's share × requests of that page per
# task.
MIX = {
    "case list": 0.8 * 3 / 8,
    "case list search": 0.8 * 3 / 8,
    "case": 0.8 * 5 / 8,
    "compare": 0.8 * 3 / 8,
    "worksheet open": 0.8 * 2 / 8,
    "worksheet amend": 0.8 * 2 / 8,
    "worksheet sign": 0.8 * 2 / 8,
    "offer convey page": 0.8 * 2 / 8 * CONVEY_SHARE,
    "offer convey": 0.8 * 2 / 8 * CONVEY_SHARE,
    "worksheet pdf (stored)": 0.8 * 2 / 8,
    "reports": 0.2 * 2 / 3,
    "reports filtered": 0.2 * 2 / 3,
    "review queue": 0.2 * 1 / 3,
}


def database_exists(name):
    found = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", serving.PG_PORT, "-U", "postgres", "-tAc",
         "SELECT datname FROM pg_database"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return name in found.stdout.split()


def setup_django(env):
    os.environ.update(env)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    sys.path.insert(0, str(serving.ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    # Boot as a gunicorn worker does (config/wsgi.py): the URLconf, the catalog and the fonts
    # loaded, then frozen out of the garbage collector's sight (config/collector.py).
    import config.wsgi  # noqa: F401


class Replay:
    """One deputy and one supervisor of the seeded office, logged in once, as in locustfile.py."""

    def __init__(self):
        import re

        from django.test import Client

        from cases.choices import CaseStage, DispositionLabel, DispositionStatus
        from cases.models import Case, Disposition, Membership

        self.re = re
        deputy = (
            Membership.objects.filter(role="deputy")
            .select_related("user")
            .order_by("user__username")
            .first()
            .user
        )
        supervisor = (
            Membership.objects.filter(role="supervisor", office=deputy.membership.office)
            .select_related("user")
            .first()
            .user
        )
        # Open cases, as the load test's deputies work (serving.write_plan says why).
        self.cases = list(
            Case.objects.filter(assigned_deputy=deputy, dispositions__isnull=False)
            .exclude(stage=CaseStage.CLOSED)
            .distinct()
            .order_by("pk")
            .values_list("pk", flat=True)[:6]
        )
        # The offer conveyed each round, then withdrawn outside the measured requests (the same
        # day, as the app allows) so that the next round can convey it again.
        self.draft_offer = (
            Disposition.objects.filter(case__assigned_deputy=deputy, status=DispositionStatus.DRAFT)
            .exclude(label=DispositionLabel.DEFENSE)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        self.deputy_user = deputy
        self.deputy, self.supervisor = Client(), Client()
        self.deputy.force_login(deputy)
        self.supervisor.force_login(supervisor)
        self.signed = None  # a worksheet signed in an earlier round, its PDF stored
        self.after_round = {}

    def csrf(self, response):
        match = self.re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        return match.group(1) if match else ""

    def requests(self, case):
        """(name, callable) in the order a deputy and a supervisor make them."""
        d, s = self.deputy, self.supervisor
        yield "case list", lambda: d.get("/cases/")
        yield "case list search", lambda: d.get("/cases/?q=PC")
        state = self.after_round = {}
        yield "case", lambda: state.update(case_page=d.get(f"/cases/{case}/"))
        yield "compare", lambda: d.get(f"/cases/{case}/compare/")
        yield "worksheet open", lambda: state.update(opened=self._open(case, state["case_page"]))
        yield "worksheet amend", lambda: state.update(draft=self._amend(state["opened"]))
        yield "worksheet sign", lambda: state.update(signed=self._sign(*state["draft"]))
        if self.draft_offer:
            url = f"/offers/{self.draft_offer}/convey/"
            yield "offer convey page", lambda: state.update(convey=d.get(url))
            yield "offer convey", lambda: state.update(conveyed=self._convey(url, state["convey"]))
        if self.signed:
            yield "worksheet pdf (stored)", lambda: d.get(f"/worksheets/{self.signed}/pdf/")
        yield "reports", lambda: s.get("/reports/")
        yield "reports filtered", lambda: s.get("/reports/?level=felony")
        yield "review queue", lambda: s.get("/reviews/")

    def _open(self, case, page):
        """The post from the case page, and the worksheet page it leads to. The case page itself
        is the "case" request, as in locustfile.py, where the signing task's own visit to the
        case page is counted under "case" (MIX)."""
        return self.deputy.post(
            f"/cases/{case}/worksheet/", {"csrfmiddlewaretoken": self.csrf(page)}, follow=True
        )

    def _amend(self, opened):
        worksheet = opened.redirect_chain[-1][0].rstrip("/").rsplit("/", 1)[-1]
        if 'name="version"' in opened.text:
            return worksheet, opened
        amended = self.deputy.post(
            f"/worksheets/{worksheet}/amend/",
            {"csrfmiddlewaretoken": self.csrf(opened), "reason": "CPU bench amendment."},
            follow=True,
        )
        return amended.redirect_chain[-1][0].rstrip("/").rsplit("/", 1)[-1], amended

    def _convey(self, url, page):
        version = self.re.search(r'name="version" value="(\d+)"', page.text)
        day = self.re.search(r'name="conveyed_on" value="([0-9-]+)"', page.text)
        response = self.deputy.post(
            url,
            {
                "csrfmiddlewaretoken": self.csrf(page),
                "version": version.group(1),
                "conveyed_on": day.group(1),
            },
            follow=True,
        )
        if "recorded as conveyed" not in response.text:
            raise RuntimeError(f"{url}: not conveyed")
        return int(url.split("/")[2])

    def _sign(self, worksheet, page):
        version = self.re.search(r'name="version" value="(\d+)"', page.text)
        offers = self.re.findall(r'name="considered" value="(\d+)"', page.text)
        response = self.deputy.post(
            f"/worksheets/{worksheet}/sign/",
            {
                "csrfmiddlewaretoken": self.csrf(page),
                "version": version.group(1),
                "considered": offers,
                "chosen_disposition": offers[0],
                "decision": "standard_kept",
                "reasons": "Considered as one factor; the standard offer stands.",
                "parity_answer": "same",
                "factor_seriousness_weight": "neutral",
            },
            follow=True,
        )
        if "SHA-256" not in response.text:
            raise RuntimeError(f"worksheet {worksheet} was not signed")
        return worksheet


def measure(replay):
    """Per page: CPU milliseconds of each round, and the queries of the last round."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases import offers, pdf_jobs
    from cases.choices import WithdrawalReason
    from cases.models import Disposition, ReportMonth
    from compliance import rollups

    cpu = {name: [] for name in MIX}
    queries = {}
    for round_number in range(ROUNDS + 2):  # two warm-up rounds: caches, and a stored PDF
        case = replay.cases[round_number % len(replay.cases)]
        last = round_number == ROUNDS + 1
        for name, call in replay.requests(case):
            if last:
                with CaptureQueriesContext(connection) as captured:
                    call()
                queries[name] = len(captured)
                continue
            started = time.thread_time()
            call()
            if round_number >= 2:
                cpu[name].append((time.thread_time() - started) * 1000)
        conveyed = replay.after_round.get("conveyed")
        if conveyed:  # a draft again for the next round, outside the measured requests
            offers.withdraw_conveyance(
                Disposition.objects.get(pk=conveyed),
                by_user=replay.deputy_user,
                reason=WithdrawalReason.WRONG_OFFER,
            )
        # The worker's jobs, here in-process and outside the measured requests: the signed
        # worksheet's PDFs, and the rollup months the round's writes marked stale (so each
        # round's dashboard counts raw only what this round's writes touched, as a dashboard
        # viewed between a write and its job does).
        signed = replay.after_round.get("signed")
        if signed:
            pdf_jobs.render_now(int(signed))
            replay.signed = signed
        for office_id, month in ReportMonth.objects.filter(stale=True).values_list(
            "office_id", "month"
        ):
            rollups.refresh(office_id, [month])
    return cpu, queries


def main():
    import argparse

    # No options: the environment sets it up (docstring). Parsed so that --help prints them
    # instead of starting a run of several minutes.
    argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args()
    env = serving.production_env(DATABASE)
    # A broker no worker reads: the requests queue their jobs as in production (PDFs, stale
    # rollup months), and the bench runs those jobs itself between rounds (`measure`).
    env["CELERY_BROKER_URL"] = QUEUE
    subprocess.run(["redis-cli", "-u", QUEUE, "flushdb"], check=True, capture_output=True)
    env["PDF_STORAGE_DIR"] = str(serving.OUT / "cpu_pdfs")
    if os.environ.get("CPU_RESEED") == "1" or not database_exists(DATABASE):
        print(f"seeding {CASES} cases into {DATABASE} …", flush=True)
        serving.fresh_database(DATABASE, env, cases=CASES, offices=2)
    else:  # kept from an earlier run: brought up to this code's indexes and tables first
        serving.manage(env, "migrate", "--noinput")
    serving.collect_static(env, again=False)  # the pages' CPU does not depend on fresh files
    setup_django(env)
    cpu, queries = measure(Replay())
    medians = {name: statistics.median(times) for name, times in cpu.items() if times}
    weighted = sum(MIX[name] * medians[name] for name in medians) / sum(MIX[n] for n in medians)
    print(f"\n{'page':<24} {'CPU ms':>7} {'queries':>7} {'share':>6}")
    for name in MIX:
        if name in medians:
            share = MIX[name] * medians[name] / (weighted * sum(MIX.values()))
            print(f"{name:<24} {medians[name]:>7.1f} {queries[name]:>7} {share:>6.0%}")
    print(f"\nmix-weighted CPU per request: {weighted:.1f} ms (at most {1000 / weighted:.0f} req/s "
          f"per core for the app alone); load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    figures = {
        f"cpu.{name.replace(' ', '_').replace('(', '').replace(')', '')}": {
            "value": round(medians[name], 2),
            "unit": "ms CPU (median)",
            "target": None,
            "baseline": None,
            "queries": queries[name],
        }
        for name in medians
    }
    figures["cpu.mix_weighted_per_request"] = {
        "value": round(weighted, 2),
        "unit": "ms CPU per request",
        "target": None,
        "baseline": None,
        "cores": os.cpu_count(),
        "note": "App server only (thread CPU time, Django test client, production settings); "
        "PostgreSQL's CPU is not included.",
    }
    serving.merge_results(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
