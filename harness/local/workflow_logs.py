"""`logs NAME [--step S] [--follow]` on the local backend: the step logs a workflow's record holds, as
`argo logs` gives them (pod by pod; with --follow, line by line as the steps write them, until it has finished)."""
from __future__ import annotations

import time
from typing import Iterator

from harness.errors import WorkflowNotFoundError
from harness.local.workflow_records import WorkflowRecord
from harness.runner.identity import pod_name
from harness.workflow_view import display_name
from harness.workflows import StepResult, WorkflowRun

POLL_SECONDS = 0.2


def _selected(run: WorkflowRun, step: str | None) -> list[StepResult]:
    """The steps `step` names (its node name, its name in the tree, or its pod's name); all without one."""
    steps = sorted(run.steps, key=lambda s: s.started_at or float("inf"))
    if step is None:
        return steps
    return [s for s in steps if step in (s.name, display_name(s.name), pod_name(run.name, s.name, s.template))]


def follow_step_logs(record: WorkflowRecord, step: str | None = None,
                     follow: bool = False) -> Iterator[tuple[str, str]]:
    """(pod, line) pairs. Ends when every log is read, with `follow` once the workflow has also finished (the
    workflow's own deadline bounds that; a workflow whose process died counts as finished)."""
    run = record.run(logs=False)
    if step is not None and not _selected(run, step) and (run.finished or not follow):
        names = ", ".join(display_name(s.name) for s in run.steps) or "none yet"
        raise WorkflowNotFoundError(f"workflow {run.name} has no step {step!r} (its steps: {names})")
    if not follow:
        for selected in _selected(run, step):
            pod = pod_name(run.name, selected.name, selected.template)
            for line in record.read_log(pod).splitlines():
                yield pod, line
        return
    offsets: dict[str, int] = {}
    partial: dict[str, bytes] = {}
    while True:
        run = record.run(logs=False)
        for selected in _selected(run, step):
            pod = pod_name(run.name, selected.name, selected.template)
            try:
                with open(record.log_file(pod), "rb") as log:
                    log.seek(offsets.get(pod, 0))
                    chunk = log.read()
            except OSError:
                continue
            offsets[pod] = offsets.get(pod, 0) + len(chunk)
            *lines, partial[pod] = (partial.get(pod, b"") + chunk).split(b"\n")
            for line in lines:
                yield pod, line.decode("utf-8", errors="replace")
        if run.finished:
            for pod, rest in partial.items():
                if rest:
                    yield pod, rest.decode("utf-8", errors="replace")
            return
        time.sleep(POLL_SECONDS)
