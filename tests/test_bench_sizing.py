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


def _stress_run(stress):
    """A ramp where every step has one fast PDF download and one signing stored in 1 s, except
    the 75-user step: a slow download and a signing stored after 20 s (a saturated step)."""
    start, trace, signings = 1000.0, [], []
    for index, users in enumerate(stress.RAMP):
        begin, end = stress.step_window(index, start)
        slow = users == 75
        trace.append(
            (begin + 1, "worksheet pdf", 900 if slow else 30, False, None, False, f"r{index}")
        )
        trace.append((begin + 2, "case", 100, False, None, False, None))
        signings.append([begin + 3, 20.0 if slow else 1.0])
    stored = {
        "signings": signings,
        "delays": [delay for _, delay in signings],
        "missing": 0,
    }
    return start, trace, stored


def test_the_stress_pdf_figures_are_the_50_user_steps_and_the_whole_ramp_is_kept_beside():
    stress = load("bench_stress")
    start, trace, stored = _stress_run(stress)
    steps = stress.steps_of(trace, start, stored=stored)
    by_step = {step["users"]: step for step in steps}
    assert by_step[75]["pdf_download_p95_ms"] == 900
    assert by_step[75]["sign_to_stored_p95_s"] == 20.0
    assert by_step[50]["pdf_download_p95_ms"] == 30
    window = stress.step_window(stress.RAMP.index(50), start)
    server = {"all": [1.0] * 14, "GET /worksheets/{id}/pdf/": [5.0] * 6 + [800.0]}
    figures = stress.figures_of(
        steps, trace, server, stored, {"gunicorn": 1.0}, 1.0, 100, 2,
        window=window, by_id={f"r{i}": 5.0 for i in range(7)},
    )  # fmt: skip
    download, stored_pdf = (
        figures["stress.pdf_download_p95"],
        figures["stress.sign_to_stored_pdf_p95"],
    )
    assert (download["value"], download["scope"], download["downloads"]) == (
        30,
        "the 50-user step",
        1,
    )
    assert (download["server_p95_ms"], download["server_matched"]) == (5.0, 1)
    # The saturated step's tail is not dropped: it is the whole ramp's figure, shown beside.
    assert download["whole_ramp_p95_ms"] == 900
    assert download["whole_ramp_server_p95_ms"] == 800.0
    assert (stored_pdf["value"], stored_pdf["signed"], stored_pdf["whole_ramp_p95_s"]) == (
        1.0,
        1,
        20.0,
    )


def test_the_readme_shows_a_step_figure_with_its_scope_and_the_whole_ramp():
    table = load("readme_table")
    results = {
        "stress.pdf_download_p95": {"value": 30, "unit": "ms", "target": "≤ 50", "cores": 2,
                                    "scope": "the 50-user step", "whole_ramp_p95_ms": 900},
        "stress.sign_to_stored_pdf_p95": {"value": 15.5, "unit": "s", "target": "≤ 5", "cores": 2},
    }  # fmt: skip
    rows = table.performance_table(results).splitlines()
    download = next(row for row in rows if "Stress profile: stored worksheet PDF" in row)
    assert "the 50-user step" in download and "30 ms (whole ramp: 900 ms)" in download
    # A figure of the whole ramp (no scope) is not labelled as one step's.
    signing = next(row for row in rows if "Stress profile: signing" in row)
    assert "50-user" not in signing and "15.5 s |" in signing
