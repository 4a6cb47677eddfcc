"""The harness's own HTTP and ports: one requests session, the loopback host, free ports.

The product (simplepipe/) keeps urllib3 with its pool; everything the harness asks over HTTP
(readiness probes, Prometheus' API, Pushgateway group reads) goes through `session()`.
"""
from __future__ import annotations

import socket
import threading
from contextlib import ExitStack

import requests

HOST = "127.0.0.1"

_local = threading.local()


def session() -> requests.Session:
    """This thread's requests session (a Session is not meant to be shared across threads)."""
    current = getattr(_local, "session", None)
    if current is None:
        current = _local.session = requests.Session()
        current.headers["User-Agent"] = "simplepipe-harness"
    return current


def http_ok(url: str, auth: tuple[str, str] | None = None, timeout: float = 2.0) -> bool:
    """A readiness probe: `url` answers 2xx (with basic auth when given)."""
    try:
        response = session().get(url, auth=auth, timeout=timeout, allow_redirects=False)
    except (requests.RequestException, ValueError):
        return False
    return 200 <= response.status_code < 300


def free_ports(count: int) -> list[int]:
    """`count` distinct ephemeral ports the kernel hands out now, all held open together."""
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            sock.bind((HOST, 0))
            ports.append(sock.getsockname()[1])
        return ports


def free_port() -> int:
    return free_ports(1)[0]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def port_accepts(port: int, timeout: float = 1.0) -> bool:
    """Something listens on HOST:port (a TCP connect succeeds)."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False
