"""Workers on other machines send what they recorded to their master, over Locust's own protocol.

Locally every Locust process writes its ledger (pushed-*.json) and timeline (timeline-*.json) into the run's
folder, which the master and load.run read. In the cluster each worker is a pod with its own disk, so when a
worker stops (`test_stop`, before it tells the master it has stopped) it sends one custom message (Locust's
`send_message`) holding its ledger, its timeline and the CPU seconds it used; the master writes them into its
own folder under the same names (pushed-worker-<n>.json, timeline-worker-<n>.json, cpu-worker-<n>.json), which
the harness copies back. Nothing is lost: the master handles the message before the worker's `client_stopped`.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

from load.ledger import PushLedger, write_ledger
from load.timeline import TimelineRecorder, write_timeline

MESSAGE = "simplepipe_records"
CPU_GLOB = "cpu-worker-*.json"


class Shipment:
    """A worker's side: its CPU clock from the test's start, and the message it sends when it stops."""

    def __init__(self) -> None:
        self.started_wall = time.monotonic()
        self.started_cpu = time.process_time()

    def restart(self) -> None:
        self.started_wall, self.started_cpu = time.monotonic(), time.process_time()

    def send(self, runner, ledger: PushLedger, timeline: TimelineRecorder) -> None:
        runner.send_message(MESSAGE, {
            "worker": int(getattr(runner, "worker_index", 0) or 0) + 1,  # worker 1, 2, ... as load.run names them
            "ledger": json.dumps(ledger.records()),
            "timeline": json.dumps(timeline.data()),
            "cpu_seconds": time.process_time() - self.started_cpu,
            "wall_seconds": time.monotonic() - self.started_wall,
        })


def receiver(out_dir: Path):
    """The master's listener: writes a worker's shipment into `out_dir` (register it with register_message)."""
    def receive(environment, msg, **_kwargs) -> None:
        data = msg.data or {}
        worker = int(data.get("worker", 0))
        write_ledger(out_dir / f"pushed-worker-{worker}.json", json.loads(data.get("ledger") or "[]"))
        write_timeline(out_dir / f"timeline-worker-{worker}.json", json.loads(data.get("timeline") or "{}"))
        (out_dir / f"cpu-worker-{worker}.json").write_text(json.dumps({
            "worker": worker, "node": str(msg.node_id), "cpu_seconds": float(data.get("cpu_seconds", 0.0)),
            "wall_seconds": float(data.get("wall_seconds", 0.0))}))
    return receive


def worker_cpu(out_dir: Path) -> dict[str, float]:
    """"worker <n>" -> cores it used over its run (CPU seconds / wall seconds), from the shipped cpu files."""
    found = {}
    for path in sorted(Path(out_dir).glob(CPU_GLOB), key=lambda p: [int(n) for n in re.findall(r"\d+", p.name)]):
        entry = json.loads(path.read_text())
        if entry.get("wall_seconds"):
            found[f"worker {entry['worker']}"] = entry["cpu_seconds"] / entry["wall_seconds"]
    return found
