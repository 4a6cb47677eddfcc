"""The timer context manager and the BackgroundPusher's validation (no network)."""
import time

import pytest

from simplepipe import (
    BackgroundPusher,
    GatewayUnreachableError,
    InvalidMetricsError,
    MetricSet,
    Pushgateway,
    UsageError,
    timer,
)


def test_timer_appends_a_gauge_to_a_simplepipe_list():
    metrics = []
    with timer(metrics) as timing:
        time.sleep(0.05)
    assert metrics[0]["name"] == "application_run_time_seconds" and metrics[0]["value"] == timing.seconds
    assert 0.05 <= timing.seconds < 5


def test_timer_records_when_the_block_raises():
    record = {}
    with pytest.raises(ZeroDivisionError):
        with timer(record, "step_seconds"):
            time.sleep(0.05)
            1 / 0
    assert 0.05 <= record["step_seconds"] < 5


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


@pytest.mark.parametrize("first, second", [
    (("set", "x_total"), ("inc", "x")),
    (("inc", "x"), ("set", "x_total")),
    (("inc", "c"), ("inc", "c_total")),
])
def test_pusher_refuses_the_call_that_would_clash_and_keeps_the_rest(first, second):
    pusher = BackgroundPusher("j", gateway=Pushgateway("http://127.0.0.1:9", identity=None))
    getattr(pusher, first[0])(first[1], 1)
    before = pusher.snapshot().to_exposition()
    with pytest.raises(InvalidMetricsError, match="<BackgroundPusher>"):
        getattr(pusher, second[0])(second[1], 1)
    assert pusher.snapshot().to_exposition() == before  # what every later push renders: unchanged, valid


def test_pusher_x_total_then_inc_x_is_refused():
    pusher = BackgroundPusher("j", gateway=Pushgateway("http://127.0.0.1:9", identity=None))
    pusher.set("x_total", 1)
    with pytest.raises(InvalidMetricsError, match="x_total"):
        pusher.inc("x")
    assert pusher.snapshot().to_exposition() == b"# TYPE x_total gauge\nx_total 1\n"


def test_pusher_refuses_its_own_outcome_names_and_grouping_labels():
    pusher = BackgroundPusher("j", gateway=Pushgateway("http://127.0.0.1:9", identity=None),
                              grouping_key={"stage": "a"})
    with pytest.raises(InvalidMetricsError, match="sets this metric itself"):
        pusher.set("simplepipe_job_success", 1)
    with pytest.raises(InvalidMetricsError, match="grouping key"):
        pusher.set("ok", 1, labels={"stage": "b"})


@pytest.mark.parametrize("interval", [0, -1, float("nan"), float("inf"), "2"])
def test_pusher_interval_must_be_positive_and_finite(interval):
    with pytest.raises(UsageError, match="interval must be"):
        BackgroundPusher("j", interval=interval, gateway=Pushgateway("http://127.0.0.1:9", identity=None))


def test_pusher_refuses_a_bad_job_at_construction():
    with pytest.raises(UsageError):
        BackgroundPusher("", gateway=Pushgateway("http://127.0.0.1:9", identity=None))


def test_pusher_refuses_a_second_concurrent_start():
    gateway = Pushgateway("http://127.0.0.1:9", identity=None, retries=0)  # nothing listens: the final push fails fast
    pusher = BackgroundPusher("j", interval=60, gateway=gateway, raise_on_push_error=False)
    with pusher:
        with pytest.raises(UsageError, match="already running"):
            pusher.start()
    assert isinstance(pusher.last_error, GatewayUnreachableError)


def test_timer_refuses_an_unknown_target_before_the_block_runs():
    ran = []
    with pytest.raises(UsageError, match="cannot record into int"):
        with timer(42):
            ran.append(True)
    assert ran == []
