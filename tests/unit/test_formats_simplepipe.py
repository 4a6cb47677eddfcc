"""The seed's Simplepipe list, in JSON and YAML, with its extensions."""
import json

import pytest

from simplepipe import formats
from simplepipe.errors import InvalidMetricsError
from simplepipe.spec import DEFAULT_BUCKETS, INF, MetricType

SEED = [{"name": "example_metric", "description": "metric for example purposes", "value": 0, "metric_type": "gauge"}]


def test_seed_example_is_a_gauge(tmp_path):
    path = tmp_path / "metric-in.json"
    path.write_text(json.dumps(SEED))
    metrics = formats.load(str(path))
    family = metrics["example_metric"]
    assert family.type is MetricType.GAUGE and family.help == "metric for example purposes"
    assert metrics.to_exposition() == (b"# HELP example_metric metric for example purposes\n"
                                       b"# TYPE example_metric gauge\nexample_metric 0\n")


def test_yaml_list(tmp_path):
    path = tmp_path / "metrics.yaml"
    path.write_text("- name: model_accuracy\n  description: accuracy\n  value: '0.93'\n  metric_type: gauge\n"
                    "  labels: {model: resnet}\n")
    series = formats.load(path)["model_accuracy"].series[0]
    assert series.value == 0.93 and series.labels == {"model": "resnet"}


def test_metric_type_defaults_to_gauge():
    assert formats.from_data([{"name": "m", "value": 1}])["m"].type is MetricType.GAUGE


def test_seed_summary_with_one_value_is_one_observation():
    series = formats.from_data([{"name": "s", "value": "2.5", "metric_type": "summary"}])["s"].series[0]
    assert (series.count, series.sum, series.quantiles) == (1, 2.5, ())


def test_summary_from_observations_and_precomputed():
    metrics = formats.from_data([
        {"name": "a", "metric_type": "summary", "observations": [1, 2, 3]},
        {"name": "b", "metric_type": "summary", "count": 10, "sum": 5, "quantiles": {"0.5": 0.4, "0.99": 1}},
    ])
    assert (metrics["a"].series[0].count, metrics["a"].series[0].sum) == (3, 6)
    assert metrics["b"].series[0].quantiles == ((0.5, 0.4), (0.99, 1.0))
    assert b'b{quantile="0.99"} 1\n' in metrics.to_exposition()


def test_seed_histogram_with_one_value_is_one_observation_in_default_buckets():
    series = formats.from_data([{"name": "h", "value": 0.3, "metric_type": "histogram"}])["h"].series[0]
    assert [b for b, _ in series.buckets] == list(DEFAULT_BUCKETS) + [INF]
    assert dict(series.buckets)[0.25] == 0 and dict(series.buckets)[0.5] == 1
    assert (series.count, series.sum) == (1, 0.3)


def test_histogram_explicit_buckets_with_observations():
    series = formats.from_data([{"name": "h", "metric_type": "histogram", "buckets": [1, 5],
                                 "observations": [0.5, 1, 3, 9]}])["h"].series[0]
    assert series.buckets == ((1.0, 2.0), (5.0, 3.0), (INF, 4.0))
    assert (series.sum, series.count) == (13.5, 4)


def test_histogram_precomputed_counts_with_or_without_inf_bucket():
    a = formats.from_data([{"name": "h", "metric_type": "histogram", "buckets": [1, 5],
                            "bucket_counts": [2, 3], "sum": 7, "count": 4}])["h"].series[0]
    b = formats.from_data([{"name": "h", "metric_type": "histogram", "buckets": [1, 5, "+Inf"],
                            "bucket_counts": [2, 3, 4], "sum": 7, "count": 4}])["h"].series[0]
    assert a.buckets == b.buckets == ((1.0, 2.0), (5.0, 3.0), (INF, 4.0))


def test_info_value_is_a_dict_of_labels():
    metrics = formats.from_data([{"name": "build", "description": "b", "value": {"version": "1.2"},
                                  "metric_type": "info"}])
    assert b'build_info{version="1.2"} 1\n' in metrics.to_exposition()
    assert b"# TYPE build_info gauge\n" in metrics.to_exposition()


def test_counter_and_unit_naming():
    metrics = formats.from_data([{"name": "data", "unit": "bytes", "value": 3, "metric_type": "counter"},
                                 {"name": "run_time", "unit": "seconds", "value": 1.5}])
    assert list(m.name for m in metrics) == ["data_bytes_total", "run_time_seconds"]
    assert b"# TYPE data_bytes_total counter\ndata_bytes_total 3\n" in metrics.to_exposition()


def test_not_a_list():
    with pytest.raises(InvalidMetricsError, match="expected a list"):
        formats.from_data({"name": "x"}, "simplepipe", "f.json")


def test_item_not_a_mapping():
    with pytest.raises(InvalidMetricsError, match="f.json: item 1: expected a mapping"):
        formats.from_data([{"name": "a", "value": 1}, 3], "simplepipe", "f.json")


def test_missing_name_and_missing_value():
    with pytest.raises(InvalidMetricsError, match=r"item 0 \(name 'a'\): field 'value': is missing"):
        formats.from_data([{"name": "a"}], "simplepipe")


def test_invalid_json_names_the_position(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('[{"name": "a", "value": 1,}]')
    with pytest.raises(InvalidMetricsError, match=r"m.json: invalid JSON at line 1"):
        formats.load(str(path))


def test_missing_file():
    with pytest.raises(InvalidMetricsError, match="nope.json: no such file"):
        formats.load("nope.json")


def test_json_nan_literals_are_accepted():
    metrics = formats.parse('[{"name": "a", "value": NaN}, {"name": "b", "value": Infinity}]')
    assert b"a NaN\n" in metrics.to_exposition() and b"b +Inf\n" in metrics.to_exposition()
