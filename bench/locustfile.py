"""Load test: deputies working cases and supervisors reading reports, on loopback only.

Each simulated deputy logs in as their own account and works only the cases assigned to it
(bench/out/load_plan.json, written by bench_load.py), so two simulated users never race for the
same worksheet: every error counted is the application's, not the test's. Each signature is
written to bench/out/signed.jsonl so that bench_load.py can check afterwards that every
worksheet signed during the run is present and intact.
"""

import itertools
import json
import os
import random
import re
import threading
import time
from pathlib import Path

from locust import HttpUser, LoadTestShape, between, events, task

OUT = Path(os.environ.get("LOAD_OUT", Path(__file__).resolve().parent / "out"))
PLAN = json.loads((OUT / "load_plan.json").read_text()) if (OUT / "load_plan.json").exists() else {}
PASSWORD = PLAN.get("password", "")
# Seconds a user pauses between actions: reading a page, typing. LOAD_THINK="5,15" by default,
# a brisk court-day pace; "1,3" is a stress pace that saturates two cores (see the README).
THINK = tuple(float(part) for part in os.environ.get("LOAD_THINK", "5,15").split(","))

# bench_stress.py: users per step ("10,20,30"), each held LOAD_STEP_SECONDS; every request is
# traced to LOAD_OUT/trace.jsonl (time, name, milliseconds, failed, error, sent back to the
# log-in page, the app's request id) to cut the run into steps. bench_failover.py asks for the
# trace with LOAD_TRACE=1 to place each error against the moment a server was stopped.
RAMP = [int(n) for n in os.environ.get("LOAD_RAMP", "").split(",") if n]
STEP_SECONDS = float(os.environ.get("LOAD_STEP_SECONDS", "60"))
TRACE = bool(RAMP) or os.environ.get("LOAD_TRACE", "") == "1"
_trace = []
_trace_start = []

_deputies = itertools.cycle(PLAN.get("deputies", {}).items())
_supervisors = itertools.cycle(PLAN.get("supervisors", []))
_claim = threading.Lock()
_signed = []
_amended = []  # new versions a user saw made (bench_failover.py checks each is in the database)
_conveyed = []  # offers a user saw recorded as conveyed (likewise)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
CONSIDERED = re.compile(r'name="considered" value="(\d+)"')
SHA = re.compile(r"SHA-256 ([0-9a-f]{64})")
# The case page's "Record conveyance…" link: on the People's offers still in draft only.
CONVEYABLE = re.compile(r'href="/offers/(\d+)/convey/"')
CONVEYED_ON = re.compile(r'name="conveyed_on" value="([0-9-]+)"')


def csrf_of(response):
    match = CSRF.search(response.text)
    return match.group(1) if match else ""


if RAMP:

    class Ramp(LoadTestShape):
        """Adds users step by step; users already running keep their session (no new log-in)."""

        def tick(self):
            step = int(self.get_run_time() // STEP_SECONDS)
            if step >= len(RAMP):
                return None
            return RAMP[step], RAMP[step]  # all of a step's new users start within a second

    @events.test_start.add_listener
    def _started(**kwargs):
        _trace_start.append(time.time())  # the ramp's clock starts here, not at launch


if TRACE:

    @events.request.add_listener
    def _traced(request_type, name, response_time, exception, response=None, **kwargs):
        # A signed-in user's request answered with the log-in page lost its session: on
        # several servers, that is a session one server did not know.
        url = getattr(response, "url", None) or ""
        bounced = name != "login" and "/login/" in url
        error = None if exception is None else f"{type(exception).__name__}: {exception}"[:200]
        # The app's X-Request-ID, which gunicorn's access log records too: client and server
        # time of the same request (bench_load.py's download figures).
        request_id = response.headers.get("X-Request-ID") if response is not None else None
        _trace.append(
            (time.time(), name, response_time, exception is not None, error, bounced, request_id)
        )


class Staff(HttpUser):
    abstract = True
    wait_time = between(*THINK)

    def log_in(self, username, attempts=3):
        """Log in, trying again (as a person would) when the attempt itself failed: a server
        stopped mid-request (bench_failover.py) must not leave a user signed out all run."""
        self.username = username
        for _attempt in range(attempts):
            page = self.client.get("/login/", name="login")
            with self.client.post(
                "/login/",
                {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf_of(page)},
                name="login",
                catch_response=True,
            ) as response:
                if response.ok and "/login/" not in (response.url or "/login/"):
                    response.success()
                    return
                response.failure(f"{username} could not log in (HTTP {response.status_code})")


# A deputy downloads the PDF of a worksheet signed at least this many seconds earlier: by then
# the worker has stored it (issue 19: signing to a stored PDF ≤ 5 s), so the download measures
# serving stored bytes, as when the deputy files the copy later in the day.
PDF_AFTER = float(os.environ.get("LOAD_PDF_AFTER", "5"))


class Deputy(Staff):
    """List, case, compare, sign (amending first if already signed) and convey, PDF."""

    weight = 4

    def on_start(self):
        with _claim:
            username, cases = next(_deputies)
        self.cases = cases
        self.signed_at = {}  # worksheet id -> when this user signed it
        self.log_in(username)

    @task(3)
    def case_list(self):
        self.client.get("/cases/", name="case list")
        self.client.get("/cases/?q=PC", name="case list search")

    @task(3)
    def case_and_compare(self):
        case = random.choice(self.cases)
        self.client.get(f"/cases/{case}/", name="case")
        self.client.get(f"/cases/{case}/compare/", name="compare")

    @task(2)
    def sign_and_download(self):
        case = random.choice(self.cases)
        page = self.client.get(f"/cases/{case}/", name="case")
        opened = self.client.post(
            f"/cases/{case}/worksheet/",
            {"csrfmiddlewaretoken": csrf_of(page)},
            name="worksheet open",
        )
        if opened.status_code != 200:
            return  # counted as a failure by locust; nothing to sign
        worksheet = opened.url.rstrip("/").rsplit("/", 1)[-1]
        if not VERSION.search(opened.text):  # signed: amend it to get a draft
            amended = self.client.post(
                f"/worksheets/{worksheet}/amend/",
                {"csrfmiddlewaretoken": csrf_of(opened), "reason": "Load test amendment."},
                name="worksheet amend",
            )
            if amended.status_code != 200:
                return
            worksheet = amended.url.rstrip("/").rsplit("/", 1)[-1]
            _amended.append({"worksheet": int(worksheet)})
            opened = amended
        version = VERSION.search(opened.text)
        offers = CONSIDERED.findall(opened.text)
        if not version or not offers:
            return  # a case with no offers has nothing to sign
        # The offer chosen is one still to convey when the case has one (the case page links
        # its conveyance), as a deputy signs before conveying (PC 1016.3(b)).
        drafts = [offer for offer in offers if offer in CONVEYABLE.findall(page.text)]
        chosen = drafts[0] if drafts else offers[0]
        with self.client.post(
            f"/worksheets/{worksheet}/sign/",
            {
                "csrfmiddlewaretoken": csrf_of(opened),
                "version": version.group(1),
                "considered": offers,
                "chosen_disposition": chosen,
                "decision": "standard_kept",
                "reasons": "Considered as one factor; the standard offer stands.",
                "parity_answer": "same",
                "factor_seriousness_weight": "neutral",
            },
            name="worksheet sign",
            catch_response=True,
        ) as signed:
            digest = SHA.search(signed.text)
            if signed.status_code != 200 or not digest:
                signed.failure(f"not signed (HTTP {signed.status_code})")
                return
            signed.success()
        _signed.append({"worksheet": int(worksheet), "sha256": digest.group(1)})
        self.signed_at[int(worksheet)] = time.time()
        if drafts:
            self.convey(chosen)
        self.download_earlier_pdf()

    def convey(self, offer):
        """Record the signed offer's conveyance as the case page does: its confirmation page
        (the date, today by default, and the offer's version), then confirm."""
        page = self.client.get(f"/offers/{offer}/convey/", name="offer convey page")
        version, day = VERSION.search(page.text), CONVEYED_ON.search(page.text)
        if page.status_code != 200 or not version or not day:
            return  # not a draft any more: the page says why, nothing to confirm
        with self.client.post(
            f"/offers/{offer}/convey/",
            {
                "csrfmiddlewaretoken": csrf_of(page),
                "version": version.group(1),
                "conveyed_on": day.group(1),
            },
            name="offer convey",
            catch_response=True,
        ) as conveyed:
            # Back on the case page, which says so; a signed worksheet considered these terms.
            if conveyed.status_code != 200 or "with a signed worksheet" not in conveyed.text:
                conveyed.failure(f"not conveyed with its worksheet (HTTP {conveyed.status_code})")
                return
            conveyed.success()
        _conveyed.append({"disposition": int(offer)})

    def download_earlier_pdf(self):
        """The PDF of the latest worksheet this user signed at least PDF_AFTER seconds ago."""
        ready = [pk for pk, at in self.signed_at.items() if at <= time.time() - PDF_AFTER]
        if ready:
            self.client.get(f"/worksheets/{max(ready)}/pdf/", name="worksheet pdf")


class Supervisor(Staff):
    """The review queue and the compliance dashboard."""

    weight = 1

    def on_start(self):
        with _claim:
            username = next(_supervisors)
        self.log_in(username)

    @task(2)
    def dashboard(self):
        self.client.get("/reports/", name="reports")
        self.client.get("/reports/?level=felony", name="reports filtered")

    @task(1)
    def queue(self):
        self.client.get("/reviews/", name="review queue")


@events.test_stop.add_listener
def _write_signed(**kwargs):
    OUT.mkdir(parents=True, exist_ok=True)
    if RAMP:
        (OUT / "trace_start.json").write_text(json.dumps(_trace_start[:1]))
    if TRACE:
        with (OUT / "trace.jsonl").open("w") as out:
            for row in _trace:
                out.write(json.dumps(row) + "\n")
    for name, rows in (
        ("signed.jsonl", _signed),
        ("amended.jsonl", _amended),
        ("conveyed.jsonl", _conveyed),
    ):
        with (OUT / name).open("w") as out:
            for row in rows:
                out.write(json.dumps(row) + "\n")
