"""The supervisor's periodic-job hook, in this process with a `sleep` as its one server: jobs run on
their interval once every server is ready, a job's exception is recorded and does not stop the next
run, and SIGTERM stops the server and the supervisor."""
from __future__ import annotations

import json
import os
import signal

import pytest

from harness.local.servers import ServerSpec
from harness.local.settings import duration_seconds
from harness.local.supervised import PeriodicJob
from harness.local.supervisor import Supervisor

pytestmark = pytest.mark.timeout(60)


def test_periodic_jobs_run_once_ready_and_errors_are_recorded(tmp_path):
    runs: list[str] = []

    def tick() -> None:
        runs.append("tick")
        if runs.count("tick") == 3:
            os.kill(os.getpid(), signal.SIGTERM)  # the supervisor's handler: stop

    def broken() -> None:
        runs.append("broken")
        raise ValueError("gateway unreachable")

    sleeper = ServerSpec("sleeper", ["sleep", "60"], {}, lambda: True, "sleep to run")
    supervisor = Supervisor(tmp_path / "supervisor.json", lambda: [sleeper], tmp_path / "logs", ready_timeout=5,
                            jobs=lambda: [PeriodicJob("tick", 0.1, tick), PeriodicJob("broken", 0.1, broken)],
                            say=lambda line: None)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        assert supervisor.run() == 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    status = json.loads((tmp_path / "supervisor.json").read_text())
    assert runs.count("tick") >= 3 and runs.count("broken") >= 2, runs
    assert status["jobs"]["tick"]["runs"] >= 2 and status["jobs"]["tick"]["last_error"] == ""
    assert status["jobs"]["broken"]["last_error"] == "ValueError: gateway unreachable"
    assert status["state"] == "stopped" and status["servers"]["sleeper"]["state"] == "stopped"
    record = status["servers"]["sleeper"]["record"]
    assert not os.path.exists(f"/proc/{record['pid']}") or \
        open(f"/proc/{record['pid']}/stat").read().rsplit(")", 1)[1].split()[0] in ("Z", "X")


@pytest.mark.parametrize("text, seconds", [("500ms", 0.5), ("5s", 5.0), ("1m", 60.0), ("2h", 7200.0), ("1.5s", 1.5)])
def test_durations(text, seconds):
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["5", "five seconds", "-1s", "1 d", ""])
def test_a_bad_duration_is_named(text):
    with pytest.raises(ValueError, match="is not a duration"):
        duration_seconds(text)


@pytest.mark.parametrize("old, new, field", [
    ("persistence_interval: 5s", "persistence_interval: soon", "pushgateway.persistence_interval"),
    ("backoff_max: 30s", "backoff_max: 30", "supervisor.backoff_max"),
    ("backoff_max: 30s", "backof_max: 30s", "supervisor: Additional properties are not allowed"),
])
def test_a_bad_setting_names_the_file_and_the_field(tmp_path, old, new, field):
    from harness.local.errors import SettingsError
    from harness.local.settings import SETTINGS_FILE, load_settings

    text = SETTINGS_FILE.read_text()
    assert old in text
    path = tmp_path / "platform.yaml"
    path.write_text(text.replace(old, new))
    with pytest.raises(SettingsError, match=f"{path}: {field}"):
        load_settings(path)


def test_the_settings_reach_the_supervisor_unchanged():
    from harness.local.settings import LocalSettings, load_settings

    settings = load_settings()
    assert LocalSettings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings
    assert settings.persistence_window == 5.0
