"""The scripted attack run's harness: the app under gunicorn with production settings behind a
simulated TLS proxy, and a plain-HTTP client for each attacker or user (issue 13).

`served()` migrates a fresh database (SQLite in a temporary directory, or a PostgreSQL database
of its own when DATABASE_URL names PostgreSQL), seeds a small world through `tests.factories`,
and runs gunicorn on a free loopback port with DEBUG off, a long random SECRET_KEY,
PROXY_COUNT=1 and ALLOWED_HOSTS, as `make serve` does. `Browser` plays one client behind the
proxy: every request carries the client's address in X-Forwarded-For and
`X-Forwarded-Proto: https`, as the proxy would add them, and arrives from 127.0.0.1, the proxy.
Cookies are kept by hand, because the production cookies are Secure and this is plain HTTP.

Add a step to the run as a test in `test_attack_run.py` using the `server` fixture; add what
it needs to the world in `WORLD`.
"""

import contextlib
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(Path(sys.executable))
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PASSWORD = "correct-horse-battery"

# Built with the test factories inside the served database; prints what the steps need.
WORLD = """
import json, time
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from cases import actions, reauth
from cases.choices import DispositionLabel, Role
from tests import factories

office = factories.make_office("Attack County District Attorney")
unit = factories.make_unit(office, "Felony Unit")
deputy = factories.make_user("deputy1", office, Role.DEPUTY, unit, password="%(password)s")
admin = factories.make_user("admin1", office, Role.ADMIN, password="%(password)s")
case = factories.make_case(office, unit, deputy, number="ATTACK-0001")
count = factories.make_charge(case, 1, "PC 273.5(a)")
offer = factories.make_disposition(case, DispositionLabel.STANDARD, name="Standard offer")
factories.make_term(offer, count, "PC 273.5(a)", level="felony", custody_days_imposed=365)
worksheet = actions.start_worksheet(case, by_user=deputy)

# A session the attacker holds: deputy1 logged in an hour ago, so signing asks the password.
client = Client()
client.force_login(deputy)
key = client.cookies["sessionid"].value
session = SessionStore(session_key=key)
session[reauth.SESSION_KEY] = time.time() - 3600
session.save()
print(json.dumps({"worksheet": worksheet.pk, "offer": offer.pk, "hijacked_session": key,
                  "case": case.pk, "unit": unit.pk}))
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    port: int
    env: dict
    world: dict

    def manage(self, *args):
        return subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT, env=self.env, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip

    def query(self, code):
        """Run Python in the served database (manage.py shell); its last line, read as JSON."""
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])


def _database(tmp):
    """SQLite in the temporary directory, or a PostgreSQL database of this run's own."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp / 'attack.sqlite3'}", None
    parts = dj_database_url.parse(configured)
    name = f"{parts['NAME']}_attack"
    server = ["-h", parts["HOST"] or "127.0.0.1", "-p", str(parts["PORT"] or 5432)]
    server += ["-U", parts["USER"] or "postgres"]
    subprocess.run(["dropdb", "--if-exists", *server, name], check=True)  # noqa: S607
    subprocess.run(["createdb", *server, name], check=True)  # noqa: S607
    url = urllib.parse.urlsplit(configured)._replace(path=f"/{name}").geturl()
    drop = ["dropdb", "--if-exists", *server, name]
    return url, lambda: subprocess.run(drop, check=False)  # noqa: S603


def _static_root():
    """Collected static files, kept under var/ between runs for as long as static/ is unchanged.

    With DEBUG off every page needs WhiteNoise's manifest, and collecting compresses each file;
    the fonts are left out: they serve only the PDF, and compressing their 11 MB takes most
    of a minute on a busy machine.
    """
    digest = hashlib.sha256()
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file() and "fonts" not in path.relative_to(ROOT / "static").parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return ROOT / "var" / "attack-static" / digest.hexdigest()[:16]


def _collect_static(env):
    """Start collectstatic unless this static/ was collected before; a function to wait for it."""
    target = Path(env["STATIC_ROOT"])
    if (target / "staticfiles.json").exists():
        return None
    scratch = target.with_name(f"{target.name}.{os.getpid()}")
    process = subprocess.Popen(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0",
         "--ignore", "fonts"],
        cwd=ROOT, env=dict(env, STATIC_ROOT=str(scratch)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def wait():
        code = process.wait()
        if code == 0:
            with contextlib.suppress(OSError):  # another run got there first: keep its copy
                scratch.rename(target)
            shutil.rmtree(scratch, ignore_errors=True)
        return code

    return wait


@contextlib.contextmanager
def served(tmp):
    port = free_port()
    database, drop = _database(tmp)
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PROXY_COUNT="1",
        STATIC_ROOT=str(_static_root()),
        LOG_LEVEL="WARNING",
        # Invitations (cases.accounts) are written to the server's log instead of sent.
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    server = Server(port=port, env=env, world={})
    collecting = _collect_static(env)  # in parallel with the migrations: both take a while
    server.manage("migrate", "--noinput")
    server.world = server.query(WORLD % {"password": PASSWORD})
    if collecting is not None and collecting() != 0:
        raise RuntimeError("collectstatic failed for the attack run")
    log = (tmp / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [GUNICORN, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--timeout", "60", "--graceful-timeout", "5"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_healthy(port, process, tmp / "gunicorn.log")
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if drop is not None:
            drop()


def _wait_healthy(port, process, log_path, timeout=45):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s")


@dataclass
class Response:
    status: int
    headers: dict
    text: str

    @property
    def location(self):
        return self.headers.get("location", "")


@dataclass
class Browser:
    """One client behind the TLS proxy, speaking plain HTTP/1.1 to gunicorn."""

    server: Server
    address: str
    cookies: dict = field(default_factory=dict)

    def request(self, method, path, form=None):
        origin = f"https://127.0.0.1:{self.server.port}"
        headers = {
            "Host": f"127.0.0.1:{self.server.port}",
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "Origin": origin,
            "Referer": origin + path,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = dict(form, csrfmiddlewaretoken=self.cookies.get("csrftoken", ""))
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        connection.request(method, path, body=body, headers=headers)
        raw = connection.getresponse()
        for header, value in raw.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        response = Response(
            raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read().decode()
        )
        connection.close()
        return response

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form):
        return self.request("POST", path, form)

    def log_in(self, username, password):
        self.get("/login/")  # the CSRF cookie
        return self.post("/login/", {"username": username, "password": password, "next": "/"})


def hidden_value(page, name):
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    return found.group(1) if found else None
