"""Step processes: running one with its output streamed, stopping its whole process group, and
never leaving one behind when the Python process exits."""
from __future__ import annotations

import atexit
import subprocess
import threading
from pathlib import Path
from typing import Callable, NamedTuple

from harness.processes import ChildProcess

_GRACE_SECONDS = 5.0


class _LiveProcesses:
    """Every step process still running, so that interpreter exit (also after Ctrl-C) stops them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processes: set[subprocess.Popen] = set()

    def add(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._processes.add(process)

    def discard(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._processes.discard(process)

    def stop_all(self) -> None:
        with self._lock:
            processes = list(self._processes)
        for process in processes:
            stop_process_group(process)


LIVE_PROCESSES = _LiveProcesses()
atexit.register(LIVE_PROCESSES.stop_all)


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM the step and its children, SIGKILL them after a grace period, and reap the step."""
    ChildProcess("step", process, stop_grace=_GRACE_SECONDS, group=True).stop()


class StepProcessResult(NamedTuple):
    exit_code: int | None
    stdout: str  # Argo's `outputs.result`
    timed_out: bool


def run_step_process(argv: list[str], env: dict[str, str], cwd: Path, timeout: float, *,
                     on_start: Callable[[subprocess.Popen], None],
                     on_output: Callable[[str], None]) -> StepProcessResult:
    """Run one step in its own session; stdout and stderr lines go to `on_output` as they come.

    When the step ends or exceeds `timeout`, its process group is stopped, like a pod's teardown:
    nothing the step started outlives it."""
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True)
    LIVE_PROCESSES.add(process)
    stdout_lines: list[str] = []

    def pump(stream, keep: list[str] | None) -> None:
        for line in stream:
            on_output(line)
            if keep is not None:
                keep.append(line)

    readers = [threading.Thread(target=pump, args=(process.stdout, stdout_lines), daemon=True),
               threading.Thread(target=pump, args=(process.stderr, None), daemon=True)]
    timed_out = False
    try:
        on_start(process)
        for reader in readers:
            reader.start()
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        stop_process_group(process)
        for reader in readers:
            if reader.ident is not None:  # started
                reader.join(timeout=5)
        LIVE_PROCESSES.discard(process)
    return StepProcessResult(process.returncode, "".join(stdout_lines), timed_out)
