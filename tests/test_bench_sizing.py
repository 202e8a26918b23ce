"""The stress bench's CPU by tier and the README's sizing table made from it.

The sizing table tells an office how many cores each tier needs for 200 requests per second:
a wrong sum or a tier read from the wrong processes would size a county's servers wrongly.
No database: bench/serving.py and bench/readme_table.py are loaded as the benches load them.
"""

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load(name):
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


BURN = "import sys, time\nwhile time.process_time() < float(sys.argv[1]): pass\n"


def test_the_sampler_puts_each_process_cpu_in_its_tier():
    serving = load("serving")
    # A child whose command line names locust burns 0.6 s of CPU; one named celery sleeps.
    with serving.CpuSampler(interval=0.05) as sampler:
        started = time.time()
        burner = subprocess.Popen([sys.executable, "-c", BURN, "0.6", "locust"])
        sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1)", "celery"])
        burner.wait()
        sleeper.wait()
        time.sleep(0.2)
        ended = time.time()
    cpu, busy, seconds = sampler.between(started - 1, ended + 1)
    # Up to one interval of the burner's CPU may fall after its last reading.
    assert 0.4 <= cpu["locust"] <= 0.7
    assert cpu["pdf_worker"] < 0.1
    assert cpu["web"] == 0
    assert busy >= cpu["locust"] * 0.9  # the machine was at least that busy
    assert seconds > 0.6


def test_tiers_are_sized_from_their_cpu_per_request_on_the_busiest_step_within_300_ms():
    table = load("readme_table")
    step = {"users": 30, "rps": 33.7, "p95_ms": 271, "errors": 0, "machine_busy": 0.8,
            "cpu_ms_per_request": {"web": 22.4, "pdf_worker": 11.4, "postgres": 9.9,
                                   "locust": 1.7, "other": 0.8}}  # fmt: skip
    over = dict(step, users=50, rps=38.0, p95_ms=1243)  # busier, but over 300 ms
    results = {
        "stress.throughput_per_core": {"value": 16.85},
        "stress.steps": {"value": [dict(step, users=10, rps=12.0, p95_ms=133), step, over]},
        "pdf.worksheet_5x3_cpu": {"value": 1.14},
    }
    rows = table.sizing_table(results).splitlines()
    web = next(row for row in rows if row.startswith("| Web tier"))
    # 200 req/s × 22.4 ms = 4.48 busy cores; × 1.5 headroom = 6.72 → 7.
    assert "200 × 22.4 ms CPU = 4.48 busy cores" in web and "**7 cores**" in web
    assert "30 users" in web
    worker = next(row for row in rows if row.startswith("| PDF workers |"))
    assert "**4 cores**" in worker  # 200 × 11.4 ms = 2.28 → 3.42 → 4
    database = next(row for row in rows if row.startswith("| PostgreSQL"))
    assert "**3 cores**" in database  # 200 × 9.9 ms = 1.98 → 2.97 → 3
    servers = next(row for row in rows if row.startswith("| Application servers"))
    assert "**2 × 8 cores**" in servers  # 7 web cores fit one server; never fewer than two
