"""`--standard`: each kind of finding, strict mode, the per-format mapping, and `simplepipe standard`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from simplepipe import formats, standard_checks
from simplepipe.cli import main


@pytest.fixture(autouse=True)
def no_gateway_env(monkeypatch):
    for name in ("SIMPLEPIPE_PUSHGATEWAY_URL", "PUSH_GATEWAY_HOSTNAME", "ARGO_WORKFLOW_NAME", "ARGO_NODE_ID",
                 "ARGO_TEMPLATE"):
        monkeypatch.delenv(name, raising=False)


def write(tmp_path: Path, data, name="metrics.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def findings(data, fmt=None):
    metrics = formats.from_data(data, fmt, "m.json") if not isinstance(data, str) else formats.parse(data, fmt, "m")
    return [(f.kind, f.name, f.standard) for f in standard_checks.check(standard_checks.map_onto(metrics, metrics.format))]


def test_standard_names_with_their_type_and_unit_have_no_findings():
    assert findings([
        {"name": "application_run_time_seconds", "value": 1.5, "metric_type": "gauge"},
        {"name": "model_accuracy", "unit": "ratio", "value": 0.9, "metric_type": "gauge"},
        {"name": "items_processed", "value": 3, "metric_type": "counter", "labels": {"item": "rows"}},
        {"name": "operation_duration", "unit": "seconds", "metric_type": "histogram", "observations": [0.2],
         "labels": {"operation": "predict"}},
        {"name": "nightly_export_checksum", "value": 7},
    ]) == []


def test_a_standard_name_with_another_type():
    assert findings([{"name": "application_run_time_seconds", "value": 1, "metric_type": "counter"}]) == [
        ("type", "application_run_time_seconds_total", "application_run_time_seconds")]
    assert findings("# TYPE training_epoch summary\ntraining_epoch_sum 1\ntraining_epoch_count 1\n") == [
        ("type", "training_epoch", "training_epoch")]


def test_a_standard_name_with_another_unit():
    assert findings([{"name": "application_run_time", "unit": "milliseconds", "value": 1500}]) == [
        ("unit", "application_run_time_milliseconds", "application_run_time_seconds")]
    assert findings([{"name": "model_accuracy", "value": 0.9}]) == [
        ("unit", "model_accuracy", "model_accuracy_ratio")]


def test_a_ratio_outside_0_to_1():
    assert findings({"metrics": [{"name": "accuracy-score", "numberValue": 93, "format": "PERCENTAGE"}]}) == [
        ("value", "model_accuracy_ratio", "model_accuracy_ratio")]


def test_a_standard_name_without_its_required_label():
    assert findings([{"name": "operation_duration_seconds", "metric_type": "histogram", "observations": [1]}]) == [
        ("labels", "operation_duration_seconds", "operation_duration_seconds")]


@pytest.mark.parametrize(("name", "standard"), [
    ("run_time", "application_run_time_seconds"), ("runtime_seconds", "application_run_time_seconds"),
    ("accuracy_percent", "model_accuracy_ratio"), ("images_processed", "items_processed_total"),
])
def test_a_name_that_looks_like_a_standard_one(name, standard):
    assert findings([{"name": name, "value": 1}]) == [("look-alike", name, standard)]


def test_kubeflow_names_are_mapped_onto_the_catalogue():
    metrics = formats.from_data({"metrics": [
        {"name": "accuracy-score", "numberValue": 0.93, "format": "PERCENTAGE"},
        {"name": "images-processed", "numberValue": 12},
        {"name": "roc-auc", "numberValue": 0.7},
    ]}, None, "mlpipeline-metrics.json")
    mapped = standard_checks.map_onto(metrics, metrics.format)
    assert [f.name for f in mapped] == ["model_accuracy_ratio", "items_processed_total", "roc_auc"]
    assert mapped["items_processed_total"].type.value == "counter"
    assert mapped["items_processed_total"].series[0].labels == {"item": "images"}
    assert standard_checks.check(mapped) == []


def test_a_kubeflow_name_with_another_unit_is_not_mapped_but_reported():
    metrics = formats.from_data({"metrics": [{"name": "run-time-ms", "numberValue": 1500}]}, None, "k.json")
    mapped = standard_checks.map_onto(metrics, metrics.format)
    assert [f.name for f in mapped] == ["run_time_ms"]
    assert [(f.kind, f.standard) for f in standard_checks.check(mapped)] == [
        ("look-alike", "application_run_time_seconds")]


def test_seldon_timers_become_operation_durations_with_the_key_as_label():
    metrics = formats.from_data([{"type": "TIMER", "key": "predict", "value": 20},
                                 {"type": "TIMER", "key": "load", "value": 1500},
                                 {"type": "GAUGE", "key": "epoch", "value": 2}], None, "seldon.json")
    mapped = standard_checks.map_onto(metrics, metrics.format)
    family = mapped["operation_duration_seconds"]
    assert family.type.value == "histogram"
    assert {s.labels["operation"]: s.sum for s in family.series} == {
        "predict": 0.02, "load": 1.5}
    assert mapped["training_epoch"].series[0].value == 2


def test_simplepipe_and_prometheus_files_are_checked_but_never_renamed():
    metrics = formats.from_data([{"name": "run_time", "value": 1}], None, "m.json")
    assert standard_checks.map_onto(metrics, metrics.format) is metrics


def test_a_mapped_kubeflow_count_that_is_negative_is_refused_with_the_item(tmp_path, capsys):
    path = write(tmp_path, {"metrics": [{"name": "images-processed", "numberValue": -1}]})
    assert main(["validate", "--standard", path]) == 3
    err = capsys.readouterr().err
    assert f"{path}: item 0 (name 'items_processed_total'): field 'value'" in err and "Traceback" not in err


def test_validate_standard_warns_one_line_per_finding_and_passes(tmp_path, capsys):
    path = write(tmp_path, [{"name": "run_time", "value": 1}, {"name": "accuracy_percent", "value": 93}])
    assert main(["validate", "--standard", path]) == 0
    out, err = capsys.readouterr()
    assert "valid: 2 metrics" in out
    lines = err.strip().splitlines()
    assert lines == [
        f"simplepipe: warning: {path}: item 0 (name 'run_time'): field 'name': looks like the standard metric "
        "application_run_time_seconds (gauge, seconds); use application_run_time_seconds",
        f"simplepipe: warning: {path}: item 1 (name 'accuracy_percent'): field 'name': looks like the standard "
        "metric model_accuracy_ratio (gauge, ratio); use model_accuracy_ratio",
    ]


def test_validate_standard_strict_makes_findings_errors_exit_3(tmp_path, capsys):
    path = write(tmp_path, [{"name": "run_time", "value": 1}])
    assert main(["validate", "--standard=strict", path]) == 3
    out, err = capsys.readouterr()
    assert out == "" and err.count("simplepipe: error:") == 2 and "warning" not in err


def test_push_standard_strict_refuses_before_any_connection(tmp_path, capsys):
    path = write(tmp_path, [{"name": "runtime_seconds", "value": 1}])
    # Port 9 (discard) is never contacted: the refusal comes first.
    assert main(["push", "--standard=strict", "--url", "http://127.0.0.1:9", "--job", "j", path]) == 3
    assert "nothing pushed" in capsys.readouterr().err


def test_push_standard_dry_run_shows_the_mapped_names(tmp_path, capsys):
    path = write(tmp_path, {"metrics": [{"name": "accuracy-score", "numberValue": 0.9}]})
    assert main(["push", "--standard", "--dry-run", "--no-identity", "--job", "j", path]) == 0
    assert "model_accuracy_ratio 0.9" in capsys.readouterr().out


def test_without_standard_nothing_is_checked(tmp_path, capsys):
    assert main(["validate", write(tmp_path, [{"name": "run_time", "value": 1}])]) == 0
    assert capsys.readouterr().err == ""


def test_an_unknown_standard_mode_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--standard=lenient", write(tmp_path, [])])
    assert exit_info.value.code == 2


def test_standard_prints_the_catalogue_as_a_table_and_as_json(capsys):
    assert main(["standard"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["NAME", "TYPE", "UNIT"]
    assert any(line.split()[:3] == ["application_run_time_seconds", "gauge", "seconds"] for line in table)
    assert main(["standard", "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    run_time = next(e for e in entries if e["name"] == "application_run_time_seconds")
    assert {k: run_time[k] for k in ("type", "unit")} == {"type": "gauge", "unit": "seconds"}
    assert set(run_time["labels"]) == {"required", "optional"} and run_time["help"]
    assert len(entries) == len(table) - 1
