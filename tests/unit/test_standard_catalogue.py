"""The standard metrics catalogue: valid against its JSON Schema, and every entry lints like promtool wants."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from simplepipe.spec import MetricSet
from simplepipe.standard_catalogue import (
    CATALOGUE_FILE,
    CatalogueError,
    catalogue,
    load_catalogue,
    normalize,
)
from tests.support.tools import PROMTOOL

ENTRIES = list(catalogue())
# For editors and this test: the package reads the catalogue with its own checks (load_catalogue).
SCHEMA_FILE = CATALOGUE_FILE.with_name("standard.schema.json")


def sample_exposition(entry) -> bytes:
    """One series of the entry, with every required label set, as it would be pushed."""
    metrics = MetricSet(f"<catalogue {entry.id}>")
    labels = {label: "x" for label in entry.required_labels}
    if entry.type == "histogram":
        metrics.add_histogram(entry.name, [1.0], [1], 0.5, 1, labels, entry.help)
    elif entry.type == "counter":
        metrics.add_counter(entry.name, 1, labels, entry.help)
    else:
        metrics.add_gauge(entry.name, 1, labels, entry.help)
    assert metrics[entry.name], "the catalogue name is the name Simplepipe pushes"
    return metrics.to_exposition()


def test_catalogue_passes_its_json_schema():
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(CATALOGUE_FILE.read_text()), schema)


def test_the_schema_refuses_a_counter_without_total():
    schema = json.loads(SCHEMA_FILE.read_text())
    data = yaml.safe_load(CATALOGUE_FILE.read_text())
    counter = next(m for m in data["metrics"] if m["type"] == "counter")
    counter["name"] = counter["name"][: -len("_total")]
    with pytest.raises(jsonschema.ValidationError, match="_total"):
        jsonschema.validate(data, schema)


@pytest.mark.skipif(not Path(PROMTOOL).exists(), reason="promtool not installed (make install)")
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_every_entry_passes_promtool_check_metrics(entry):
    result = subprocess.run([PROMTOOL, "check", "metrics"], input=sample_exposition(entry),
                            capture_output=True, timeout=60)
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), (
        result.stdout.decode() + result.stderr.decode())


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_names_carry_their_unit_and_type_suffixes(entry):
    base = entry.name[: -len("_total")] if entry.type == "counter" else entry.name
    assert entry.type != "counter" or entry.name.endswith("_total")
    if entry.unit:
        assert base.endswith(f"_{entry.unit}"), f"{entry.name}: unit {entry.unit} is the name's suffix"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_look_alike_patterns_label_only_the_entrys_labels_and_never_catch_another_standard_name(entry):
    for pattern in entry.look_alike:
        assert set(pattern.groupindex) <= set(entry.labels), pattern.pattern
    for other in ENTRIES:
        if other is not entry:
            assert entry.looks_like(normalize(other.name)) is None, f"{other.name} looks like {entry.name}"


@pytest.mark.parametrize(("name", "standard", "labels"), [
    ("run_time", "application_run_time_seconds", {}),
    ("runtime_seconds", "application_run_time_seconds", {}),
    ("accuracy_percent", "model_accuracy_ratio", {}),
    ("accuracy-score", "model_accuracy_ratio", {}),
    ("images-processed", "items_processed_total", {"item": "images"}),
    ("data_volume_bytes", "data_processed_bytes_total", {}),
    ("val_loss", "model_loss", {"split": "val"}),
    ("epoch", "training_epoch", {}),
    ("memory_mb", "process_memory_usage_bytes", {}),
    ("predict_latency_ms", "operation_duration_seconds", {"operation": "predict"}),
])
def test_names_that_mean_a_standard_metric_are_recognised(name, standard, labels):
    entry, captured = catalogue().look_alike(name)
    assert (entry.name, captured) == (standard, labels)


def test_unrelated_names_are_not_look_alikes():
    assert catalogue().look_alike("nightly_export_checksum") is None
    assert catalogue().look_alike("roc_auc") is None


def test_a_broken_catalogue_names_the_entry_and_field(tmp_path):
    data = yaml.safe_load(CATALOGUE_FILE.read_text())
    data["metrics"][1]["type"] = "meter"
    path = tmp_path / "standard.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CatalogueError, match=re.escape(f"metrics item 1 (name '{data['metrics'][1]['name']}'): "
                                                       "field 'type': 'meter' is not one of")):
        load_catalogue(path)
    path.write_text("metrics: [")
    with pytest.raises(CatalogueError, match="cannot read the catalogue"):
        load_catalogue(path)


def test_the_documented_table_lists_every_entry():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "standard-metrics.md").read_text()
    rows = [line for line in doc.splitlines() if line.startswith("| `")]
    documented = [line.split("`")[1] for line in rows]
    assert [e.name for e in ENTRIES] == documented[: len(ENTRIES)], "update the table in docs/standard-metrics.md"
