"""The kind rows' probe (tests.support.cluster_probe), run here as its step would run it, against real sockets on
this machine standing in for the cluster's doors: a row is blocked only when the control connected and every
door gave no connection or 401/403."""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.net import free_port
from tests.support.cluster_probe import probe_script, verdict


@contextmanager
def answering(status: int):
    """An HTTP server on 127.0.0.1 answering every request with `status`."""
    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def control_listening():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield ("127.0.0.1", sock.getsockname()[1])


def run_probe(control, doors, node_ports=()) -> str:
    result = subprocess.run([sys.executable, "-c", probe_script(control, doors, node_ports)], capture_output=True,
                            text=True, timeout=60, env={"NODE_IP": "127.0.0.1"})
    return result.stdout + result.stderr


def test_doors_refusing_or_not_listening_are_blocked():
    with control_listening() as control, answering(401) as refusing, answering(403) as forbidding:
        log = run_probe(control, [("POST", f"{refusing}/api/v2/alerts"), ("GET", f"{forbidding}/"),
                                  ("GET", f"http://127.0.0.1:{free_port()}/")])
    attempt = verdict(log, "here")
    assert attempt.blocked, attempt.detail
    assert "3 door(s) closed" in attempt.detail


@pytest.mark.parametrize("status", [200, 202, 404, 500])
def test_a_door_that_answers_is_not_blocked(status):
    with control_listening() as control, answering(status) as door:
        attempt = verdict(run_probe(control, [("POST", f"{door}/api/v2/silences")]), "here")
    assert not attempt.blocked and f": {status}" in attempt.detail, attempt.detail


def test_an_unreached_control_proves_nothing():
    with answering(401) as door:
        attempt = verdict(run_probe(("127.0.0.1", free_port()), [("GET", f"{door}/")]), "here")
    assert not attempt.blocked and "own gateway reached: False" in attempt.detail


def test_a_service_name_that_resolves_to_nothing_proves_nothing():
    with control_listening() as control:
        attempt = verdict(run_probe(control, [("GET", "http://no-such-service.invalid:9093/")]), "here")
    assert not attempt.blocked and "no such service" in attempt.detail


def test_a_node_port_that_answers_is_not_blocked():
    with control_listening() as control, answering(200) as door:
        attempt = verdict(run_probe(control, [], node_ports=(int(door.rsplit(":", 1)[1]),)), "here")
    assert not attempt.blocked and "GET node:" in attempt.detail


def test_no_verdict_line_is_not_blocked():
    assert not verdict("Traceback (most recent call last): ...", "here").blocked
