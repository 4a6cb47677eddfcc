"""A headless Locust run in its own process, bounded in time and never left behind."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness.paths import REPO_ROOT
from harness.processes import ChildProcess
from load.cpu import CpuSampler

# Users finish the push they are in when the time is up, so no push is cut off half-way.
STOP_TIMEOUT_SECONDS = 30


class LoadRunError(RuntimeError):
    """A Locust run itself did not happen (crashed, timed out, pushed nothing)."""


def run_locust(locustfile: Path, plan_env: dict[str, str], arguments: list[str], out_dir: Path, limit: float,
               sampler: CpuSampler | None = None) -> None:
    """Headless Locust in its own process (gevent's monkey-patching stays out of this one)."""
    command = [
        sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--only-summary",
        "--exit-code-on-error", "0",  # failed pushes are this run's verdict, not Locust's
    ] + arguments
    env = dict(os.environ, **plan_env, **{
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        # The load is not an Argo step: no workflow identity labels on its series.
        "SIMPLEPIPE_WORKFLOW_IDENTITY": "off",
    })
    with open(out_dir / "locust.log", "wb") as log:
        process = ChildProcess("locust", subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log,
                                                          stderr=subprocess.STDOUT), stop_grace=15.0)
        if sampler is not None:
            sampler.generator_root = process.pid
        try:
            returncode = process.popen.wait(limit)
        except subprocess.TimeoutExpired:
            process.stop()
            raise LoadRunError(f"Locust did not finish within {limit:.0f}s: see {out_dir / 'locust.log'}") from None
        except BaseException:  # Ctrl-C: no Locust left behind
            process.stop()
            raise
    if returncode != 0:
        raise LoadRunError(f"Locust exited with {returncode}: see {out_dir / 'locust.log'}")
