"""Locust's statistics of the load, regrouped per payload kind and per tenant.

The locustfile names every push `<tenant>/<kind>`; Locust's JSON stats keep each name's full
response-time histogram, so merged percentiles are exact, not averages of percentiles.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


class LocustStatsError(RuntimeError):
    """Locust's statistics file is missing or not what the locustfile produces."""


@dataclass
class PushStats:
    """Pushes of one slice of the load (a payload kind, a tenant, or all)."""

    label: str
    pushes: int = 0
    failures: int = 0
    response_times: Counter = field(default_factory=Counter)  # ms (Locust's rounding) -> count
    first: float | None = None
    last: float | None = None

    def add(self, entry: dict) -> None:
        self.pushes += entry["num_requests"]
        self.failures += entry["num_failures"]
        self.response_times.update({int(ms): n for ms, n in entry["response_times"].items()})
        if entry["num_requests"]:
            self.first = entry["start_time"] if self.first is None else min(self.first, entry["start_time"])
            stamp = entry["last_request_timestamp"] or entry["start_time"]
            self.last = stamp if self.last is None else max(self.last, stamp)

    def percentile(self, fraction: float) -> float:
        """Smallest latency (ms) that `fraction` of the pushes did not exceed."""
        total = sum(self.response_times.values())
        if not total:
            return 0.0
        rank = max(1, -(-int(total * fraction * 1000) // 1000))  # ceil without float drift
        seen = 0
        for ms in sorted(self.response_times):
            seen += self.response_times[ms]
            if seen >= rank:
                return float(ms)
        return float(max(self.response_times))

    def throughput(self, seconds: float) -> float:
        return self.pushes / seconds if seconds > 0 else 0.0


@dataclass
class LoadStats:
    total: PushStats
    by_kind: dict[str, PushStats]
    by_tenant: dict[str, PushStats]
    by_name: dict[str, PushStats]
    seconds: float  # from the first push started to the last one finished

    def small_throughput(self, tenant: str) -> float:
        entry = self.by_name.get(f"{tenant}/small")
        return entry.throughput(self.seconds) if entry else 0.0

    def table(self) -> str:
        header = f"{'slice':<16} {'pushes':>8} {'pushes/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'failures':>9}"
        lines = [header, "-" * len(header)]
        for title, group in (("payload", self.by_kind), ("tenant", self.by_tenant)):
            for stats in group.values():
                lines.append(self._row(f"{title} {stats.label}", stats))
        lines.append(self._row("all", self.total))
        return "\n".join(lines)

    def _row(self, label: str, s: PushStats) -> str:
        return (
            f"{label:<16} {s.pushes:>8} {s.throughput(self.seconds):>9.1f} {s.percentile(0.50):>8.0f} "
            f"{s.percentile(0.95):>8.0f} {s.percentile(0.99):>8.0f} {s.failures:>9}"
        )


def read_locust_stats(path: Path, kinds: tuple[str, ...]) -> LoadStats:
    """Read Locust's --json-file output (entries named `<tenant>/<kind>`)."""
    try:
        entries = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise LocustStatsError(f"{path}: no Locust statistics ({exc}); see locust.log beside it") from exc
    total = PushStats("all")
    by_kind = {kind: PushStats(kind) for kind in kinds}
    by_tenant: dict[str, PushStats] = {}
    by_name: dict[str, PushStats] = {}
    for entry in entries:
        tenant, _, kind = entry["name"].partition("/")
        if kind not in by_kind:
            raise LocustStatsError(f"{path}: entry {entry['name']!r} is not <tenant>/<kind>; was it this locustfile?")
        for stats in (total, by_kind[kind], by_tenant.setdefault(tenant, PushStats(tenant)),
                      by_name.setdefault(entry["name"], PushStats(entry["name"]))):
            stats.add(entry)
    seconds = (total.last - total.first) if total.first is not None and total.last is not None else 0.0
    return LoadStats(total=total, by_kind=by_kind, by_tenant=dict(sorted(by_tenant.items())),
                     by_name=by_name, seconds=seconds)
