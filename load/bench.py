"""`make bench`: Simplepipe against the reference client (prometheus_client), from one run against
one local Pushgateway it starts itself. Prints two ratios:

(a) SDK pushes/s ÷ bare `push_to_gateway` pushes/s, same 2-metric payload (target >= 1.25);
(b) time to validate + serialize 10,000 metrics ÷ `generate_latest` of an equivalent registry (target <= 1.0).

Each timed section of (b) starts with a garbage collection: the reference registry (10,000 gauges, built just
before) and each round's leftovers would otherwise be collected on the clock of whichever section runs next.
The collections a section's own allocations cause are part of its time.
"""
from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, generate_latest, push_to_gateway

from harness.local.binaries import installed
from harness.local.pushgateway import pushgateway_argv
from harness.net import HOST
from harness.processes import SupervisedProcess
from simplepipe import MetricCollector
from simplepipe.formats import from_data

# The SDK's pooled connection keeps it ahead of push_to_gateway also with every hostile-input check on.
PUSH_TARGET = 1.25
SERIALIZE_TARGET = 1.0
READY_TIMEOUT = 15.0


def bench_pushes(url: str, pushes: int, rounds: int) -> tuple[float, float]:
    """Pushes/s of the SDK and of bare push_to_gateway, best of `rounds` alternating rounds."""
    registry = CollectorRegistry()
    Gauge("application_run_time_seconds", "Run time", registry=registry).set(1.5)
    Gauge("model_accuracy", "Accuracy", registry=registry).set(0.93)
    items = [{"name": "application_run_time_seconds", "description": "Run time", "value": 1.5, "metric_type": "gauge"},
             {"name": "model_accuracy", "description": "Accuracy", "value": 0.93, "metric_type": "gauge"}]
    collector = MetricCollector(url, identity=None)
    address = url.removeprefix("http://")
    best_sdk = best_bare = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(pushes):
            push_to_gateway(address, job="bench-bare", registry=registry)
        best_bare = max(best_bare, pushes / (time.perf_counter() - start))
        start = time.perf_counter()
        for _ in range(pushes):
            collector.parse_and_push(metrics=items, job_name="bench-sdk")
        best_sdk = max(best_sdk, pushes / (time.perf_counter() - start))
    return best_sdk, best_bare


def bench_serialize(metrics: int, rounds: int) -> tuple[float, float]:
    """Seconds to validate + serialize `metrics` gauges (Simplepipe list -> exposition) and seconds of
    generate_latest for a registry holding the same gauges; best of `rounds`."""
    items = [{"name": f"metric_{i}", "description": f"Metric number {i}", "value": i * 0.5,
              "metric_type": "gauge", "labels": {"model": "resnet"}} for i in range(metrics)]
    registry = CollectorRegistry()
    for i in range(metrics):
        Gauge(f"metric_{i}", f"Metric number {i}", ["model"], registry=registry).labels(model="resnet").set(i * 0.5)
    ours = theirs = float("inf")
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        body = from_data(items, "simplepipe", "bench").to_exposition()
        ours = min(ours, time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        reference = generate_latest(registry)
        theirs = min(theirs, time.perf_counter() - start)
    assert body.count(b"\n") == reference.count(b"\n"), "the two bodies should hold the same lines"
    return ours, theirs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pushes", type=int, default=500, help="pushes per round and client (default 500)")
    parser.add_argument("--metrics", type=int, default=10_000, help="metrics to serialize (default 10000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the best one counts (default 3)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="simplepipe-bench-") as tmp:
        # Port 0 and memory-only persistence: nothing shared with other gateways on this machine.
        argv = pushgateway_argv(installed("pushgateway"), None, "", 0)
        with SupervisedProcess("pushgateway", argv, Path(tmp) / "pushgateway.log") as gateway:
            url = f"http://{HOST}:{gateway.wait_listening(READY_TIMEOUT)}"
            sdk, bare = bench_pushes(url, args.pushes, args.rounds)
    ours, theirs = bench_serialize(args.metrics, args.rounds)

    push_ratio = sdk / bare
    serialize_ratio = ours / theirs
    print(f"(a) pushes/s, 2-metric payload: simplepipe {sdk:.0f}/s, prometheus_client.push_to_gateway {bare:.0f}/s")
    print(f"    ratio simplepipe/bare = {push_ratio:.2f}  (target >= {PUSH_TARGET}) "
          f"{'OK' if push_ratio >= PUSH_TARGET else 'MISSED'}")
    print(f"(b) {args.metrics} metrics: simplepipe validate+serialize {ours * 1000:.1f} ms, "
          f"prometheus_client.generate_latest {theirs * 1000:.1f} ms")
    print(f"    ratio simplepipe/generate_latest = {serialize_ratio:.2f}  (target <= {SERIALIZE_TARGET}) "
          f"{'OK' if serialize_ratio <= SERIALIZE_TARGET else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
