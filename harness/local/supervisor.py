"""The local platform's supervisor: what Kubernetes does for the kind backend, for local processes.

    python -m harness.local.supervisor --state-dir DIR

`make up` starts it detached in its own session (LocalPlatform.up). It starts every server of
LocalPlatform.servers(), waits until each is ready, then watches them: a server that exits without
being asked to is restarted after a backoff (platform.yaml `supervisor:`, 1 s doubling to 30 s, reset
once it has been ready for a minute). It runs the platform's periodic jobs (LocalPlatform.periodic_jobs)
once every server is ready. Everything it knows goes to DIR/supervisor.json, written atomically:
its own state and, per server, pid, state (starting/ready/backoff/failed/stopped), restarts and last exit.

Signals: SIGTERM (make down) or SIGINT stops every server with stop_all and exits; SIGHUP (make up
again after tenants.yaml changed) starts the servers it does not run yet. A server that cannot start
the first time fails the supervisor (it stops what it started and exits 1, the error in its status).
"""
from __future__ import annotations

import argparse
import json
import os
import select
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from harness.local.platform import LocalPlatform
from harness.local.settings import SupervisorSettings
from harness.local.supervised import STATUS_FILE, PeriodicJob
from harness.processes import SupervisedProcess, stop_all
from harness.waiting import WaitTimeout, wait_until

POLL_SECONDS = 0.2
JOIN_SECONDS = 10.0


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "exited (status unknown)"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with status {returncode}"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


@dataclass
class _Slot:
    """One supervised server: its definition and what the status file says of it."""

    server: object  # harness.local.servers.ServerSpec
    log: Path
    process: SupervisedProcess | None = None
    state: str = "starting"
    restarts: int = 0
    last_exit: str = ""
    last_exit_time: str = ""
    ready_since: str = ""
    error: str = ""
    thread: threading.Thread | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        process = self.process
        return {"pid": process.pid if process and process.pid and self.state not in ("backoff", "failed", "stopped")
                else None,
                "state": self.state, "restarts": self.restarts, "last_exit": self.last_exit,
                "last_exit_time": self.last_exit_time, "ready_since": self.ready_since, "error": self.error,
                "log": str(self.log),
                "record": process.record().to_dict() if process and process.pid else None}


class Supervisor:
    """Starts, watches and restarts the servers `servers()` returns; see the module's docstring."""

    def __init__(self, status_file: Path, servers: Callable[[], list], logs: Path, *, ready_timeout: float,
                 backoff: SupervisorSettings = SupervisorSettings(),
                 jobs: Callable[[], list[PeriodicJob]] = lambda: [],
                 say: Callable[[str], None] = lambda line: print(line, flush=True)):
        self.status_file = Path(status_file)
        self._servers = servers
        self._jobs = jobs
        self._logs = Path(logs)
        self.ready_timeout = ready_timeout
        self.backoff = backoff
        self._say = say
        self.state = "starting"
        self.error = ""
        self._slots: dict[str, _Slot] = {}
        self._job_status: dict[str, dict] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._signalled: int | None = None  # set by the signal handler; the main loop acts on it
        self._reconcile = False
        self._wakeup: int | None = None  # read end of the signal wake-up pipe, once the handlers are installed

    def say(self, line: str) -> None:
        try:
            self._say(f"{time.strftime('%H:%M:%S')} {line}")
        except (OSError, ValueError):
            pass

    # -- the main loop -------------------------------------------------------------------------
    def run(self) -> int:
        self._install_signal_handlers()
        try:
            self._add(self._servers())
        except Exception as exc:  # noqa: BLE001 - e.g. a binary not found: the status says why, `up` shows it
            self._fail(f"supervisor: cannot start the servers: {exc}")
        while self.state != "failed" and self._signalled not in (signal.SIGTERM, signal.SIGINT):
            if self._reconcile:
                self._reconcile = False
                try:
                    self._add(self._servers())
                    if self.state == "ready":
                        self._start_jobs()  # e.g. an added tenant's gc
                except Exception as exc:  # noqa: BLE001 - keep supervising what runs
                    self.say(f"reconcile failed: {exc}")
            with self._lock:
                ready = self.state == "starting" and self._slots and \
                    all(s.state == "ready" for s in self._slots.values())
                if ready:
                    self.state = "ready"
                    self._write()
            if ready:
                self.say("every server is ready")
                self._start_jobs()
            self._pause()
        return self._shutdown()

    def _pause(self) -> None:
        """POLL_SECONDS, cut short by a signal: `make down` does not wait for the next poll."""
        if self._wakeup is None:
            time.sleep(POLL_SECONDS)
        elif select.select([self._wakeup], [], [], POLL_SECONDS)[0]:
            os.read(self._wakeup, 512)

    def _install_signal_handlers(self) -> None:
        def stop(signum, frame):
            self._signalled = signum

        def reconcile(signum, frame):
            self._reconcile = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, reconcile)
        # Python runs the handlers between the main loop's polls; the wake-up fd ends the poll's wait.
        self._wakeup, wakeup_write = os.pipe()
        os.set_blocking(wakeup_write, False)
        signal.set_wakeup_fd(wakeup_write)

    def _shutdown(self) -> int:
        failed = self.state == "failed"
        with self._lock:
            if not failed:
                self.state = "stopping"
            self._write()
        self._stopping.set()
        for thread in self._threads:
            thread.join(JOIN_SECONDS)
        processes = [s.process for s in self._slots.values() if s.process is not None and s.process.alive()]
        if processes:
            self.say(f"stopping {', '.join(f'{p.name} (pid {p.pid})' for p in processes)}")
            stop_all(processes, self.say)
        with self._lock:
            for slot in self._slots.values():
                slot.state = "failed" if slot.state == "failed" else "stopped"
            self.state = "failed" if failed else "stopped"
            self._write()
        self.say(f"supervisor {self.state}")
        return 1 if failed else 0

    def _fail(self, message: str) -> None:
        with self._lock:
            if self.state == "failed":
                return
            self.state, self.error = "failed", message
            self._write()
        self.say(f"FAILED: {message}")

    # -- servers -------------------------------------------------------------------------------
    def _add(self, servers: list) -> None:
        for server in servers:
            with self._lock:
                if server.name in self._slots:
                    continue
                slot = self._slots[server.name] = _Slot(server, self._logs / f"{server.name}.log")
                self._write()
            slot.thread = threading.Thread(target=self._keep_running, args=(slot,), name=server.name, daemon=True)
            self._threads.append(slot.thread)
            slot.thread.start()

    def _keep_running(self, slot: _Slot) -> None:
        try:
            self._supervise(slot)
        except Exception as exc:  # noqa: BLE001 - a bug here must show, not leave the slot "starting" forever
            with self._lock:
                slot.state, slot.error = "failed", f"supervisor: {type(exc).__name__}: {exc}"
                self._write()
            self.say(f"{slot.server.name}: {slot.error}")
            if self.state == "starting":
                self._fail(slot.error)

    def _supervise(self, slot: _Slot) -> None:
        """Start the server, wait until ready, watch it; after an exit nobody asked for, back off and restart."""
        server, delay, first = slot.server, self.backoff.backoff_initial, True
        while not self._stopping.is_set():
            process = SupervisedProcess(server.name, server.argv, slot.log, stop_grace=server.stop_grace)
            began = time.monotonic()
            try:
                with self._lock:
                    process.start()
                    slot.process, slot.state = process, "starting"
                    self._write()
                self.say(f"{server.name}: started (pid {process.pid})")
                problem = self._await_ready(process, server)
            except OSError as exc:  # e.g. the binary went away: like a crash at start
                problem = f"{server.name}: cannot start {server.argv[0]}: {exc}"
            if self._stopping.is_set():
                return
            if problem is None:
                ready_at = time.monotonic()
                with self._lock:
                    slot.state, slot.ready_since = "ready", _now()
                    self._write()
                self.say(f"{server.name}: ready in {ready_at - began:.1f} s (pid {process.pid})")
                first = False
                while process.alive() and not self._stopping.wait(POLL_SECONDS):
                    pass
                if self._stopping.is_set():
                    return
                if time.monotonic() - ready_at >= self.backoff.backoff_reset:
                    delay = self.backoff.backoff_initial
                problem = describe_exit(process.returncode())
            elif first:
                with self._lock:
                    slot.state, slot.error = "failed", problem
                    self._write()
                if process.alive():
                    stop_all([process], self.say)
                if self.state == "starting":  # the first `up`: it fails as a whole; a later addition fails alone
                    self._fail(problem)
                return
            else:  # restarted but never ready: stopped if need be, and counted as a crash
                slot.error = problem
                if process.pid is None:  # it never started: the reason is all there is
                    pass
                elif process.alive():
                    stop_all([process], self.say)
                    problem = f"not ready within {self.ready_timeout:g} s"
                else:
                    problem = f"{describe_exit(process.returncode())} before it was ready"
            with self._lock:
                slot.restarts += 1
                slot.state, slot.last_exit, slot.last_exit_time = "backoff", problem, _now()
                self._write()
            self.say(f"{server.name}: {slot.last_exit}; restart {slot.restarts} in {delay:g} s")
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, self.backoff.backoff_max)

    def _await_ready(self, process: SupervisedProcess, server) -> str | None:
        """None once `server.probe` holds; else why not (with the server's log tail)."""
        def give_up() -> str | None:
            if self._stopping.is_set():
                return "the supervisor is stopping"
            return None if process.alive() else "exited"

        try:
            wait_until(server.probe, timeout=self.ready_timeout, what=server.waiting_for, poll=POLL_SECONDS,
                       give_up=give_up)
            return None
        except WaitTimeout as exc:
            if process.alive():
                return f"{server.name} (pid {process.pid}) not ready: {exc}; last lines of {process.log}:\n" \
                       f"{process.log_tail()}"
            process.wait_exit(2.0)
            return f"{server.name} {describe_exit(process.returncode())} while waiting for {server.waiting_for}; " \
                   f"last lines of {process.log}:\n{process.log_tail()}"

    # -- periodic jobs -------------------------------------------------------------------------
    def _start_jobs(self) -> None:
        try:
            jobs = self._jobs()
        except Exception as exc:  # noqa: BLE001 - the servers matter more than their housekeeping
            self.say(f"periodic jobs: cannot list them: {exc}")
            return
        for job in jobs:
            if job.name in self._job_status:
                continue
            self._job_status[job.name] = {"interval": job.interval, "runs": 0, "last_run": "", "last_error": ""}
            thread = threading.Thread(target=self._run_job, args=(job,), name=f"job-{job.name}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run_job(self, job: PeriodicJob) -> None:
        while not self._stopping.wait(job.interval):
            error = ""
            try:
                job.run()
            except Exception as exc:  # noqa: BLE001 - recorded and shown by `make status`; next run may work
                error = f"{type(exc).__name__}: {exc}"
                self.say(f"job {job.name}: {error}")
            with self._lock:
                status = self._job_status[job.name]
                status.update(runs=status["runs"] + 1, last_run=_now(), last_error=error)
                self._write()

    # -- status --------------------------------------------------------------------------------
    def _write(self) -> None:
        """Atomically: a reader (make up, make status) never sees half a file."""
        status = {"pid": os.getpid(), "state": self.state, "error": self.error, "updated": _now(),
                  "servers": {name: slot.to_dict() for name, slot in self._slots.items()},
                  "jobs": self._job_status}
        tmp = self.status_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(status, indent=2) + "\n")
        tmp.replace(self.status_file)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.local.supervisor", description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, required=True, help="the local platform's state folder")
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        print(line, flush=True)

    def platform() -> LocalPlatform:
        return LocalPlatform.for_supervisor(args.state_dir, say=say)

    try:
        first = platform()
    except Exception as exc:  # noqa: BLE001 - written where `up` reads it, and to the log
        supervisor = Supervisor(args.state_dir / STATUS_FILE, lambda: [], args.state_dir / "logs", ready_timeout=0)
        supervisor._fail(f"supervisor: cannot read what to run from {args.state_dir}: {exc}")
        return 1
    supervisor = Supervisor(args.state_dir / STATUS_FILE, lambda: platform().servers(), args.state_dir / "logs",
                            ready_timeout=first.settings.ready_timeout, backoff=first.settings.supervisor,
                            jobs=lambda: platform().periodic_jobs(), say=say)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
