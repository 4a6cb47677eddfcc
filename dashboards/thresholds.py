"""Alert thresholds, read from dashboards/thresholds.yaml (defaults plus per-job overrides)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from harness import config_files

THRESHOLDS_FILE = Path(__file__).resolve().parent / "thresholds.yaml"

_DURATION_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


class ThresholdsFileError(ValueError):
    """dashboards/thresholds.yaml holds something the rules cannot be built from."""


def duration_seconds(text: str) -> float:
    """Seconds in a Prometheus duration such as `25h` or `1h30m`."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ThresholdsFileError(f"{text!r} is not a Prometheus duration (e.g. 90s, 30m, 25h, 1h30m)")
    return sum(int(number) * _UNIT_SECONDS[unit] for number, unit in parts)


@dataclass(frozen=True)
class Thresholds:
    """A threshold per alert: the default, and the jobs that have their own value."""

    group_stale_after_seconds: float
    application_run_time_high_seconds: float
    # job name -> {key: seconds}
    jobs: dict[str, dict[str, float]] = field(default_factory=dict)

    def per_job(self, key: str) -> dict[str, float]:
        """Jobs overriding `key`, with their value in seconds."""
        return {job: values[key] for job, values in sorted(self.jobs.items()) if key in values}


def load_thresholds(path: Path = THRESHOLDS_FILE) -> Thresholds:
    data = config_files.load(path, config_files.THRESHOLDS_SCHEMA, ThresholdsFileError)
    return Thresholds(
        group_stale_after_seconds=duration_seconds(data["group_stale_after"]),
        application_run_time_high_seconds=float(data["application_run_time_high_seconds"]),
        jobs={str(job): {key: duration_seconds(value) if key == "group_stale_after" else float(value)
                         for key, value in overrides.items()}
              for job, overrides in (data.get("jobs") or {}).items()},
    )
