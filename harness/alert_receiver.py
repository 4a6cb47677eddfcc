"""The platform's alert receiver: a webhook server Alertmanager notifies, one path per receiver.

    python -m harness.alert_receiver --host 127.0.0.1 --port 19094 --state-dir .state/local \
        --receivers config/alert-receivers --token-file config/alert-receiver/token

Each notification POSTed to /<receiver> is appended as one JSON line to <state-dir>/alerts/<receiver>.jsonl:
what that tenant (or the administrator) was told. With --token-file, only a POST that shows that token
(`Authorization: Bearer <token>`, what Alertmanager's webhook `http_config` sends) is accepted: anything
else gets 401 before its body is read, so only Alertmanager can tell a tenant something. The receivers
file (one name a line) and the token are read again for each notification, so a tenant added while the
platform runs is known at once. Unknown names get 404; bodies over 1 MiB get 413.

Both backends run this file. Locally `make up` starts it with every tenant and the administrator as
receivers. On kind it runs in the Simplepipe image from a ConfigMap (harness/kind/alerts.py renders this
very file into it): one in `monitoring` for the administrator, one in each tenant namespace for the tenant.
So it imports nothing but the standard library.
"""
from __future__ import annotations

import argparse
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_BODY_BYTES = 1 << 20
ALERTS_DIR = "alerts"
# The administrator's receiver; every tenant's receiver is named like the tenant.
ADMINISTRATOR = "administrator"


def receiver_names(tenant_names: list[str]) -> list[str]:
    """The receivers of a platform: one per tenant (its name), and the administrator's."""
    if ADMINISTRATOR in tenant_names:
        raise ValueError(f"a tenant may not be named {ADMINISTRATOR!r}: that is the administrator's alert receiver")
    return list(tenant_names) + [ADMINISTRATOR]


def write_receivers(path: Path, names: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{name}\n" for name in names))


def read_receivers(path: Path) -> frozenset[str]:
    try:
        return frozenset(line.strip() for line in Path(path).read_text().splitlines() if line.strip())
    except OSError:
        return frozenset()


def deliveries_file(state_dir: Path, receiver: str) -> Path:
    return Path(state_dir) / ALERTS_DIR / f"{receiver}.jsonl"


def read_deliveries(state_dir: Path, receiver: str, last: int | None = None) -> list[dict]:
    """The notifications the receiver recorded, oldest first (`last`: only the newest so many)."""
    try:
        text = deliveries_file(state_dir, receiver).read_text()
    except FileNotFoundError:
        return []
    return parse_deliveries(text, last)


def parse_deliveries(text: str, last: int | None = None) -> list[dict]:
    """The records of a deliveries file's text, oldest first (`last`: only the newest so many)."""
    lines = text.splitlines()
    records = []
    for line in lines[-last:] if last else lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a crash mid-write
    return records


def delivery_record(receiver: str, notification: dict) -> dict:
    """The part of Alertmanager's webhook payload worth keeping: who was told what, when."""
    alerts = notification.get("alerts") if isinstance(notification.get("alerts"), list) else []
    return {
        "received": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "receiver": receiver,
        "status": notification.get("status"),
        "alerts": [{"status": a.get("status"), "labels": a.get("labels") or {},
                    "summary": (a.get("annotations") or {}).get("summary", "")}
                   for a in alerts if isinstance(a, dict)],
    }


class AlertReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state_dir: Path, receivers: Path, port: int, host: str = "127.0.0.1",
                 token_file: Path | None = None):
        self.state_dir = Path(state_dir)
        self.receivers_file = Path(receivers)
        self.token_file = Path(token_file) if token_file is not None else None
        self.write_lock = threading.Lock()
        (self.state_dir / ALERTS_DIR).mkdir(parents=True, exist_ok=True)
        super().__init__((host, port), _Handler)

    def authorized(self, header: str | None) -> bool:
        """Without a token file: anyone (kind: the NetworkPolicy admits Alertmanager only). With one: exactly
        `Bearer <token>`; an unreadable or empty token file lets nobody in."""
        if self.token_file is None:
            return True
        try:
            token = self.token_file.read_text().strip()
        except OSError:
            return False
        return bool(token) and hmac.compare_digest((header or "").encode(), f"Bearer {token}".encode())

    def record(self, receiver: str, notification: dict) -> None:
        line = json.dumps(delivery_record(receiver, notification), sort_keys=True) + "\n"
        with self.write_lock, deliveries_file(self.state_dir, receiver).open("a") as out:
            out.write(line)


class _Handler(BaseHTTPRequestHandler):
    server: AlertReceiver
    timeout = 10  # a client that stops sending mid-body does not hold a thread forever

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(200 if self.path == "/-/ready" else 404)

    def do_POST(self) -> None:  # noqa: N802
        if not self.server.authorized(self.headers.get("Authorization")):
            self.close_connection = True  # the body is not read: do not reuse the connection
            return self._answer(401, "Alertmanager's bearer token required", {"WWW-Authenticate": "Bearer"})
        receiver = self.path.strip("/")
        if receiver not in read_receivers(self.server.receivers_file):
            return self._answer(404, f"no receiver {receiver!r}")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return self._answer(411, "Content-Length required")
        if length < 0 or length > MAX_BODY_BYTES:
            return self._answer(413, f"body over {MAX_BODY_BYTES} bytes")
        try:
            notification = json.loads(self.rfile.read(length))
        except ValueError:
            return self._answer(400, "body is not JSON")
        if not isinstance(notification, dict):
            return self._answer(400, "body is not a JSON object")
        self.server.record(receiver, notification)
        self._answer(200)

    def _answer(self, code: int, message: str = "", headers: dict[str, str] | None = None) -> None:
        body = (message or "ok").encode() + b"\n"
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - only errors reach the log
        pass


def receiver_argv(state_dir: Path, host: str, port: int, receivers: Path,
                  token_file: Path | None = None) -> list[str]:
    token = [f"--token-file={token_file}"] if token_file is not None else []
    return [sys.executable, "-m", "harness.alert_receiver", f"--host={host}", f"--port={port}",
            f"--state-dir={state_dir}", f"--receivers={receivers}", *token]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.alert_receiver", description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--receivers", type=Path, required=True, help="file of receiver names (URL paths), one a line")
    parser.add_argument("--token-file", type=Path, help="file holding the bearer token a notification must show "
                        "(Alertmanager's); without it every POST is accepted")
    args = parser.parse_args(argv)
    try:
        server = AlertReceiver(args.state_dir, args.receivers, args.port, args.host, args.token_file)
    except OSError as exc:
        print(f"alert receiver: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
