"""The timer context manager and the BackgroundPusher's validation (no network)."""
import pytest

from simplepipe import BackgroundPusher, InvalidMetricsError, MetricSet, Pushgateway, timer


def test_timer_appends_a_gauge_to_a_simplepipe_list():
    metrics = []
    with timer(metrics) as timing:
        pass
    assert metrics[0]["name"] == "application_run_time_seconds" and metrics[0]["value"] == timing.seconds >= 0


def test_timer_records_when_the_block_raises():
    record = {}
    with pytest.raises(ZeroDivisionError):
        with timer(record, "step_seconds"):
            1 / 0
    assert record["step_seconds"] >= 0


def test_timer_into_a_metric_set():
    metrics = MetricSet()
    with timer(metrics, "t_seconds", labels={"step": "a"}):
        pass
    assert metrics["t_seconds"].series[0].labels == {"step": "a"}


def test_pusher_refuses_invalid_names_at_set_time():
    pusher = BackgroundPusher("j", gateway=Pushgateway("http://127.0.0.1:9", identity=None))
    with pytest.raises(InvalidMetricsError):
        pusher.set("bad-name", 1)
    with pytest.raises(InvalidMetricsError):
        pusher.set("ok", 1, labels={"job": "x"})


def test_pusher_counters_accumulate_and_gauges_replace():
    pusher = BackgroundPusher("j", gateway=Pushgateway("http://127.0.0.1:9", identity=None))
    pusher.set("epoch", 1)
    pusher.set("epoch", 2)
    pusher.inc("steps", 2)
    pusher.inc("steps")
    body = pusher.snapshot().to_exposition()
    assert b"epoch 2\n" in body and b"steps_total 3\n" in body
