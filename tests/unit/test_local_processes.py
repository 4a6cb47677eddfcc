"""Supervised processes: `down` stops only what `up` started, also a process ignoring SIGTERM."""
from __future__ import annotations

import sys
import threading
from dataclasses import replace

from harness.processes import ProcessRecord, SupervisedProcess, stop_all

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
    assert any("ignored SIGTERM" in line for line in said)


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
    try:
        process.wait_ready(lambda: False, 30, "it to listen")
    except Exception as exc:  # noqa: BLE001 - the message is what is tested
        message = str(exc)
    assert "failing exited with status 3 while waiting for it to listen" in message
    assert "bad flag --x" in message
