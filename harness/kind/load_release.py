"""The in-cluster load's release on the running kind cluster, for one run: installed with the run's values, waited
for until Locust's master has finished, its results copied back, removed (`make load PLATFORM=kind
LOAD_ARGS="--workers N"`; load/cluster_run.py drives it, harness/kind/load_chart.py renders it).

    helmfile --file platform/helmfile.yaml --state-values-set clusterLoad.enabled=true --selector name=simplepipe-load \\
        sync --values <run values>      (and `destroy` with the same selection after the run)

The master keeps its folder (/data) after Locust ends (load/in_cluster.py); its `done.json` says the run is over,
`tar` through `kubectl exec` brings the folder here, and `collected` lets the master end.
"""
from __future__ import annotations

import io
import json
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.errors import PlatformError
from harness.kind import load_chart
from harness.kind.cluster import run
from harness.kind.constants import (HELMFILE, KUBE_CONTEXT, LOAD_CONDITION, LOAD_NAMESPACE, LOAD_RELEASE,
                                    PLATFORM_DIR)
from harness.waiting import NotYet, WaitTimeout, wait_until
from harness.yaml_text import dump

# Where load/in_cluster.py's master keeps its results, and the files it writes and reads there.
DONE_FILE, COLLECTED_FILE = "done.json", "collected"
MASTER_SELECTOR = ",".join(f"{k}={v}" for k, v in load_chart.MASTER_LABELS.items())
# A copied folder larger than the master's emptyDir can hold is not one the master wrote.
MAX_RESULTS_BYTES = 512 * 2**20
# Beyond the run: the workers starting and connecting (the master waits at most 300 s), the stop, the reports.
FINISH_MARGIN_SECONDS = 420


class LoadReleaseError(PlatformError, RuntimeError):
    """The in-cluster load could not be installed, did not finish, or its results could not be copied."""


@dataclass(frozen=True)
class LoadRun:
    """One run's values of the load chart (platform/k8s/load/chart/values.yaml says what each means)."""

    workers: int
    users: int
    spawn_rate: float
    run_seconds: int
    run_id: str
    hold_seconds: int = 3600

    def values(self) -> dict:
        return {"workers": self.workers, "users": self.users, "spawnRate": self.spawn_rate,
                "runTime": self.run_seconds, "runId": self.run_id, "holdSeconds": self.hold_seconds}

    @property
    def finish_timeout(self) -> float:
        """How long the master may take from the install to its done.json."""
        return self.run_seconds + self.users / self.spawn_rate + FINISH_MARGIN_SECONDS


class LoadRelease:
    """The release `simplepipe-load` of platform/helmfile.yaml on the kind cluster, through helmfile and kubectl."""

    def __init__(self, tools: dict[str, str], context: str = KUBE_CONTEXT):
        self.tools = tools
        self.context = context

    def _helmfile(self, *command: str) -> list[str]:
        return [self.tools["helmfile"], "--file", str(PLATFORM_DIR / HELMFILE), "--kube-context", self.context,
                "--state-values-set", f"{LOAD_CONDITION}=true", "--selector", f"name={LOAD_RELEASE}", *command]

    def _kubectl(self, *args: str, timeout: float = 60, stdout_bytes: bool = False) -> str | bytes:
        command = [self.tools["kubectl"], "--context", self.context, "-n", LOAD_NAMESPACE, *args]
        try:
            result = subprocess.run(command, capture_output=True, timeout=timeout, text=not stdout_bytes)
        except subprocess.TimeoutExpired:
            raise LoadReleaseError(f"kubectl {' '.join(args)}: no answer after {timeout:.0f} s") from None
        if result.returncode != 0:
            error = result.stderr if isinstance(result.stderr, str) else result.stderr.decode(errors="replace")
            raise LoadReleaseError(f"kubectl {' '.join(args)}: {error.strip() or f'exit {result.returncode}'}")
        return result.stdout

    def install(self, load_run: LoadRun, values_file: Path) -> None:
        """helmfile sync of the load's release alone, with this run's values (waits until the workers run)."""
        values_file.parent.mkdir(parents=True, exist_ok=True)
        values_file.write_text(dump(load_run.values()))
        run(self._helmfile("sync", "--values", str(values_file)),
            f"install the load: {load_run.workers} Locust workers and their master in {LOAD_NAMESPACE}")

    def remove(self) -> None:
        run(self._helmfile("destroy"), f"remove the load's release {LOAD_RELEASE}", timeout=600)

    @contextmanager
    def installed(self, load_run: LoadRun, values_file: Path) -> Iterator["LoadRelease"]:
        """The release for the block, removed after it whatever happens (Ctrl-C included)."""
        try:
            self.install(load_run, values_file)
            yield self
        finally:
            self.remove()

    def master_pod(self) -> str:
        names = str(self._kubectl("get", "pods", "-l", MASTER_SELECTOR, "-o",
                                  "jsonpath={.items[*].metadata.name}")).split()
        if not names:
            raise NotYet("no master pod yet")
        return names[0]

    def _master_phase(self) -> str:
        return str(self._kubectl("get", "pods", "-l", MASTER_SELECTOR, "-o", "jsonpath={.items[0].status.phase}"))

    def master_log(self, lines: int = 40) -> str:
        try:
            return str(self._kubectl("logs", f"job/{load_chart.MASTER}", f"--tail={lines}"))
        except LoadReleaseError as exc:
            return f"(no log: {exc})"

    def wait_finished(self, timeout: float, say: Callable[[str], None] = print, poll: float = 5.0) -> int:
        """Wait until the master's done.json is there; Locust's exit code. LoadReleaseError when the master pod
        ends without one or the time is up, with the end of the master's log."""
        def finished() -> dict:
            pod = self.master_pod()
            try:
                return json.loads(self._kubectl("exec", pod, "-c", "locust", "--", "cat",
                                                f"{load_chart.DATA_MOUNT}/{DONE_FILE}"))
            except LoadReleaseError as exc:
                raise NotYet(f"master {pod}: {str(exc)[-120:]}") from None

        def gone() -> str | None:
            try:
                phase = self._master_phase()
            except LoadReleaseError:
                return None  # the API server not answering for a moment: not a verdict
            return f"the master pod ended ({phase}) without finishing the run" if phase in ("Failed", "Succeeded") \
                else None

        try:
            done = wait_until(finished, timeout=timeout, what="Locust's master in the cluster to finish the run",
                              poll=poll, give_up=gone, say=say)
            return int(done["exit_code"])
        except (WaitTimeout, ValueError, KeyError, TypeError) as exc:
            raise LoadReleaseError(f"{exc}; its log ends:\n{self.master_log()}") from None

    def copy_results(self, into: Path) -> list[Path]:
        """The master's folder (statistics, HTML report, every worker's ledger, timeline and CPU) into `into`;
        then the master may end. The files written."""
        pod = self.master_pod()
        archive = self._kubectl("exec", pod, "-c", "locust", "--", "tar", "-C", load_chart.DATA_MOUNT, "-cf", "-", ".",
                                timeout=300, stdout_bytes=True)
        written = extract(bytes(archive), into)
        self._kubectl("exec", pod, "-c", "locust", "--", "touch", f"{load_chart.DATA_MOUNT}/{COLLECTED_FILE}")
        return written


def extract(archive: bytes, into: Path) -> list[Path]:
    """The regular files of a tar archive into `into`: nothing outside it (absolute names, `..`, links refused),
    at most MAX_RESULTS_BYTES; LoadReleaseError naming the first member refused."""
    into.mkdir(parents=True, exist_ok=True)
    written, total = [], 0
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
            for member in tar.getmembers():
                name = Path(member.name)
                if member.isdir():
                    continue
                if not member.isfile() or name.is_absolute() or ".." in name.parts:
                    raise LoadReleaseError(f"the master's results hold {member.name!r}, which is not a file inside "
                                           "its folder: nothing copied past it")
                total += member.size
                if total > MAX_RESULTS_BYTES:
                    raise LoadReleaseError(f"the master's results exceed {MAX_RESULTS_BYTES // 2**20} MiB at "
                                           f"{member.name!r}")
                target = into / name
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                target.write_bytes(source.read() if source else b"")
                written.append(target)
    except tarfile.TarError as exc:
        raise LoadReleaseError(f"the master's results are not a tar archive: {exc}") from None
    return written
