"""Supervised processes: `down` stops only what `up` started, also a process ignoring SIGTERM."""
from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import replace

import pytest

from harness.errors import NotReadyError, ProcessExitedError
from harness.processes import ChildProcess, ProcessRecord, SupervisedProcess, stop_all
from harness.waiting import wait_until

IGNORES_SIGTERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ignoring', 'SIGTERM', flush=True); " \
                  "time.sleep(60)"


def sleeper(tmp_path, name: str = "sleeper", code: str = "import time; time.sleep(60)", grace: float = 5.0):
    process = SupervisedProcess(name, [sys.executable, "-c", code], tmp_path / f"{name}.log", stop_grace=grace)
    process.start()
    return process


def test_a_process_ignoring_sigterm_is_killed_and_reaped(tmp_path):
    process = sleeper(tmp_path, code=IGNORES_SIGTERM, grace=0.5)
    process.wait_ready(lambda: "ignoring SIGTERM" in process.log.read_text(), 30, "the script to ignore SIGTERM")
    said: list[str] = []
    stop_all([process], said.append)
    assert not process.alive()
    assert any("still running 0.5 s after SIGTERM: killing it" in line for line in said)


def test_a_record_is_adopted_only_while_it_is_the_same_process(tmp_path):
    process = sleeper(tmp_path)
    try:
        record = ProcessRecord.from_dict(process.record().to_dict())
        assert SupervisedProcess.adopt(record) is not None
        # The same pid with another start time or command line is somebody else's process now.
        assert SupervisedProcess.adopt(replace(record, start_ticks=record.start_ticks + 1)) is None
        assert SupervisedProcess.adopt(replace(record, argv=[*record.argv, "x"])) is None
    finally:
        process.stop()
    assert SupervisedProcess.adopt(record) is None


def test_an_adopted_process_is_stopped_without_being_our_child(tmp_path):
    process = sleeper(tmp_path)
    adopted = SupervisedProcess.adopt(process.record())
    # The parent reaps it, as init does for the servers of an earlier `make up`.
    parent = threading.Thread(target=process.wait_exit, args=(30,))
    parent.start()
    adopted.stop()
    parent.join()
    assert not adopted.alive() and not process.alive()


def test_waiting_for_a_process_that_exits_names_it_and_shows_its_log(tmp_path):
    process = sleeper(tmp_path, name="failing", code="import sys; print('bad flag --x'); sys.exit(3)")
    with pytest.raises(ProcessExitedError) as caught:
        process.wait_ready(lambda: False, 30, "it to listen")
    assert "failing exited with status 3 while waiting for it to listen" in str(caught.value)
    assert "bad flag --x" in str(caught.value)


def test_waiting_for_a_server_that_never_gets_ready_says_what_was_waited_for(tmp_path):
    process = sleeper(tmp_path, name="silent")
    try:
        with pytest.raises(NotReadyError) as caught:
            process.wait_ready(lambda: False, 0.5, "port 1 to answer")
    finally:
        process.stop()
    assert "silent" in str(caught.value) and "port 1 to answer" in str(caught.value)
    assert not process.alive()


def test_a_child_process_group_is_stopped_with_the_children_it_started(tmp_path):
    started = tmp_path / "grandchild.pid"
    code = ("import subprocess, sys, time; child = subprocess.Popen([sys.executable, '-c', 'import time; "
            f"time.sleep(60)']); open({str(started)!r}, 'w').write(str(child.pid)); time.sleep(60)")
    popen = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    process = ChildProcess("step", popen, stop_grace=2.0, group=True)
    wait_until(lambda: started.exists() and started.read_text(), timeout=30, what="the step to start its child",
               poll=0.05)
    grandchild = int(started.read_text())
    stop_all([process])
    assert popen.poll() is not None
    # SIGKILL lands asynchronously: the grandchild must be gone within moments, not minutes.
    wait_until(lambda: not _running(grandchild), timeout=5, what=f"the step's child {grandchild} to stop", poll=0.05)


def _running(pid: int) -> bool:
    """Running or sleeping; a zombie waiting for init to reap it has stopped already."""
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    if state in ("Z", "X"):
        return False
    return True
