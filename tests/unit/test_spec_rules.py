"""Every validation rule of the metric spec, through the Simplepipe list format."""
import math

import pytest

from simplepipe.errors import InvalidMetricsError
from simplepipe.formats import from_data
from simplepipe.spec import MetricSet, MetricType, Position, exposed_name, format_value


def refused(items, *fragments):
    with pytest.raises(InvalidMetricsError) as info:
        from_data(items, "simplepipe", "metrics.json")
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return info.value


def g(name="m", value=1, **extra):
    return {"name": name, "description": "d", "value": value, "metric_type": "gauge", **extra}


def test_error_names_file_item_name_and_field():
    error = refused([g("ok"), g("a"), g("x", "abc")], "metrics.json: item 2 (name 'x'): field 'value': 'abc' is not a number")
    assert (error.item, error.name, error.field, error.source) == (2, "x", "value", "metrics.json")


@pytest.mark.parametrize("name", ["1abc", "a-b", "a b", "", "é"])
def test_metric_name_syntax(name):
    refused([g(name)], "field 'name'", "not a valid Prometheus metric name")


def test_metric_names_with_colons_are_valid():
    assert "a:b_c" in from_data([g("a:b_c")])


def test_double_underscore_metric_name_is_reserved():
    refused([g("__m")], "reserved")


@pytest.mark.parametrize("name", ["up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_anything"])
def test_names_prometheus_writes_itself_are_refused(name):
    refused([g(name)], f"(name {name!r}): field 'name'", "Prometheus writes itself", "choose another name")


def test_names_that_only_resemble_platform_series_are_valid():
    assert "uptime_seconds" in from_data([g("uptime_seconds"), g("alerts_sent"), g("my_scrape_total")])


@pytest.mark.parametrize("label", ["1a", "a-b", "a:b", ""])
def test_label_name_syntax(label):
    refused([g(labels={label: "v"})], f"field 'labels.{label}'", "not a valid label name")


def test_double_underscore_labels_are_reserved():
    refused([g(labels={"__name__": "x"})], "'labels.__name__'", "reserved by Prometheus")


@pytest.mark.parametrize("label", ["tenant", "namespace", "job", "instance", "argo_workflow", "argo_template"])
def test_platform_labels_are_refused(label):
    refused([g(labels={label: "bob"})], f"label {label!r} is set by the platform")


def test_le_reserved_on_histograms_and_quantile_on_summaries():
    refused([{"name": "h", "metric_type": "histogram", "value": 1, "labels": {"le": "1"}}], "'le' is reserved")
    refused([{"name": "s", "metric_type": "summary", "value": 1, "labels": {"quantile": "1"}}], "'quantile' is reserved")
    assert from_data([g(labels={"le": "1", "quantile": "x"})])  # fine on a gauge


def test_same_name_never_two_types():
    refused([g("m"), {"name": "m", "value": 1, "metric_type": "summary"}],
            "item 1", "already a gauge (item 0)", "cannot also be a summary")


def test_series_names_of_one_metric_cannot_clash_with_another():
    refused([{"name": "h", "value": 1, "metric_type": "histogram"}, g("h_count")], "'h_count' would clash")
    refused([g("c_total"), {"name": "c", "value": 1, "metric_type": "counter"}], "already a gauge")


def test_duplicate_series_refused_and_distinct_labels_allowed():
    refused([g("m", labels={"a": "1"}), g("m", labels={"a": "1"})], "item 1", "duplicate series: item 0")
    metrics = from_data([g("m", labels={"a": "1"}), g("m", labels={"a": "2"}), g("m")])
    assert metrics.series_count == 3 and len(metrics) == 1


def test_label_order_does_not_make_a_distinct_series():
    refused([g(labels={"a": "1", "b": "2"}), g(labels={"b": "2", "a": "1"})], "duplicate series")
    refused([g(labels={"a": "1", "b": "2", "c": ""}), g(labels={"b": "2", "a": "1"})], "duplicate series: item 0")


def test_values_that_spell_other_labels_make_distinct_series():
    # Escaped, a value cannot pass for a label boundary: a="x",b="y" and a='x",b="y' are two series.
    metrics = from_data([g(labels={"a": "x", "b": "y"}), g(labels={"a": 'x",b="y'}), g(labels={"a": "x\\"}),
                         g(labels={"a": "x", "b": "y\n"}), g(labels={"a": "x", "b": "y", "c": "z"})])
    assert metrics.series_count == 5


def test_a_duplicate_series_names_where_it_was_first_by_line_too():
    metrics = MetricSet("metrics.prom")
    metrics.add_gauge("m", 1, {"a": "1", "b": "2"}, at=Position(line=2))
    with pytest.raises(InvalidMetricsError, match="line 3.*duplicate series: line 2 already has metric 'm'"):
        metrics.add_gauge("m", 2, {"b": "2", "a": "1"}, at=Position(line=3))
    assert metrics["m"].declared_at == Position(line=2)


@pytest.mark.parametrize("raw, expected", [("NaN", math.nan), ("+Inf", math.inf), ("-Inf", -math.inf),
                                           (float("nan"), math.nan), ("6", 6.0), ("2.5", 2.5), ("-1.5e3", -1500.0), ("Inf", math.inf), (7, 7.0)])
def test_gauges_take_nan_and_infinities_and_numeric_strings(raw, expected):
    value = next(iter(from_data([g(value=raw)]))).series[0].value
    assert value == expected or (math.isnan(value) and math.isnan(expected))


def test_nan_and_infinities_are_written_as_prometheus_spells_them():
    body = from_data([g("a", "NaN"), g("b", "+Inf"), g("c", "-Inf")]).to_exposition().decode()
    assert "a NaN\n" in body and "b +Inf\n" in body and "c -Inf\n" in body


@pytest.mark.parametrize("value", [True, None, [1], {"a": 1}, "1,5", "one"])
def test_non_numbers_refused(value):
    refused([g(value=value)], "field 'value'")


@pytest.mark.parametrize("value", [-1, "NaN", "-Inf"])
def test_counters_are_non_negative_totals(value):
    refused([{"name": "c", "value": value, "metric_type": "counter"}], "counters only go up")


def test_histogram_observations_cannot_be_nan():
    refused([{"name": "h", "metric_type": "histogram", "observations": [1, "NaN"]}], "'observations[1]'", "NaN")


def test_timestamps_are_refused_with_an_explanation():
    refused([g(timestamp=1700000000)], "field 'timestamp'", "Pushgateway refuses pushed samples with timestamps")


def test_unknown_fields_are_refused():
    refused([g(lables={"a": "b"})], "field 'lables'", "unknown field")


def test_unknown_metric_type():
    refused([{"name": "m", "value": 1, "metric_type": "meter"}], "'meter' is not a metric type")


def test_label_values_must_be_scalars():
    refused([g(labels={"a": ["x"]})], "label values must be strings")
    metrics = from_data([g(labels={"epoch": 3, "lr": 0.5, "s": "x"})])
    assert next(iter(metrics)).series[0].labels == {"epoch": "3", "lr": "0.5", "s": "x"}


def test_pushgateway_own_metrics_are_refused():
    refused([g("push_time_seconds")], "set by the Pushgateway")


def test_histogram_bounds_must_increase_and_counts_must_be_cumulative():
    refused([{"name": "h", "metric_type": "histogram", "buckets": [1, 1], "observations": [1]}], "strictly increasing")
    refused([{"name": "h", "metric_type": "histogram", "buckets": [1, 2], "bucket_counts": [3, 2, 4],
              "sum": 1, "count": 4}], "must not decrease")
    refused([{"name": "h", "metric_type": "histogram", "buckets": [1, 2], "bucket_counts": [1, 2, 3],
              "sum": 1, "count": 4}], "differs from the +Inf bucket")
    refused([{"name": "h", "metric_type": "histogram", "buckets": [1, 2], "bucket_counts": [1],
              "sum": 1, "count": 4}], "1 bucket counts for 2 buckets")


def test_summary_quantiles_between_0_and_1():
    refused([{"name": "s", "metric_type": "summary", "count": 1, "sum": 1, "quantiles": {"1.5": 2}}],
            "between 0 and 1")


def test_counts_cannot_be_negative():
    refused([{"name": "s", "metric_type": "summary", "count": -1, "sum": 1}], "field 'count'", "non-negative")


def test_info_value_must_be_a_mapping_of_labels():
    refused([{"name": "build", "metric_type": "info", "value": 3}], "non-empty mapping")
    refused([{"name": "build", "metric_type": "info", "value": {"job": "x"}}], "set by the platform")


def test_invalid_unit():
    refused([g(unit="per cent")], "field 'unit'")


def test_exposed_names_follow_prometheus_conventions():
    assert exposed_name("runs", MetricType.COUNTER) == "runs_total"
    assert exposed_name("runs_total", MetricType.COUNTER) == "runs_total"
    assert exposed_name("run_time", MetricType.GAUGE, "seconds") == "run_time_seconds"
    assert exposed_name("run_time_seconds", MetricType.GAUGE, "seconds") == "run_time_seconds"
    assert exposed_name("data", MetricType.COUNTER, "bytes") == "data_bytes_total"
    assert exposed_name("build", MetricType.INFO) == "build_info"
    assert exposed_name("build_info", MetricType.INFO) == "build_info"


def test_format_value():
    assert [format_value(v) for v in (1.0, 0.1, 1e20, -0.0, 3.25)] == ["1", "0.1", "1e+20", "0", "3.25"]


def test_exposition_escapes_help_and_label_values():
    metrics = MetricSet("t")
    metrics.add_gauge("m", 1, {"a": 'q"b\\s\nn'}, help="line1\nback\\slash")
    body = metrics.to_exposition().decode()
    assert '# HELP m line1\\nback\\\\slash\n' in body
    assert 'm{a="q\\"b\\\\s\\nn"} 1\n' in body


def test_exposition_puts_extra_labels_on_every_series():
    metrics = from_data([g("a"), g("b", labels={"x": "1"}), {"name": "h", "metric_type": "histogram",
                                                             "buckets": [1], "value": 0.5}])
    body = metrics.to_exposition({"argo_workflow": "wf"}).decode()
    assert 'a{argo_workflow="wf"} 1' in body
    assert 'b{argo_workflow="wf",x="1"} 1' in body
    assert 'h_bucket{argo_workflow="wf",le="1"} 1' in body
    assert 'h_count{argo_workflow="wf"} 1' in body


def test_no_created_series_are_written():
    body = from_data([{"name": "c", "value": 1, "metric_type": "counter"},
                      {"name": "h", "value": 1, "metric_type": "histogram"}]).to_exposition()
    assert b"_created" not in body


def test_empty_list_is_refused_not_an_empty_push():
    # An empty PUT would delete every metric of the group.
    with pytest.raises(InvalidMetricsError, match="holds no metrics"):
        from_data([])
