"""Expiry for the Pushgateway, which has none: delete the groups whose last push is older than a duration.

A group's last push is the later of the gateway's own `push_time_seconds` (last success) and
`push_failure_time_seconds` (last failed attempt: a workflow that is still trying is alive), read
from GET /api/v1/metrics. Deleting is one DELETE per group, through `Pushgateway.delete`.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from simplepipe.errors import UsageError
from simplepipe.pushgateway import Pushgateway

PUSH_TIME = "push_time_seconds"
PUSH_FAILURE_TIME = "push_failure_time_seconds"
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|[smhdwy])")


def parse_duration(text: str, *, allow_zero: bool = False) -> float:
    """Seconds of a duration like `500ms`, `90s`, `10m`, `24h`, `7d` or `1h30m` (Prometheus' units); zero only
    where `allow_zero` (a rule's `for: 0s`)."""
    spec = str(text).strip()
    parts = _DURATION.findall(spec)
    if not spec or "".join(f"{n}{u}" for n, u in parts) != spec:
        raise UsageError(f"duration {text!r}: a number with a unit ms, s, m, h, d, w or y, e.g. 24h, 10m or 1h30m")
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds < 0 or (seconds == 0 and not allow_zero):
        raise UsageError(f"duration {text!r} must be above zero")
    return seconds


@dataclass(frozen=True)
class StaleGroup:
    labels: dict[str, str]   # job and the grouping key's labels
    last_push: float         # Unix time; 0: the gateway never recorded one

    @property
    def job(self) -> str:
        return self.labels["job"]

    @property
    def grouping_key(self) -> dict[str, str]:
        return {k: v for k, v in self.labels.items() if k != "job"}

    def describe(self, now: float) -> str:
        key = ",".join(f"{k}={v!r}" for k, v in self.labels.items())
        age = "never pushed" if not self.last_push else f"last push {_age(now - self.last_push)} ago"
        return f"{key} ({age})"


@dataclass
class Collection:
    """What one gc pass found: the stale groups (deleted unless a dry run) and how many stayed."""

    stale: list[StaleGroup] = field(default_factory=list)
    kept: int = 0
    dry_run: bool = False


def last_push(group: dict) -> float:
    """The later of the group's last successful and last failed push, Unix time (0: none recorded)."""
    times = []
    for name in (PUSH_TIME, PUSH_FAILURE_TIME):
        family = group.get(name)
        for metric in (family or {}).get("metrics", []) if isinstance(family, dict) else []:
            try:
                times.append(float(metric.get("value", 0)))
            except (TypeError, ValueError):
                continue
    return max(times, default=0.0)


def stale_groups(groups: Iterable[dict], older_than: float, now: float,
                 jobs: Iterable[str] | None = None) -> tuple[list[StaleGroup], int]:
    """Groups (of `jobs`, or all) whose last push is more than `older_than` seconds before `now`; and the count kept."""
    wanted = set(jobs or ())
    stale, kept = [], 0
    for group in groups:
        labels = {str(k): str(v) for k, v in (group.get("labels") or {}).items()}
        if "job" not in labels or (wanted and labels["job"] not in wanted):
            continue
        pushed = last_push(group)
        if now - pushed > older_than:
            stale.append(StaleGroup(labels, pushed))
        else:
            kept += 1
    return stale, kept


def collect(gateway: Pushgateway, older_than: float, *, jobs: Iterable[str] | None = None,
            dry_run: bool = False, now: float | None = None) -> Collection:
    """One gc pass over `gateway`: list its groups once, delete the stale ones (none on a dry run)."""
    stale, kept = stale_groups(gateway.groups(), older_than, time.time() if now is None else now, jobs)
    for group in [] if dry_run else stale:
        gateway.delete(group.job, group.grouping_key)
    return Collection(stale=stale, kept=kept, dry_run=dry_run)


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{max(seconds, 0):.0f}s"
