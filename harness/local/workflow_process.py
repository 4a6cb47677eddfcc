"""One submitted workflow, run in a process of its own: what Argo's controller does for one Workflow on kind.

    python -m harness.local.workflow_process --state-dir DIR --namespace NS --name NAME

`LocalPlatform.submit` starts it detached (its own session: a Ctrl-C in the submitting terminal does not reach
it) and returns; it loads the namespace's WorkflowTemplates (harness.local.workflow_templates) into its runner,
runs the record's manifest with the local workflow runner (harness.runner) and writes what happens to the record
(harness.local.workflow_records) as it goes: status.json every POLL_SECONDS while it changes, each step's log as
the step writes it. SIGTERM (`delete`, `make down`) stops the steps; the run ends Failed with the reason, and the
process exits once that is written.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

from harness.errors import PlatformError
from harness.local.layout import Layout
from harness.local.platform import LocalPlatform
from harness.local.workflow_records import WorkflowRecord, WorkflowRecords
from harness.runner import RunnerError
from harness.runner.identity import pod_name
from harness.workflows import Phase, WorkflowRun

POLL_SECONDS = 0.2
STOPPED = "Stopped: the workflow was deleted or the platform stopped (SIGTERM)"
# After SIGTERM: how long the runner may take to stop the steps and end the run before the process gives up.
CANCEL_SECONDS = 12.0


class RunObserver:
    """Writes each new state of a run to its record: times first seen where the runner sets none, new log text."""

    def __init__(self, record: WorkflowRecord, base: WorkflowRun):
        self.record = record
        self.base = base  # what submit wrote: creation time, parameters, service account
        self._logged: dict[str, int] = {}
        self._times: dict[str, tuple[float | None, float | None]] = {}
        self._finished_at: float | None = None
        self._last = ""

    def write(self, run: WorkflowRun) -> None:
        now = time.time()
        run.namespace, run.created_at = self.base.namespace, self.base.created_at
        run.entrypoint, run.parameters = self.base.entrypoint, self.base.parameters
        run.service_account = self.base.service_account
        run.started_at = self.base.started_at
        if run.finished:
            self._finished_at = run.finished_at or self._finished_at or now
            run.finished_at = self._finished_at
        for step in run.steps:
            started, finished = self._times.get(step.name, (None, None))
            if step.phase not in (Phase.PENDING, Phase.OMITTED) and started is None:
                started = step.started_at or now
            if Phase(step.phase).finished and finished is None:
                finished = step.finished_at or now
            self._times[step.name] = (started, finished)
            step.started_at = step.started_at or started
            step.finished_at = step.finished_at or finished
            if not step.message and Phase(step.phase).unsuccessful and step.exit_code not in (None, 0):
                step.message = f"Error (exit code {step.exit_code})"
            pod = pod_name(run.name, step.name, step.template)
            written = self._logged.get(pod, 0)
            if len(step.log) > written:
                self.record.append_log(pod, step.log[written:])
                self._logged[pod] = len(step.log)
        state = repr([(s.name, s.phase, s.exit_code, s.started_at, s.finished_at, s.message) for s in run.steps]) + \
            f"{run.phase}{run.message}"
        if state != self._last:
            self.record.write_status(run)
            self._last = state


def run_workflow(state_dir: Path, namespace: str, name: str, stop: threading.Event) -> int:
    record = WorkflowRecords(Layout(state_dir).workflows).get(namespace, name)
    base = record.run(logs=False)
    submitted = record.submitted()
    observer = RunObserver(record, base)
    platform = LocalPlatform.for_supervisor(state_dir, say=lambda line: print(line, flush=True))
    tenant = platform.tenant(submitted["tenant"])
    base.started_at = time.time()
    runner = platform.runner()
    try:
        for template in platform.template_records.manifests(tenant.namespace).values():  # its templateRefs' targets
            runner.apply(template, tenant)
        handle = runner.start(submitted["manifest"], tenant)
    except (RunnerError, PlatformError) as exc:  # checked at submit: what changed since (settings, a template)
        observer.write(WorkflowRun(name=name, tenant=tenant.name, phase=Phase.ERROR, message=str(exc)))
        return 1
    cancelled_at = None
    while True:
        run = handle.poll()
        if cancelled_at is not None and (run.finished or time.monotonic() - cancelled_at > CANCEL_SECONDS):
            run.phase, run.message = Phase.FAILED, STOPPED
        observer.write(run)
        if run.finished:
            return 0
        if stop.wait(POLL_SECONDS) and cancelled_at is None:
            cancelled_at = time.monotonic()
            handle.cancel()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.local.workflow_process", description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        return run_workflow(args.state_dir, args.namespace, args.name, stop)
    except Exception as exc:  # the record must not stay Running: say why it ended, the trace goes to process.log
        traceback.print_exc()
        try:
            record = WorkflowRecords(Layout(args.state_dir).workflows).get(args.namespace, args.name)
            run = record.run(logs=False)
            run.phase, run.message = Phase.ERROR, f"local workflow process: {type(exc).__name__}: {exc}"
            run.finished_at = time.time()
            record.write_status(run)
        except Exception:  # noqa: BLE001 - nothing more can be said than the trace above
            traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main())
