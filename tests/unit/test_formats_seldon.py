"""Seldon Core custom metrics."""
import pytest

from simplepipe import formats
from simplepipe.errors import InvalidMetricsError
from simplepipe.spec import INF, MetricType

DOC = """[
  {"type": "COUNTER", "key": "requests", "value": 2, "tags": {"model": "a"}},
  {"type": "COUNTER", "key": "requests", "value": 3, "tags": {"model": "a"}},
  {"type": "GAUGE", "key": "queue.depth", "value": 4},
  {"type": "GAUGE", "key": "queue.depth", "value": 7},
  {"type": "TIMER", "key": "inference", "value": 20},
  {"type": "TIMER", "key": "inference", "value": 300}
]"""


def test_counter_increments_are_summed_gauges_last_wins_timers_are_histograms_in_seconds():
    metrics = formats.parse(DOC, source="seldon.json")
    assert metrics["requests_total"].type is MetricType.COUNTER
    assert metrics["requests_total"].series[0].value == 5 and metrics["requests_total"].series[0].labels == {"model": "a"}
    assert metrics["queue_depth"].series[0].value == 7
    timer = metrics["inference_seconds"]
    assert timer.type is MetricType.HISTOGRAM
    series = timer.series[0]
    assert (series.count, series.sum) == (2, 0.32)
    assert dict(series.buckets)[0.025] == 1 and dict(series.buckets)[0.25] == 1 and dict(series.buckets)[INF] == 2


def test_unknown_type_names_the_item():
    with pytest.raises(InvalidMetricsError, match=r"s.json: item 0 \(name 'x'\): field 'type'"):
        formats.parse('[{"type": "METER", "key": "x", "value": 1}]', source="s.json")


def test_negative_counter_increment():
    with pytest.raises(InvalidMetricsError, match="cannot be negative"):
        formats.parse('[{"type": "COUNTER", "key": "x", "value": -1}]')


def test_reserved_tags_refused():
    with pytest.raises(InvalidMetricsError, match="set by the platform"):
        formats.parse('[{"type": "GAUGE", "key": "x", "value": 1, "tags": {"tenant": "bob"}}]')
