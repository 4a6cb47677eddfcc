"""A real Pushgateway (Debian's prometheus-pushgateway) on a free port, for integration tests.

conftest.py registers the fixtures; tests that need a private gateway call start() / stop().
"""
from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import pytest

BINARY = shutil.which("prometheus-pushgateway") or "/usr/bin/prometheus-pushgateway"
USERNAME = "alice"
PASSWORD = "alice-test-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningPushgateway:
    url: str
    process: subprocess.Popen
    log: Path
    auth: tuple[str, str] | None = None

    def groups(self) -> list[dict]:
        """The gateway's /api/v1/metrics data: one entry per group."""
        import ssl

        context = ssl.create_default_context(cafile=str(self.log.parent / "cert.pem")) \
            if self.url.startswith("https") else None
        request = urllib.request.Request(f"{self.url}/api/v1/metrics")
        if self.auth:
            import base64

            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=5, context=context) as response:
            return json.load(response)["data"]

    def group(self, job: str, **labels: str) -> dict | None:
        wanted = {"job": job, **labels}
        for group in self.groups():
            if group["labels"] == wanted:
                return group
        return None

    def read_back(self, job: str, **labels: str) -> dict:
        """A group's metrics as {name: (TYPE, help, {labels: value-structure})}, without the
        gateway's own push_time_seconds / push_failure_time_seconds and grouping labels."""
        group = self.group(job, **labels)
        assert group is not None, f"no group job={job} {labels} in the gateway"
        key_labels = set(group["labels"]) | {"instance"}
        metrics = {}
        for name, family in group.items():
            if not isinstance(family, dict) or "metrics" not in family:
                continue
            if name in ("push_time_seconds", "push_failure_time_seconds"):
                continue
            series = {}
            for sample in family["metrics"]:
                labels_ = frozenset((k, v) for k, v in sample["labels"].items() if k not in key_labels)
                if "value" in sample:
                    value = _float(sample["value"])
                elif "buckets" in sample:
                    value = (tuple(sorted((_float(b), _float(c)) for b, c in sample["buckets"].items())),
                             _float(sample["sum"]), _float(sample["count"]))
                else:
                    value = (tuple(sorted((_float(q), _float(v)) for q, v in sample.get("quantiles", {}).items())),
                             _float(sample["sum"]), _float(sample["count"]))
                series[labels_] = value
            metrics[name] = (family["type"], family.get("help", ""), series)
        return metrics


def _float(text: str) -> float:
    return float(text)


def expected(metric_set) -> dict:
    """What read_back should return for a MetricSet pushed without extra labels."""
    from simplepipe.spec import MetricType

    out = {}
    for family in metric_set:
        series = {}
        for s in family.series:
            labels = frozenset(s.labels.items())
            if family.type is MetricType.HISTOGRAM:
                series[labels] = (s.buckets, s.sum, s.count)
            elif family.type is MetricType.SUMMARY:
                series[labels] = (s.quantiles, s.sum, s.count)
            else:
                series[labels] = s.value
        out[family.name] = (family.type.exposed.upper(), family.help, series)
    return out


def same(a, b) -> bool:
    """Deep equality where NaN equals NaN."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def listening_port(pid: int) -> int | None:
    """The TCP port process `pid` listens on (Linux /proc), or None yet."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                return int(fields[1].rsplit(":", 1)[1], 16)
    return None


def self_signed_certificate(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA (openssl CLI), and its key."""
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=30)
    return cert, key


def start(tmp: Path, auth: bool = False, tls: bool = False) -> RunningPushgateway:
    # Port 0: the gateway binds a free port itself, so no other test can race us for it.
    # Debian's build persists to a shared /var/lib file by default: memory only here.
    args = [BINARY, "--web.listen-address=127.0.0.1:0", "--persistence.file=", "--log.level=warn"]
    config = ""
    if auth:
        # Cost 4 keeps each request's bcrypt check in the microseconds.
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
        config += f"basic_auth_users:\n  {USERNAME}: '{hashed}'\n"
    if tls:
        cert, key = self_signed_certificate(tmp)
        config += f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"
    if config:
        (tmp / "web-config.yml").write_text(config)
        args.append(f"--web.config.file={tmp / 'web-config.yml'}")
    log = tmp / "pushgateway.log"
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pushgateway exited with {process.returncode}: {log.read_text()}")
        port = listening_port(process.pid)
        if port:
            scheme = "https" if tls else "http"
            return RunningPushgateway(f"{scheme}://127.0.0.1:{port}", process, log,
                                      (USERNAME, PASSWORD) if auth else None)
        time.sleep(0.05)
    stop(RunningPushgateway("", process, log))
    raise RuntimeError(f"pushgateway did not listen within 15 s: {log.read_text()}")


def stop(gateway: RunningPushgateway) -> None:
    gateway.process.terminate()
    try:
        gateway.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        gateway.process.kill()
        gateway.process.wait(timeout=10)


@pytest.fixture(scope="session")
def pushgateway():
    with tempfile.TemporaryDirectory(prefix="simplepipe-pgw-") as tmp:
        gateway = start(Path(tmp))
        try:
            yield gateway
        finally:
            stop(gateway)


@pytest.fixture(scope="session")
def auth_pushgateway():
    with tempfile.TemporaryDirectory(prefix="simplepipe-pgw-auth-") as tmp:
        gateway = start(Path(tmp), auth=True)
        try:
            yield gateway
        finally:
            stop(gateway)


@pytest.fixture(scope="session")
def tls_pushgateway():
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    with tempfile.TemporaryDirectory(prefix="simplepipe-pgw-tls-") as tmp:
        gateway = start(Path(tmp), auth=True, tls=True)
        gateway.ca_file = str(Path(tmp) / "cert.pem")
        try:
            yield gateway
        finally:
            stop(gateway)
