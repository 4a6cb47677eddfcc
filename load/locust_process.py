"""Headless Locust runs in processes of their own, bounded in time and never left behind.

With `workers` > 0 the run uses Locust's own distributed mode: one master (`--master --expect-workers N`,
which runs the shape and writes the statistics) and N worker processes (`--worker`) that connect to it
over Locust's master/worker protocol, as they would from other machines. Each process is a role of the
CPU sampler ("master", "worker 1", ...), so the report states what each used."""
from __future__ import annotations

import os
import random
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from harness.net import HOST, port_is_free
from harness.paths import REPO_ROOT
from harness.processes import ChildProcess, stop_all
from load.cpu import CpuSampler

# Users finish the push they are in when the time is up, so no push is cut off half-way.
STOP_TIMEOUT_SECONDS = 30
# The master's port for its workers: below the kernel's ephemeral range (32768 and up on Linux), where a
# short-lived client socket cannot take it between our check and Locust's bind.
MASTER_PORTS = range(15557, 16557)


class LoadRunError(RuntimeError):
    """A Locust run itself did not happen (crashed, timed out, pushed nothing)."""


def master_port() -> int:
    for port in random.sample(MASTER_PORTS, 50):
        if port_is_free(port):
            return port
    raise LoadRunError(f"no free port for Locust's master in {MASTER_PORTS.start}-{MASTER_PORTS.stop - 1}")


def run_locust(locustfile: Path, plan_env: dict[str, str], arguments: list[str], out_dir: Path, limit: float,
               sampler: CpuSampler | None = None, *, workers: int = 0) -> None:
    """Headless Locust (gevent's monkey-patching stays out of this process); `arguments` go to the process
    that runs the test (the master when distributed)."""
    base = [sys.executable, "-m", "locust", "-f", str(locustfile)]
    env = dict(os.environ, **plan_env, **{
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        # The load is not an Argo step: no workflow identity labels on its series.
        "SIMPLEPIPE_WORKFLOW_IDENTITY": "off",
    })
    runner = base + ["--headless", "--only-summary",
                     "--exit-code-on-error", "0"]  # failed pushes are this run's verdict, not Locust's
    port = master_port() if workers else 0
    if workers:
        runner += ["--master", "--master-bind-host", HOST, "--master-bind-port", str(port),
                   "--expect-workers", str(workers)]
    processes: list[ChildProcess] = []
    with ExitStack() as logs:
        def start(role: str, command: list[str], log_name: str) -> ChildProcess:
            log = logs.enter_context(open(out_dir / log_name, "wb"))
            process = ChildProcess(role, subprocess.Popen(command, cwd=REPO_ROOT,
                                                          env=env, stdout=log, stderr=subprocess.STDOUT),
                                   stop_grace=15.0)
            processes.append(process)
            if sampler is not None:
                sampler.add_generator(role, process.pid)
            return process

        try:
            master = start("master", runner + arguments, "locust.log")
            for index in range(1, workers + 1):
                start(f"worker {index}", base + ["--worker", "--master-host", HOST, "--master-port", str(port)],
                      f"locust-worker-{index}.log")
            try:
                returncode = master.popen.wait(limit)
            except subprocess.TimeoutExpired:
                raise LoadRunError(f"Locust did not finish within {limit:.0f}s: see {out_dir / 'locust.log'}") from None
        finally:  # also Ctrl-C: no Locust left behind (workers quit when their master does; stop them anyway)
            stop_all(processes)
    if returncode != 0:
        raise LoadRunError(f"Locust exited with {returncode}: see {out_dir / 'locust.log'}")
