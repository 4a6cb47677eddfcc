"""A real Pushgateway (Debian's prometheus-pushgateway) on a free port, for integration tests.

conftest.py registers the fixtures; tests that need a private gateway use `running()`.
"""
from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from harness.local.binaries import installed
from harness.local.pushgateway import pushgateway_argv
from harness.local.web_config import web_config
from harness.net import HOST
from harness.processes import SupervisedProcess
from simplepipe.pushgateway import Pushgateway

BINARY = installed("pushgateway")
USERNAME = "alice"
PASSWORD = "alice-test-password"
READY_TIMEOUT = 15.0


@dataclass
class RunningPushgateway:
    url: str
    process: SupervisedProcess
    auth: tuple[str, str] | None = None
    ca_file: str | None = None

    def groups(self) -> list[dict]:
        """The gateway's /api/v1/metrics data: one entry per group."""
        username, password = self.auth or (None, None)
        with Pushgateway(self.url, username=username, password=password, ca_file=self.ca_file, timeout=5,
                         retries=0, identity=None) as gateway:
            return gateway.groups()

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


def self_signed_certificate(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA (openssl CLI), and its key."""
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=30)
    return cert, key


@contextmanager
def running(prefix: str, *, auth: bool = False, tls: bool = False) -> Iterator[RunningPushgateway]:
    """A gateway of its own in a temp folder, on port 0 (nothing can race us for the port) and in memory
    only; stopped on exit."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp_dir:
        tmp = Path(tmp_dir)
        certificate = self_signed_certificate(tmp) if tls else None
        config = None
        if auth or tls:
            config = tmp / "web-config.yml"
            # Cost 4 keeps each request's bcrypt check in the microseconds.
            config.write_text(yaml.safe_dump(web_config(USERNAME if auth else None, PASSWORD, tls=certificate,
                                                        bcrypt_rounds=4)))
        argv = pushgateway_argv(BINARY, config, "", 0)
        with SupervisedProcess("pushgateway", argv, tmp / "pushgateway.log") as process:
            port = process.wait_listening(READY_TIMEOUT)
            yield RunningPushgateway(f"{'https' if tls else 'http'}://{HOST}:{port}", process,
                                     (USERNAME, PASSWORD) if auth else None,
                                     str(certificate[0]) if certificate else None)


@pytest.fixture(scope="session")
def pushgateway():
    with running("simplepipe-pgw-") as gateway:
        yield gateway


@pytest.fixture(scope="session")
def auth_pushgateway():
    with running("simplepipe-pgw-auth-", auth=True) as gateway:
        yield gateway


@pytest.fixture(scope="session")
def tls_pushgateway():
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    with running("simplepipe-pgw-tls-", auth=True, tls=True) as gateway:
        yield gateway
