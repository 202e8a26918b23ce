"""Failover: two application servers behind HAProxy, one stopped in the middle of the stress load.

    .venv/bin/python bench/bench_failover.py

Two gunicorn servers (127.0.0.1:8150 and :8151, the settings `make serve` uses, one shared
SECRET_KEY, one PostgreSQL database `considered_failover`, one PDF directory standing for the
shared volume) behind HAProxy on 127.0.0.1:8152, run in the foreground from Debian's package with
the configuration this script writes to bench/out/haproxy.cfg (never the system service).
HAProxy balances round-robin with no stickiness, so every user's requests alternate between the
servers from the start; it checks /healthz every second, and retries a GET or HEAD whose server
closed the connection without answering on the other server, while a POST is retried only when
it could not be sent at all (`http-request disable-l7-retry`): a write is never replayed.

Locust drives the stress mix (bench/locustfile.py at 1–3 s pacing; FAILOVER_USERS, default 40,
for FAILOVER_SECONDS, default 100). At FAILOVER_STOP_AT seconds (50) the first server is stopped:
  - sigterm: SIGTERM to its master, a graceful stop (rolling deploy, scale-in): it stops listening
    and its workers finish the requests they hold (graceful timeout 30 s, gunicorn's default);
  - sigkill: SIGKILL to its master and workers, a machine lost: requests it held die with it.
  - drain: what a rolling deploy does: HAProxy is told to send app1 nothing new (runtime API,
    `set server … state drain`), the requests app1 holds are answered, then SIGTERM.
FAILOVER_VARIANTS chooses ("drain,sigterm,sigkill"); each runs on fresh servers, same database.
FAILOVER_CASES (2000) sizes the seeded database; FAILOVER_FRESH=0 reuses a former run's.
FAILOVER_DATABASE (considered_failover) and FAILOVER_PORT (8150: app1; app2, the balancer and its
statistics on the next three) keep runs apart. tests/test_balancer_retries.py runs HAProxy with
this configuration (`haproxy_config`) and proves that a POST is never replayed.

Then it proves, per variant:
  - no lost write: every worksheet a user saw signed is in the database with the hash the user
    saw (serving.check_integrity), and every amendment and conveyance a user saw made exists;
  - no duplicated write: no worksheet signed twice, no case with two current worksheets, no
    offer conveyed twice, one audit event per signature, amendment and conveyance;
  - no error beyond requests in flight on the stopped server: each error the users saw, placed
    against the moment of the stop, and HAProxy's own log of what the stopped server left
    unanswered;
  - no session lost: no signed-in request answered with the log-in page, before or after.
and reports HAProxy's retries and redispatches and the client p95 before and after the stop.
Figures go to bench/results.json as failover.<variant>.<figure>. Prints the install command and
stops when HAProxy is missing.
"""

import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime

import serving

DATABASE = os.environ.get("FAILOVER_DATABASE", "considered_failover")
PORT = int(os.environ.get("FAILOVER_PORT", "8150"))  # app1, app2, the balancer, its statistics
APPS = {"app1": PORT, "app2": PORT + 1}  # app1 is the one stopped
BALANCER = PORT + 2
STATS = PORT + 3
BALANCER_HOST = f"http://127.0.0.1:{BALANCER}"
CASES = int(os.environ.get("FAILOVER_CASES", "2000"))
USERS = int(os.environ.get("FAILOVER_USERS", "40"))
SECONDS = int(os.environ.get("FAILOVER_SECONDS", "100"))
STOP_AT = float(os.environ.get("FAILOVER_STOP_AT", "50"))
WARM_UP = 20  # seconds of log-ins at the start, left out of the "before" p95
# Each server as `make serve` runs it: gthread processes of 4 threads, one process per core of
# its own (two servers share this machine's cores: one process each on two cores).
WORKER_CLASS = os.environ.get("FAILOVER_WORKER_CLASS", "gthread")
THREADS = int(os.environ.get("FAILOVER_THREADS", "4"))
WORKERS = int(os.environ.get("FAILOVER_WORKERS", str(max(1, (os.cpu_count() or 2) // 2))))
VARIANTS = os.environ.get("FAILOVER_VARIANTS", "drain,sigterm,sigkill").split(",")
INSTALL = "apt-get install -y haproxy"
SOCKET = serving.OUT / "haproxy.sock"

HAPROXY_CONFIG = """\
# Written by bench/bench_failover.py; run in the foreground: haproxy -db -f {path}
global
    log stdout format raw local0 info
    # The runtime API, to drain a server before stopping it (the "drain" variant).
    stats socket {socket} mode 600 level admin
    maxconn 1000

defaults
    mode http
    log global
    # One line per request, written when it ends: the time then (ms since the epoch), method,
    # path, status, active time (ms: its start is the end less this), backend/server, retries
    # ("+" when redispatched to another server), termination state.
    log-format "%[date(0,ms)] %HM %HPO %ST %Ta %b/%s %rc %tsc"
    option forwardfor
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # Up to 3 more attempts, each on another server (redispatch 1): a server that refuses the
    # connection (stopped) or closes it without an answer (killed) is left for the other one.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend considered
    bind 127.0.0.1:{balancer}
    default_backend app_servers

backend app_servers
    balance roundrobin
    # A write is never replayed: beyond a connection that could not be made (nothing was sent),
    # only GET and HEAD are retried. A POST cut off on a dying server gets 502, and the user
    # sees it failed; the application's own checks (the worksheet's version) refuse a resend.
    http-request disable-l7-retry unless METH_GET || METH_HEAD
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    # A busy server answers the check in turn with the other requests, once a thread is free:
    # a short check timeout would take a busy, healthy server out, and with the other one
    # stopped, leave none. A stopped server refuses the check at once, and
    # requests sent to it meanwhile are retried on the other (conn-failure, redispatch).
    timeout check 10s
    default-server inter 2s fall 3 rise 2
{servers}

listen stats
    bind 127.0.0.1:{stats}
    stats enable
    stats uri /stats
"""


# When every server fails its check, HAProxy would answer 503 to everyone. On an overloaded
# machine that happens to healthy servers: the check waits behind slow requests and times out.
# The backup lines are the same servers without a check, used only when no checked server is
# up, so overload stays slowness instead of becoming an outage; a stopped server among them
# refuses the connection and the request is redispatched.
FAIL_OPEN = """\
    # Fail open: with every server marked down, try them all anyway (no check on these).
    option allbackups"""


def haproxy_binary():
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        print(
            "HAProxy is not installed. Install Debian's package (as root), then run this again:\n"
            f"    {INSTALL}\n"
            "The bench runs it in the foreground with its own configuration, not the service."
        )
        sys.exit(2)
    return found


def haproxy_config(path, *, apps, balancer, stats, admin_socket):
    """The balancer's configuration: the one this bench runs, docs/deployment.md shows and
    tests/test_balancer_retries.py proves never replays a POST."""
    servers = "\n".join(
        [f"    server {n} 127.0.0.1:{p} check" for n, p in apps.items()]
        + [FAIL_OPEN]
        + [f"    server {n}-unchecked 127.0.0.1:{p} backup" for n, p in apps.items()]
    )
    return HAPROXY_CONFIG.format(
        path=path, balancer=balancer, stats=stats, servers=servers, socket=admin_socket
    )


def write_haproxy_config():
    path = serving.OUT / "haproxy.cfg"
    path.write_text(
        haproxy_config(path, apps=APPS, balancer=BALANCER, stats=STATS, admin_socket=SOCKET)
    )
    return path


def start_app(env, name, port):
    """One application server in a process group of its own, so that SIGKILL can take the
    master and its workers together, as a lost machine would."""
    log = (serving.OUT / f"{name}.log").open("w")
    access = serving.OUT / f"{name}_access.log"
    access.unlink(missing_ok=True)
    command = serving.gunicorn_command(
        port, workers=WORKERS, access_log=access, graceful_timeout=30,
        worker_class=WORKER_CLASS, threads=THREADS,
    )  # fmt: skip
    process = subprocess.Popen(
        command, cwd=serving.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    process.log = log
    return process


def haproxy_command(line):
    """One command to HAProxy's runtime API (its admin socket); returns the answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(str(SOCKET))
        connection.sendall(f"{line}\n".encode())
        answer = b""
        while chunk := connection.recv(4096):
            answer += chunk
    return answer.decode()


def drain(timeout=60):
    """A rolling deploy's first step: HAProxy sends app1 nothing new, and we wait until the
    requests it holds are answered. Returns the seconds that took."""
    began = time.monotonic()
    for server in ("app1", "app1-unchecked"):
        haproxy_command(f"set server app_servers/{server} state drain")
    while time.monotonic() - began < timeout:
        if haproxy_stats()["app1"]["scur"] in ("0", ""):
            break
        time.sleep(0.2)
    return time.monotonic() - began


def stop_app(process, how):
    if how in ("sigterm", "drain"):
        process.send_signal(signal.SIGTERM)  # the master: graceful, workers finish their requests
    else:
        os.killpg(process.pid, signal.SIGKILL)  # master and workers at once


def end(process, timeout=40):
    """SIGTERM, then SIGKILL after `timeout`: to the application server's own process group
    (master and workers), or to HAProxy alone, which shares this script's group."""
    log = getattr(process, "log", None)  # set by start_app only
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            if log is not None:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
            process.wait()
    if log is not None:
        log.close()


def haproxy_stats():
    """HAProxy's own counters, per backend and server (its CSV stats page)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{STATS}/stats;csv", timeout=5) as page:  # noqa: S310
        text = page.read().decode()
    rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
    wanted = ("wretr", "wredis", "econ", "eresp", "hrsp_5xx", "stot", "scur", "status")
    return {
        row["svname"]: {key: row.get(key, "") for key in wanted}
        for row in rows
        if row["pxname"] == "app_servers"
    }


_LOG = re.compile(
    r"^(?P<end>\d+) (?P<method>\S+) (?P<path>\S+) (?P<status>-?\d+) (?P<ms>-?\d+) "
    r"(?P<backend>[^/\s]+)/(?P<server>\S+) (?P<retries>\+?\d+) (?P<term>\S+)$"
)


def balancer_log(how):
    """HAProxy's request lines (health checks are not logged), start and end in seconds; the
    fail-open servers count as the server they stand for."""
    rows = []
    for line in (serving.OUT / f"haproxy_{how}.log").read_text().splitlines():
        match = _LOG.match(line.strip())
        if match is None:
            continue
        ended = int(match["end"]) / 1000
        rows.append(
            {
                "start": ended - max(0, int(match["ms"])) / 1000,
                "end": ended,
                "method": match["method"],
                "path": match["path"],
                "status": int(match["status"]),
                "server": match["server"].removesuffix("-unchecked"),
                "fail_open": match["server"].endswith("-unchecked"),
                "retries": int(match["retries"].lstrip("+")),
                "redispatched": match["retries"].startswith("+"),
                "term": match["term"],
            }
        )
    return rows


def write_checks(env, since_iso, amended, conveyed):
    """What the database holds for the run: amendments and conveyances the users saw,
    duplicates of any kind."""
    code = f"""
import json
from django.db.models import Count
from cases.models import AuditEvent, Disposition, Worksheet
since = "{since_iso}"
amended = {json.dumps(amended)}
conveyed = {json.dumps(conveyed)}
found = set(Worksheet.objects.filter(pk__in=amended, amends__isnull=False)
            .values_list("pk", flat=True))
signs = AuditEvent.objects.filter(action="sign", object_type="worksheet", at__gte=since)
twice = signs.values("object_id").annotate(n=Count("pk")).filter(n__gt=1).count()
amendments = Worksheet.objects.filter(created_at__gte=since, amends__isnull=False)
amend_events = AuditEvent.objects.filter(action="amend", at__gte=since).count()
current_twice = (Worksheet.objects.current().values("case").annotate(n=Count("pk"))
                 .filter(n__gt=1).count())
still_draft = set(Disposition.objects.filter(pk__in=conveyed, conveyed_at__isnull=True)
                  .values_list("pk", flat=True))
conveys = AuditEvent.objects.filter(action="convey", object_type="disposition", at__gte=since)
print(json.dumps({{
    "amendments_missing": [pk for pk in amended if pk not in found],
    "amendments_in_db": amendments.count(),
    "amend_events": amend_events,
    "worksheets_signed_twice": twice,
    "cases_with_two_current_worksheets": current_twice,
    "conveyances_missing": [pk for pk in conveyed if pk in still_draft],
    "conveyed_in_db": Disposition.objects.filter(conveyance_recorded_at__gte=since).count(),
    "convey_events": conveys.count(),
    "offers_conveyed_twice": conveys.values("object_id").annotate(n=Count("pk"))
                             .filter(n__gt=1).count(),
}}))
"""
    result = subprocess.run(
        [str(serving.BIN / "python"), "manage.py", "shell", "-c", code],
        cwd=serving.ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def classify_errors(trace, stopped_at, log):
    """Each error the users saw, with its start and end relative to the stop (s), and whether it
    was in flight at the stop: sent before it and answered after it. A request in flight on the
    surviving server is not disturbed by the stop, so those are the requests the stopped server
    held (or had queued). Everything else, such as a 503 because no server was left, is beyond.
    HAProxy's own log gives the requests it saw cut off on app1, as a cross-check."""
    cut_off = [
        row
        for row in log
        if row["server"] == "app1" and row["start"] <= stopped_at <= row["end"] + 0.5
        and (row["status"] >= 500 or row["status"] < 0 or row["term"][:1] != "-")
    ]  # fmt: skip
    errors = []
    for at, name, ms, failed, error, _bounced, *_ in trace:
        if not failed:
            continue
        started = at - ms / 1000
        errors.append(
            {
                "request": name,
                "error": error,
                "started_s": round(started - stopped_at, 2),
                "ended_s": round(at - stopped_at, 2),
                "in_flight": started <= stopped_at + 0.05 and at >= stopped_at - 0.05,
            }
        )
    return errors, cut_off


def p95(trace, begin, end):
    times = [ms for at, name, ms, *_ in trace if begin <= at < end and name != "login"]
    return round(serving.percentile(times, 95)) if times else None


def first_user_request(how, timeout=180):
    """When the first user reached the balancer: the stop is timed from there, not from starting
    locust, which takes seconds of its own on a loaded machine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for row in balancer_log(how):
            if row["path"] == "/login/":
                return row["start"]
        time.sleep(0.2)
    raise RuntimeError(f"no user reached the balancer within {timeout} s")


def run_variant(env, how, haproxy):
    """Both servers and the balancer, the load, the stop; returns the variant's figures."""
    for name in (
        "signed.jsonl", "trace.jsonl", "amended.jsonl", "conveyed.jsonl", f"haproxy_{how}.log"
    ):  # fmt: skip
        (serving.OUT / name).unlink(missing_ok=True)
    since = datetime.now(UTC).isoformat()
    apps = {name: start_app(env, f"{name}_{how}", port) for name, port in APPS.items()}
    balancer = None
    try:
        for port in APPS.values():
            serving.wait_healthy(timeout=90, host=f"http://127.0.0.1:{port}")
        config = write_haproxy_config()
        subprocess.run([haproxy, "-c", "-q", "-f", str(config)], check=True)
        haproxy_log = (serving.OUT / f"haproxy_{how}.log").open("w")
        balancer = subprocess.Popen(
            [haproxy, "-db", "-f", str(config)], stdout=haproxy_log, stderr=subprocess.STDOUT
        )
        serving.wait_healthy(timeout=30, host=BALANCER_HOST)
        load = threading.Thread(
            target=serving.run_locust,
            args=(env,),
            kwargs={
                "users": USERS, "seconds": SECONDS, "prefix": f"failover_{how}",
                "host": BALANCER_HOST,
            },
        )  # fmt: skip
        load.start()
        began = first_user_request(how)
        time.sleep(max(0.0, began + STOP_AT - time.time()))
        stopped_at = time.time()  # for "drain": when app1 stopped getting new requests
        drained = drain() if how == "drain" else None
        stop_app(apps["app1"], how)
        print(f"  {how}: app1 stopped at {stopped_at - began:.1f} s", flush=True)
        load.join()
        finished = time.time()
        stats = haproxy_stats()
    finally:
        if balancer is not None:
            end(balancer, timeout=10)
            haproxy_log.close()
        for process in apps.values():
            end(process)
    trace = [json.loads(line) for line in (serving.OUT / "trace.jsonl").read_text().splitlines()]
    log = balancer_log(how)
    signed = serving.signed_during_run()
    amended = [
        json.loads(line)["worksheet"]
        for line in (serving.OUT / "amended.jsonl").read_text().splitlines()
        if line.strip()
    ]
    conveyed = [
        json.loads(line)["disposition"]
        for line in (serving.OUT / "conveyed.jsonl").read_text().splitlines()
        if line.strip()
    ]
    integrity = serving.check_integrity(env, signed, since)
    checks = write_checks(env, since, amended, conveyed)
    errors, cut_off = classify_errors(trace, stopped_at, log)
    # A worksheet a user saw signed that is missing, or whose content changed or no longer
    # matches its hash, is a lost write; so is an amendment or a conveyance a user saw made
    # that the database does not hold.
    lost = (
        sum(len(integrity[key]) for key in ("missing", "changed", "broken"))
        + len(checks["amendments_missing"])
        + len(checks["conveyances_missing"])
    )
    duplicated = (
        checks["worksheets_signed_twice"]
        + checks["cases_with_two_current_worksheets"]
        + max(0, integrity["sign_events"] - integrity["signed_in_run"])
        + max(0, checks["amend_events"] - checks["amendments_in_db"])
        + checks["offers_conveyed_twice"]
        + max(0, checks["convey_events"] - checks["conveyed_in_db"])
    )
    beyond = [e for e in errors if not e["in_flight"]]
    bounced = sum(1 for row in trace if row[5])
    retried = [row for row in log if row["retries"]]
    posts_retried = [row for row in log if row["retries"] and row["method"] == "POST"]
    figures = {
        "lost_writes": lost,
        "duplicated_writes": duplicated,
        "errors_beyond_in_flight": len(beyond),
        "errors": len(errors),
        "sessions_lost": bounced,
        "requests": len(trace),
        "balancer_requests": len(log),
        "balancer_retries": int(stats["BACKEND"]["wretr"] or 0),
        "balancer_redispatches": int(stats["BACKEND"]["wredis"] or 0),
        "requests_retried": len(retried),
        # Only when the connection could not be made (nothing sent): see disable-l7-retry.
        "posts_retried": len(posts_retried),
        "drain_seconds": round(drained, 1) if drained is not None else None,
        "cut_off_on_stopped_server": len(cut_off),
        "sent_while_all_checks_failed": sum(1 for row in log if row["fail_open"]),
        "p95_before_ms": p95(trace, began + WARM_UP, stopped_at),
        "p95_after_ms": p95(trace, stopped_at, finished),
        "p95_after_settled_ms": p95(trace, stopped_at + 10, finished),
        "signed_seen_by_users": integrity["claimed"],
        "signed_in_db": integrity["signed_in_run"],
        # Committed, but the user never saw the answer: a POST cut off after its commit, or one
        # locust abandoned when the run's time was up. Not lost, and a resend is refused by the
        # worksheet's version check.
        "signed_unconfirmed": max(0, integrity["signed_in_run"] - integrity["claimed"]),
        "amended_seen_by_users": len(amended),
        "amended_in_db": checks["amendments_in_db"],
        # Likewise; also a request locust abandoned when the run's time was up.
        "amended_unconfirmed": max(0, checks["amendments_in_db"] - len(amended)),
        "conveyed_seen_by_users": len(conveyed),
        "conveyed_in_db": checks["conveyed_in_db"],
        "conveyed_unconfirmed": max(0, checks["conveyed_in_db"] - len(conveyed)),
        "served_by": {
            name: sum(1 for row in log if row["server"] == name) for name in (*APPS, "<NOSRV>")
        },
    }
    # Each POST HAProxy sent again, against the stop: only a connection refused (nothing sent)
    # may be retried, so each should start after the stop, towards the stopped server.
    posts = [{**row, "started_s": round(row["start"] - stopped_at, 2)} for row in posts_retried]
    return figures, errors, integrity, checks, stats, posts


def main():
    haproxy = haproxy_binary()
    env = serving.production_env(DATABASE)
    env.update(
        LOAD_THINK=os.environ.get("LOAD_THINK", "1,3"),
        LOAD_TRACE="1",
        PROXY_COUNT="1",  # HAProxy adds X-Forwarded-For: lockout and audit read the client there
        PDF_STORAGE_DIR=str(serving.OUT / "shared-pdfs"),  # the servers' shared volume
    )
    serving.OUT.mkdir(parents=True, exist_ok=True)
    if os.environ.get("FAILOVER_FRESH", "1") != "0":  # 0: reuse the database of a former run
        print(f"seeding {CASES} cases into {DATABASE} …", flush=True)
        serving.fresh_database(DATABASE, env, cases=CASES)
    serving.write_plan(env, deputies=USERS, cases_each=6)
    results = {}
    ok = True
    for how in VARIANTS:
        figures, errors, integrity, checks, stats, posts = run_variant(env, how, haproxy)
        load_average = [round(x, 1) for x in os.getloadavg()]
        print(f"\n== {how}: {json.dumps(figures, indent=1)}")
        print(f"integrity: {integrity}\nchecks: {checks}\nhaproxy: {stats}")
        for post in posts:
            print(f"  POST retried, started {post['started_s']:+.2f} s from the stop: {post}")
        for error in errors:
            print(
                f"  error {error['started_s']:+.2f} s → {error['ended_s']:+.2f} s from the stop: "
                f"{error['request']}: {error['error']} "
                f"({'in flight on app1' if error['in_flight'] else 'BEYOND in flight'})"
            )
        (serving.OUT / f"failover_{how}.json").write_text(
            json.dumps({"figures": figures, "errors": errors, "posts_retried": posts}, indent=1)
        )
        ok = ok and figures["lost_writes"] == 0 and figures["duplicated_writes"] == 0
        ok = ok and figures["errors_beyond_in_flight"] == 0 and figures["sessions_lost"] == 0
        note = (
            f"{USERS} users at {env['LOAD_THINK']} s pacing for {SECONDS} s, app1 stopped by "
            f"{how.upper()} at {STOP_AT:.0f} s; two servers of {WORKERS} {WORKER_CLASS} "
            f"workers × {THREADS} threads, HAProxy, "
            f"PostgreSQL and locust on {os.cpu_count()} shared cores (load average "
            f"{load_average} at the end): times are indicative, write counts are not."
        )
        targets = {
            "lost_writes": 0,
            "duplicated_writes": 0,
            "errors_beyond_in_flight": 0,
            "sessions_lost": 0,
        }
        units = {"p95_before_ms": "ms", "p95_after_ms": "ms", "p95_after_settled_ms": "ms"}
        for key, value in figures.items():
            results[f"failover.{how}.{key}"] = {
                "value": value,
                "unit": units.get(key, "count"),
                "target": targets.get(key),
                "baseline": None,
                "cores": os.cpu_count(),
                "note": note,
            }
    serving.merge_results(results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
