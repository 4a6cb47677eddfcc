"""The local backend's record of every submitted workflow: what the Kubernetes API holds of a Workflow on kind.

A workflow runs in a detached process of its own (harness.local.workflow_process), so it outlives the command
that submitted it, and any later command reads, follows or stops it through this record:

  <state>/workflows/<namespace>/<name>/
    workflow.json   the manifest as submitted (its name fixed, `-p` parameters applied), tenant, creation time
    status.json     phase, message, times and each step's phase, exit code and times (rewritten atomically)
    logs/<pod>.log  each step's main log, appended while the step writes it
    process.json    the process running it (pid, command line, start time: stopped only if still that one)
    process.log     that process's own output (the traceback of a runner failure)
"""
from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from dataclasses import asdict, fields
from pathlib import Path

from harness.errors import WorkflowNotFoundError
from harness.processes import ProcessRecord, SupervisedProcess, stop_all
from harness.runner.identity import pod_name
from harness.workflows import NodeType, Phase, StepResult, WorkflowRun

# Kubernetes' object names (RFC 1123 subdomain): also what keeps a name given on the command line one folder.
NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
# The process stops its steps (SIGTERM, 5 s, SIGKILL) and writes the final status before it exits.
STOP_GRACE_SECONDS = 15.0


def check_name(name: str) -> str:
    """`name` if it can be a workflow's name; WorkflowNotFoundError (no workflow is called that) otherwise."""
    if not NAME.match(name):
        raise WorkflowNotFoundError(f"{name[:80]!r} is not a workflow name (lower-case letters, digits, '-' and "
                                    "'.', at most 253 characters)")
    return name


def run_to_dict(run: WorkflowRun) -> dict:
    """What status.json holds: the run without its logs (they are in logs/) and its backend handle."""
    data = {f.name: getattr(run, f.name) for f in fields(run) if f.name not in ("handle", "steps", "nodes")}
    data["steps"] = [_node_to_dict(step) for step in run.steps]
    data["nodes"] = [_node_to_dict(node) for node in run.nodes]
    return data


def run_from_dict(data: dict) -> WorkflowRun:
    nodes = {node["id"] or node["name"]: _node_from_dict(node) for node in data.get("nodes", [])}
    # A pod is one object in both lists, as the runner keeps it.
    steps = [nodes.get(step["id"] or step["name"]) or _node_from_dict(step) for step in data.get("steps", [])]
    return WorkflowRun(**{**data, "phase": Phase(data["phase"]), "steps": steps, "nodes": list(nodes.values())})


def _node_to_dict(node: StepResult) -> dict:
    return {name: value for name, value in asdict(node).items() if name != "log"}


def _node_from_dict(data: dict) -> StepResult:
    return StepResult(**{**data, "phase": Phase(data["phase"]), "type": NodeType(data.get("type", NodeType.POD))})


class WorkflowRecord:
    """One submitted workflow's folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.name = self.folder.name
        self.namespace = self.folder.parent.name

    # -- files ---------------------------------------------------------------------------------------------
    @property
    def workflow_file(self) -> Path:
        return self.folder / "workflow.json"

    @property
    def status_file(self) -> Path:
        return self.folder / "status.json"

    @property
    def process_file(self) -> Path:
        return self.folder / "process.json"

    @property
    def process_log(self) -> Path:
        return self.folder / "process.log"

    def log_file(self, pod: str) -> Path:
        return self.folder / "logs" / f"{pod}.log"

    def submitted(self) -> dict:
        """{"tenant", "manifest", "created_at"} as submit wrote them."""
        return json.loads(self.workflow_file.read_text())

    # -- status ----------------------------------------------------------------------------------------------
    def write_status(self, run: WorkflowRun) -> None:
        write_atomically(self.status_file, json.dumps(run_to_dict(run), indent=1) + "\n")

    def append_log(self, pod: str, text: str) -> None:
        path = self.log_file(pod)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as log:
            log.write(text)

    def read_log(self, pod: str) -> str:
        try:
            return self.log_file(pod).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def run(self, logs: bool = True) -> WorkflowRun:
        """The run as last written, each step with its log; a run whose process is gone before it finished
        ended in Error (the process was killed: nothing else can write its end)."""
        run = self._read_status()
        if not run.finished and self.process_file.exists() and self.process() is None:
            run = self._read_status()  # it may have written its end just before it exited
            if not run.finished:
                run.phase = Phase.ERROR
                run.message = f"the local workflow process exited before the workflow finished; see {self.process_log}"
        if logs:
            for step in run.steps:
                step.log = self.read_log(pod_name(run.name, step.name, step.template))
        return run

    def _read_status(self) -> WorkflowRun:
        try:
            return run_from_dict(json.loads(self.status_file.read_text()))
        except FileNotFoundError:
            raise WorkflowNotFoundError(f"workflow {self.name} in namespace {self.namespace} has been deleted") \
                from None
        except (OSError, ValueError, TypeError, KeyError) as exc:
            return WorkflowRun(name=self.name, tenant="", namespace=self.namespace, phase=Phase.ERROR,
                               message=f"unreadable record {self.status_file}: {exc}")

    # -- the process that runs it ------------------------------------------------------------------------------
    def record_process(self, process: SupervisedProcess) -> None:
        write_atomically(self.process_file, json.dumps(process.record().to_dict()) + "\n")

    def process(self) -> SupervisedProcess | None:
        """The process running this workflow while it runs and is still the one started (else None)."""
        try:
            record = ProcessRecord.from_dict(json.loads(self.process_file.read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return SupervisedProcess.adopt(record, stop_grace=STOP_GRACE_SECONDS)

    def delete(self, process: SupervisedProcess | None = None) -> None:
        """Stop the workflow (its steps with it) and remove its record, as `argo delete` removes the object.
        `process`: the caller's own handle on the running process, when it started it (it reaps its child)."""
        process = process or self.process()
        if process is not None and process.alive():
            stop_all([process])
        shutil.rmtree(self.folder, ignore_errors=True)


class WorkflowRecords:
    """Every record under <state>/workflows/, by namespace."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def folder(self, namespace: str, name: str) -> Path:
        return self.root / namespace / check_name(name)

    def create(self, tenant: str, namespace: str, manifest: dict) -> WorkflowRecord:
        """A new record of a manifest whose metadata.name is set; the run Pending until its process starts it."""
        name = manifest["metadata"]["name"]
        folder = self.folder(namespace, name)
        folder.mkdir(parents=True)  # FileExistsError: the name is taken in this namespace
        record = WorkflowRecord(folder)
        created = time.time()
        write_atomically(record.workflow_file, json.dumps({"tenant": tenant, "manifest": manifest,
                                                           "created_at": created}, indent=1) + "\n")
        spec = manifest.get("spec") or {}
        parameters = {p["name"]: str(p.get("value", "")) for p in (spec.get("arguments") or {}).get("parameters") or []
                      if isinstance(p, dict) and "name" in p and "value" in p}
        record.write_status(WorkflowRun(name=name, tenant=tenant, namespace=namespace, phase=Phase.PENDING,
                                        created_at=created, entrypoint=str(spec.get("entrypoint", "")),
                                        parameters=parameters,
                                        service_account=str(spec.get("serviceAccountName", ""))))
        return record

    def get(self, namespace: str, name: str) -> WorkflowRecord:
        """The record of workflow `name` in `namespace`; WorkflowNotFoundError when there is none there."""
        folder = self.folder(namespace, name)
        if not (folder / "workflow.json").is_file():
            raise WorkflowNotFoundError(f"workflow {name} not found in namespace {namespace}")
        return WorkflowRecord(folder)

    def in_namespace(self, namespace: str) -> list[WorkflowRecord]:
        folder = self.root / namespace
        if not folder.is_dir():
            return []
        return [WorkflowRecord(f) for f in sorted(folder.iterdir()) if (f / "workflow.json").is_file()]

    def running(self) -> list[SupervisedProcess]:
        """The processes of every workflow still running, in every namespace."""
        if not self.root.is_dir():
            return []
        processes = []
        for namespace in self.root.iterdir():
            for record in self.in_namespace(namespace.name):
                process = record.process()
                if process is not None:
                    processes.append(process)
        return processes


def write_atomically(path: Path, text: str) -> None:
    """A reader never sees half a file, and of two writers the last one's file wins whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
