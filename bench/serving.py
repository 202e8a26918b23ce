"""Shared set-up for the load test and the fault drill: a PostgreSQL database of its own, seeded
by seed_volume, served by gunicorn with production settings on loopback, with the PDF pipeline
running (a Celery worker on Redis renders each signed worksheet's PDF off the request path), and
driven by locust.

Everything runs on 127.0.0.1 and stops by itself: locust's run time is bounded, and gunicorn and
the worker are terminated when the `served` context ends.
Environment: LOAD_BROKER_URL (redis://127.0.0.1:6379/6; "" serves without a worker, and every
PDF is rendered at its first download), WEB_WORKER_CLASS (gthread), WEB_CONCURRENCY (a worker
process per core, as `make serve`) and WEB_THREADS (4 threads each).
"""

import contextlib
import csv
import json
import math
import os
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
PG_PORT = os.environ.get("BENCH_PG_PORT", "5432")
PG = f"postgres://postgres@127.0.0.1:{PG_PORT}"
PORT = int(os.environ.get("LOAD_PORT", "8765"))
HOST = f"http://127.0.0.1:{PORT}"
BROKER = os.environ.get("LOAD_BROKER_URL", "redis://127.0.0.1:6379/6")
PDFS = OUT / "pdfs"  # the stored PDFs of this run (PDF_STORAGE_DIR), emptied at each start


def production_env(database):
    """Production settings over plain HTTP on loopback (no TLS proxy in front here)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{PG}/{database}",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        DB_CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
        CELERY_BROKER_URL=BROKER,
        PDF_STORAGE_DIR=str(PDFS),
    )
    return env


def manage(env, *args, quiet=True):
    subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def fresh_database(name, env, *, cases, offices=1):
    """Drop and recreate `name`, migrate, and fill it with seed_volume.

    LOAD_REUSE=1 keeps the database of an earlier run instead (its worksheets amended and signed
    again since): seeding takes minutes on a busy machine, and a re-run to check the bench itself
    does not need fresh data. The figures of record come from a fresh database.
    """
    if os.environ.get("LOAD_REUSE") == "1":
        manage(env, "migrate", "--noinput")
        collect_static(env, again=False)
        return
    server = ["-h", "127.0.0.1", "-p", PG_PORT, "-U", "postgres"]
    subprocess.run(["dropdb", "--if-exists", *server, name], check=True)
    subprocess.run(["createdb", *server, name], check=True)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_volume", "--cases", str(cases), "--offices", str(offices), "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")


def collect_static(env, *, again=True):
    """collectstatic (about a minute of CPU with compression); `again=False` skips it when a
    manifest is there already, for check runs."""
    if again or not (ROOT / "var" / "staticfiles" / "staticfiles.json").exists():
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")


def write_plan(env, *, deputies=40, cases_each=6):
    """Give each simulated deputy its own account and cases, so no two users share a worksheet.

    The cases are the deputy's open ones (seed_volume closes a case six months after it was
    opened): a worksheet is considered and signed in plea negotiations, on the open docket.
    Until 4 December 2026 they were the deputy's first cases by id, 82 % of them closed and
    spread over three years, so every amendment marked the report's months of 2024 stale."""
    code = f"""
import json
from cases.choices import CaseStage
from cases.models import Case, Membership
from cases.devdata.volume import VOLUME_PASSWORD
plan = {{"password": VOLUME_PASSWORD, "deputies": {{}}, "supervisors": []}}
deputies = Membership.objects.filter(role="deputy").order_by("user__username")
for membership in deputies.select_related("user")[:{deputies}]:
    ids = list(
        Case.objects.filter(assigned_deputy=membership.user, dispositions__isnull=False)
        .exclude(stage=CaseStage.CLOSED)
        .distinct().order_by("pk").values_list("pk", flat=True)[:{cases_each}]
    )
    if ids:
        plan["deputies"][membership.user.username] = ids
plan["supervisors"] = list(
    Membership.objects.filter(role="supervisor").values_list("user__username", flat=True)
)
print(json.dumps(plan))
"""
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    plan = json.loads(result.stdout.strip().splitlines()[-1])
    (OUT / "load_plan.json").write_text(json.dumps(plan))
    return plan


def gunicorn_command(
    port, *, workers, access_log, graceful_timeout=5, worker_class="sync", threads=1
):
    """gunicorn on 127.0.0.1:`port` with the settings `make serve` uses, logging each request's
    server-side time in microseconds (to tell the server's own time from time spent queueing for
    a worker or in the load generator)."""
    return [
        str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads),
        "--timeout", "60", "--graceful-timeout", str(graceful_timeout),
        # Longer than a user's pause: with gthread's default of 2 s, the server closes an idle
        # connection just as the client reuses it (RemoteDisconnected errors in the run).
        "--keep-alive", "30",
        "--access-logfile", str(access_log),
        "--access-logformat", '%(t)s "%(m)s %(U)s" %(s)s %(D)s %({x-request-id}o)s',
    ]  # fmt: skip


class Served:
    """What `served` ran: the CPU seconds gunicorn (with its workers) and the PDF worker used,
    filled in when the block ends."""

    def __init__(self, server):
        self.server = server
        self.cpu = {}


@contextlib.contextmanager
def served(env, *, workers=None):
    """gunicorn on loopback with the settings `make serve` uses, and the PDF worker next to it
    when a broker is configured; both stopped when the block ends.

    Sized for a 2-core machine: gthread workers (one process per core, threads to overlap the
    waits on PostgreSQL) rather than sync workers, which hold a process per request in flight.
    The worker renders in one process at the web tier's own priority, as docs/deployment.md
    recommends for a worker that shares the web tier's machine (start_pdf_worker says why).
    """
    workers = workers or int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
    worker_class = os.environ.get("WEB_WORKER_CLASS", "gthread")
    threads = os.environ.get("WEB_THREADS", "4")
    OUT.mkdir(parents=True, exist_ok=True)
    log = (OUT / "gunicorn.log").open("w")
    (OUT / "access.log").unlink(missing_ok=True)  # gunicorn appends: keep only this run
    shutil.rmtree(PDFS, ignore_errors=True)  # every PDF of the run is rendered in the run
    pdf_worker = start_pdf_worker(env) if env.get("CELERY_BROKER_URL") else None
    server = subprocess.Popen(
        gunicorn_command(
            PORT,
            workers=workers,
            access_log=OUT / "access.log",
            worker_class=worker_class,
            threads=threads,
        ),
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    run = Served(server)
    try:
        wait_healthy(timeout=60)
        yield run
    finally:
        run.cpu["gunicorn"] = _stop(server)
        if pdf_worker is not None:
            run.cpu["pdf_worker"] = _stop(pdf_worker)
        log.close()


def start_pdf_worker(env):
    """One Celery worker process, its queue emptied of jobs from earlier runs.

    Not niced: at nice 5 the worker weighs a third of each busy gunicorn process (the kernel's
    weights 335 and 1024), so on a machine the web tier saturates it rendered slower than
    signings arrived and fell behind (issue 19's run: signing to stored PDF 7.5 s at p95, 9.1 s
    at most, and downloads that found no file yet and rendered in the request). At the same
    priority it gets a fair share; its total CPU is the same either way, one render per copy.
    Prefetch 1 and late acknowledgement come from the settings (CELERY_*).
    """
    celery = [str(BIN / "celery"), "-A", "config"]
    subprocess.run(
        [*celery, "purge", "-f"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    # PDF_WORKER_NICE (0): to measure the trade-off above on another machine or profile.
    nice = (
        ["nice", "-n", os.environ["PDF_WORKER_NICE"]] if os.environ.get("PDF_WORKER_NICE") else []
    )
    return subprocess.Popen(
        [*nice, *celery, "worker", "--concurrency", "1", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=(OUT / "pdf_worker.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def _stop(process):
    """Stop a child; the CPU seconds it and its processes used (psutil, a locust dependency)."""
    cpu = tree_cpu(process.pid)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return cpu


def tree_cpu(pid):
    """CPU seconds (user + system) of a running process and its descendants."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return None
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return round(total, 1)


class CpuSampler:
    """Every process's CPU seconds, read each second in a thread and summed by tier: the web
    tier (gunicorn), the PDF worker (celery), PostgreSQL, locust and the rest of the machine.

    All of them share the bench machine's cores, so the time a request waits says little about
    what each tier costs; the CPU each tier spent per request served does, and sizes each tier
    apart (bench/readme_table.py). A process that starts during the run counts from zero, one
    that ends keeps what it had used at the last reading (under a second of its CPU lost).
    `between(begin, end)` gives each tier's CPU seconds and the machine's busy seconds (all
    cores) over a window of the run.
    """

    TIERS = ("web", "pdf_worker", "postgres", "locust", "other")

    def __init__(self, interval=1.0):
        import threading

        self.interval = interval
        self.samples = []  # (time, {tier: CPU seconds since the start}, machine busy seconds)
        self._tier, self._base, self._used = {}, {}, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    @staticmethod
    def tier_of(process):
        try:
            command = " ".join(process.cmdline()) or process.name()
        except Exception:  # gone, or a kernel thread  # noqa: BLE001
            return "other"
        for word, tier in (("gunicorn", "web"), ("celery", "pdf_worker"), ("locust", "locust")):
            if word in command:
                return tier
        return "postgres" if command.startswith("postgres") else "other"

    def _sample(self, first=False):
        import psutil

        for process in psutil.process_iter():
            try:
                key = (process.pid, process.create_time())
                times = process.cpu_times()
            except psutil.Error:
                continue
            if key not in self._tier:
                self._tier[key] = self.tier_of(process)
                # Present at the start: only what it uses from now on counts.
                self._base[key] = times.user + times.system if first else 0.0
            self._used[key] = times.user + times.system - self._base[key]
        totals = dict.fromkeys(self.TIERS, 0.0)
        for key, used in self._used.items():
            totals[self._tier[key]] += used
        machine = psutil.cpu_times()
        busy = sum(
            getattr(machine, name, 0.0)
            for name in ("user", "nice", "system", "irq", "softirq", "steal")
        )  # guest time is inside user and nice already
        self.samples.append((time.time(), totals, busy))

    def between(self, begin, end):
        """({tier: CPU seconds}, machine busy seconds) from the first reading at or after
        `begin` to the last at or before `end`, and the seconds between those readings."""
        inside = [sample for sample in self.samples if begin <= sample[0] <= end]
        if len(inside) < 2:
            return None
        (t0, first, busy0), (t1, last, busy1) = inside[0], inside[-1]
        return {tier: last[tier] - first[tier] for tier in self.TIERS}, busy1 - busy0, t1 - t0


def health(host=HOST):
    try:
        with urllib.request.urlopen(f"{host}/healthz", timeout=5) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait_healthy(timeout, host=HOST):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if health(host) == 200:
            return True
        time.sleep(0.5)
    raise RuntimeError(f"{host}/healthz did not answer 200 within {timeout} s")


def run_locust(env, *, users, seconds, prefix, host=HOST):
    """Headless locust, bounded in users and time; returns its per-endpoint stats rows."""
    return run_locust_timed(env, users=users, seconds=seconds, prefix=prefix, host=host)[0]


def run_locust_timed(env, *, users, seconds, prefix, host=HOST, nice=10):
    """run_locust, at lower priority (`nice`) so that the cores go to the server first, and the
    CPU seconds locust itself used (its share of the machine is then not the server's).

    `nice=0` where the times matter more than locust's CPU: a niced locust also waits longer
    for a core to read each response, and that wait counts in every time it reports."""
    env = dict(env, LOAD_OUT=str(OUT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [
            "nice", "-n", str(nice),
            str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
            "-u", str(users), "-r", str(max(1, users // 10)), "-t", f"{seconds}s",
            "--host", host, "--csv", str(OUT / prefix), "--only-summary", "--stop-timeout", "10",
            "--exit-code-on-error", "0",
        ],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with (OUT / f"{prefix}_stats.csv").open() as stats:
        return list(csv.DictReader(stats)), cpu


def signed_during_run():
    path = OUT / "signed.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def check_integrity(env, signed, since_iso):
    """Every worksheet signed in the run is present, signed once, and its hash still matches."""
    code = f"""
import json
from cases.models import AuditEvent, Worksheet
from cases.worksheets import content_hash
claimed = {json.dumps(signed)}
rows = {{w.pk: w for w in Worksheet.objects.filter(pk__in=[c["worksheet"] for c in claimed])}}
missing = [c["worksheet"] for c in claimed if c["worksheet"] not in rows]
changed = [c["worksheet"] for c in claimed
           if c["worksheet"] in rows and rows[c["worksheet"]].content_hash != c["sha256"]]
broken = [w.pk for w in Worksheet.objects.filter(signed_at__gte="{since_iso}")
          if content_hash(w.signed_content) != w.content_hash]
signed_in_run = Worksheet.objects.filter(signed_at__gte="{since_iso}").count()
sign_events = AuditEvent.objects.filter(action="sign", at__gte="{since_iso}").count()
print(json.dumps({{"claimed": len(claimed), "missing": missing, "changed": changed,
                  "broken": broken, "signed_in_run": signed_in_run, "sign_events": sign_events}}))
"""
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def merge_results(figures):
    path = ROOT / "bench" / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results.update(figures)
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


_ID = re.compile(r"/\d+/")
_ACCESS = re.compile(
    r'^\[[^\]]+\] "(?P<method>\S+) (?P<path>\S+)" (?P<status>\d{3}) (?P<us>\d+)(?: (?P<id>\S+))?$'
)


def server_times():
    """Server-side milliseconds per request from gunicorn's access log (healthz left out):
    {"all": [...], "GET /cases/{id}/": [...], ...}, ids folded into {id}."""
    times = {"all": []}
    for line in (OUT / "access.log").read_text().splitlines():
        match = _ACCESS.match(line)
        if match is None or match["path"] == "/healthz":
            continue
        milliseconds = int(match["us"]) / 1000
        path = _ID.sub("/{id}/", match["path"])
        endpoint = f"{match['method']} {path}"
        times["all"].append(milliseconds)
        times.setdefault(endpoint, []).append(milliseconds)
    return times


def server_times_by_id():
    """Server-side milliseconds of each request the app gave an X-Request-ID, by that id."""
    times = {}
    for line in (OUT / "access.log").read_text().splitlines():
        match = _ACCESS.match(line)
        if match is not None and match["id"] not in (None, "-"):
            times[match["id"]] = int(match["us"]) / 1000
    return times


def percentile(values, share):
    """Nearest-rank percentile (share in 0–100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def sign_to_stored(env, since_iso):
    """Seconds from each signing in the run to its PDF in storage (the stored file's modification
    time less the worksheet's signed_at), and how many signed worksheets have no stored PDF;
    `signings` holds each one's [signed_at as a Unix time, delay or None] to cut the run."""
    code = f"""
import json, os
from cases import pdf, pdf_store
from cases.models import Worksheet
store = pdf_store.storage()
delays, missing, signings = [], 0, []
for worksheet in Worksheet.objects.filter(signed_at__gte="{since_iso}").select_related("case"):
    path = store.path(pdf_store.key_for(worksheet, pdf.DEFAULT_VARIANT, True))
    signed = worksheet.signed_at.timestamp()
    delay = os.stat(path).st_mtime - signed if os.path.exists(path) else None
    signings.append([signed, delay])
    if delay is None:
        missing += 1
    else:
        delays.append(delay)
print(json.dumps({{"delays": delays, "missing": missing, "signings": signings}}))
"""
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])
