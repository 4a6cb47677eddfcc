"""CPU time of the load generator and of the gateways while a load shape runs, read from /proc.

A sampler thread reads utime+stime of every process of a role every `interval` seconds: the
generator is the Locust process and all its descendants (workers), a gateway is one pid. A
process's own times only (not cutime/cstime), so a worker reaped by its master is not counted twice.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
CORES = os.cpu_count() or 1


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, utime+stime seconds) of `pid`, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


MACHINE = "machine"  # role: every process on the machine (/proc/stat), to see load that is not ours


def _machine_busy() -> float:
    """CPU seconds all cores spent not idle since boot."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / TICKS


def descendants(root: int) -> list[int]:
    """`root` and every process below it, from one pass over /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat:
                children.setdefault(stat[0], []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


@dataclass
class CpuSamples:
    """Cumulative CPU seconds of each role at each sample time (time.time())."""

    times: list[float] = field(default_factory=list)
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def cores(self, role: str, start: float, end: float) -> float | None:
        """Average cores `role` used between `start` and `end` (None: too few samples in it)."""
        inside = [i for i, t in enumerate(self.times) if start <= t <= end]
        if len(inside) < 2 or role not in self.seconds:
            return None
        first, last = inside[0], inside[-1]
        elapsed = self.times[last] - self.times[first]
        return (self.seconds[role][last] - self.seconds[role][first]) / elapsed if elapsed > 0 else None


class CpuSampler:
    """Samples in a thread while in its `with` block; Locust's processes are added once started
    (`add_generator`: the generator role is all of them and their descendants, and each its own role)."""

    def __init__(self, gateways: dict[str, int], interval: float = 0.5):
        self.gateways = dict(gateways)  # role name -> pid
        self.interval = interval
        self.generator_roots: list[int] = []
        self.samples = CpuSamples()
        self._seen: dict[str, dict[int, tuple[float, float]]] = {}  # role -> pid -> (first, last) seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)

    def add_generator(self, role: str, pid: int) -> None:
        """A Locust process (`role`: "master", "worker 1", ...), counted in "generator" and on its own."""
        self.generator_roots.append(pid)
        self.gateways[role] = pid

    def __enter__(self) -> "CpuSampler":
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        roles = {role: [pid] for role, pid in self.gateways.items()}
        if self.generator_roots:
            roles["generator"] = sorted({pid for root in self.generator_roots for pid in descendants(root)})
        now = time.time()
        self.samples.times.append(now)
        for role in (set(roles) | set(self.samples.seconds)) - {MACHINE}:
            seen = self._seen.setdefault(role, {})
            for pid in roles.get(role, []):
                stat = _stat(pid)
                if stat:
                    first = seen.get(pid, (stat[1], 0.0))[0]
                    seen[pid] = (first, stat[1])
            # A process that exited keeps its last reading: its CPU was spent.
            total = sum(last - first for first, last in seen.values())
            column = self.samples.seconds.setdefault(role, [0.0] * (len(self.samples.times) - 1))
            column.append(total)
        self.samples.seconds.setdefault(MACHINE, []).append(_machine_busy())
