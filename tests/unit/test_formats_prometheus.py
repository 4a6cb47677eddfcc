"""Prometheus text exposition as input."""
import pytest

from simplepipe import formats
from simplepipe.errors import InvalidMetricsError
from simplepipe.spec import INF, MetricType

TEXT = r'''# HELP run_time_seconds Run time\nof the job
# TYPE run_time_seconds gauge
run_time_seconds{step="train",path="C:\\x \"q\""} 12.5
# TYPE requests_total counter
requests_total 7
requests_created 1.7e9
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 1
latency_seconds_bucket{le="+Inf"} 3
latency_seconds_sum 2.5
latency_seconds_count 3
latency_seconds_created 1.7e9
# TYPE size summary
size{quantile="0.5"} 10
size_sum 40
size_count 4
untyped_thing 3
'''


def test_families_types_and_labels():
    metrics = formats.parse(TEXT, source="m.prom")
    assert [(f.name, f.type) for f in metrics] == [
        ("run_time_seconds", MetricType.GAUGE), ("requests_total", MetricType.COUNTER),
        ("latency_seconds", MetricType.HISTOGRAM), ("size", MetricType.SUMMARY), ("untyped_thing", MetricType.GAUGE)]
    assert metrics["run_time_seconds"].help == "Run time\nof the job"
    assert metrics["run_time_seconds"].series[0].labels == {"step": "train", "path": 'C:\\x "q"'}
    assert metrics["latency_seconds"].series[0].buckets == ((0.1, 1.0), (INF, 3.0))
    assert metrics["size"].series[0].quantiles == ((0.5, 10.0),)


def test_created_series_are_dropped():
    assert b"_created" not in formats.parse(TEXT).to_exposition()


def test_round_trip_through_our_own_serializer():
    once = formats.parse(TEXT).to_exposition()
    assert formats.parse(once.decode()).to_exposition() == once


def test_timestamps_refused_with_line():
    with pytest.raises(InvalidMetricsError, match=r"m.prom: line 2 \(name 'a'\): field 'timestamp'.*Pushgateway"):
        formats.parse("# TYPE a gauge\na 1 1700000000000\n", source="m.prom")


def test_histogram_without_inf_bucket():
    with pytest.raises(InvalidMetricsError, match=r"\+Inf"):
        formats.parse('# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n')


def test_reserved_labels_refused():
    with pytest.raises(InvalidMetricsError, match="line 1.*'labels.job'"):
        formats.parse('a{job="x"} 1\n', fmt="prometheus")


def test_old_style_counter_gets_total_suffix():
    metrics = formats.parse("# TYPE hits counter\nhits 4\n")
    assert metrics["hits_total"].series[0].value == 4


def test_unterminated_labels():
    with pytest.raises(InvalidMetricsError, match="line 1"):
        formats.parse('a{b="c} 1\n', fmt="prometheus")
