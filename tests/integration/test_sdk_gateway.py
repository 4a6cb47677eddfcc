"""The seed SDK (MetricCollector) and the BackgroundPusher against a real Pushgateway."""
import io
import json
import threading
import time
import uuid

import pytest

import simplepipe
from harness.waiting import wait_until
from simplepipe import BackgroundPusher, MetricCollector, Pushgateway, timer

SEED = [{"name": "example_metric", "description": "metric for example purposes", "value": 0, "metric_type": "gauge"}]


def job():
    return f"sdk-{uuid.uuid4().hex[:8]}"


@pytest.fixture(autouse=True)
def outside_argo(monkeypatch):
    for name in ("ARGO_WORKFLOW_NAME", "ARGO_NODE_ID", "ARGO_TEMPLATE"):
        monkeypatch.delenv(name, raising=False)


def test_seed_parse_and_push(pushgateway):
    MetricCollector(pushgateway.url).parse_and_push(metrics=SEED, job_name="example_from_dict")
    assert pushgateway.read_back("example_from_dict")["example_metric"][2] == {frozenset(): 0.0}


def test_seed_load_and_push_from_a_file_object(pushgateway, tmp_path):
    name = job()
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps([{"name": "six", "value": "6", "metric_type": "gauge"}]))
    with open(path) as fp:
        MetricCollector(pushgateway.url.removeprefix("http://")).load_and_push(fp, name)
    MetricCollector(pushgateway.url).load_and_push(io.StringIO('[{"name": "seven", "value": 7}]'), name + "-b")
    assert pushgateway.read_back(name)["six"][2] == {frozenset(): 6.0}
    assert pushgateway.read_back(name + "-b")["seven"][2] == {frozenset(): 7.0}


def test_timer_with_a_collector(pushgateway):
    name = job()
    collector = MetricCollector(pushgateway.url)
    with timer(collector, "application_run_time_seconds"):
        time.sleep(0.01)
    collector.push(name)
    value = pushgateway.read_back(name)["application_run_time_seconds"][2][frozenset()]
    assert 0.01 <= value < 5


def test_background_pusher_success(pushgateway):
    name = job()
    gateway = Pushgateway(pushgateway.url, identity=None)
    with BackgroundPusher(job=name, interval=0.1, gateway=gateway) as pusher:
        for epoch in range(1, 4):
            pusher.set("training_epoch", epoch)
            # A periodic push carries each epoch to the gateway while the job still runs.
            wait_until(lambda: (pushgateway.read_back(name).get("training_epoch") or [0, 0, {}])[2]
                       == {frozenset(): float(epoch)}, timeout=10, poll=0.05, what=f"epoch {epoch} in the gateway")
    back = pushgateway.read_back(name)
    assert back["training_epoch"][2] == {frozenset(): 3.0}
    assert back["simplepipe_job_success"][2] == {frozenset(): 1.0}
    assert abs(back["simplepipe_job_last_success_timestamp_seconds"][2][frozenset()] - time.time()) < 30
    assert pusher.pushes >= 3


def test_background_pusher_failure_keeps_last_success(pushgateway):
    name = job()
    gateway = Pushgateway(pushgateway.url, identity=None)
    with BackgroundPusher(job=name, interval=5, gateway=gateway):
        pass
    before = pushgateway.read_back(name)["simplepipe_job_last_success_timestamp_seconds"][2][frozenset()]
    with pytest.raises(RuntimeError, match="diverged"):
        with simplepipe.BackgroundPusher(job=name, interval=5, gateway=gateway) as pusher:
            pusher.set("training_reward", -1)
            raise RuntimeError("diverged")
    back = pushgateway.read_back(name)
    assert back["simplepipe_job_success"][2] == {frozenset(): 0.0}
    assert back["simplepipe_job_last_success_timestamp_seconds"][2][frozenset()] == before
    assert "simplepipe_job_last_failure_timestamp_seconds" in back
    assert back["training_reward"][2] == {frozenset(): -1.0}


def test_background_pusher_is_thread_safe(pushgateway):
    name = job()
    with BackgroundPusher(job=name, interval=0.05, gateway=Pushgateway(pushgateway.url, identity=None)) as pusher:
        def work(worker):
            for i in range(200):
                pusher.set("progress", i, labels={"worker": str(worker)})
                pusher.inc("items")
        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    back = pushgateway.read_back(name)
    assert back["items_total"][2] == {frozenset(): 800.0}
    assert set(back["progress"][2].values()) == {199.0}


def test_background_pusher_refuses_a_clash_and_keeps_pushing_what_it_accepted(pushgateway):
    name = job()
    with BackgroundPusher(job=name, interval=0.05, gateway=Pushgateway(pushgateway.url, identity=None)) as pusher:
        pusher.set("x_total", 1)
        with pytest.raises(simplepipe.InvalidMetricsError):
            pusher.inc("x")
        pusher.set("x_total", 2)
    assert pusher.last_error is None
    back = pushgateway.read_back(name)
    assert back["x_total"][2] == {frozenset(): 2.0} and back["simplepipe_job_success"][2] == {frozenset(): 1.0}


def test_background_pusher_works_in_a_second_with_block(pushgateway):
    name = job()
    pusher = BackgroundPusher(job=name, interval=0.05, gateway=Pushgateway(pushgateway.url, identity=None))
    with pusher:
        pusher.set("round", 1)
    first = pusher.pushes
    with pusher:
        pusher.set("round", 2)
        wait_until(lambda: pusher.pushes >= first + 2, timeout=10, poll=0.02,
                   what="periodic pushes of the second block")
    assert pushgateway.read_back(name)["round"][2] == {frozenset(): 2.0}


def test_sdk_failures_are_simplepipe_errors_with_the_cli_message(pushgateway):
    gateway = Pushgateway(pushgateway.url, identity=None, retries=0)
    with pytest.raises(simplepipe.SimplepipeError) as info:
        gateway.push(b"not exposition {\n", job())
    assert info.value.exit_code == 5 and "\n" not in str(info.value)
    with pytest.raises(simplepipe.UsageError):
        Pushgateway(pushgateway.url, timeout=float("nan"))
    with pytest.raises(simplepipe.UsageError):
        MetricCollector(pushgateway.url, retries=-1)
