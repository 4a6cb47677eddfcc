"""Alert rules pass `promtool check rules`, and each alert's promtool unit tests (dashboards/rules/tests/)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from dashboards.build import PACKAGE_DIR, RULES_FILE
from dashboards.rules import alert_rules, rule_groups
from dashboards.thresholds import Thresholds, ThresholdsFileError, duration_seconds, load_thresholds
from tests.support.tools import PROMTOOL

RULE_TESTS = sorted((PACKAGE_DIR / "rules" / "tests").glob("*.yml"))
ALERTS = ("SimplepipePushFailed", "SimplepipeGroupStale", "SimplepipeJobFailed", "SimplepipePushgatewayDown",
          "ApplicationRunTimeHigh")

pytestmark = pytest.mark.skipif(not Path(PROMTOOL).exists(), reason="promtool not installed (make install)")


def promtool(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *map(str, args)], capture_output=True, text=True, timeout=60)


def test_rules_file_passes_promtool_check():
    result = promtool("check", "rules", PACKAGE_DIR / RULES_FILE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in result.stdout


def test_the_contracts_alerts_are_defined_with_tenant_and_job_in_annotations():
    rules = {rule.alert: rule for rule in alert_rules()}
    assert set(rules) == set(ALERTS)
    for rule in rules.values():
        for text in (rule.summary, rule.description):
            assert "{{ $labels.tenant }}" in text and "{{ $labels.job }}" in text, rule.alert
    # Short enough for the e2e to see the failing scenario's alert through /api/v1/alerts.
    assert rules["SimplepipeJobFailed"].for_ == "0s"


@pytest.mark.parametrize("tests_file", RULE_TESTS, ids=lambda p: p.name)
def test_promtool_unit_tests(tests_file):
    result = promtool("test", "rules", tests_file)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_firing_and_a_silent_unit_test():
    fires, silent = set(), set()
    for path in RULE_TESTS:
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                (fires if case.get("exp_alerts") else silent).add(case["alertname"])
    assert fires >= set(ALERTS) and silent >= set(ALERTS), (fires, silent)


def test_per_job_thresholds_override_the_default(tmp_path):
    """A job tuned in thresholds.yaml alerts on its own threshold; the others keep the default."""
    tuned = Thresholds(group_stale_after_seconds=duration_seconds("25h"), application_run_time_high_seconds=600,
                       jobs={"alice-training": {"group_stale_after": 1800}, "bob-images": {
                           "application_run_time_high_seconds": 60}})
    groups = rule_groups(tuned)
    assert promtool_check(tmp_path, groups).returncode == 0
    # promtool compares annotations too: without them the test below is about which alerts fire.
    for rule in groups["groups"][0]["rules"]:
        del rule["annotations"]
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(groups))
    (tmp_path / "test.yml").write_text(yaml.safe_dump({
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                {"series": 'push_time_seconds{job="alice-training", tenant="alice"}', "values": "60x60"},
                {"series": 'push_time_seconds{job="alice-app", tenant="alice"}', "values": "60x60"},
                {"series": 'application_run_time_seconds{job="bob-images", tenant="bob"}', "values": "90x60"},
                {"series": 'application_run_time_seconds{job="alice-app", tenant="alice"}', "values": "90x60"},
            ],
            "alert_rule_test": [
                {"eval_time": "29m", "alertname": "SimplepipeGroupStale", "exp_alerts": []},
                {"eval_time": "40m", "alertname": "SimplepipeGroupStale", "exp_alerts": [
                    {"exp_labels": {"severity": "warning", "job": "alice-training", "tenant": "alice"}}]},
                {"eval_time": "1m", "alertname": "ApplicationRunTimeHigh", "exp_alerts": [
                    {"exp_labels": {"severity": "warning", "job": "bob-images", "tenant": "bob"}}]},
            ],
        }],
    }))
    result = promtool("test", "rules", tmp_path / "test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def promtool_check(directory: Path, groups: dict) -> subprocess.CompletedProcess:
    (directory / "checked.yml").write_text(yaml.safe_dump(groups))
    return promtool("check", "rules", directory / "checked.yml")


def test_thresholds_file_errors_name_the_key(tmp_path):
    path = tmp_path / "thresholds.yaml"
    path.write_text("group_stale_after: 25 hours\napplication_run_time_high_seconds: 600\n")
    with pytest.raises(ThresholdsFileError, match="group_stale_after.*not a Prometheus duration"):
        load_thresholds(path)
    path.write_text("group_stale_after: 25h\napplication_run_time_high_seconds: 600\njobs: {a: {stale: 1h}}\n")
    with pytest.raises(ThresholdsFileError, match=r"thresholds.yaml: jobs\.a: .*'stale' was unexpected"):
        load_thresholds(path)


def test_durations():
    assert duration_seconds("25h") == 90000
    assert duration_seconds("1h30m") == 5400
    with pytest.raises(ThresholdsFileError):
        duration_seconds("1.5h")
