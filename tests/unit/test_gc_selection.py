"""Which groups `simplepipe gc` picks: durations, the last push of a group, the job filter."""
from __future__ import annotations

import pytest

from simplepipe.errors import UsageError
from simplepipe.gc import last_push, parse_duration, stale_groups


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("10m", 600), ("24h", 86400), ("7d", 604800),
                                           ("1h30m", 5400), ("0.5h", 1800)])
def test_durations_in_prometheus_units(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "24", "h", "24x", "1h 30m", "-1h", "0s", "1h30"])
def test_bad_durations_are_refused_by_value(text):
    with pytest.raises(UsageError, match="duration"):
        parse_duration(text)


def _group(job: str, pushed: float, failed: float = 0.0, **labels: str) -> dict:
    def gauge(value: float) -> dict:
        return {"type": "GAUGE", "metrics": [{"labels": {"job": job}, "value": repr(value)}]}
    return {"labels": {"job": job, **labels}, "push_time_seconds": gauge(pushed),
            "push_failure_time_seconds": gauge(failed)}


def test_a_failed_push_counts_as_activity():
    assert last_push(_group("j", pushed=100.0, failed=250.0)) == 250.0
    assert last_push({"labels": {"job": "j"}}) == 0.0


def test_stale_groups_are_older_than_the_duration_and_of_the_chosen_jobs():
    groups = [_group("a", 1000.0, run="old"), _group("a", 1950.0, run="fresh"), _group("b", 10.0, run="old"),
              _group("a", 0.0, run="never")]
    stale, kept = stale_groups(groups, older_than=100.0, now=2000.0, jobs=["a"])
    assert [g.labels for g in stale] == [{"job": "a", "run": "old"}, {"job": "a", "run": "never"}]
    assert [g.grouping_key for g in stale] == [{"run": "old"}, {"run": "never"}]
    assert kept == 1
    everything, _ = stale_groups(groups, older_than=100.0, now=2000.0)
    assert len(everything) == 3
