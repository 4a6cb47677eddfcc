"""How push latency grows with the groups a Pushgateway already holds, on a throwaway gateway.

Filling a gateway through its API costs O(n^2) (every push is checked against everything
stored), so the fill runs with the consistency check off, the gateway persists on shutdown,
and a second gateway with the check on loads that file: the state a tenant's gateway would
have after n workflows pushed.
"""
from __future__ import annotations

import concurrent.futures
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import urllib3

from harness.errors import PlatformError
from harness.local.binaries import installed
from harness.local.errors import LocalPlatformError
from harness.local.pushgateway import pushgateway_argv
from harness.net import HOST, http_ok
from harness.processes import SupervisedProcess
from simplepipe.pushgateway import Pushgateway

FILL_THREADS = 8
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


class GrowthError(RuntimeError):
    """The throwaway gateway could not be started, filled or measured."""


@dataclass(frozen=True)
class GrowthPoint:
    groups: int          # groups stored before the measured pushes
    pushes: int
    p50_ms: float
    p95_ms: float
    p99_ms: float


@dataclass(frozen=True)
class GrowthCurve:
    points: list[GrowthPoint]

    def slope_ms_per_1000_groups(self) -> float:
        """p50 latency added per 1,000 stored groups, from the smallest to the largest point."""
        first, last = min(self.points, key=lambda p: p.groups), max(self.points, key=lambda p: p.groups)
        if last.groups == first.groups:
            return 0.0
        return (last.p50_ms - first.p50_ms) / (last.groups - first.groups) * 1000

    def table(self) -> str:
        lines = [f"{'groups stored':>13} {'pushes':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  p50"]
        widest = max((p.p50_ms for p in self.points), default=0) or 1
        for p in self.points:
            bar = "#" * max(1, round(p.p50_ms / widest * 40))
            lines.append(f"{p.groups:>13,} {p.pushes:>7} {p.p50_ms:>8.1f} {p.p95_ms:>8.1f} {p.p99_ms:>8.1f}  {bar}")
        return "\n".join(lines)

    def expectation(self) -> str:
        """What a tenant should expect, in one sentence, from the measured points."""
        first, last = min(self.points, key=lambda p: p.groups), max(self.points, key=lambda p: p.groups)
        rate = 1000 / last.p50_ms if last.p50_ms > 0 else float("inf")
        return (
            f"Push latency grows with the groups a tenant's gateway holds: p50 {first.p50_ms:.1f} ms with "
            f"{first.groups:,} stored, {last.p50_ms:.1f} ms with {last.groups:,} (about "
            f"{self.slope_ms_per_1000_groups():.1f} ms more per 1,000 groups), because the gateway checks every "
            f"push against all stored metrics and applies pushes one at a time; so a gateway holding "
            f"{last.groups:,} groups sustains at most ~{rate:.0f} pushes/s. Expire the groups of finished "
            f"workflows (`simplepipe gc --older-than 24h`, which the platform runs per tenant from `gc:` in "
            f"platform/tenants.yaml) to keep pushes fast."
        )


def measure_growth(sizes: list[int], body: bytes, push: Callable[[str], None], *,
                   probes: int = 30, probe_seconds: float = 15.0, work_dir: Path | None = None) -> GrowthCurve:
    """For each size: a gateway holding that many groups of `body`, then up to `probes` timed pushes.

    `push(url)` pushes the small payload to the gateway at `url` through Simplepipe's client.
    """
    try:
        binary = installed("pushgateway")
    except LocalPlatformError as exc:
        raise GrowthError(str(exc)) from exc
    points = []
    with tempfile.TemporaryDirectory(prefix="simplepipe-growth-", dir=work_dir) as tmp:
        for size in sizes:
            persistence = Path(tmp) / f"groups-{size}.data"
            with throwaway_gateway(binary, persistence, Path(tmp) / f"fill-{size}.log", check=False) as url:
                _fill(url, size, body)
            with throwaway_gateway(binary, persistence, Path(tmp) / f"probe-{size}.log", check=True) as url:
                stored = _count_groups(url)
                if stored != size:
                    raise GrowthError(f"throwaway gateway holds {stored} groups after a fill of {size}")
                points.append(_probe(url, size, push, probes, probe_seconds))
    return GrowthCurve(points)


def _fill(url: str, size: int, body: bytes) -> None:
    http = urllib3.PoolManager(maxsize=FILL_THREADS, retries=False, timeout=10.0)

    def put(index: int) -> None:
        response = http.request("PUT", f"{url}/metrics/job/growth-fill/workflow/fill-{index}", body=body)
        if response.status not in (200, 202):
            raise GrowthError(f"filling the throwaway gateway: HTTP {response.status}: {response.data[:200]!r}")

    with concurrent.futures.ThreadPoolExecutor(FILL_THREADS) as pool:
        for _ in pool.map(put, range(size)):
            pass


def _count_groups(url: str) -> int:
    with Pushgateway(url, timeout=60.0, retries=0, identity=None) as gateway:
        return len(gateway.groups())


def _probe(url: str, size: int, push: Callable[[str], None], probes: int, seconds: float) -> GrowthPoint:
    push(url)  # creates the probe group and the connection; not timed
    latencies = []
    deadline = time.monotonic() + seconds
    while len(latencies) < probes and time.monotonic() < deadline:
        start = time.perf_counter()
        push(url)
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()

    def at(fraction: float) -> float:
        return latencies[min(len(latencies) - 1, max(0, -(-int(len(latencies) * fraction * 1000) // 1000) - 1))]

    return GrowthPoint(groups=size, pushes=len(latencies), p50_ms=at(0.5), p95_ms=at(0.95), p99_ms=at(0.99))


@contextmanager
def throwaway_gateway(binary: str, persistence: Path, log: Path, *, check: bool) -> Iterator[str]:
    """A Pushgateway process and its URL; stopped with SIGTERM on exit, so it writes its persistence file.

    Started on port 0 and asked which port it bound, so no other process can take the port between a
    free-port probe and the start. Any failure names the gateway's exit status and its log's last lines.
    """
    argv = pushgateway_argv(binary, None, persistence, 0, persistence_interval="1h",
                            extra=() if check else ("--push.disable-consistency-check",))
    process = SupervisedProcess("throwaway gateway", argv, log, stop_grace=STOP_TIMEOUT)
    try:
        process.start()
        port = process.wait_listening(READY_TIMEOUT)
        url = f"http://{HOST}:{port}"
        process.wait_ready(lambda: http_ok(f"{url}/-/ready", timeout=1.0), READY_TIMEOUT,
                           f"{url}/-/ready to answer 200")
    except PlatformError as exc:
        process.stop()
        raise GrowthError(f"{exc} (argv: {' '.join(argv)})") from exc
    try:
        yield url
    finally:
        process.stop()
    status = process.exit_status()
    if status != 0:
        # Killed after STOP_TIMEOUT, or crashed: its persistence file cannot be trusted.
        raise GrowthError(f"throwaway gateway ({'with' if check else 'without'} consistency check) did not stop "
                          f"cleanly (exit status {status}); last lines of {log}:\n{process.log_tail()}")
