"""Faults while pushes run (`make load LOAD_ARGS=--faults`), on the local platform, whose supervisor
brings back what is killed:

  gateway     the first tenant's Pushgateway is SIGKILLed. Every push acknowledged before the kill is
              in the gateway after its restart, except those within the persistence window
              (platform.yaml pushgateway.persistence_interval, plus a second to write the file); the
              pushers see failures and retry; nothing acknowledged after the restart is lost.
  prometheus  Prometheus is SIGKILLed; a series scraped before is still there over the same time range.
  s3          SeaweedFS is SIGKILLed while a workflow that passes an artifact runs: the workflow fails
              with a message naming S3; once S3 is back, the same workflow succeeds.

Every push is its own group (job simplepipe-faults, labels run/worker/seq), so what survived is
known push by push; the run deletes its groups at the end.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from harness.prometheus_api import PrometheusError
from harness.tenants import Tenant
from harness.waiting import NotYet, WaitTimeout, wait_until
from harness.workflows import Phase
from load.nothing_lost import CheckError, gateway_groups
from load.plan import TenantTarget
from load.targets import tenant_targets
from simplepipe.errors import SimplepipeError
from simplepipe.pushgateway import Pushgateway

FAULT_JOB = "simplepipe-faults"
MARKER_METRIC = "simplepipe_fault_marker"
PUSH_METRIC = "simplepipe_fault_push_sequence"
WRITE_SLACK_SECONDS = 1.0  # the gateway's write of its persistence file takes time too
RETRY_SECONDS = 0.2


@dataclass
class FaultOptions:
    warmup: float = 20.0  # seconds of pushes before the gateway is killed (longer than the persistence window)
    after: float = 10.0  # seconds of pushes after its restart
    workers: int = 2  # pushers per tenant
    pace: float = 0.05  # seconds between a pusher's pushes
    restart_timeout: float = 90.0
    workflow_timeout: float = 120.0


SHORT = FaultOptions(warmup=8.0, after=3.0, workers=2, pace=0.05)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"  {'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


@dataclass
class FaultResult:
    window: float
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def final_line(self) -> str:
        failed = sum(not c.ok for c in self.checks)
        return (f"faults: {len(self.checks) - failed} of {len(self.checks)} checks passed "
                f"(persistence window {self.window:g} s)")


class Pusher(threading.Thread):
    """Pushes seq 1, 2, ... each into its own group, retrying a failed push until it is acknowledged."""

    def __init__(self, target: TenantTarget, run_id: str, worker: str, pace: float, stop: threading.Event):
        super().__init__(name=f"pusher-{target.name}-{worker}", daemon=True)
        self.target, self.run_id, self.worker, self.pace, self._stop_pushing = target, run_id, worker, pace, stop
        self.acknowledged: list[tuple[int, float]] = []  # (seq, wall-clock time of the acknowledgement)
        self.failures = 0
        self.retried = 0  # pushes acknowledged only after a failed attempt
        self.last_error = ""

    def run(self) -> None:
        gateway = Pushgateway(self.target.url, username=self.target.username, password=self.target.password,
                              timeout=2.0, retries=0, identity=None)
        seq = 0
        with gateway:
            while not self._stop_pushing.is_set():
                seq += 1
                attempts = 0
                while not self._stop_pushing.is_set():
                    attempts += 1
                    try:
                        gateway.push(f"{PUSH_METRIC} {seq}\n".encode(), job=FAULT_JOB, grouping_key=self.key(seq))
                    except SimplepipeError as exc:
                        self.failures += 1
                        self.last_error = str(exc)
                        self._stop_pushing.wait(RETRY_SECONDS)
                        continue
                    self.acknowledged.append((seq, time.time()))
                    self.retried += attempts > 1
                    break
                self._stop_pushing.wait(self.pace)

    def key(self, seq: int) -> dict[str, str]:
        return {"run": self.run_id, "worker": self.worker, "seq": str(seq)}


def run_faults(platform, tenants: list[Tenant], options: FaultOptions = FaultOptions(),
               say: Callable[[str], None] = print) -> FaultResult:
    """All three faults against a running LocalPlatform; prints as it goes, returns the checks."""
    window = platform.settings.persistence_window
    result = FaultResult(window=window)
    run_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}"
    targets = tenant_targets(platform, tenants)
    victim = tenants[0]
    say(f"faults run {run_id}: {options.workers} pushers per tenant ({', '.join(targets)}); the Pushgateway's "
        f"persistence window is {window:g} s (platform/local/platform.yaml pushgateway.persistence_interval "
        f"{platform.settings.persistence_interval}), plus {WRITE_SLACK_SECONDS:g} s to write its file")
    stop = threading.Event()
    pushers = [Pusher(target, run_id, f"w{i}", options.pace, stop) for target in targets.values()
               for i in range(options.workers)]
    marker_target = targets[tenants[-1].name]
    try:
        marker_pushed = time.time()
        _push_marker(marker_target, run_id)
        for pusher in pushers:
            pusher.start()
        say(f"pushing for {options.warmup:g} s before the first fault")
        time.sleep(options.warmup)

        killed_at = _kill_and_await_restart(platform, victim.pushgateway_name, options, say)
        time.sleep(options.after)
        result.checks += _prometheus_fault(platform, marker_target, run_id, marker_pushed, options, say)
        result.checks += _s3_fault(platform, tenants[0], options, say)
        stop.set()
        for pusher in pushers:
            pusher.join(10)
        result.checks += _gateway_checks(targets, victim.name, pushers, killed_at, window + WRITE_SLACK_SECONDS)
    except (WaitTimeout, CheckError, PrometheusError, SimplepipeError, OSError) as exc:
        result.checks.append(Check("fault run", False, str(exc)))
    finally:
        stop.set()
        for pusher in pushers:
            if pusher.is_alive():
                pusher.join(10)
        deleted = _delete_run_groups(targets, run_id)
        say(f"deleted this run's {deleted} groups from the gateways")
    say("")
    for check in result.checks:
        say(check.line())
    say(result.final_line)
    return result


# -- the faults ------------------------------------------------------------------------------------
def _kill_and_await_restart(platform, name: str, options: FaultOptions, say: Callable[[str], None]) -> float:
    """SIGKILL server `name`, wait until the supervisor reports it ready again; the kill's wall-clock time."""
    before, killed_at = _kill(platform, name, say)
    _await_restart(platform, name, before, killed_at, options, say)
    return killed_at


def _kill(platform, name: str, say: Callable[[str], None], why: str = "") -> tuple[dict, float]:
    before = platform.supervisor_status()["servers"][name]
    killed_at = time.time()
    os.kill(before["pid"], signal.SIGKILL)
    say(f"{name}: SIGKILL to pid {before['pid']}{why}")
    return before, killed_at


def _await_restart(platform, name: str, before: dict, killed_at: float, options: FaultOptions,
                   say: Callable[[str], None]) -> None:
    def back() -> dict:
        now = platform.supervisor_status().get("servers", {}).get(name, {})
        if now.get("state") != "ready" or now.get("restarts", 0) <= before["restarts"]:
            raise NotYet(f"{now.get('state')}, restarts {now.get('restarts')}")
        return now

    now = wait_until(back, timeout=options.restart_timeout, poll=0.1, say=say,
                     what=f"the supervisor to restart {name}")
    say(f"{name}: restarted by the supervisor as pid {now['pid']} {time.time() - killed_at:.1f} s after the kill "
        f"(restarts {now['restarts']}, last exit: {now['last_exit']})")


def _prometheus_fault(platform, marker_target: TenantTarget, run_id: str, marker_pushed: float,
                      options: FaultOptions, say: Callable[[str], None]) -> list[Check]:
    prometheus = platform.prometheus(timeout=10)
    query = f'{MARKER_METRIC}{{job="{FAULT_JOB}",run="{run_id}"}}'
    start, end = marker_pushed - 1, time.time()

    def scraped() -> set[float]:
        stamps = _timestamps(prometheus.query_range(query, start, end, 1))
        if len(stamps) < 2:
            raise NotYet(f"{len(stamps)} samples of {query}")
        return stamps

    # Two samples: the push's first scrape may take the platform's whole settle time, the second one interval more.
    before = wait_until(scraped, timeout=platform.settle_seconds + platform.scrape_interval, poll=0.5,
                        what=f"Prometheus to have scraped {query} twice")
    _kill_and_await_restart(platform, "prometheus", options, say)
    wait_until(prometheus.ready, timeout=options.restart_timeout,
               what="Prometheus to answer /-/ready after its restart")
    after = wait_until(lambda: _timestamps(prometheus.query_range(query, start, end, 1)) or None, timeout=30,
                       what=f"{query} to be queryable after the restart")
    missing = sorted(before - after)
    return [Check("prometheus data survives its restart", not missing,
                  f"{len(before)} samples of {MARKER_METRIC} over the earlier {end - start:.0f} s before the "
                  f"SIGKILL, {len(before & after)} of them after" + (f"; missing {missing[:5]}" if missing else ""))]


def _timestamps(matrix: list[dict]) -> set[float]:
    return {float(stamp) for series in matrix for stamp, _ in series.get("values", [])}


def _s3_fault(platform, tenant: Tenant, options: FaultOptions, say: Callable[[str], None]) -> list[Check]:
    s3 = platform.s3_endpoint.split("://", 1)[1]
    run = platform.submit(tenant, artifact_workflow(s3, wait_for_s3_down=True))
    wait_until(lambda: any(step.template == "produce" for step in platform.refresh(run).steps),
               timeout=options.workflow_timeout, poll=0.05, what=f"workflow {run.name}'s produce step to run")
    before, killed_at = _kill(platform, "seaweedfs", say, f" while workflow {run.name} runs")
    run = platform.wait(run, options.workflow_timeout)
    # As `argo get` shows it: the failed step's node names the cause, its parents only that a child failed.
    failed = next((n for n in run.nodes or run.steps if Phase(n.phase).unsuccessful and "S3" in n.message), None)
    said = failed.message if failed is not None else run.message
    checks = [Check("a workflow whose S3 goes away fails naming S3",
                    Phase(run.phase).unsuccessful and "S3" in said, f"{run.name} {run.phase}: {said}")]
    _await_restart(platform, "seaweedfs", before, killed_at, options, say)
    again = platform.wait(platform.submit(tenant, artifact_workflow(s3, wait_for_s3_down=False)),
                          options.workflow_timeout)
    checks.append(Check("the platform is healthy again", again.phase == Phase.SUCCEEDED and platform.is_up(),
                        f"the same workflow after S3's restart: {again.name} {again.phase} {again.message}".strip()
                        + f"; every server ready: {platform.is_up()}"))
    return checks


def artifact_workflow(s3_host_port: str, *, wait_for_s3_down: bool) -> dict:
    """Two steps passing an artifact through S3; the first one can wait until S3 is gone before writing it."""
    produce = (
        "import socket, time\n"
        f"host, port = {s3_host_port!r}.rsplit(':', 1)\n"
        "deadline = time.time() + 60\n"
        f"while {wait_for_s3_down!r} and time.time() < deadline:\n"
        "    try:\n"
        "        socket.create_connection((host, int(port)), timeout=1).close()\n"
        "    except OSError:\n"
        "        break\n"
        "    time.sleep(0.02)\n"
        "open('/tmp/data.txt', 'w').write('passed through S3\\n')\n"
    )
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"generateName": "fault-artifact-"},
        "spec": {
            "entrypoint": "main", "activeDeadlineSeconds": 120,
            "templates": [
                {"name": "main", "steps": [
                    [{"name": "produce", "template": "produce"}],
                    [{"name": "consume", "template": "consume", "arguments": {"artifacts": [
                        {"name": "data", "from": "{{steps.produce.outputs.artifacts.data}}"}]}}],
                ]},
                {"name": "produce", "script": {"image": "python:3.11-slim", "command": ["python3"], "source": produce},
                 "outputs": {"artifacts": [{"name": "data", "path": "/tmp/data.txt"}]}},
                {"name": "consume", "inputs": {"artifacts": [{"name": "data", "path": "/tmp/data.txt"}]},
                 "script": {"image": "python:3.11-slim", "command": ["python3"],
                            "source": "print(open('/tmp/data.txt').read())"}},
            ],
        },
    }


# -- checks ----------------------------------------------------------------------------------------
def _gateway_checks(targets: dict[str, TenantTarget], victim: str, pushers: list[Pusher], killed_at: float,
                    window: float) -> list[Check]:
    checks = []
    for name, target in targets.items():
        held = {(g["labels"].get("worker"), g["labels"].get("seq")) for g in gateway_groups(target)
                if g["labels"].get("job") == FAULT_JOB}
        mine = [p for p in pushers if p.target.name == name]
        acknowledged = [(p.worker, seq, at) for p in mine for seq, at in p.acknowledged]
        lost = [(w, seq, at) for w, seq, at in acknowledged if (w, str(seq)) not in held]
        if name != victim:
            checks.append(Check(f"{name}: nothing lost", not lost,
                                f"{len(acknowledged)} acknowledged pushes, {len(lost)} missing"))
            continue
        early = [x for x in lost if x[2] < killed_at - window]
        late = [x for x in lost if x[2] > killed_at]
        within = [x for x in lost if killed_at - window <= x[2] <= killed_at]
        before = sum(at <= killed_at for _, _, at in acknowledged)
        checks.append(Check(
            f"{name}: pushes acknowledged before the kill survive its restart", not early,
            f"{before} acknowledged before the SIGKILL; {len(within)} lost within the last {window:g} s before it "
            f"(allowed), {len(early)} lost earlier" + (f": {early[:3]}" if early else "")))
        failures, retried = sum(p.failures for p in mine), sum(p.retried for p in mine)
        checks.append(Check(f"{name}: pushers see failures and retry", failures > 0 and retried > 0,
                            f"{failures} failed attempts, {retried} pushes acknowledged after retrying"
                            + (f" (last error: {mine[0].last_error[:120]})" if failures else "")))
        after = sum(at > killed_at for _, _, at in acknowledged)
        checks.append(Check(f"{name}: nothing acknowledged after the restart is lost", after > 0 and not late,
                            f"{after} acknowledged after the restart, {len(late)} missing"))
    return checks


def _push_marker(target: TenantTarget, run_id: str) -> None:
    with Pushgateway(target.url, username=target.username, password=target.password, timeout=10, retries=3,
                     identity=None) as gateway:
        gateway.push(f"{MARKER_METRIC} 1\n".encode(), job=FAULT_JOB, grouping_key={"run": run_id, "marker": "1"})


def _delete_run_groups(targets: dict[str, TenantTarget], run_id: str) -> int:
    deleted = 0
    for target in targets.values():
        try:
            with Pushgateway(target.url, username=target.username, password=target.password, timeout=30,
                             retries=2, identity=None) as gateway:
                for group in gateway_groups(target):
                    labels = dict(group["labels"])
                    if labels.get("job") == FAULT_JOB and labels.get("run") == run_id:
                        gateway.delete(labels.pop("job"), labels)
                        deleted += 1
        except (CheckError, SimplepipeError) as exc:
            print(f"WARNING: could not delete the fault run's groups from {target.name}'s gateway: {exc}")
    return deleted
