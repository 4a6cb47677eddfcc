"""Kubeflow Pipelines v1 mlpipeline-metrics."""
import pytest

from simplepipe import formats
from simplepipe.errors import InvalidMetricsError
from simplepipe.spec import MetricType

DOC = '{"metrics": [{"name": "images-processed", "numberValue": 12, "format": "RAW"},' \
      ' {"name": "accuracy-score", "numberValue": 0.93, "format": "PERCENTAGE"}]}'


def test_names_convert_dashes_and_values_become_gauges():
    metrics = formats.parse(DOC, source="mlpipeline-metrics.json")
    assert [(f.name, f.type, f.series[0].value) for f in metrics] == [
        ("images_processed", MetricType.GAUGE, 12.0), ("accuracy_score", MetricType.GAUGE, 0.93)]
    assert metrics["images_processed"].help == "Kubeflow Pipelines metric images-processed (RAW)"


def test_format_defaults_to_raw_and_is_checked():
    assert formats.parse('{"metrics": [{"name": "a", "numberValue": 1}]}')["a"]
    with pytest.raises(InvalidMetricsError, match="item 0 \\(name 'a'\\): field 'format'"):
        formats.parse('{"metrics": [{"name": "a", "numberValue": 1, "format": "PERMILLE"}]}', source="k.json")


def test_number_value_required():
    with pytest.raises(InvalidMetricsError, match="field 'value': is missing"):
        formats.parse('{"metrics": [{"name": "a"}]}')


def test_unknown_field():
    with pytest.raises(InvalidMetricsError, match="field 'stringValue'"):
        formats.parse('{"metrics": [{"name": "a", "numberValue": 1, "stringValue": "x"}]}')


def test_explicit_format_override():
    assert formats.parse(DOC, fmt="kubeflow")["images_processed"]
