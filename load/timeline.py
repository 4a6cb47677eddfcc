"""Per-second record of the pushes one Locust process made, for pictures and for the capacity steps.

Each Locust process (master or worker) keeps its own record and writes `timeline-<pid>.json` when
it stops; `read_timelines` merges them. A second's latencies are a histogram (whole ms -> count),
so percentiles over any span of seconds are exact.
"""
from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

TIMELINE_GLOB = "timeline-*.json"


class TimelineRecorder:
    """Fed by Locust's request event; one per process."""

    def __init__(self, out_dir: Path, save_every: float | None = None):
        self.out_dir = Path(out_dir)
        # Saving while the run goes lets the capacity shape judge a step from every process's numbers.
        self.save_every = save_every
        self._saved = time.monotonic()
        # name -> second -> [latency histogram, failures]
        self.seconds: dict[str, dict[int, list]] = defaultdict(dict)

    def record(self, name: str, response_time_ms: float, failed: bool, at: float | None = None) -> None:
        second = int(at if at is not None else time.time())
        slot = self.seconds[name].setdefault(second, [Counter(), 0])
        slot[0][int(round(response_time_ms))] += 1
        if failed:
            slot[1] += 1
        if self.save_every is not None and time.monotonic() - self._saved >= self.save_every:
            self.save()

    def data(self) -> dict:
        """The record as its timeline file holds it (what a worker in the cluster sends its master)."""
        return {name: {str(s): {"ms": dict(hist), "failures": fails} for s, (hist, fails) in by_second.items()}
                for name, by_second in self.seconds.items()}

    def save(self) -> Path:
        self._saved = time.monotonic()
        # Read at save time: `locust --processes` forks after the locustfile is loaded.
        return write_timeline(self.out_dir / f"timeline-{os.getpid()}.json", self.data())


def write_timeline(path: Path, data: dict) -> Path:
    """A timeline file (timeline-*.json); a reader never sees half of one."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(path)
    return path


@dataclass
class Window:
    """Pushes of some seconds: count, failures and the latency histogram (ms -> count)."""

    pushes: int = 0
    failures: int = 0
    ms: Counter = field(default_factory=Counter)

    def add(self, hist: dict, failures: int) -> None:
        for ms, n in hist.items():
            self.ms[int(ms)] += n
            self.pushes += n
        self.failures += failures

    def percentile(self, fraction: float) -> float:
        """Smallest latency (ms) that `fraction` of the pushes did not exceed (nearest rank)."""
        if not self.pushes:
            return 0.0
        rank = max(1, -(-int(self.pushes * fraction * 1000) // 1000))
        seen = 0
        for ms in sorted(self.ms):
            seen += self.ms[ms]
            if seen >= rank:
                return float(ms)
        return float(max(self.ms))


@dataclass
class Timeline:
    """Merged per-second windows, per request name."""

    by_name: dict[str, dict[int, Window]]

    def names(self) -> list[str]:
        return sorted(self.by_name)

    def window(self, start: float, end: float, names: list[str] | None = None) -> Window:
        """Pushes that finished in the whole seconds [start, end)."""
        total = Window()
        for name in names or self.names():
            for second, w in self.by_name.get(name, {}).items():
                if start <= second < end:
                    total.add(w.ms, w.failures)
        return total

    def span(self) -> tuple[int, int] | None:
        seconds = [s for by_second in self.by_name.values() for s in by_second]
        return (min(seconds), max(seconds) + 1) if seconds else None

    def series(self, names: list[str] | None = None) -> list[tuple[int, Window]]:
        """One window per second over the whole span (empty seconds included)."""
        span = self.span()
        if span is None:
            return []
        return [(s, self.window(s, s + 1, names)) for s in range(*span)]


def read_timelines(out_dir: Path) -> Timeline:
    by_name: dict[str, dict[int, Window]] = defaultdict(dict)
    for path in sorted(Path(out_dir).glob(TIMELINE_GLOB)):
        for name, by_second in json.loads(path.read_text()).items():
            for second, entry in by_second.items():
                by_name[name].setdefault(int(second), Window()).add(entry["ms"], entry["failures"])
    return Timeline(dict(by_name))
