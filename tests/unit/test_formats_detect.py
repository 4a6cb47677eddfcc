"""Format auto-detection and the --format override."""
import pytest

from simplepipe import formats
from simplepipe.errors import InvalidMetricsError


@pytest.mark.parametrize("text, name", [
    ('[{"name": "a", "value": 1, "metric_type": "gauge"}]', "a"),
    ("- name: a\n  value: 1\n", "a"),
    ('{"metrics": [{"name": "a-b", "numberValue": 1}]}', "a_b"),
    ('[{"type": "GAUGE", "key": "a", "value": 1}]', "a"),
    ("# TYPE a gauge\na 1\n", "a"),
    ("a 1\nb 2\n", "a"),
])
def test_detects(text, name):
    assert name in formats.parse(text)


def test_undetectable_says_how_to_fix():
    with pytest.raises(InvalidMetricsError, match="--format"):
        formats.parse('[{"foo": 1}]', source="x.json")


def test_format_override_is_applied():
    with pytest.raises(InvalidMetricsError, match="expected"):
        formats.parse('[{"name": "a", "value": 1}]', fmt="kubeflow")


def test_unknown_format():
    with pytest.raises(InvalidMetricsError, match="unknown format"):
        formats.parse("[]", fmt="csv")


def test_stdin(monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO('[{"name": "a", "value": 1}]'))
    metrics = formats.load("-")
    assert metrics.source == "<stdin>" and "a" in metrics


def test_plain_text_is_not_metrics():
    with pytest.raises(InvalidMetricsError, match="not a metrics file"):
        formats.parse("%%% nothing here\n")
