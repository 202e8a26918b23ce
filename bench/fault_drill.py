"""Fault drill: stop and restart PostgreSQL while deputies are signing worksheets.

What must hold (issue 8): requests during the outage fail cleanly with the 503 page, never a
500 or a hang; the application recovers by itself once the database is back, without a restart;
and no write is partial or duplicated — every worksheet a user saw signed is present, signed
once and intact, and no case has two current worksheets.

It runs against a PostgreSQL cluster of its own ("drill", port 5433, created on first use with
pg_createcluster and trust authentication on loopback), so stopping it for DRILL_OUTAGE seconds
(default 12) never touches the machine's main server. Usage: python bench/fault_drill.py
"""

import os

os.environ.setdefault("BENCH_PG_PORT", "5433")  # before serving reads it

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import serving  # noqa: E402 - after the port is chosen

USERS = int(os.environ.get("DRILL_USERS", "20"))
SECONDS = int(os.environ.get("DRILL_SECONDS", "90"))
OUTAGE_AT = int(os.environ.get("DRILL_OUTAGE_AT", "25"))
OUTAGE = int(os.environ.get("DRILL_OUTAGE", "12"))


CLUSTER = "drill"
VERSION = sorted(os.listdir("/etc/postgresql"))[0] if os.path.isdir("/etc/postgresql") else "15"


def ensure_cluster():
    """The drill's own PostgreSQL cluster, trusting loopback, started."""
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True)
    if not any(line.split()[:2] == [VERSION, CLUSTER] for line in listed.stdout.splitlines()):
        subprocess.run(
            ["pg_createcluster", VERSION, CLUSTER, "--port", serving.PG_PORT, "--",
             "--auth-host=trust", "--auth-local=trust"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    if not pg_ready():
        cluster("start")
        while not pg_ready():
            time.sleep(0.5)


def cluster(action):
    fast = ["-m", "fast"] if action == "stop" else []
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", VERSION, CLUSTER, action, *fast],
        check=True,
    )


def pg_ready():
    command = ["pg_isready", "-h", "127.0.0.1", "-p", serving.PG_PORT, "-q"]
    return subprocess.run(command, check=False).returncode == 0


def probe(statuses, stop):
    """Ask /healthz four times a second; remember what came back and when."""
    while not stop.is_set():
        statuses.append((time.monotonic(), serving.health()))
        time.sleep(0.25)


def main():
    ensure_cluster()
    env = serving.production_env("considered_drill")
    serving.fresh_database("considered_drill", env, cases=2000)
    serving.write_plan(env, deputies=USERS)
    (serving.OUT / "signed.jsonl").unlink(missing_ok=True)
    started = datetime.now(UTC).isoformat()
    statuses, stop = [], threading.Event()
    with serving.served(env):
        load = threading.Thread(
            target=serving.run_locust,
            args=(env,),
            kwargs={"users": USERS, "seconds": SECONDS, "prefix": "drill"},
        )
        prober = threading.Thread(target=probe, args=(statuses, stop))
        load.start()
        prober.start()
        time.sleep(OUTAGE_AT)
        down_at = time.monotonic()
        cluster("stop")
        time.sleep(OUTAGE)
        restart_at = time.monotonic()
        cluster("start")
        while not pg_ready():
            time.sleep(0.5)
        up_at = time.monotonic()
        load.join()
        stop.set()
        prober.join()
        log = Path(serving.OUT / "gunicorn.log").read_text()
    integrity = serving.check_integrity(env, serving.signed_during_run(), started)
    duplicates = current_duplicates(env)

    during = [status for at, status in statuses if down_at + 2 <= at <= restart_at]
    after = [(at, status) for at, status in statuses if at > up_at]
    recovered = next((at - up_at for at, status in after if status == 200), None)
    # Django logs every 5xx with its traceback; only a 500 is a failure here, a 503 is the
    # clean answer the outage should get.
    server_errors = log.count("Internal Server Error:")
    clean_refusals = log.count("Service Unavailable:")
    print(f"health during the outage: {sorted(set(during))} ({len(during)} probes)")
    if recovered is None:
        print("NOT RECOVERED")
    else:
        print(f"recovered {recovered:.1f} s after PostgreSQL was back")
    print(f"server log: {server_errors} internal server errors, {clean_refusals} 503 answers")
    print(f"integrity: {integrity}; cases with two current worksheets: {duplicates}")
    clean = bool(during) and set(during) <= {503} and recovered is not None
    intact = not (integrity["missing"] or integrity["changed"] or integrity["broken"])
    intact = (
        intact
        and integrity["claimed"] == integrity["signed_in_run"] == integrity["sign_events"]
        and duplicates == 0
    )
    serving.merge_results(
        {
            "drill.outage_answers_503": _flag(clean),
            "drill.recovery_seconds": {
                "value": round(recovered, 1) if recovered is not None else None,
                "unit": "s", "target": "recovers without restart", "baseline": None,
            },
            "drill.server_errors": {
                "value": server_errors, "unit": "HTTP 500s", "target": 0, "baseline": None,
            },
            "drill.writes_intact": _flag(intact),
        }
    )  # fmt: skip
    return 0 if clean and intact and server_errors == 0 else 1


def current_duplicates(env):
    code = (
        "from django.db.models import Count; from cases.models import Worksheet; "
        "print(Worksheet.objects.current().values('case').annotate(n=Count('pk'))"
        ".filter(n__gt=1).count())"
    )
    result = subprocess.run(
        [str(serving.BIN / "python"), "manage.py", "shell", "-c", code],
        cwd=serving.ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return int(result.stdout.strip().splitlines()[-1])


def _flag(value):
    return {"value": value, "unit": "bool", "target": True, "baseline": None}


if __name__ == "__main__":
    sys.exit(main())
