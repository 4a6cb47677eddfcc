"""Processes the harness starts: servers (started detached with their log in a file, waited for until
ready, recognised again by a later command), and children whose output it reads (workflow steps,
port-forwards, Locust). All are stopped by one routine, `stop_all`: terminate, wait up to a grace
period, kill, reap.

`make up` and `make down` are separate commands, so `down` finds the servers through their
records (pid, argv, start time) and stops a pid only if it still is the process `up` started.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Protocol

from harness.errors import NotReadyError, ProcessExitedError
from harness.waiting import WaitTimeout, wait_until

POLL_SECONDS = 0.2
EXIT_POLL_SECONDS = 0.05  # a /proc read: cheap, and `make down` waits on it
LOG_TAIL_LINES = 15


@dataclass(frozen=True)
class ProcessRecord:
    """What state.json keeps of a started process, enough to recognise it later."""

    name: str
    pid: int
    argv: list[str]
    start_ticks: int  # /proc/<pid>/stat starttime: a reused pid has another one
    log: str

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ProcessRecord":
        return cls(str(data["name"]), int(data["pid"]), [str(a) for a in data["argv"]], int(data["start_ticks"]),
                   str(data["log"]))


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, starttime) of a pid from /proc, or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may contain spaces and ')'
    return fields[0], int(fields[19])


def listening_port(pid: int) -> int | None:
    """The TCP port process `pid` listens on (Linux /proc), or None while it listens on none."""
    try:
        inodes = {target[len("socket:["):-1] for fd in Path(f"/proc/{pid}/fd").iterdir()
                  if (target := _readlink(fd)).startswith("socket:[")}
    except OSError:
        return None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                return int(fields[1].rsplit(":", 1)[1], 16)
    return None


def _readlink(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def _proc_argv(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0")[:-1]]


class SupervisedProcess:
    """One server of the platform. Either our child (started here) or adopted from a record."""

    def __init__(self, name: str, argv: list[str], log: Path, *, stop_grace: float = 10.0,
                 env: dict[str, str] | None = None, cwd: Path | None = None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log = Path(log)
        self.stop_grace = stop_grace
        self.env = env
        self.cwd = cwd
        self.pid: int | None = None
        self._start_ticks: int | None = None
        self._child: subprocess.Popen | None = None

    # -- starting and recognising --------------------------------------------------------------
    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} starting: {' '.join(self.argv)}\n".encode())
            log.flush()
            # Own session: Ctrl-C in the terminal reaches the harness, which stops the servers in order.
            self._child = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                           env=self.env, cwd=self.cwd, start_new_session=True)
        self.pid = self._child.pid
        stat = _proc_stat(self.pid)
        self._start_ticks = stat[1] if stat else 0

    @classmethod
    def adopt(cls, record: ProcessRecord, *, stop_grace: float = 10.0) -> "SupervisedProcess | None":
        """The recorded process if it still runs and is the one we started (same argv and start time)."""
        process = cls(record.name, record.argv, Path(record.log), stop_grace=stop_grace)
        process.pid, process._start_ticks = record.pid, record.start_ticks
        return process if process.alive() else None

    def record(self) -> ProcessRecord:
        assert self.pid is not None, f"{self.name} was never started"
        return ProcessRecord(self.name, self.pid, self.argv, self._start_ticks or 0, str(self.log))

    def alive(self) -> bool:
        """Running, and still the process we started (not a reused pid, not a zombie)."""
        if self.pid is None:
            return False
        if self._child is not None:  # our own child: the kernel's word, no /proc guessing
            return self._child.poll() is None
        stat = _proc_stat(self.pid)
        if stat is None or stat[0] in ("Z", "X") or stat[1] != self._start_ticks:
            return False
        # /proc/<pid>/cmdline reads empty for a moment while a process execs or maps memory: ask again
        # briefly; the start time already tells a reused pid apart, so only a different command line
        # counts against it.
        for _ in range(20):
            argv = _proc_argv(self.pid)
            if argv:
                return argv == self.argv
            time.sleep(0.005)
        return True

    # -- readiness -----------------------------------------------------------------------------
    def wait_ready(self, probe: Callable[[], bool], timeout: float, what: str,
                   say: Callable[[str], None] | None = None) -> None:
        """Poll `probe` until it returns True; `what` names what is waited for in the errors."""
        try:
            wait_until(probe, timeout=timeout, what=what, poll=POLL_SECONDS, say=say,
                       give_up=lambda: None if self.alive() else "exited")
        except WaitTimeout as exc:
            if not self.alive():
                if self._child is not None:
                    try:  # reap it: its exit status, and every line it wrote, for the message
                        self._child.wait(timeout=2)
                    except subprocess.TimeoutExpired:
                        pass
                raise ProcessExitedError(f"{self.name} exited{self._exit_status()} while waiting for {what}; "
                                         f"last lines of {self.log}:\n{self.log_tail()}") from None
            raise NotReadyError(f"{self.name} (pid {self.pid}) not ready: {exc}; "
                                f"last lines of {self.log}:\n{self.log_tail()}") from None

    def wait_listening(self, timeout: float) -> int:
        """For a server started on port 0 (so that nothing can race it for the port): the port it bound."""
        found: list[int] = []

        def listening() -> bool:
            port = listening_port(self.pid)
            if port:
                found.append(port)
            return bool(port)

        self.wait_ready(listening, timeout, "it to listen on a TCP port")
        return found[-1]

    def exit_status(self) -> int | None:
        """Our child's exit status once it has been reaped (None: still running, or not our child)."""
        return self._child.returncode if self._child is not None else None

    def _exit_status(self) -> str:
        if self.exit_status() is not None:
            return f" with status {self.exit_status()}"
        return ""

    def returncode(self) -> int | None:
        """Our own child's exit status once it has exited (negative: the signal that ended it), else None."""
        return self._child.poll() if self._child is not None else None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- stopping ------------------------------------------------------------------------------
    def running(self) -> bool:
        return self.alive()

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        if self.alive():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def wait_exit(self, timeout: float) -> bool:
        """True once the process has exited (and is reaped, when it is our child).

        Not our child: exited is enough. Its ports, files and memory are released at exit; the zombie
        left is init's to reap, and some inits do that only every second or two."""
        deadline = time.monotonic() + timeout
        while True:
            if self._child is not None:
                try:
                    self._child.wait(timeout=max(0.0, min(POLL_SECONDS, deadline - time.monotonic())))
                    return True
                except subprocess.TimeoutExpired:
                    pass
            elif not self.alive():
                return True
            else:
                time.sleep(EXIT_POLL_SECONDS)
            if time.monotonic() >= deadline:
                return not self.alive()

    def stop(self) -> None:
        stop_all([self])

    def __enter__(self) -> "SupervisedProcess":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class Stoppable(Protocol):
    """What `stop_all` needs of a process: SupervisedProcess and ChildProcess both are."""

    name: str
    stop_grace: float

    def running(self) -> bool: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...
    def wait_exit(self, timeout: float) -> bool: ...


class ChildProcess:
    """A child whose output the harness reads (a workflow step, a port-forward, Locust), made stoppable
    by `stop_all`; with `group`, the signals go to its whole process group (it must be a session leader)."""

    def __init__(self, name: str, popen: subprocess.Popen, *, stop_grace: float = 5.0, group: bool = False):
        self.name = name
        self.popen = popen
        self.pid = popen.pid
        self.stop_grace = stop_grace
        self.group = group

    def running(self) -> bool:
        return self.popen.poll() is None

    def _signal(self, sig: int) -> None:
        try:
            if self.group:
                os.killpg(self.pid, sig)
            elif self.popen.poll() is None:
                self.popen.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def wait_exit(self, timeout: float) -> bool:
        try:
            self.popen.wait(timeout=max(timeout, 0.0))
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self) -> None:
        stop_all([self])


def stop_all(processes: Iterable[Stoppable], say: Callable[[str], None] = lambda line: None) -> None:
    """SIGTERM to all at once, wait up to each one's grace, then SIGKILL what is left, and reap.

    A process group is killed even when its leader exited on SIGTERM: children that outlived it go too."""
    processes = [p for p in processes if p.pid is not None]
    for process in processes:
        process.terminate()
    for process in processes:
        if not process.wait_exit(process.stop_grace):
            say(f"{process.name} (pid {process.pid}) still running {process.stop_grace:g} s after SIGTERM: killing it")
            process.kill()
            process.wait_exit(5.0)
        elif getattr(process, "group", False):
            process.kill()
