"""`simplepipe gc` against a real Pushgateway: old groups go, fresh ones and other jobs stay; and with a gc
pass after every batch, a run that keeps creating per-run groups keeps its push latency flat."""
from __future__ import annotations

import os
import statistics
import subprocess
import time

import pytest
from pushgateway_server import PASSWORD, USERNAME, running

from load import payloads
from simplepipe import gc
from simplepipe.pushgateway import Pushgateway
from tests.support.tools import SIMPLEPIPE

BATCHES = 12
PUSHES_PER_BATCH = 100
EDGE_BATCHES = 3  # batches pooled at each end of the run


def run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, env={"PATH": os.environ["PATH"]}, capture_output=True, text=True, timeout=60)


def _labels(gateway_url: str) -> list[dict]:
    with Pushgateway(gateway_url, username=USERNAME, password=PASSWORD, retries=0, identity=None) as gateway:
        return sorted((g["labels"] for g in gateway.groups()), key=lambda labels: sorted(labels.items()))


def test_gc_deletes_groups_last_pushed_before_the_duration_and_keeps_the_rest(auth_pushgateway):
    gateway = Pushgateway(auth_pushgateway.url, username=USERNAME, password=PASSWORD, retries=0, identity=None)
    body = payloads.exposition("small", 1)
    gateway.push(body, "gc-old", {"run": "1"})
    gateway.push(body, "gc-other", {"run": "1"})
    time.sleep(1.5)
    gateway.push(body, "gc-old", {"run": "2"})
    flags = ["--url", auth_pushgateway.url, "--username", USERNAME, "--password", PASSWORD, "--older-than", "1s"]
    try:
        dry = run([SIMPLEPIPE, "gc", *flags, "--job", "gc-old", "--dry-run"])
        assert dry.returncode == 0, dry.stderr
        assert "would delete group job='gc-old',run='1'" in dry.stderr
        assert "would delete 1 groups" in dry.stderr and "kept 1" in dry.stderr
        assert {"job": "gc-old", "run": "1"} in _labels(auth_pushgateway.url), "a dry run deleted"

        done = run([SIMPLEPIPE, "gc", *flags, "--job", "gc-old"])

        assert done.returncode == 0, done.stderr
        left = _labels(auth_pushgateway.url)
        assert {"job": "gc-old", "run": "1"} not in left
        assert {"job": "gc-old", "run": "2"} in left, "a group pushed within the duration was deleted"
        assert {"job": "gc-other", "run": "1"} in left, "--job gc-old deleted another job's group"
    finally:
        for job, run_label in (("gc-old", "1"), ("gc-old", "2"), ("gc-other", "1")):
            gateway.delete(job, {"run": run_label})


def test_gc_refuses_a_bad_duration_and_reports_a_refusing_gateway(auth_pushgateway):
    bad = run([SIMPLEPIPE, "gc", "--url", auth_pushgateway.url, "--older-than", "24x"])
    assert (bad.returncode, bad.stderr.count("\n")) == (2, 1), bad.stderr
    assert "duration '24x'" in bad.stderr
    refused = run([SIMPLEPIPE, "gc", "--url", auth_pushgateway.url, "--older-than", "1h"])  # no credentials
    assert refused.returncode == 5, refused.stderr
    assert "401" in refused.stderr


def _median_latencies(expiry: bool) -> list[float]:
    """Median push latency (ms) of each batch of new per-run groups, with a gc pass after each batch or none."""
    body = payloads.exposition("small", 1)
    medians = []
    with running("simplepipe-pgw-gc-") as server:
        gateway = Pushgateway(server.url, retries=0, identity=None)
        for batch in range(BATCHES):
            latencies = []
            for i in range(PUSHES_PER_BATCH):
                start = time.perf_counter()
                gateway.push(body, "workflow", {"run": f"b{batch}-{i}"})
                latencies.append((time.perf_counter() - start) * 1000)
            medians.append(statistics.median(latencies))
            if expiry:
                # The scheduled pass, scaled down in time: groups not pushed in the last 50 ms are finished runs.
                gc.collect(gateway, 0.05, jobs=["workflow"])
    return medians


def _growth(medians: list[float]) -> float:
    return statistics.median(medians[-EDGE_BATCHES:]) / statistics.median(medians[:EDGE_BATCHES])


@pytest.mark.timeout(60)
def test_push_latency_stays_flat_with_gc_and_grows_without():
    # Measured on the busy 2-core machine: without gc the last batches took 3-6.6x the first; with gc 0.96-1.05x.
    without, with_gc = _median_latencies(expiry=False), _median_latencies(expiry=True)
    report = f"batch medians (ms) without gc {without}, with gc {with_gc}"
    assert _growth(without) > 2.0, report
    assert _growth(with_gc) < 1.5, report


def test_local_gc_pass_expires_a_tenants_groups_with_its_credentials(auth_pushgateway):
    from harness.local.expiry import gc_interval_seconds, gc_pass
    from harness.tenants import GcSchedule, Tenant

    tenant = Tenant("alice", "alice", USERNAME, PASSWORD, 0, gc=GcSchedule(older_than="1h", every="10m"))
    gateway = Pushgateway(auth_pushgateway.url, username=USERNAME, password=PASSWORD, retries=0, identity=None)
    gateway.push(payloads.exposition("small", 1), "gc-local", {"run": "1"})
    try:
        assert gc_interval_seconds(tenant) == 600
        assert gc_pass(tenant, auth_pushgateway.url).stale == [], "a fresh group counted as stale"
        done = gc_pass(tenant, auth_pushgateway.url, now=time.time() + 2 * 3600)  # two hours later
        assert {"job": "gc-local", "run": "1"} in [g.labels for g in done.stale]
        assert {"job": "gc-local", "run": "1"} not in _labels(auth_pushgateway.url)
        assert gc_pass(Tenant("bob", "bob", USERNAME, PASSWORD, 0), auth_pushgateway.url) is None
    finally:
        gateway.delete("gc-local", {"run": "1"})
