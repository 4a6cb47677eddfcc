"""Which groups `simplepipe gc` picks: durations, the last push of a group, the job filter."""
from __future__ import annotations

import re

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


def _tenants_file(tmp_path, default: str, alice_gc: str = "") -> list:
    from harness.tenants import load_tenants

    path = tmp_path / "tenants.yaml"
    path.write_text(f"""{default}
tenants:
  - name: alice
    pushgateway: {{username: alice, password: a, local_port: 1}}
{alice_gc}
  - name: bob
    pushgateway: {{username: bob, password: b, local_port: 2}}
""")
    return load_tenants(path)


def test_tenants_take_the_default_gc_or_their_own_or_none(tmp_path):
    alice, bob = _tenants_file(tmp_path, "gc: {older_than: 24h, every: 10m}", "    gc: {older_than: 2h, every: 1h}")
    assert (alice.gc.older_than, alice.gc.cron) == ("2h", "0 * * * *")
    assert (bob.gc.older_than, bob.gc.cron) == ("24h", "*/10 * * * *")
    alice, bob = _tenants_file(tmp_path, "", "    gc: off")
    assert (alice.gc, bob.gc) == (None, None)


@pytest.mark.parametrize("gc, message", [
    ("{older_than: 24h, every: 7m}", "tenants[0].gc.every: '7m' is not a cron-expressible interval"),
    ("{older_than: soon, every: 10m}", "tenants[0].gc.older_than: duration 'soon'"),
    ("{older_than: 24h}", "tenants[0].gc: 'every' is a required property"),
])
def test_a_bad_gc_entry_names_the_tenant_and_field(tmp_path, gc, message):
    from harness.tenants import TenantsFileError

    with pytest.raises(TenantsFileError, match=re.escape(message)):
        _tenants_file(tmp_path, "", f"    gc: {gc}")
