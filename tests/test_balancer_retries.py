"""The balancer never replays a POST (docs/deployment.md, "The balancer").

HAProxy runs with the configuration bench/bench_failover.py generates (the one the failover
bench runs and the docs show), in front of two tiny backends that count what reaches them and
drop each connection after reading the request, without answering: a server that died
mid-request. A POST must arrive once and fail (502); a GET is sent again to another server.
A POST whose connection was refused (nothing was sent) still goes to the other server, once.

No database and no Django: a second or two. HAProxy is one of the system packages the suite
requires (.ci/system-packages, checked in tests/system.py), so it is never skipped.
"""

import http.client
import importlib.util
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")


def bench_failover():
    sys.path.insert(0, str(BENCH))  # it imports its neighbour `serving`
    try:
        spec = importlib.util.spec_from_file_location("bench_failover", BENCH / "bench_failover.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Dropping(socketserver.ThreadingTCPServer):
    """Answers the health check; reads any other request whole, counts it and closes the
    connection without a word."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.arrivals = []
        self.checks = 0  # health checks answered
        super().__init__(("127.0.0.1", 0), DropHandler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()


class DropHandler(socketserver.StreamRequestHandler):
    def handle(self):
        request_line = self.rfile.readline().decode("latin-1")
        if not request_line:
            return
        length = 0
        while (line := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        self.rfile.read(length)
        method, path = request_line.split()[:2]
        if path == "/healthz":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            self.server.checks += 1  # type: ignore[attr-defined]
            return
        self.server.arrivals.append((method, path))  # type: ignore[attr-defined]
        # Returning closes the connection: read, then gone without an answer.


@pytest.fixture
def balancer(tmp_path):
    """Start HAProxy with the bench's configuration in front of `apps` ({name: port})."""
    module = bench_failover()
    started = []

    def start(apps):
        port = free_port()
        path = tmp_path / "haproxy.cfg"
        path.write_text(
            module.haproxy_config(
                path,
                apps=apps,
                balancer=port,
                stats=free_port(),
                admin_socket=tmp_path / "haproxy.sock",
            )
        )
        subprocess.run([HAPROXY, "-c", "-q", "-f", str(path)], check=True)
        log = tmp_path / "haproxy.log"
        process = subprocess.Popen(  # noqa: S603
            [HAPROXY, "-db", "-f", str(path)], stdout=log.open("w"), stderr=subprocess.STDOUT
        )
        started.append(process)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        return port, path.read_text(), lambda: log.read_text()

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def send(port, method, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    body = "csrfmiddlewaretoken=x&version=3" if method == "POST" else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    connection.request(method, path, body=body, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def test_a_post_cut_off_is_not_replayed_and_a_get_is(balancer):
    app1, app2 = Dropping(), Dropping()
    port, config, _log = balancer({"app1": app1.port, "app2": app2.port})
    assert "disable-l7-retry" in config  # the generated configuration, not one of the test's

    assert send(port, "POST", "/worksheets/7/sign/") == 502
    time.sleep(0.3)  # a replay, were there one, would have arrived by now
    posts = app1.arrivals + app2.arrivals
    assert posts == [("POST", "/worksheets/7/sign/")]

    # The control: the same drop on a GET is retried on the other server, so the backends
    # above would have seen a replayed POST.
    send(port, "GET", "/cases/")
    gets = [a for a in app1.arrivals + app2.arrivals if a[0] == "GET"]
    assert len(gets) > 1
    assert app1.arrivals.count(("GET", "/cases/")) and app2.arrivals.count(("GET", "/cases/"))


def test_a_post_whose_connection_was_refused_goes_to_the_other_server_once(balancer):
    app1, app2 = Dropping(), Dropping()
    port, _config, log = balancer({"app1": app1.port, "app2": app2.port})
    # HAProxy starts a server UP at the edge of its health: one failed check takes it DOWN.
    # Two checks passed first, it takes more than the moment this test lasts (checks 2 s apart),
    # so the POSTs below still find app1 in the rotation whenever its next check falls.
    deadline = time.monotonic() + 15
    while app1.checks < 2:
        assert time.monotonic() < deadline, log()
        time.sleep(0.05)
    app1.shutdown()  # stopped: it refuses connections, and HAProxy has not noticed yet
    app1.server_close()
    for number in (1, 2):  # round-robin: one of them is sent to app1 first
        send(port, "POST", f"/worksheets/{number}/sign/")
    time.sleep(0.3)
    assert sorted(app2.arrivals) == [
        ("POST", "/worksheets/1/sign/"),
        ("POST", "/worksheets/2/sign/"),
    ]
    redispatched = re.findall(r" POST \S+ -?\d+ -?\d+ \S+ \+\d+ ", log())
    assert redispatched, log()  # HAProxy did try app1 first, and went to app2


RETRY_RULES = ("retries ", "option redispatch", "retry-on ", "http-request disable-l7-retry")


def retry_rules(config):
    lines = (line.split("#")[0].strip() for line in config.splitlines())
    return [line for line in lines if line.startswith(RETRY_RULES)]


def test_the_deployment_guide_shows_the_retry_rules_the_bench_runs():
    guide = (BENCH.parent / "docs" / "deployment.md").read_text()
    shown = re.search(r"```haproxy\n(.*?)```", guide, re.DOTALL)
    assert shown is not None
    generated = bench_failover().haproxy_config(
        Path("haproxy.cfg"), apps={"app1": 1, "app2": 2}, balancer=3, stats=4, admin_socket="s"
    )
    assert len(retry_rules(generated)) == 4
    assert retry_rules(shown.group(1)) == retry_rules(generated)
